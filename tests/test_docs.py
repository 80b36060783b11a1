"""The datasheet's figures come from the committed table, and no input's presence carries the label."""

from __future__ import annotations

import pandas as pd
import pytest

from renewml import config, docs


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    return pd.read_csv(config.DATASET_PATH, keep_default_na=False, na_values=[""])


def test_datasheet_blocks_match_the_committed_table(table: pd.DataFrame) -> None:
    text = (config.DATA_DIR / "README.md").read_text(encoding="utf-8")
    dropped = pd.read_csv(config.DROPPED_PATH, keep_default_na=False, na_values=[""])
    assert {"summary", "counts", "presence", "columns"} <= set(docs.block_names(text))
    assert docs.render_blocks(text, docs.datasheet_blocks(table, dropped)) == text, (
        "data/README.md is stale: run python -c 'from renewml.docs import update_datasheet; update_datasheet()'"
    )


def test_no_model_input_presence_carries_the_label_without_a_reason(table: pd.DataFrame) -> None:
    gaps = docs.presence_gaps(table)
    assert set(gaps["input"]) == set(config.FEATURES)
    for row in gaps.itertuples():
        if max(row.all_gap, row.ongoing_gap) > docs.PRESENCE_GAP_LIMIT:
            assert row.reason, f"{row.input}: presence gap over 25 points without a stated reason"
        if row.input in docs.REVIEW_INPUTS:
            assert row.ongoing_gap <= docs.PRESENCE_GAP_LIMIT, f"{row.input}: its presence predicts renewal"


def test_presence_check_catches_a_blank_that_is_the_label() -> None:
    # The old Metacritic rule in miniature: the score blanked exactly where the show was renewed.
    frame = pd.DataFrame(
        {
            "renewed": [1, 1, 1, 0, 0, 0],
            "format": ["ongoing"] * 6,
            "critic_score": [None, None, None, 60, 55, 70],
        }
    )
    gaps = docs.presence_gaps(frame, ("critic_score",)).iloc[0]
    assert gaps["ongoing_gap"] == 1.0 and gaps["ongoing_rate_blank"] == 1.0 and gaps["ongoing_rate_present"] == 0.0


def test_render_blocks_replaces_only_named_blocks() -> None:
    text = "a\n<!-- generated:x -->\nold\n<!-- /generated:x -->\nb\n<!-- generated:y -->\nkeep\n<!-- /generated:y -->\n"
    out = docs.render_blocks(text, {"x": "new"})
    assert out == "a\n<!-- generated:x -->\nnew\n<!-- /generated:x -->\nb\n<!-- generated:y -->\nkeep\n<!-- /generated:y -->\n"


def test_readme_evaluation_figures_come_from_the_shipped_card() -> None:
    import json

    card = json.loads(config.MODEL_PATH.with_suffix(".card.json").read_text(encoding="utf-8"))
    text = (config.REPO_ROOT / "README.md").read_text(encoding="utf-8")
    assert "evaluation" in docs.block_names(text)
    assert docs.render_blocks(text, {"evaluation": docs.evaluation_summary(card)}) == text, (
        "README.md is stale: run python -c 'from renewml.docs import update_readme; update_readme()'"
    )


def test_readme_leave_out_figure_comes_from_the_shipped_model(shipped_model) -> None:
    from renewml.data import load_dataset

    text = (config.REPO_ROOT / "README.md").read_text(encoding="utf-8")
    shift = docs.leave_out_shift(shipped_model, load_dataset(config.DATASET_PATH))
    assert abs(shift["mean"]) <= 0.02  # a missing input is unknown, not a signal
    assert docs.render_blocks(text, {"leave-out": docs.leave_out_text(shift)}) == text
