"""The board: every undecided season once, grouped by the decision window, scored as `predict` scores it,
with the model's track record; and an earlier board scored against a newer snapshot of the table."""

from __future__ import annotations

import csv
import json
from datetime import date
from pathlib import Path

import numpy as np
import pytest

from renewml import config
from renewml.board import build_board, overdue_reading, read_board, score_board, write_board
from renewml.errors import InputError
from renewml.io import sha256_file
from renewml.table import take

BOARD_FIXTURES = Path(__file__).resolve().parent / "fixtures" / "board"
OLD_SNAPSHOT = BOARD_FIXTURES / "renewals_95e73d4.csv"
NEW_SNAPSHOT = BOARD_FIXTURES / "renewals_66c4e1e.csv"
OLD_BOARD = BOARD_FIXTURES / "board_95e73d4.json"
TODAY = date(2026, 12, 1)


@pytest.fixture(scope="module")
def table():
    from renewml.data import read_table

    return read_table(config.DATASET_PATH)


@pytest.fixture(scope="module")
def board(shipped_model, table):
    return build_board(shipped_model, table, "sha", today=TODAY)


def test_every_undecided_season_is_on_the_board_once(board, table):
    undecided = {str(r) for r, o in zip(table["row_id"], table["outcome"], strict=True) if o == "unknown"}
    ids = [row["row_id"] for row in board.rows]
    assert len(ids) == len(set(ids)) == len(undecided)
    assert set(ids) == undecided
    assert all(row["probability"] is not None and 0 <= row["probability"] <= 1 for row in board.rows)


def test_groups_follow_the_decision_window(board):
    for row in board.rows:
        days = (TODAY - date.fromisoformat(row["debut_week"])).days
        assert row["days_since_debut"] == days
        assert row["group"] == ("awaiting" if days <= config.DECISION_WINDOW_DAYS else "overdue")
    groups = [row["group"] for row in board.rows]
    assert groups == sorted(groups, key=["awaiting", "overdue"].index)  # awaiting first
    assert {"awaiting", "overdue"} <= set(groups)


def test_surest_calls_come_first_in_each_group(board):
    for group in ("awaiting", "overdue"):
        certainty = [abs(r["probability"] - 0.5) for r in board.rows if r["group"] == group]
        assert certainty == sorted(certainty, reverse=True)


def test_board_probabilities_are_predict_rows_of_the_same_seasons(board, shipped_model, table):
    from renewml.predict import predict_rows

    pending = take(table, np.asarray(table["outcome"], dtype=object) == "unknown")
    expected = {p.row_id: p.probability for p in predict_rows(shipped_model, pending, reasons=False)}
    for row in board.rows:
        assert abs(row["probability"] - round(expected[row["row_id"]], 4)) < 1e-9


def test_json_rows_match_the_cli_predict(run_cli, tmp_path):
    code, out, _ = run_cli("board", "--json", "--date", TODAY.isoformat())
    assert code == 0
    rows = json.loads(out)["rows"]
    batch = tmp_path / "pending.csv"
    with open(batch, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["show_title", "season_number"])
        writer.writerows([r["show_title"], r["season_number"]] for r in rows)
    code, out, _ = run_cli("predict", "--input", str(batch), "--json")
    assert code == 0
    predicted = json.loads(out)
    assert [p["row_id"] for p in predicted] == [r["row_id"] for r in rows]  # each looked up as itself
    for row, p in zip(rows, predicted, strict=True):
        assert abs(row["probability"] - p["probability"]) <= 1e-9
        assert row["band"] == p["band"]
    one = rows[0]
    code, out, _ = run_cli("predict", one["show_title"], "--season", str(one["season_number"]), "--json")
    assert abs(json.loads(out)[0]["probability"] - one["probability"]) <= 1e-9


def test_json_has_the_documented_fields(board):
    out = board.to_dict()
    assert {"date", "data_sha256", "model_sha256", "rows", "decided_before_debut", "track_record"} <= set(out)
    assert out["date"] == TODAY.isoformat()
    for row in out["rows"]:
        assert {
            "row_id",
            "show_title",
            "season_number",
            "debut_week",
            "group",
            "probability",
            "band",
            "reasons",
        } <= set(row)
    for name in ("bins", "ongoing_bins"):
        for entry in out["track_record"][name]:
            assert {"count", "mean_probability", "share_renewed", "low", "high"} <= set(entry)
            assert entry["low"] <= entry["share_renewed"] <= entry["high"]


