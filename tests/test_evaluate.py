"""The evaluation can tell a good model from a broken one, and splits never leak a show."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from renewml import config
from renewml.evaluate import (
    BASELINES,
    CONTENT_FEATURES,
    MIN_SLICE_ROWS,
    SLICES,
    content_frame,
    expected_calibration_error,
    forward_split,
    metrics,
    paired_bootstrap,
    pooled_backtest,
    score_split,
    verdict,
)


def test_forward_split_is_time_ordered_and_marks_shows_seen_in_training(dataset):
    split = forward_split(dataset)
    assert split.train["debut_week"].max() < split.test["debut_week"].min()
    seen = split.test["series_id"].isin(set(split.train["series_id"]))
    assert (split.test["show_seen_in_training"] == seen).all()
    assert split.seen_shows == int(seen.sum())
    assert split.train["renewed"].notna().all() and split.test["renewed"].notna().all()


def test_shuffled_labels_score_near_chance(dataset):
    rng = np.random.default_rng(0)
    broken = dataset.copy()
    known = broken["renewed"].notna()
    broken.loc[known, "renewed"] = rng.permutation(broken.loc[known, "renewed"].to_numpy())
    split = forward_split(dataset)
    broken_split = forward_split(broken)
    broken_split.test = split.test  # score the broken model against the true labels
    from renewml.evaluate import BASELINES

    good = score_split(split, {"gbm": BASELINES["gbm_calibrated"]})
    bad = score_split(broken_split, {"gbm": BASELINES["gbm_calibrated"]})
    good_auc = good["slices"]["all"]["models"]["gbm"]["roc_auc"]
    bad_auc = bad["slices"]["all"]["models"]["gbm"]["roc_auc"]
    assert good_auc > 0.8
    assert abs(bad_auc - 0.5) < 0.15
    assert good["slices"]["all"]["models"]["gbm"]["brier"] < bad["slices"]["all"]["models"]["gbm"]["brier"]


def test_metrics_structure_and_values():
    y = np.array([0, 0, 1, 1])
    perfect = metrics(y, np.array([0.0, 0.0, 1.0, 1.0]))
    assert perfect["roc_auc"] == 1.0 and perfect["accuracy"] == 1.0 and perfect["brier"] < 1e-6
    assert set(perfect) == {"roc_auc", "pr_auc", "brier", "log_loss", "accuracy", "ece"}
    assert metrics(np.array([0, 0]), np.array([0.2, 0.3]))["roc_auc"] is None
    assert expected_calibration_error(y, np.full(4, 0.5)) == 0.0
    assert abs(expected_calibration_error(y, np.full(4, 0.9)) - 0.4) < 1e-9


def test_card_evaluation_is_on_the_configured_holdout(shipped_model):
    assert shipped_model.card.evaluation["holdout_start"] == config.HOLDOUT_START


def test_fast_bootstrap_metrics_agree_with_sklearn():
    from renewml.evaluate import _fast_metrics

    rng = np.random.default_rng(1)
    y = rng.integers(0, 2, 200)
    p = np.clip(y * 0.3 + rng.random(200) * 0.7, 0, 1)
    fast, slow = _fast_metrics(y, p), metrics(y, p)
    for name in ("roc_auc", "brier", "log_loss", "accuracy", "ece"):
        assert abs(fast[name] - slow[name]) < 1e-9, name
    assert abs(fast["pr_auc"] - slow["pr_auc"]) < 1e-6


def test_evaluate_json_has_every_metric_for_every_model_and_slice(run_cli):
    import json

    code, out, err = run_cli("evaluate", "--json", "--bootstrap", "20", "--no-backtest")
    assert code == 0, err
    result = json.loads(out)
    assert list(result["slices"])[0] == "ongoing"
    assert set(SLICES) == set(result["slices"])
    models = {
        "prior_rate",
        "format_only",
        "views_only",
        "logistic",
        "content_forest",
        "gbm_uncalibrated",
        "gbm_calibrated",
    }
    for entry in result["slices"].values():
        if entry["rows"] < MIN_SLICE_ROWS:
            assert "flagged" in entry and "models" not in entry
            continue
        assert set(entry["models"]) == models
        for scores in entry["models"].values():
            assert {"roc_auc", "pr_auc", "brier", "log_loss", "accuracy", "ece", "interval_95"} <= set(scores)
    ongoing = result["slices"]["ongoing"]["models"]
    assert ongoing["gbm_calibrated"]["brier"] < ongoing["prior_rate"]["brier"]


@pytest.mark.slow
def test_evaluate_prints_the_pooled_backtest_with_intervals_and_json_has_pooled(run_cli):
    import json

    code, out, err = run_cli("evaluate", "--bootstrap", "20")
    assert code == 0, err
    assert "pooled rolling-origin backtest" in out and "ROC AUC (95%)" in out
    assert "beats" not in out
    lines = out.splitlines()
    assert lines[0] == "Summary (pooled backtest; the details follow):"  # the short summary comes first
    assert lines[1].startswith("  ongoing: ") and lines[2].startswith("  all: ")
    assert lines.index("Details.") < next(i for i, line in enumerate(lines) if "ROC AUC (95%)" in line)
    code, out, err = run_cli("evaluate", "--json", "--bootstrap", "20")
    pooled = json.loads(out)["pooled"]
    assert list(pooled["slices"])[0] == "ongoing"
    assert {"all", "ongoing", "limited", "first_season", "later_seasons", "english", "non_english"} <= set(
        pooled["slices"]
    )
    assert pooled["slices"]["all"]["rows"] >= 100
    for entry in pooled["slices"].values():
        for other, scores in entry.get("versus", {}).items():
            for metric, v in scores.items():
                low, high = v["interval_95"]
                better = low > 0 if metric == "roc_auc" else high < 0
                assert v["verdict"].startswith("ahead of") == better
                if low <= 0 <= high:
                    assert v["verdict"] == f"within noise of {other}"


def test_paired_verdicts_follow_the_interval_of_the_difference():
    rng = np.random.default_rng(3)
    y = rng.integers(0, 2, 300)
    good = np.clip(0.25 + 0.5 * y + rng.normal(0, 0.15, 300), 0.01, 0.99)
    noise = rng.random(300)
    result = paired_bootstrap(y, {"gbm_calibrated": good, "noise": noise, "same": good.copy()}, 200, "gbm_calibrated")
    assert result["versus"]["noise"]["roc_auc"]["verdict"] == "ahead of noise"
    assert result["versus"]["noise"]["brier"]["verdict"] == "ahead of noise"
    assert result["versus"]["same"]["roc_auc"]["verdict"] == "within noise of same"
    assert verdict("brier", [0.01, 0.02], "x") == "behind x"


def test_pooled_backtest_trains_only_on_earlier_debuts(dataset):
    seen = []

    def spy(train, test):
        seen.append((train["debut_week"].max(), test["debut_week"].min(), len(test)))
        return np.full(len(test), 0.5)

    backtest = pooled_backtest(dataset, {"spy": spy})
    assert len(seen) >= 4 and sum(n for *_, n in seen) == len(backtest.rows)
    assert all(train_max < test_min for train_max, test_min, _ in seen)
    assert backtest.rows["debut_week"].min() >= pd.Timestamp(config.BACKTEST_START)
    assert backtest.rows["show_seen_in_training"].any()  # later seasons of known shows are kept


def test_content_forest_reads_no_viewing_data(dataset):
    split = forward_split(dataset)
    assert set(content_frame(split.test, dataset)) == set(CONTENT_FEATURES)
    shuffled = split.test.copy()
    for name in ("debut_views", "debut_rank", "debut_views_per_day", "week2_to_week1", "weeks_in_top10_first4"):
        shuffled[name] = shuffled[name].sample(frac=1, random_state=0).to_numpy()
    assert np.allclose(
        BASELINES["content_forest"](split.train, split.test), BASELINES["content_forest"](split.train, shuffled)
    )


@pytest.mark.slow
def test_report_writes_markdown_json_and_plots(dataset, tmp_path):
    import json

    from renewml.report import write_report

    write_report(dataset, tmp_path, n_boot=20, shuffles=2, grid_points=5)
    names = {p.name for p in tmp_path.iterdir()}
    assert {
        "report.md",
        "report.json",
        "reliability.png",
        "backtest.png",
        "permutation_importance.png",
        "partial_dependence.png",
    } <= names
    assert not [n for n in names if n.endswith(".tmp")]
    text = (tmp_path / "report.md").read_text()
    assert "ongoing" in text and "Pooled rolling-origin backtest" in text and "data/renewals.csv" in text
    assert "within noise of" in text or "ahead of" in text
    result = json.loads((tmp_path / "report.json").read_text())
    assert set(result["permutation_importance"]) == set(config.FEATURES)
    assert len(result["rolling_backtest"]) >= 4
    for name in ("reliability.png", "backtest.png"):
        assert (tmp_path / name).read_bytes()[:4] == b"\x89PNG"


def test_a_supplied_model_trained_on_the_same_data_is_flagged_as_no_holdout(dataset):
    from renewml.evaluate import evaluate_all

    result = evaluate_all(dataset, model_path=config.MODEL_PATH, n_boot=0, backtest=False)
    assert "supplied_model" in result["slices"]["all"]["models"]
    assert any("not a hold-out" in line for line in result["remarks"])
