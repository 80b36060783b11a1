"""Prediction: find a show or build one from inputs, score it, and say why.

Inputs a user did not give are unknown, not a signal: they are averaged over the model's background
of decided seasons of the same format (see `renewml.background`). Reasons are exact Shapley values
over a handful of input groups (source material, debut views, staying power, reviews, context)
against the average decided season of the show's format, so an ongoing show is compared with
ongoing shows and the contributions add up exactly to the difference from that average.
"""

from __future__ import annotations

import difflib
import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from renewml import config
from renewml.background import INPUT_GROUPS, averaged_proba, shapley, unknown_inputs
from renewml.data.schema import PREDICT_COLUMNS, PREDICT_REQUIRED, Problem, check_frame, parse_number
from renewml.data.titles import normalize_title
from renewml.errors import InputError, NotFoundError
from renewml.model import LoadedModel

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
    probability: float | None  # None when it is too early to tell: see `base_rate`
    band: str
    reasons: list[dict[str, object]] = field(default_factory=list)
    missing_inputs: list[str] = field(default_factory=list)
    actual: str | None = None
    row_id: str | None = None
    assumed: list[dict[str, str]] = field(default_factory=list)
    base_rate: dict[str, object] | None = None
    in_training_data: bool = False
    out_of_sample_probability: float | None = None
    reference: dict[str, object] | None = None

    def to_dict(self) -> dict[str, object]:
        return {
            "title": self.title,
            "season": self.season,
            "probability": None if self.probability is None else round(self.probability, 4),
            "band": self.band,
            "base_rate": self.base_rate,
            "reasons": self.reasons,
            "reference": self.reference,
            "missing_inputs": self.missing_inputs,
            "assumed": self.assumed,
            "in_training_data": self.in_training_data,
            "out_of_sample_probability": (
                None if self.out_of_sample_probability is None else round(self.out_of_sample_probability, 4)
            ),
            "actual_outcome": self.actual,
            "row_id": self.row_id,
        }

    def too_early_text(self) -> str:
        """The base rate quoted instead of a probability when a key input is missing."""
        rate = self.base_rate or {}
        low, high = rate.get("interval_95", [0, 1])
        return (
            f"{rate.get('rate', 0):.0%} of {rate.get('seasons', 0)} decided {rate.get('slice_text', 'seasons')} "
            f"were renewed (95% interval {low:.0%}-{high:.0%}); give the format and debut views for a probability"
        )

    def assumed_text(self) -> str:
        """One line naming the inputs not given and what they were averaged over."""
        if not self.assumed:
            return ""
        names = ", ".join(a["input"].replace("_", " ") for a in self.assumed)
        if self.probability is None:
            return f"not given: {names}"
        pool = self.assumed[0]["assumed"].split("(")[-1].rstrip(")") if "(" in self.assumed[0]["assumed"] else ""
        pool = pool or self.assumed[0]["assumed"].split("averaged over ")[-1]
        language = " (language: averaged over English and non-English seasons)" if "language" in names else ""
        return f"not given, averaged over {pool}: {names}{language}"

    def training_text(self) -> str:
        """Says that the model saw this row, and gives the backtest's honest number where there is one."""
        if not self.in_training_data:
            return ""
        text = "this season is in the model's training data, so its probability is in-sample"
        if self.out_of_sample_probability is not None:
            text += f"; out of sample (pooled backtest) it scored {self.out_of_sample_probability:.0%}"
        return text


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


_ASSUMED = {
    "language": "averaged over English and non-English seasons",
    "genre": "averaged over genres",
    "season_number": "averaged over first and later seasons",
    "source_material": "averaged over source materials",
}


def _assumptions(unknown: pd.Series, record: dict[str, object], count: int) -> list[dict[str, str]]:
    """What was assumed for each input not given, in words a user recognises."""
    pool = _pool_text(record, count)
    out = []
    for name in config.FEATURES:
        if unknown[name]:
            how = _ASSUMED.get(name, "averaged over")
            how = f"averaged over {pool}" if how == "averaged over" else f"{how} ({pool})"
            out.append({"input": name, "assumed": f"{name.replace('_', ' ')} not given: {how}"})
    return out


