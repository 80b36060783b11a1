"""Prediction: find a show or build one from inputs, score it, and say why.

Reasons are exact Shapley values over a handful of input groups (format, source material, debut
views, staying power, reviews, context): the model is evaluated on every mix of the show's inputs and a
reference show's (the training median), so the contributions add up exactly to the difference
between the show's probability and the reference probability.
"""

from __future__ import annotations

import difflib
import itertools
import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from renewml import config
from renewml.data.schema import PREDICT_COLUMNS, PREDICT_REQUIRED, Problem, check_frame, parse_number
from renewml.data.titles import normalize_title
from renewml.errors import InputError, NotFoundError
from renewml.model import LoadedModel, predict_proba

INPUT_GROUPS: dict[str, tuple[str, ...]] = {
    "format": ("format",),
    "source material": ("source_material",),
    "debut views": ("debut_views", "debut_views_per_day", "debut_rank"),
    "staying power": ("week2_to_week1", "weeks_in_top10_first4"),
    "reviews": ("critic_score", "audience_score", "imdb_season_rating"),
    "context": ("language", "genre", "season_number", "runtime_hours"),
}

BANDS = (
    (0.85, "a sure thing"),
    (0.65, "a safe bet"),
    (0.35, "could go either way"),
    (0.12, "a long shot"),
    (0.0, "essentially cancelled"),
)
TOO_EARLY = "too early to tell"


def band(probability: float, missing_key_inputs: bool = False) -> str:
    """The verbal scale a person reads first."""
    if missing_key_inputs:
        return TOO_EARLY
    return next(name for threshold, name in BANDS if probability >= threshold)


@dataclass
class Prediction:
    title: str
    season: int | None
    probability: float
    band: str
    reasons: list[dict[str, object]] = field(default_factory=list)
    missing_inputs: list[str] = field(default_factory=list)
    actual: str | None = None
    row_id: str | None = None

    def to_dict(self) -> dict[str, object]:
        return {
            "title": self.title,
            "season": self.season,
            "probability": round(self.probability, 4),
            "band": self.band,
            "reasons": self.reasons,
            "missing_inputs": self.missing_inputs,
            "actual_outcome": self.actual,
            "row_id": self.row_id,
        }


# --------------------------------------------------------------------------------------------------
# finding shows


def find_show(frame: pd.DataFrame, title: str, season: int | None = None) -> pd.Series:
    """The dataset row for a title (case- and punctuation-insensitive); the latest season by default."""
    key = normalize_title(title)
    if not key:
        raise InputError('the title is empty; give a show title such as "His & Hers"')
    keys = frame["show_title"].map(normalize_title)
    matches = frame[(keys == key) | (frame["series_id"].str.replace("-", "") == key)]
    if matches.empty:
        titles = frame["show_title"].drop_duplicates().tolist()
        by_key = {normalize_title(t): t for t in titles}
        close = difflib.get_close_matches(key, list(by_key), n=3, cutoff=0.6)
        hint = f"; did you mean {', '.join(repr(by_key[c]) for c in close)}?" if close else ""
        raise NotFoundError(
            f"no show titled {title!r} in the dataset{hint} (for a show not in the data, pass --title with its inputs)"
        )
    if season is not None:
        chosen = matches[matches["season_number"] == season]
        if chosen.empty:
            have = ", ".join(str(s) for s in sorted(matches["season_number"].unique()))
            raise NotFoundError(
                f"{matches['show_title'].iloc[0]!r} has no season {season} in the dataset (seasons: {have})"
            )
        return chosen.iloc[0]
    return matches.sort_values("season_number").iloc[-1]


def parse_human_number(value: str | float | None, name: str) -> float | None:
    """'19.9M' -> 19900000.0; a clear error naming the flag otherwise."""
    if value is None:
        return None
    if isinstance(value, (int, float)):
        number = float(value)
    else:
        try:
            number = parse_number(value)
        except ValueError:
            raise InputError(
                f"--{name.replace('_', '-')}: expected a number such as 19.9M or 850000, found {value!r}"
            ) from None
    if math.isnan(number) or math.isinf(number) or number < 0:
        raise InputError(f"--{name.replace('_', '-')}: expected a number >= 0, found {value!r}")
    return number