def test_seasons_decided_before_their_debut_are_listed_apart(shipped_model, table):
    small = take(table, np.arange(40))
    small = {name: values.copy() for name, values in small.items()}
    small["outcome"][5:][np.isin(small["outcome"][5:], config.DECIDED_BEFORE_DEBUT)] = "renewed"
    small["outcome"][:3] = "unknown"
    small["renewed"][:3] = np.nan
    small["outcome"][3], small["outcome"][4] = config.DECIDED_BEFORE_DEBUT
    small["renewed"][3:5] = np.nan
    result = build_board(shipped_model, small, "sha", today=TODAY)
    assert sorted(r["row_id"] for r in result.rows) == sorted(small["row_id"][:3].tolist())
    before = {r["row_id"]: r["state"] for r in result.decided_before_debut}
    assert before == {
        small["row_id"][3]: config.DECIDED_BEFORE_DEBUT[0],
        small["row_id"][4]: config.DECIDED_BEFORE_DEBUT[1],
    }


def test_overdue_reading_measures_how_late_renewals_show_up():
    table = {
        "renewed": np.array([1.0, 1.0, 1.0, 0.0, np.nan]),
        "debut_week": np.array(["2022-01-02", "2022-01-02", "2022-01-02", "2022-01-02", "2022-01-02"], dtype=object),
        "label_evidence": np.array(
            [
                "netflix_top10: season 2+ of the same list charted from 2023-06-04",  # 518 days: late
                "wikipedia_2022-11-16: 'Renewed' with 1 season(s); tmdb_2026-01-26: 2 seasons",  # 318 days
                "Auto label is wrong: renewed in March 2022. https://example.org",  # curated: no date
                "tmdb_2026-01-26: status Ended",
                "no decision found in any source",
            ],
            dtype=object,
        ),
    }
    reading = overdue_reading(table, 365)
    assert (reading["renewed_with_dates"], reading["first_seen_after_window"]) == (2, 1)
    assert reading["share"] == 0.5
    assert "1 (50%)" in reading["text"]


def test_track_record_matches_the_cards_pooled_backtest(shipped_model, table):
    """On the table the model was trained on, the carried probabilities give the card's own scores."""
    from renewml.track_record import track_record

    record = track_record(shipped_model.model.out_of_sample, table)
    pooled = shipped_model.card.evaluation["pooled"]["slices"]
    assert record["left_out"] == 0
    assert record["seasons"] == pooled["all"]["rows"]
    assert record["ongoing_seasons"] == pooled["ongoing"]["rows"]
    assert record["roc_auc"] == pytest.approx(pooled["all"]["models"]["gbm_calibrated"]["roc_auc"], abs=1e-4)
    assert record["brier"] == pytest.approx(pooled["all"]["models"]["gbm_calibrated"]["brier"], abs=1e-4)
    assert record["ongoing_roc_auc"] == pytest.approx(
        pooled["ongoing"]["models"]["gbm_calibrated"]["roc_auc"], abs=1e-4
    )
    assert sum(b["count"] for b in record["bins"]) == record["seasons"]
    assert sum(b["renewed"] for b in record["ongoing_bins"]) == pooled["ongoing"]["positives"]
    busiest = max(record["ongoing_bins"], key=lambda b: b["count"])
    assert f"{busiest['renewed']} of {busiest['count']} were renewed" in record["summary"]


def test_roc_auc_counts_ties_as_half():
    from renewml.track_record import roc_auc

    assert roc_auc(np.array([0, 1]), np.array([0.3, 0.3])) == 0.5
    assert roc_auc(np.array([0, 0, 1, 1]), np.array([0.1, 0.4, 0.35, 0.8])) == 0.75
    assert roc_auc(np.array([1, 1]), np.array([0.2, 0.9])) is None


def test_write_board_writes_three_files(board, tmp_path):
    paths = write_board(board, tmp_path / "site")
    assert sorted(p.name for p in paths) == ["board.csv", "board.html", "board.json"]
    assert json.loads((tmp_path / "site" / "board.json").read_text())["rows"] == json.loads(json.dumps(board.rows))
    with open(tmp_path / "site" / "board.csv", newline="") as handle:
        lines = list(csv.DictReader(handle))
    assert [line["row_id"] for line in lines] == [r["row_id"] for r in board.rows]
    html = (tmp_path / "site" / "board.html").read_text()
    assert html.count("<tr data-row-id=") == len(board.rows)
    for external in ("<script", "<link", "@import", "url(", "src="):
        assert external not in html  # nothing loads from the network


def test_score_an_earlier_board_from_two_real_snapshots(shipped_model, tmp_path):
    from renewml.data import read_table

    old = build_board(shipped_model, read_table(OLD_SNAPSHOT), sha256_file(OLD_SNAPSHOT), today=date(2026, 11, 30))
    write_board(old, tmp_path)
    calls = {r["row_id"]: r["probability"] for r in old.rows}
    scored = score_board(read_board(tmp_path / "board.json"), read_table(NEW_SNAPSHOT), "new")
    assert {d["row_id"] for d in scored.decided} == {"leanne-s1", "beauty-in-black-s2"}
    assert all(d["renewed"] == 1 and d["right"] == (calls[d["row_id"]] >= 0.5) for d in scored.decided)
    expected = np.mean([(calls["leanne-s1"] - 1) ** 2, (calls["beauty-in-black-s2"] - 1) ** 2])
    assert scored.brier == pytest.approx(expected, abs=1e-12)
    assert scored.still_pending == 3
    assert {d["row_id"] for d in scored.no_longer_scored} == {"newly-rich-newly-poor-s1", "the-sinner-s4"}


