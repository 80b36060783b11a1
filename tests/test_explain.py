"""Explanations: contributions that add up, a renewal bar that means what it says."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from renewml import config
from renewml.explain import explain_row, probability_at_views, renewal_bar, similar_seasons
from renewml.model import predict_proba
from renewml.predict import find_show
from renewml.table import to_frame


def test_his_and_hers_top_reason_is_its_limited_format(shipped_model, dataset):
    """The step from the average decided season to the average limited series comes first; the other
    reasons compare it with limited series."""
    result = explain_row(shipped_model, find_show(dataset, "His & Hers"), dataset)
    assert result.prediction.probability <= 0.10
    top = result.prediction.reasons[0]
    assert (top["input"], top["value"]) == ("format", "limited series") and top["contribution"] < -0.2
    assert "the average decided limited season" in result.reference_text
    assert result.prediction.reference["format_probability"] < 0.1
    assert result.bar.views is None and result.bar.status == "no views would do"


@pytest.mark.slow
def test_renewal_bar_of_ongoing_shows_gives_fifty_percent(shipped_model, dataset):
    """Wherever the probability crosses 50% as views vary, the bar sits at the crossing (trees step)."""
    ongoing = dataset[(dataset["format"] == "ongoing") & dataset["renewed"].notna()].head(20)
    crossings = 0
    for _, row in ongoing.iterrows():
        bar = renewal_bar(shipped_model, row)
        if bar.views:
            crossings += 1
            below, at = probability_at_views(shipped_model, row, [bar.views * 0.999, bar.views])
            assert below < 0.5 <= at, row["row_id"]
            assert (at - below <= 0.04) or "steps from" in bar.text  # a jump is said, not hidden
    assert crossings >= 3


@pytest.mark.parametrize(("title", "season"), [("His & Hers", None), ("Wednesday", 1), ("Kaos", 1), ("Sex Education", 3)])
def test_shapley_contributions_add_up_to_the_difference_from_the_reference(shipped_model, dataset, title, season):
    row = find_show(dataset, title, season)
    result = explain_row(shipped_model, row, dataset)
    background = to_frame(shipped_model.model.background)
    p_format = predict_proba(shipped_model.model, background[background["format"] == row["format"]]).mean()
    p_show = predict_proba(shipped_model.model, pd.DataFrame([row]))[0]
    reasons = result.prediction.reasons
    assert abs(result.prediction.reference["format_probability"] - p_format) < 1e-3
    within = sum(r["contribution"] for r in reasons if r["input"] != "format")
    step = sum(r["contribution"] for r in reasons if r["input"] == "format")
    assert abs(result.prediction.probability - p_show) < 1e-9
    assert abs(within - (p_show - p_format)) < 1e-3  # contributions are rounded to 4 decimals
    assert abs(step - (p_format - result.reference_probability)) < 1e-3


def test_similar_seasons_are_earlier_decided_seasons_of_the_same_format(shipped_model, dataset):
    row = find_show(dataset, "His & Hers")
    similar = similar_seasons(shipped_model, dataset, row)
    assert len(similar) == 3
    assert all(s["debut_week"] < "2026-01-11" for s in similar)
    assert all(s["outcome"] not in ("unknown", *config.DECIDED_BEFORE_DEBUT) for s in similar)
    titles = set(dataset.loc[dataset["format"] == "limited", "show_title"])
    assert all(s["title"] in titles for s in similar)


def test_similar_seasons_are_chosen_in_the_model_s_terms(shipped_model, dataset):
    """Look-alikes are scored close to the show by the model, closer than the same format's typical season."""
    from renewml.explain import similar_reading

    row = find_show(dataset, "Kaos")
    prediction = explain_row(shipped_model, row, dataset).prediction
    similar = similar_seasons(shipped_model, dataset, row, prediction)
    gaps = [abs(s["model_probability"] - prediction.probability) for s in similar]
    assert max(gaps) < 0.05
    reading = similar_reading(prediction.probability, similar)
    assert f"{sum(s['outcome'] == 'renewed' for s in similar)} of 3 were renewed" in reading
    # outcomes against the probability are reconciled by naming how those seasons differ
    against = [dict(s, outcome="cancelled") for s in similar]
    text = similar_reading(0.9, against)
    assert "1 in 10 such seasons cancelled" in text and "differs most in" in text


def test_explain_cli_json_and_plot(run_cli, tmp_path):
    plot = tmp_path / "curve.png"
    code, out, err = run_cli("explain", "His & Hers", "--json", "--plot", str(plot))
    assert code == 0, err
    result = json.loads(out)
    assert result["renewal_bar"]["status"] == "no views would do"
    assert len(result["similar_seasons"]) == 3
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_explain_cli_text_for_a_new_show(run_cli):
    code, out, err = run_cli(
        "explain", "--title", "Pilot", "--format", "ongoing", "--debut-views", "3M", "--language", "english"
    )
    assert code == 0, err
    assert "Renewal bar:" in out and "Pilot" in out


def test_base_rates_with_intervals_are_recorded_in_the_card(shipped_model, dataset):
    rates = shipped_model.card.reference["base_rates"]
    decided = dataset[dataset["renewed"].notna()]
    for name in ("all", *config.FORMATS):
        subset = decided if name == "all" else decided[decided["format"] == name]
        assert rates[name]["seasons"] == len(subset)
        low, high = rates[name]["interval_95"]
        assert low <= rates[name]["rate"] <= high