def _pool_text(record: dict[str, object], count: int) -> str:
    fmt = record.get("format")
    fmt = None if fmt is None or pd.isna(fmt) else str(fmt)
    views = record.get("debut_views")
    near = "" if views is None or pd.isna(views) else " nearest in debut views"
    return f"the {count} decided {fmt + ' ' if fmt else ''}seasons{near}"


def _reference_text(fmt: str | None, probability: float, background: pd.DataFrame) -> dict[str, object]:
    rows = background if fmt is None else background[background["format"] == fmt]
    what = f"decided {fmt} season" if fmt else "decided season"
    renewed = float(rows[config.LABEL].mean()) if len(rows) else float("nan")
    return {
        "probability": round(float(probability), 4),
        "seasons": int(len(rows)),
        "renewed_share": round(renewed, 4),
        "text": f"The average {what} scores {probability:.0%}; {renewed:.0%} of them were renewed",
    }


def predict_rows(loaded: LoadedModel, frame: pd.DataFrame, reasons: bool = True) -> list[Prediction]:
    """Score every row; inputs a user did not give are averaged over the model's background.

    Rows of the dataset (with a row_id) are scored as they are; rows without format or debut views
    get the base rate of their slice instead of a probability. With `reasons`, each row is
    explained by exact group Shapley values against the average decided season of its format.
    """
    model = loaded.model
    background = model.background
    frame = frame.reset_index(drop=True)
    unknown = unknown_inputs(frame)
    if reasons and len(frame):
        probabilities, references, contributions = shapley(model.estimator, frame, unknown, background)
    else:
        probabilities = averaged_proba(model.estimator, frame, unknown, background)
        references, contributions = None, None
    profile = loaded.card.reference
    trained_on = set(model.training_rows)
    features = [name for name in config.FEATURES if name in frame]
    absent = [name for name in config.FEATURES if name not in frame]
    missing_mask = frame[features].isna().to_numpy()
    records = frame.to_dict("records")
    out = []
    for index, (record, probability) in enumerate(zip(records, probabilities, strict=True)):
        missing = [name for name, gone in zip(features, missing_mask[index], strict=True) if gone] + absent
        key_missing = any(name in missing for name in config.KEY_FEATURES)
        fmt = record.get("format")
        fmt = str(fmt) if fmt is not None and not pd.isna(fmt) and str(fmt) in config.FORMATS else None
        explained: list[dict[str, object]] = []
        reference = None
        if contributions is not None and not key_missing:
            given = [group for group in INPUT_GROUPS if not unknown.loc[index, list(INPUT_GROUPS[group])].all()]
            explained = [
                {
                    "input": group,
                    "value": describe_group(group, pd.Series(record), profile),
                    "contribution": round(float(c), 4),
                }
                for group, c in sorted(zip(INPUT_GROUPS, contributions[index], strict=True), key=lambda gc: -abs(gc[1]))
                if group in given  # a group not given at all gets no credit either way
            ]
            reference = _reference_text(fmt, references[index], background)
        base_rate = None
        if key_missing:
            slice_name = fmt or "all"
            base_rate = dict(profile.get("base_rates", {}).get(slice_name, {}))
            base_rate["slice"] = slice_name
            base_rate["slice_text"] = f"{fmt} seasons" if fmt else "seasons"
        count = (
            config.BACKGROUND_NEIGHBOURS
            if not unknown.at[index, "debut_views"]
            else (int((background["format"] == fmt).sum()) if fmt else len(background))
        )
        season, outcome, row_id = record.get("season_number"), record.get("outcome"), record.get("row_id")
        row_id = None if row_id is None or pd.isna(row_id) else str(row_id)
        out.append(
            Prediction(
                title=str(record["show_title"]),
                season=None if season is None or pd.isna(season) else int(season),
                probability=None if key_missing else float(probability),
                band=band(float(probability), key_missing),
                reasons=explained,
                missing_inputs=missing,
                actual=None if outcome is None or pd.isna(outcome) else str(outcome),
                row_id=row_id,
                assumed=_assumptions(unknown.iloc[index], record, count),
                base_rate=base_rate,
                in_training_data=row_id is not None and row_id in trained_on,
                out_of_sample_probability=model.out_of_sample.get(row_id) if row_id else None,
                reference=reference,
            )
        )
    return out


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