def adhoc_row(title: str, inputs: dict[str, object]) -> pd.DataFrame:
    """A one-row table for a show that is not in the data, validated like a CSV row."""
    cells = {"show_title": title}
    for name, value in inputs.items():
        if value is not None:
            cells[name] = str(value)
    raw = pd.DataFrame([cells], dtype=str)
    frame, problems = check_frame(raw, PREDICT_COLUMNS, PREDICT_REQUIRED)
    if problems:
        p = problems[0]
        raise InputError(f"--{str(p.column).replace('_', '-')}: {p.message}")
    return _with_derived(frame)


def _with_derived(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.copy()
    for name in (*config.FEATURES, "days_in_debut_week", "season_number"):
        if name not in frame:
            frame[name] = None
    if "debut_views_per_day" in frame:
        views = pd.to_numeric(frame["debut_views"], errors="coerce")
        days = pd.to_numeric(frame["days_in_debut_week"], errors="coerce")
        per_day = pd.to_numeric(frame["debut_views_per_day"], errors="coerce")
        frame["debut_views_per_day"] = per_day.where(per_day.notna(), views / days)
    return frame


def read_batch(path: object) -> tuple[pd.DataFrame, list[Problem]]:
    """A user CSV for batch prediction: checked cell by cell; problems returned, not dropped."""
    from renewml.data.schema import read_csv_strict

    raw = read_csv_strict(path)
    frame, problems = check_frame(raw, PREDICT_COLUMNS, PREDICT_REQUIRED)
    keys = [c for c in ("show_title", "season_number") if c in raw.columns]
    duplicated = raw.duplicated(keys, keep="first") if "show_title" in keys else pd.Series(False, index=raw.index)
    for index in raw.index[duplicated]:
        what = " and ".join(f"{c} '{raw.at[index, c]}'" for c in keys)
        problems.append(Problem(int(index) + 2, keys[0], f"expected one row per show season, found {what} again"))
    problems.sort(key=lambda p: (p.row or 0, p.column or ""))
    if any(p.row is None for p in problems):
        p = problems[0]
        raise InputError.at(path, 1, p.column, p.message)
    return _with_derived(frame), problems


# --------------------------------------------------------------------------------------------------
# scoring and reasons


def missing_inputs(row: pd.Series) -> list[str]:
    return [name for name in config.FEATURES if name not in row or row[name] is None or pd.isna(row[name])]


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


def shapley_values(loaded: LoadedModel, frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Exact Shapley values of the input groups against the card's reference show, for every row.

    All rows' coalitions are scored in one call. Returns (probability per row, rows x groups values);
    each row's values add up to its probability minus the reference's.
    """
    reference = loaded.card.reference
    groups = list(INPUT_GROUPS)
    coalitions = list(itertools.product([0, 1], repeat=len(groups)))
    records = frame.to_dict("records")
    mixed = []
    for record in records:
        for mask in coalitions:
            values = {}
            for on, group in zip(mask, groups, strict=True):
                for name in INPUT_GROUPS[group]:
                    values[name] = record.get(name) if on else reference.get(name)
            mixed.append(values)
    scored = predict_proba(loaded.model, pd.DataFrame(mixed)).reshape(len(records), len(coalitions))
    index = {mask: k for k, mask in enumerate(coalitions)}
    contributions = np.zeros((len(records), len(groups)))
    for without, with_i, i, weight in _coalition_weights(len(groups)):
        contributions[:, i] += weight * (scored[:, index[with_i]] - scored[:, index[without]])
    return scored[:, index[tuple([1] * len(groups))]], contributions


def format_views(value: float) -> str:
    """19900000 -> '19.9M', 850000 -> '850K'."""
    if value >= 1e6:
        return f"{value / 1e6:.1f}M"
    if value >= 1e3:
        return f"{value / 1e3:.0f}K"
    return f"{value:.0f}"


def describe_group(group: str, row: pd.Series, reference: dict[str, object]) -> str:
    """The show's inputs of one group in show-level words."""

    def get(name: str) -> object:
        value = row.get(name)
        return None if value is None or (isinstance(value, float) and math.isnan(value)) or pd.isna(value) else value

    if group == "format":
        return {"limited": "limited series", "ongoing": "ongoing series"}.get(str(get("format")), "format unknown")
    if group == "source material":
        return str(get("source_material") or "unknown").replace("_", " ")
    if group == "debut views":
        views = get("debut_views")
        if views is None:
            return "debut views unknown"
        quantiles = reference.get("_debut_views_quantiles") or []
        text = f"{format_views(float(views))} debut-week views"
        if quantiles:
            share = 100 - int(np.searchsorted(quantiles, float(views)))
            text += f", top {max(share, 1)}% of debuts" if share <= 50 else f", bottom {101 - share}% of debuts"
        rank = get("debut_rank")
        return text + (f", #{int(rank)} in its week" if rank is not None else "")
    if group == "staying power":
        ratio, weeks = get("week2_to_week1"), get("weeks_in_top10_first4")
        parts = []
        if ratio is not None:
            parts.append(f"week 2 at {float(ratio):.0%} of week 1")
        if weeks is not None:
            parts.append(f"{int(weeks)} of its first 4 weeks in the Top 10")
        return ", ".join(parts) or "unknown"
    if group == "reviews":
        parts = []
        if get("critic_score") is not None:
            parts.append(f"Metacritic {float(get('critic_score')):.0f}")
        if get("audience_score") is not None:
            parts.append(f"user score {float(get('audience_score')):.0f}")
        if get("imdb_season_rating") is not None:
            parts.append(f"IMDb {float(get('imdb_season_rating')):.1f}")
        return ", ".join(parts) or "no review scores"
    parts = [str(get("language") or "language unknown").replace("_", "-")]
    if get("season_number") is not None:
        parts.append(f"season {int(get('season_number'))}")
    if get("genre") is not None:
        parts.append(str(get("genre")).replace("_", "/"))
    return ", ".join(parts)


def predict_rows(loaded: LoadedModel, frame: pd.DataFrame, reasons: bool = True) -> list[Prediction]:
    """Score every row; with `reasons`, explain each by exact group Shapley values."""
    if reasons:
        probabilities, contributions = shapley_values(loaded, frame)
    else:
        probabilities, contributions = predict_proba(loaded.model, frame), None
    reference = loaded.card.reference
    features = [name for name in config.FEATURES if name in frame]
    absent = [name for name in config.FEATURES if name not in frame]
    missing_mask = frame[features].isna().to_numpy()
    records = frame.to_dict("records")
    out = []
    for index, (record, probability) in enumerate(zip(records, probabilities, strict=True)):
        missing = [name for name, gone in zip(features, missing_mask[index], strict=True) if gone] + absent
        key_missing = any(name in missing for name in config.KEY_FEATURES)
        explained: list[dict[str, object]] = []
        if contributions is not None:
            explained = [
                {
                    "input": group,
                    "value": describe_group(group, pd.Series(record), reference),
                    "contribution": round(c, 4),
                }
                for group, c in sorted(zip(INPUT_GROUPS, contributions[index], strict=True), key=lambda gc: -abs(gc[1]))
            ]
        season, outcome, row_id = record.get("season_number"), record.get("outcome"), record.get("row_id")
        out.append(
            Prediction(
                title=str(record["show_title"]),
                season=None if season is None or pd.isna(season) else int(season),
                probability=float(probability),
                band=band(float(probability), key_missing),
                reasons=explained,
                missing_inputs=missing,
                actual=None if outcome is None or pd.isna(outcome) else str(outcome),
                row_id=None if row_id is None or pd.isna(row_id) else str(row_id),
            )
        )
    return out
