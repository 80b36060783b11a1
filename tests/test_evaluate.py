"""The evaluation can tell a good model from a broken one, and splits never leak a show."""

from __future__ import annotations

import numpy as np
import pytest

from renewml import config
from renewml.evaluate import expected_calibration_error, forward_split, metrics, score_split


def test_forward_split_is_time_ordered_and_show_grouped(dataset):
    split = forward_split(dataset)
    assert split.train["debut_week"].max() < split.test["debut_week"].min()
    assert not set(split.train["series_id"]) & set(split.test["series_id"])
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
    assert {"all", "ongoing", "limited", "english", "non_english", "first_season"} <= set(result["slices"])
    models = {"prior_rate", "format_only", "views_only", "logistic", "gbm_uncalibrated", "gbm_calibrated"}
    for entry in result["slices"].values():
        assert set(entry["models"]) == models
        for scores in entry["models"].values():
            assert {"roc_auc", "pr_auc", "brier", "log_loss", "accuracy", "ece", "interval_95"} <= set(scores)
    ongoing = result["slices"]["ongoing"]["models"]
    assert ongoing["gbm_calibrated"]["brier"] < ongoing["prior_rate"]["brier"]


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
    assert "ongoing" in text and "Rolling-origin backtest" in text and "data/renewals.csv" in text
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