def test_score_cli_reads_the_kept_board(run_cli):
    code, out, _ = run_cli("board", "--data", str(NEW_SNAPSHOT), "--score", str(OLD_BOARD), "--json")
    assert code == 0
    result = json.loads(out)
    kept = {r["row_id"]: r["probability"] for r in json.loads(OLD_BOARD.read_text())["rows"]}
    assert result["calls_decided"] == 2
    brier = np.mean([(kept["leanne-s1"] - 1) ** 2, (kept["beauty-in-black-s2"] - 1) ** 2])
    assert result["brier"] == pytest.approx(round(brier, 4))


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("[1, 2]", "expected a JSON object with a 'rows' list"),
        ('{"rows": [{"row_id": "a-s1", "probability": 1.5}]}', "rows[0], 'probability': expected a number from 0 to 1"),
        ('{"rows": [{"probability": 0.5}]}', "rows[0]: expected an object with a text 'row_id'"),
        ("{not json", "not a board"),
    ],
)
def test_a_bad_board_file_is_one_error_line(run_cli, tmp_path, content, message):
    bad = tmp_path / "old.json"
    bad.write_text(content)
    with pytest.raises(InputError, match=message.replace("[", r"\[").replace("]", r"\]")):
        read_board(bad)
    code, out, err = run_cli("board", "--score", str(bad))
    assert code == 1 and out == ""
    assert err.startswith(f"Error: {bad}") and len(err.strip().splitlines()) == 1


def test_a_bad_date_is_one_error_line(run_cli):
    code, _, err = run_cli("board", "--date", "yesterday")
    assert code == 1
    assert err.strip() == "Error: --date: expected a date as YYYY-MM-DD, found 'yesterday'"


def test_terminal_table_lists_every_row(run_cli, board):
    code, out, _ = run_cli("board", "--date", TODAY.isoformat())
    assert code == 0
    assert f"{len(board.rows)} seasons still undecided" in out
    awaiting = sum(r["group"] == "awaiting" for r in board.rows)
    assert f"Awaiting a decision (within {config.DECISION_WINDOW_DAYS} days of the debut): {awaiting}" in out
    assert "Track record: " in out


def test_board_help_is_readable():
    from typer.testing import CliRunner

    from renewml.cli import app

    result = CliRunner().invoke(app, ["board", "--help"], terminal_width=80)
    assert result.exit_code == 0
    text = result.stdout
    assert text.startswith("Usage: ") and "renewml board" in text
    assert "<bool>" not in text and "--no-json" not in text
    assert "…" not in text and str(config.REPO_ROOT) not in text
    assert "--score" in text and "--out" in text and "--date" in text


def test_evaluation_summary_puts_ongoing_first_with_intervals_and_only_verdicts_that_hold(shipped_model):
    from renewml.track_record import evaluation_summary

    evaluation = shipped_model.card.evaluation
    lines = evaluation_summary(evaluation)
    ongoing = evaluation["pooled"]["slices"]["ongoing"]
    scores = ongoing["models"]["gbm_calibrated"]
    low, high = scores["interval_95"]["roc_auc"]
    assert lines[0] == "Summary (pooled backtest; the details follow):"
    assert lines[1] == (
        f"  ongoing: {ongoing['rows']} seasons, {ongoing['positives']} renewed; ROC AUC {scores['roc_auc']:.3f} "
        f"({low:.2f}-{high:.2f}), Brier {scores['brier']:.3f} "
        f"({scores['interval_95']['brier'][0]:.2f}-{scores['interval_95']['brier'][1]:.2f})"
    )
    assert lines[2].startswith("  all: ")
    verdicts = [line for line in lines if line.startswith("  ongoing: ahead")]
    assert len(verdicts) == 1
    for baseline, by_metric in ongoing["versus"].items():
        held = [m for m, v in by_metric.items() if v["verdict"].startswith("ahead")]
        assert (f" {baseline} (" in verdicts[0]) == bool(held)
    assert len(lines) <= 8  # short: the details follow


def test_board_imports_neither_pandas_nor_scikit_learn(tmp_path):
    import subprocess
    import sys

    script = (
        "import sys\nfrom renewml.cli import main\n"
        f"try:\n    main(['board', '--date', '2026-12-01', '--out', {str(tmp_path)!r}])\nexcept SystemExit:\n    pass\n"
        "print(sorted(m for m in ('pandas', 'sklearn') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert done.stdout.strip().splitlines()[-1] == "[]"
