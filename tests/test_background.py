"""Inputs left out are unknown, not a signal; reasons compare a show with seasons of its format."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from renewml import config
from renewml.background import _alike_rows, _mixed_values, averaged_values, sample_background, shapley, unknown_inputs
from renewml.inputs import feature_columns
from renewml.model import _table_sha256, predict_proba
from renewml.predict import adhoc_row, predict_rows
from renewml.table import as_table, records, to_frame

KEPT = ("format", "source_material", "debut_views")


def test_leaving_out_non_key_inputs_moves_the_mean_probability_by_at_most_five_points(shipped_model, dataset):
    ongoing = dataset[(dataset["format"] == "ongoing") & dataset["renewed"].notna() & dataset["debut_views"].notna()]
    assert len(ongoing) >= 40
    full = np.array([p.probability for p in predict_rows(shipped_model, ongoing, reasons=False)])
    reduced = ongoing[["show_title", *KEPT]].reset_index(drop=True)
    partial = np.array([p.probability for p in predict_rows(shipped_model, reduced, reasons=False)])
    assert abs(float(np.mean(partial - full))) <= 0.05


def test_a_500k_view_ongoing_original_is_not_favoured(run_cli):
    code, out, err = run_cli(
        "predict",
        "--title",
        "My Show",
        "--format",
        "ongoing",
        "--source",
        "original",
        "--debut-views",
        "500K",
        "--json",
    )
    assert code == 0, err
    [result] = json.loads(out)
    assert result["probability"] < 0.5
    assumed = " ".join(a["assumed"] for a in result["assumed"])
    assert "language not given: averaged over English and non-English seasons" in assumed
    assert result["reasons"] and all(r["input"] in ("debut views", "source material", "format") for r in result["reasons"])
    # the ongoing format lifts it; its views are what hold it back, more than anything but the format
    views = next(r for r in result["reasons"] if r["input"] == "debut views")
    others = [r for r in result["reasons"] if r["input"] not in ("format", "debut views")]
    assert views["contribution"] < 0 and all(abs(views["contribution"]) > abs(r["contribution"]) for r in others)


def test_language_given_draws_unknown_inputs_from_the_same_top10_list(shipped_model):
    english = adhoc_row("A", {"format": "ongoing", "debut_views": 2e6, "language": "english"})
    other = adhoc_row("B", {"format": "ongoing", "debut_views": 2e6, "language": "non_english"})
    [p_english], [p_other] = predict_rows(shipped_model, english), predict_rows(shipped_model, other)
    for p in (p_english, p_other):  # same reference for both: the average decided ongoing season
        assert abs(sum(r["contribution"] for r in p.reasons) - (p.probability - p.reference["probability"])) < 1e-3
    assert p_english.reference == p_other.reference


def test_title_only_prints_no_probability_but_the_base_rate_with_its_interval(run_cli, shipped_model):
    code, out, err = run_cli("predict", "--title", "My Show", "--json")
    assert code == 0, err
    [result] = json.loads(out)
    assert result["probability"] is None and result["band"] == "too early to tell"
    rate = shipped_model.card.reference["base_rates"]["all"]
    assert result["base_rate"]["rate"] == rate["rate"]
    code, out, err = run_cli("predict", "--title", "My Show")
    assert code == 0, err
    assert "no number" in out and "too early to tell" in out and "95% interval" in out


def test_rows_of_the_dataset_are_scored_as_they_are(shipped_model, dataset):
    rows = dataset[dataset["renewed"].notna()].head(30)
    assert not unknown_inputs(as_table(rows)).any()
    direct = predict_proba(shipped_model.model, rows)
    scored = [p.probability for p in predict_rows(shipped_model, rows, reasons=False) if p.probability is not None]
    keyed = rows[rows["debut_views"].notna()]
    assert np.allclose(scored, predict_proba(shipped_model.model, keyed))
    assert len(direct) == len(rows)


def test_reasons_add_up_when_inputs_are_left_out(shipped_model):
    row = adhoc_row("Pilot", {"format": "ongoing", "debut_views": 3e6, "language": "english"})
    [with_reasons] = predict_rows(shipped_model, row, reasons=True)
    [without] = predict_rows(shipped_model, row, reasons=False)
    assert abs(with_reasons.probability - without.probability) < 1e-9
    total = sum(r["contribution"] for r in with_reasons.reasons)
    assert abs(total - (with_reasons.probability - with_reasons.reference["probability"])) < 1e-3
    assert {r["input"] for r in with_reasons.reasons} == {"format", "debut views", "context"}  # groups given
    assert with_reasons.reference["text"].startswith("The average decided season scores")
    assert "the average decided ongoing season" in with_reasons.reference["text"]


def test_seasons_the_model_trained_on_are_marked_with_their_out_of_sample_probability(shipped_model, dataset):
    decided = dataset[dataset["renewed"].notna() & dataset["debut_views"].notna()]
    recent = decided[decided["debut_week"] >= pd.Timestamp(config.BACKTEST_START)].iloc[0]
    old = decided[decided["debut_week"] < pd.Timestamp(config.BACKTEST_START)].iloc[0]
    [p_recent, p_old] = predict_rows(shipped_model, pd.DataFrame([recent, old]), reasons=False)
    assert p_recent.in_training_data and p_old.in_training_data
    assert p_recent.out_of_sample_probability is not None and 0 <= p_recent.out_of_sample_probability <= 1
    assert p_old.out_of_sample_probability is None  # debuted before the backtest's first half-year
    assert "in-sample" in p_recent.training_text() and "out of sample" in p_recent.training_text()
    [new] = predict_rows(shipped_model, adhoc_row("New", {"format": "limited", "debut_views": 1e6}), reasons=False)
    assert not new.in_training_data and new.to_dict()["in_training_data"] is False


def test_background_is_small_fixed_and_hashed_in_the_card(shipped_model, dataset):
    background = to_frame(shipped_model.model.background)
    counts = background["format"].value_counts()
    assert (counts <= config.BACKGROUND_PER_FORMAT).all() and set(counts.index) == set(config.FORMATS)
    assert _table_sha256(background) == shipped_model.card.carried["background"]["sha256"]
    again = sample_background(dataset)
    assert again.equals(sample_background(dataset))


def test_explain_without_the_format_gives_no_number_bar_or_look_alikes(run_cli):
    code, out, err = run_cli("explain", "--title", "X", "--json")
    assert code == 0, err
    result = json.loads(out)
    assert result["probability"] is None and result["similar_seasons"] == []
    assert result["renewal_bar"]["views"] is None and result["renewal_bar"]["status"] == "unknown"


def test_what_if_averages_over_inputs_not_given(shipped_model):
    from renewml.explain import what_if

    pilot = adhoc_row("Pilot", {"format": "ongoing", "debut_views": 5e5})
    [at_500k] = predict_rows(shipped_model, pilot, reasons=False)
    row = records(pilot)[0]
    table = what_if(shipped_model, row, "debut_views", [5e5, 5e7])
    assert abs(table["probability"].iloc[0] - at_500k.probability) < 1e-9
    assert table["probability"].iloc[1] > table["probability"].iloc[0]


def _new_shows(dataset, rows, seed):
    """New shows as users type them: title, format, source material and debut views (jittered), some with a language."""
    rng = np.random.default_rng(seed)
    sample = dataset.iloc[rng.integers(0, len(dataset), rows)].reset_index(drop=True)
    table = as_table(sample[["format", "source_material", "debut_views", "language"]])
    table["debut_views"] = np.round(np.nan_to_num(table["debut_views"], nan=3e6) * rng.uniform(0.9, 1.1, rows))
    table["language"] = np.where(rng.random(rows) < 0.9, None, table["language"]).astype(object)
    table["show_title"] = np.array([f"new show {i}" for i in range(rows)], dtype=object)
    return table


def test_rows_alike_in_the_models_terms_are_averaged_once_with_the_same_numbers(shipped_model, dataset):
    """Averaging over the background scores one row per class of rows alike on their given inputs (the
    model's `input_codes`); every row's value is the one it gets scored on its own, to the bit."""
    estimator, background = shipped_model.model.estimator, shipped_model.model.background_table
    table = _new_shows(dataset, 400, seed=6)
    unknown = unknown_inputs(table)
    features = feature_columns(table)
    first, inverse = _alike_rows(estimator, features, unknown)
    assert len(first) <= 320 and np.array_equal(first[inverse][first], first)  # classes merge, each row maps to one
    full = [(1, 1, 1, 1)]
    every_row = _mixed_values(estimator, features, unknown, feature_columns(background), full)
    assert np.array_equal(averaged_values(estimator, table, unknown, background, full), every_row)
    # Shapley values ask for every coalition of the same rows: the classes serve them too
    few = {name: values[:40] for name, values in table.items()}
    probability, reference, contributions = shapley(estimator, few, unknown[:40], background)
    coalitions = [tuple(int(b) for b in f"{k:04b}") for k in range(16)]
    values = _mixed_values(estimator, feature_columns(few), unknown[:40], feature_columns(background), coalitions)
    assert np.array_equal(probability, values[:, -1]) and np.array_equal(reference, values[:, 0])


def test_rows_with_views_between_the_same_thresholds_share_a_class_and_others_do_not(shipped_model):
    estimator = shipped_model.model.estimator
    table = as_table(
        pd.DataFrame(
            {
                "format": ["ongoing", "ongoing", "ongoing", "limited"],
                "source_material": ["original"] * 4,
                "debut_views": [4_321_000.0, 4_321_500.0, 43_210_000.0, 4_321_000.0],
            }
        )
    )
    _, inverse = _alike_rows(estimator, feature_columns(table), unknown_inputs(table))
    assert inverse[0] == inverse[1]  # 500 views apart: the same bins in every tree
    assert len({inverse[0], inverse[2], inverse[3]}) == 3  # ten times the views, or another format: not alike
