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

VIEW_INPUTS = ("debut_views", "debut_views_per_day")


class ViewsSmoothed:
    """An estimator whose probabilities are averaged over debut views scaled by 10**offset for each offset."""

    def __init__(self, estimator: object, offsets: tuple[float, ...] = config.VIEWS_SMOOTHING_LOG10):
        self.estimator = estimator
        self.offsets = tuple(float(o) for o in offsets)

    def __getattr__(self, name: str) -> Any:
        if name in ("estimator", "offsets"):  # not yet set (unpickling): no recursion
            raise AttributeError(name)
        return getattr(self.estimator, name)

    def predict_proba(self, X: object) -> np.ndarray:
        total = None
        for offset in self.offsets:
            p = np.asarray(self.estimator.predict_proba(_scaled(X, 10.0**offset)), dtype=float)
            total = p if total is None else total + p
        return total / len(self.offsets)


def smoothed(estimator: object) -> ViewsSmoothed:
    """`estimator` with the views smoothing (itself when it already has it)."""
    return estimator if isinstance(estimator, ViewsSmoothed) else ViewsSmoothed(estimator)


def unsmoothed(estimator: object) -> object:
    """The fitted estimator inside (what the portable format carries)."""
    return estimator.estimator if isinstance(estimator, ViewsSmoothed) else estimator


def _scaled(X: object, factor: float) -> object:
    if factor == 1.0:
        return X
    if isinstance(X, dict):
        out = dict(X)
        for name in VIEW_INPUTS:
            if name in out:
                out[name] = np.asarray(out[name], dtype=float) * factor
        return out
    present = [name for name in VIEW_INPUTS if name in X.columns]
    return X.assign(**{name: X[name].astype(float) * factor for name in present})
