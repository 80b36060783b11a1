"""The model's answer averaged over debut views a little above and below the ones given.

Gradient-boosted trees make the views response a staircase: every tree splits the same few bin edges, and
one edge can lift the probability by 0.16 between 24M and 28M views, a cliff no show's fate hangs on.
Debut-week views are a noisy measure of demand anyway (they depend on the release day within the week, the
week's competition and Netflix's rounding), so the answer is the mean over views scaled by 10**offset for
each of `config.VIEWS_SMOOTHING_LOG10` (views per day scaled with them): a single tree edge becomes three
small steps. Training is unchanged; every score of a model (backtest, card, CLI) goes through this.

This module knows only the two view columns of a model input (a plain table or a DataFrame).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from renewml import config
from renewml.table import row_classes, row_count

VIEW_INPUTS = ("debut_views", "debut_views_per_day")


class ViewsSmoothed:
    """An estimator whose probabilities are averaged over debut views scaled by 10**offset for each offset."""

    def __init__(self, estimator: object, offsets: tuple[float, ...] = config.VIEWS_SMOOTHING_LOG10):
        self.estimator = estimator
        self.offsets = tuple(float(o) for o in offsets)

    def __getattr__(self, name: str) -> Any:
        if name in ("estimator", "offsets"):  # not yet set (unpickling): no recursion
            raise AttributeError(name)
        if name == "predict_proba_copies":  # the estimator's would score without the smoothing
            raise AttributeError(name)
        return getattr(self.estimator, name)

    def predict_proba(self, X: object) -> np.ndarray:
        """The mean of the estimator's probabilities over the scaled copies of `X`. An estimator that scores
        copies of a table together (`renewml.portable`'s `predict_proba_copies`) gets them in one call."""
        copies = [_scaled_columns(X, 10.0**offset) for offset in self.offsets]
        together = getattr(self.estimator, "predict_proba_copies", None)
        if together is not None:
            probabilities = together(X, copies)
        else:
            probabilities = [self.estimator.predict_proba(_with(X, copy)) for copy in copies]
        total = None
        for p in probabilities:
            p = np.asarray(p, dtype=float)
            total = p if total is None else total + p
        return total / len(self.offsets)

    def input_codes(self, X: object) -> dict[str, np.ndarray] | None:
        """The estimator's `input_codes` (see `renewml.portable`) over the scaled copies of `X` together: rows
        alike here are alike at every offset. None when the estimator has none (a scikit-learn pipeline)."""
        codes = getattr(self.estimator, "input_codes", None)
        if codes is None:
            return None
        per_offset = [codes(_scaled(X, 10.0**offset)) for offset in self.offsets]
        return {name: row_classes([c[name] for c in per_offset], row_count(X)) for name in per_offset[0]}


def smoothed(estimator: object) -> ViewsSmoothed:
    """`estimator` with the views smoothing (itself when it already has it)."""
    return estimator if isinstance(estimator, ViewsSmoothed) else ViewsSmoothed(estimator)


def unsmoothed(estimator: object) -> object:
    """The fitted estimator inside (what the portable format carries)."""
    return estimator.estimator if isinstance(estimator, ViewsSmoothed) else estimator


def _scaled_columns(X: object, factor: float) -> dict[str, np.ndarray]:
    """The view columns of `X` scaled by `factor` (none for 1: the copy is `X` itself)."""
    if factor == 1.0:
        return {}
    present = [name for name in VIEW_INPUTS if name in (X if isinstance(X, dict) else X.columns)]
    return {name: np.asarray(X[name], dtype=float) * factor for name in present}


def _with(X: object, columns: dict[str, np.ndarray]) -> object:
    """`X` (a plain table or a DataFrame) with `columns` put in."""
    if not columns:
        return X
    return {**X, **columns} if isinstance(X, dict) else X.assign(**columns)


def _scaled(X: object, factor: float) -> object:
    return _with(X, _scaled_columns(X, factor))
