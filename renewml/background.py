"""The reference population: a small, fixed sample of decided training seasons that travels with the model.

One mechanism serves two purposes:

- **Inputs not given are unknown, not a signal.** A row with inputs left out is scored as the average
  of the model over the background seasons of the same format for those inputs, E_b[f(x_given, b_missing)].
  When debut views are given, only the background seasons nearest in debut views are averaged over,
  because rank, views per day and staying power move with views: averaging them over all seasons would
  give a 500K-view debut the rank and Top 10 weeks of a typical hit.
- **Reasons.** Group Shapley values use the same averages as the value of a coalition, so they add up
  to the row's probability minus the average over the background seasons of its format: "the average
  decided ongoing season".

Rows of the dataset are scored as they are (a missing review score there means the season had none,
exactly as in training); only inputs a user did not give are averaged over.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd

from renewml import config
from renewml.data import decided
from renewml.features import feature_frame

# Groups of inputs that Shapley reasons are given for. The format is not one: the background is
# always restricted to the row's format, so an ongoing show is compared with ongoing shows.
INPUT_GROUPS: dict[str, tuple[str, ...]] = {
    "source material": ("source_material",),
    "debut views": ("debut_views", "debut_views_per_day", "debut_rank"),
    "staying power": ("week2_to_week1", "weeks_in_top10_first4"),
    "reviews": ("critic_score", "audience_score", "imdb_season_rating"),
    "context": ("language", "genre", "season_number", "runtime_hours"),
}


def sample_background(
    frame: pd.DataFrame,
    per_format: int = config.BACKGROUND_PER_FORMAT,
    random_state: int = config.RANDOM_STATE,
) -> pd.DataFrame:
    """Up to `per_format` decided seasons of each format, drawn with a fixed seed: the model's reference population.

    Kept small so that averaging over it stays fast; stored inside the model file, which the card hashes.
    """
    rows = decided(frame)
    parts = []
    for index, name in enumerate(config.FORMATS):
        subset = rows[rows["format"] == name]
        if len(subset) > per_format:
            subset = subset.sample(per_format, random_state=random_state + index)
        parts.append(subset)
    sample = pd.concat(parts)
    out = feature_frame(sample).reset_index(drop=True)
    out[config.LABEL] = sample[config.LABEL].astype(float).to_numpy()
    return out


def unknown_inputs(frame: pd.DataFrame) -> pd.DataFrame:
    """Which inputs of each row are unknown: none for dataset rows (they carry a row_id), blanks otherwise."""
    features = feature_frame(frame)
    raw = pd.DataFrame(
        {name: (frame[name] if name in frame else pd.Series(np.nan, index=frame.index)) for name in config.FEATURES}
    )
    unknown = raw.isna() | raw.astype(str).eq("")
    unknown = unknown.reindex(columns=list(config.FEATURES)).fillna(True)
    if "row_id" in frame:
        in_data = frame["row_id"].notna().to_numpy()
        unknown.loc[in_data, :] = False
    unknown.index = features.index
    return unknown.astype(bool)


def _neighbours(background: pd.DataFrame, row: pd.Series, unknown: pd.Series) -> tuple[pd.DataFrame, np.ndarray]:
    """The background seasons to average over for this row, and the weight each gets when debut views are known.

    Same format when the format is known; when debut views are known, the `BACKGROUND_NEIGHBOURS`
    seasons nearest in log views get equal weight and the rest none.
    """
    pool = background
    if not unknown["format"]:
        pool = pool[pool["format"] == row["format"]]
    pool = pool.reset_index(drop=True)
    weights = np.ones(len(pool))
    if not unknown["debut_views"] and not pd.isna(row["debut_views"]):
        logs = np.log10(pool["debut_views"].to_numpy(dtype=float) + 1.0)
        distance = np.abs(logs - math.log10(float(row["debut_views"]) + 1.0))
        distance = np.where(np.isnan(distance), np.inf, distance)
        nearest = np.argsort(distance, kind="mergesort")[: config.BACKGROUND_NEIGHBOURS]
        weights = np.zeros(len(pool))
        weights[nearest] = 1.0
    return pool, weights


def _coalition_weights(n: int) -> list[tuple[tuple[int, ...], tuple[int, ...], int, float]]:
    """(coalition without group i, the same with it, i, Shapley weight) for every pair."""
    pairs = []
    for mask in itertools.product([0, 1], repeat=n):
        size = sum(mask)
        for i in range(n):
            if not mask[i]:
                weight = math.factorial(size) * math.factorial(n - size - 1) / math.factorial(n)
                pairs.append((mask, mask[:i] + (1,) + mask[i + 1 :], i, weight))
    return pairs


def averaged_values(
    estimator: object,
    frame: pd.DataFrame,
    unknown: pd.DataFrame,
    background: pd.DataFrame,
    coalitions: list[tuple[int, ...]],
) -> np.ndarray:
    """The value of each coalition of input groups for each row (rows x coalitions).

    The value of coalition S is the mean over background seasons b of f(x on the groups in S that
    were given, b elsewhere); the neighbour weights by debut views apply only when the debut-views
    group is in S, so the empty coalition is the plain background average (the reference) and the
    full coalition is the row's probability with its unknown inputs averaged over.
    """
    features = feature_frame(frame).reset_index(drop=True)
    unknown = unknown.reset_index(drop=True)
    groups = list(INPUT_GROUPS)
    views_group = groups.index("debut views")
    chunks, plans = [], []
    for i in range(len(features)):
        row, gone = features.iloc[i], unknown.iloc[i]
        pool, near = _neighbours(background, row, gone)
        base = pool[list(config.FEATURES)]
        for mask in coalitions:
            mixed = base.copy()
            for on, group in zip(mask, groups, strict=True):
                if on:
                    for name in INPUT_GROUPS[group]:
                        if not gone[name]:
                            mixed[name] = row[name]
            uses_views = bool(mask[views_group]) and bool(near.sum() < len(near))
            weights = near if uses_views else np.ones(len(pool))
            keep = weights > 0
            chunks.append(mixed[keep])
            plans.append(weights[keep] / weights[keep].sum())
    scored = estimator.predict_proba(feature_frame(pd.concat(chunks, ignore_index=True)))[:, 1]
    values = np.zeros(len(plans))
    start = 0
    for k, weights in enumerate(plans):
        values[k] = float(np.dot(weights, scored[start : start + len(weights)]))
        start += len(weights)
    return values.reshape(len(features), len(coalitions))


def averaged_proba(
    estimator: object, frame: pd.DataFrame, unknown: pd.DataFrame, background: pd.DataFrame
) -> np.ndarray:
    """P(renewed) per row with unknown inputs averaged over the background; full rows are scored directly."""
    unknown = unknown.reset_index(drop=True)
    frame = frame.reset_index(drop=True)
    out = np.empty(len(frame))
    partial = unknown.any(axis=1).to_numpy()
    if (~partial).any():
        out[~partial] = estimator.predict_proba(feature_frame(frame[~partial]))[:, 1]
    if partial.any():
        full = (1,) * len(INPUT_GROUPS)
        values = averaged_values(estimator, frame[partial], unknown[partial], background, [full])
        out[partial] = values[:, 0]
    return out


def shapley(
    estimator: object, frame: pd.DataFrame, unknown: pd.DataFrame, background: pd.DataFrame
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Exact group Shapley values against the row's format background.

    Returns (probability, reference probability, rows x groups contributions); each row's
    contributions add up to its probability minus its reference.
    """
    n = len(INPUT_GROUPS)
    coalitions = list(itertools.product([0, 1], repeat=n))
    values = averaged_values(estimator, frame, unknown, background, coalitions)
    index = {mask: k for k, mask in enumerate(coalitions)}
    contributions = np.zeros((len(values), n))
    for without, with_i, i, weight in _coalition_weights(n):
        contributions[:, i] += weight * (values[:, index[with_i]] - values[:, index[without]])
    return values[:, index[(1,) * n]], values[:, index[(0,) * n]], contributions
