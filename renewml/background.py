"""The reference population: a small, fixed sample of decided training seasons that travels with the model.

One mechanism serves two purposes:

- **Inputs not given are unknown, not a signal.** A row with inputs left out is scored as the average
  of the model over the background seasons of the same format for those inputs, E_b[f(x_given, b_missing)].
  The sample never depends on the values of the inputs given (a sample chosen near the typed debut views
  changed under the input and made the answer jump and fall as views rose), so a typed input moves the
  answer only through the model: monotone where the model is constrained.
- **Reasons.** Group Shapley values use the same averages as the value of a coalition, so they add up
  to the row's probability minus the average over the background seasons of its format: "the average
  decided ongoing season".

Rows of the dataset are scored as they are (a blank there is imputed exactly as in training); only inputs
a user did not give are averaged over.

The functions here work on plain tables (`renewml.table`): a DataFrame is converted once, where it
enters (`predict_rows`, `explain_row`, ...), and the model's background by `RenewalModel.background_table`.
"""

from __future__ import annotations

import itertools
import math

import numpy as np

from renewml import config
from renewml.inputs import estimator_input, feature_columns
from renewml.table import Table, blank, n_rows, row_classes, take, value_codes

# Groups of inputs that Shapley reasons are given for. The format is not one: the background is
# always restricted to the row's format, so an ongoing show is compared with ongoing shows.
INPUT_GROUPS: dict[str, tuple[str, ...]] = {
    "source material": ("source_material",),
    "debut views": ("debut_views", "debut_views_per_day", "debut_rank"),
    "staying power": ("week2_to_week1", "weeks_in_top10_first4"),
    "context": ("language", "genre", "season_number", "runtime_hours"),
}
FEATURE_INDEX = {name: position for position, name in enumerate(config.FEATURES)}


def sample_background(
    frame: object,
    per_format: int = config.BACKGROUND_PER_FORMAT,
    random_state: int = config.RANDOM_STATE,
) -> object:
    """Up to `per_format` decided seasons of each format, drawn with a fixed seed: the model's reference population.

    Kept small so that averaging over it stays fast; stored inside the model file, which the card hashes.
    """
    import pandas as pd

    from renewml.data import decided
    from renewml.inputs import feature_frame

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


def unknown_inputs(table: Table) -> np.ndarray:
    """Which inputs of each row are unknown (rows x `config.FEATURES`, bool): none for dataset rows
    (they carry a row_id), the blanks and absent columns otherwise."""
    rows = n_rows(table)
    unknown = np.ones((rows, len(config.FEATURES)), dtype=bool)
    for position, name in enumerate(config.FEATURES):
        if name in table:
            unknown[:, position] = blank(table[name])
    if "row_id" in table:
        unknown[~blank(table["row_id"])] = False
    return unknown


def _pool(background: Table, row: dict[str, object], unknown: np.ndarray) -> tuple[np.ndarray, dict[bool, np.ndarray]]:
    """Background positions of the row's format, and which of them to average over with the language in the
    coalition (True) or not (False).

    With the language: seasons of the same Top 10 list (the lists have different audiences). Never chosen
    by the values of other inputs: a sample chosen near the typed debut views changed under the input and
    broke the model's monotone response to it (5.0M above 6.5M, jumps of 0.1 and more).
    """
    pool = np.arange(n_rows(background))
    if not unknown[FEATURE_INDEX["format"]]:
        pool = pool[background["format"] == row["format"]]
    everyone = np.ones(len(pool), dtype=bool)
    same_language = everyone
    if not unknown[FEATURE_INDEX["language"]]:
        same_language = background["language"][pool] == row["language"]
        if same_language.sum() < config.BACKGROUND_MIN_SAME_LIST:
            same_language = everyone
    return pool, {False: everyone, True: same_language}


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
    table: Table,
    unknown: np.ndarray,
    background: Table,
    coalitions: list[tuple[int, ...]],
) -> np.ndarray:
    """The value of each coalition of input groups for each row (rows x coalitions).

    The value of coalition S is the mean over background seasons b of f(x on the groups in S that
    were given, b elsewhere); b is drawn from the row's Top 10 list only when the context group
    (which holds the language) is in S, so the empty coalition is the plain background average of the
    row's format (the reference) and the full coalition is the row's probability with its unknown inputs
    averaged over given what is known. All rows and coalitions are scored in one call, one row per class
    of rows alike (`_alike_rows`).
    """
    features = feature_columns(table)
    gone = np.asarray(unknown, dtype=bool)
    first, inverse = _alike_rows(estimator, features, gone)
    return _mixed_values(estimator, take(features, first), gone[first], feature_columns(background), coalitions)[inverse]


