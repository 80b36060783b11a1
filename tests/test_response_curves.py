"""Typed inputs move the CLI's answer the way the card says: monotone where the model is constrained, no
cliffs anywhere, and an unused input changes nothing (issue: decision-time truth)."""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from renewml.cli import app

BASE = ["predict", "--title", "New Show", "--format", "ongoing", "--source", "original", "--genre", "drama",
        "--debut-rank", "3", "--json"]


def _probability(*flags: str) -> float:
    result = CliRunner().invoke(app, [*BASE, *flags])
    assert result.exit_code == 0, result.output
    answer = json.loads(result.stdout)
    answer = answer[0] if isinstance(answer, list) else answer
    return float(answer["probability"])


def _check(curve: list[float], monotone: bool) -> None:
    steps = np.diff(curve)
    assert np.abs(steps).max() <= 0.10, f"a step of {np.abs(steps).max():.3f} between neighbouring points: {curve}"
    if monotone:
        assert (steps >= -1e-9).all(), f"not non-decreasing: {curve}"


VIEWS = np.logspace(np.log10(1e6), np.log10(60e6), 25)


def test_debut_views_curve_is_monotone() -> None:
    curve = [_probability("--debut-views", f"{v:.0f}") for v in VIEWS]
    assert (np.diff(curve) >= -1e-9).all(), curve


def test_debut_views_curve_has_no_cliffs() -> None:
    # without the views smoothing (renewml.smoothing) one tree edge made a step of 0.16 near 25M views
    _check([_probability("--debut-views", f"{v:.0f}") for v in VIEWS], monotone=True)


@pytest.mark.parametrize("flag", ["--critic-score", "--audience-score"])
def test_review_scores_are_unused_and_change_nothing(flag: str) -> None:
    curve = [_probability("--debut-views", "6.1M", flag, str(score)) for score in range(20, 100, 5)]
    _check(curve, monotone=True)
    assert abs(_probability("--debut-views", "6.1M", flag, "50") - _probability("--debut-views", "6.1M")) < 0.15


def test_week2_ratio_curve_has_no_cliffs() -> None:
    ratios = np.linspace(0.2, 4.0, 20)
    _check([_probability("--debut-views", "6.1M", "--week2-to-week1", f"{r:.2f}") for r in ratios], monotone=False)


def test_a_0_to_10_user_score_is_refused_with_the_scale() -> None:
    from renewml.errors import InputError

    result = CliRunner().invoke(app, [*BASE, "--debut-views", "6.1M", "--audience-score", "7.1"])
    assert isinstance(result.exception, InputError)
    assert "0-100 scale" in str(result.exception) and "give 71" in str(result.exception)


def test_categorical_flags_are_case_insensitive() -> None:
    assert _probability("--debut-views", "6.1M") == pytest.approx(
        float(json.loads(CliRunner().invoke(app, [*[b if b != "ongoing" else "Ongoing" for b in BASE],
                                                  "--debut-views", "6.1M"]).stdout)[0]["probability"])
    )