def _alike_rows(estimator: object, features: Table, gone: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One row of each class of rows whose averages are equal, and each row's class: rows alike on their given
    inputs in the estimator's `input_codes` and with the same unknown inputs, format and language (which
    choose the background seasons). A batch of new shows with a few inputs each repeats few classes, so the
    background mix is scored per class: 10,000 such shows in 1,500 classes (`benchmarks/batch_scoring.py`).
    An estimator without `input_codes` (a scikit-learn pipeline) makes every row a class of its own."""
    rows = n_rows(features)
    codes = getattr(estimator, "input_codes", None)
    codes = None if codes is None else codes(estimator_input(estimator, features))
    if codes is None:
        return np.arange(rows), np.arange(rows)
    columns = [np.where(gone[:, FEATURE_INDEX[name]], -1, value_codes(features[name])) for name in ("format", "language")]
    for position, name in enumerate(config.FEATURES):
        if name in codes:
            columns.append(np.where(gone[:, position], -1, codes[name]))
    columns.extend(codes[name] for name in codes if name not in FEATURE_INDEX)
    _, first, inverse = np.unique(row_classes(columns, rows), return_index=True, return_inverse=True)
    return first, inverse.reshape(-1)


def _mixed_values(
    estimator: object, features: Table, gone: np.ndarray, base: Table, coalitions: list[tuple[int, ...]]
) -> np.ndarray:
    """`averaged_values` of every row given (the model's input columns, their unknown cells and the background's)."""
    names = list(config.FEATURES)
    rows = n_rows(features)
    groups = list(INPUT_GROUPS)
    context_group = groups.index("context")
    # in_coalition[j, c]: feature c comes from the row in coalition j (the format always does).
    in_coalition = np.ones((len(coalitions), len(names)), dtype=bool)
    for j, mask in enumerate(coalitions):
        for on, group in zip(mask, groups, strict=True):
            for name in INPUT_GROUPS[group]:
                in_coalition[j, names.index(name)] = bool(on)
    pool_columns = ("format", "language")
    row_of, coalition_of, picks = [], [], []
    for i in range(rows):
        row = {name: features[name][i] for name in pool_columns}
        pool, masks = _pool(base, row, gone[i])
        for j, mask in enumerate(coalitions):
            chosen = pool[masks[bool(mask[context_group])]]
            picks.append(chosen)
            row_of.append(np.full(len(chosen), i))
            coalition_of.append(np.full(len(chosen), j))
    row_at, coalition_at, pick = np.concatenate(row_of), np.concatenate(coalition_of), np.concatenate(picks)
    mixed = take({name: base[name] for name in names}, pick)
    for c, name in enumerate(names):
        from_row = in_coalition[coalition_at, c] & ~gone[row_at, c]
        if from_row.any():
            values = mixed[name].copy()
            values[from_row] = features[name][row_at[from_row]]
            mixed[name] = values
    scored = estimator.predict_proba(estimator_input(estimator, feature_columns(mixed)))[:, 1]
    cell = row_at * len(coalitions) + coalition_at
    totals = np.bincount(cell, weights=scored, minlength=rows * len(coalitions))
    counts = np.bincount(cell, minlength=rows * len(coalitions))
    return (totals / np.maximum(counts, 1)).reshape(rows, len(coalitions))


def averaged_proba(estimator: object, table: Table, unknown: np.ndarray, background: Table) -> np.ndarray:
    """P(renewed) per row with unknown inputs averaged over the background; full rows are scored directly."""
    unknown = np.asarray(unknown, dtype=bool)
    out = np.empty(n_rows(table))
    partial = unknown.any(axis=1)
    if (~partial).any():
        full_rows = feature_columns(take(table, ~partial) if partial.any() else table)
        out[~partial] = estimator.predict_proba(estimator_input(estimator, full_rows))[:, 1]
    if partial.any():
        full = (1,) * len(INPUT_GROUPS)
        values = averaged_values(estimator, take(table, partial), unknown[partial], background, [full])
        out[partial] = values[:, 0]
    return out


def shapley(
    estimator: object, table: Table, unknown: np.ndarray, background: Table
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Exact group Shapley values against the row's format background.

    Returns (probability, reference probability, rows x groups contributions); each row's
    contributions add up to its probability minus its reference.
    """
    n = len(INPUT_GROUPS)
    coalitions = list(itertools.product([0, 1], repeat=n))
    values = averaged_values(estimator, table, unknown, background, coalitions)
    index = {mask: k for k, mask in enumerate(coalitions)}
    contributions = np.zeros((len(values), n))
    for without, with_i, i, weight in _coalition_weights(n):
        contributions[:, i] += weight * (values[:, index[with_i]] - values[:, index[without]])
    return values[:, index[(1,) * n]], values[:, index[(0,) * n]], contributions


def format_references(estimator: object, background: Table, profile: dict[str, object]) -> dict[str, float]:
    """The model's average over the background seasons of each format, and over all decided seasons
    (the formats weighted by how many decided seasons each has): the two steps a reason starts from."""
    scored = estimator.predict_proba(estimator_input(estimator, feature_columns(background)))[:, 1]
    out: dict[str, float] = {}
    for fmt in config.FORMATS:
        mask = background["format"] == fmt
        if mask.any():
            out[fmt] = float(scored[mask].mean())
    counts = {f: (profile.get("base_rates", {}).get(f) or {}).get("seasons") or 0 for f in out}
    total = sum(counts.values())
    out["all"] = sum(out[f] * counts[f] for f in counts) / total if total else float(scored.mean())
    return out
