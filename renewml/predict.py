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
from renewml.data.schema import (
    DATASET_COLUMNS,
    PREDICT_COLUMNS,
    PREDICT_REQUIRED,
    Problem,
    check_frame,
    parse_number,
)
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

# Thresholds in whole percent: a band is read next to the rounded percentage, so it is chosen from it.
BANDS = (
    (85, "a sure thing"),
    (65, "a safe bet"),
    (35, "could go either way"),
    (12, "a long shot"),
    (0, "essentially cancelled"),
)
TOO_EARLY = "too early to tell"


def percent(probability: float) -> int:
    """The whole percentage shown to people; the band is chosen from this same number.

    `round` and the `:.0%` format both round the exact binary value half to even, so
    `f"{percent(p)}%" == f"{p:.0%}"` for every probability.
    """
    return round(probability * 100)


def band(probability: float, missing_key_inputs: bool = False) -> str:
    """The verbal scale a person reads first, from the displayed percentage (a shown 65% is "a safe bet")."""
    if missing_key_inputs:
        return TOO_EARLY
    shown = percent(probability)
    return next(name for threshold, name in BANDS if shown >= threshold)


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
    overrides: dict[str, object] = field(default_factory=dict)  # inputs set by the user on a show in the data
    note: str = ""

    @property
    def label(self) -> str:
        """The title, and for a what-if the inputs that were changed ("KAOS with debut views set to 50.0M")."""
        return f"{self.title} with {describe_overrides(self.overrides)}" if self.overrides else self.title

    def to_dict(self) -> dict[str, object]:
        return {
            "title": self.title,
            "season": self.season,
            "probability": round(self.probability, 4),
            "percent": percent(self.probability),
            "band": self.band,
            "reasons": self.reasons,
            "missing_inputs": self.missing_inputs,
            "actual_outcome": self.actual,
            "row_id": self.row_id,
            "what_if": self.label if self.overrides else None,
            "overridden_inputs": self.overrides,
            "note": self.note,
        }


# Inputs in words, where the column name does not read well.
INPUT_NAMES = {
    "weeks_in_top10_first4": "weeks in the Top 10 (of the first 4)",
    "week2_to_week1": "week 2 over week 1",
    "imdb_season_rating": "IMDb rating",
    "debut_rank": "debut rank",
}


def describe_overrides(overrides: dict[str, object]) -> str:
    """'debut views set to 50.0M and critic score set to 80': the what-if in words."""
    parts = []
    for name, value in overrides.items():
        if name == "debut_views" and value is not None:
            text = format_views(float(value))
        elif isinstance(value, float) and value.is_integer():
            text = str(int(value))
        else:
            text = str(value).replace("_", " ")
        parts.append(f"{INPUT_NAMES.get(name, name.replace('_', ' '))} set to {text}")
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


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


def _checked_inputs(title: str, inputs: dict[str, object]) -> pd.DataFrame:
    """Inputs given as flags, checked like the cells of a CSV row (a problem names the flag)."""
    cells = {"show_title": title}
    for name, value in inputs.items():
        if value is not None:
            cells[name] = str(value)
    raw = pd.DataFrame([cells], dtype=str)
    frame, problems = check_frame(raw, PREDICT_COLUMNS, PREDICT_REQUIRED)
    if problems:
        p = problems[0]
        raise InputError(f"--{str(p.column).replace('_', '-')}: {p.message}")
    return frame


def adhoc_row(title: str, inputs: dict[str, object]) -> pd.DataFrame:
    """A one-row table for a show that is not in the data, validated like a CSV row."""
    return _with_derived(_checked_inputs(title, inputs))


def with_inputs(frame: pd.DataFrame, inputs: dict[str, object]) -> tuple[pd.DataFrame, dict[str, object]]:
    """A what-if: rows of the dataset with some inputs replaced, checked like flags.

    Returns the changed rows and the inputs that were set, so that the result can be labelled as a
    what-if instead of passing for the show itself. Debut views per day follow views and days.
    """
    given = {name: value for name, value in inputs.items() if value is not None}
    if not given:
        return frame, {}
    checked = _checked_inputs("what-if", given).iloc[0]
    out = frame.copy()
    overrides = {}
    for name in given:
        value = checked[name]
        out[name] = [value] * len(out)
        overrides[name] = value.item() if hasattr(value, "item") else value
    if {"debut_views", "days_in_debut_week"} & set(given) and "debut_views_per_day" not in given:
        out["debut_views_per_day"] = None
        out = _with_derived(out)
    return out, overrides


def show_frame(
    dataset: pd.DataFrame, show: str | None, season: int | None, title: str | None, inputs: dict[str, object]
) -> tuple[pd.DataFrame, dict[str, object]]:
    """The one-row table to score and the inputs overridden in it.

    A show in the data by title (with inputs given too, a labelled what-if), or a new show from inputs.
    """
    inputs = dict(inputs, debut_views=parse_human_number(inputs.get("debut_views"), "debut_views"))
    if show is not None:
        row = find_show(dataset, show, season).to_frame().T.reset_index(drop=True)
        return with_inputs(row, inputs)
    return adhoc_row(str(title), {**inputs, "season_number": season}), {}


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


INPUT_COLUMNS = tuple(c.name for c in PREDICT_COLUMNS)
# Inputs a batch row may take from the data when it names a show there (given cells win).
LOOKUP_COLUMNS = (*config.FEATURES, "days_in_debut_week")


@dataclass
class Batch:
    """A batch file as read: the rows to score, the cells as given, every problem and the ignored columns."""

    path: str
    frame: pd.DataFrame
    raw: pd.DataFrame
    problems: list[Problem]
    ignored_columns: list[str]

    @property
    def bad_rows(self) -> list[int]:
        """Spreadsheet row numbers (header = 1) with at least one problem."""
        return sorted({p.row for p in self.problems if p.row is not None})

    def ignored_warning(self) -> str:
        """One line naming the columns that are not inputs, with "did you mean" where one fits."""
        if not self.ignored_columns:
            return ""
        dataset_columns = {c.name for c in DATASET_COLUMNS}
        named = []
        for name in self.ignored_columns:
            close = difflib.get_close_matches(name, INPUT_COLUMNS, n=1, cutoff=0.6)
            if name in dataset_columns:
                named.append(f"'{name}' (a dataset column, not an input)")
            else:
                named.append(f"'{name}'" + (f" (did you mean '{close[0]}'?)" if close else ""))
        return (
            f"warning: {self.path}: column(s) that are not inputs, ignored: {', '.join(named)}; "
            "the input columns are documented in data/README.md ('renewml predict --template' prints them)"
        )

    def rejects(self) -> pd.DataFrame:
        """One line per bad row: its row number, the columns and problems, then the row's own cells."""
        by_row: dict[int, list[Problem]] = {}
        for problem in self.problems:
            by_row.setdefault(int(problem.row or 0), []).append(problem)
        lines = []
        for row, problems in sorted(by_row.items()):
            cells = self.raw.loc[row - 2].to_dict() if row - 2 in self.raw.index else {}
            lines.append(
                {
                    "row": row,
                    "column": "; ".join(str(p.column) for p in problems),
                    "problem": "; ".join(p.message for p in problems),
                    **{name: value for name, value in cells.items() if name not in ("row", "column", "problem")},
                }
            )
        return pd.DataFrame(lines)

    def valid_rows(self) -> pd.DataFrame:
        """The rows to score when the bad ones are skipped."""
        return self.frame.drop(index=[r - 2 for r in self.bad_rows])


def read_batch(path: object, dataset: pd.DataFrame | None = None) -> Batch:
    """A user CSV for batch prediction: checked cell by cell; problems returned, not dropped.

    With `dataset`, a row whose show_title (and season_number, if given) names a season in the data is
    looked up as `predict "TITLE" --season N` would, and its non-empty cells override the data; the row's
    note says so. Columns that are not inputs are listed in `ignored_columns`, never silently dropped.
    """
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
    frame = frame[[c for c in frame.columns if c in INPUT_COLUMNS]]
    if dataset is not None:
        frame = _look_up_shows(frame, dataset)
    ignored = [c for c in raw.columns if c not in INPUT_COLUMNS]
    return Batch(str(path), _with_derived(frame), raw, problems, ignored)


def _look_up_shows(frame: pd.DataFrame, dataset: pd.DataFrame) -> pd.DataFrame:
    """Rows naming a season in the data take its inputs; the cells the user gave win."""
    by_key: dict[str, list[int]] = {}
    for position, (title, series) in enumerate(zip(dataset["show_title"], dataset["series_id"], strict=True)):
        for key in {normalize_title(title), str(series).replace("-", "")}:
            by_key.setdefault(key, []).append(position)
    records = dataset[list(dict.fromkeys(["show_title", "season_number", "outcome", *LOOKUP_COLUMNS]))].to_dict("records")
    frame = frame.copy()
    for name in (*LOOKUP_COLUMNS, "season_number", "outcome", "_note", "_overrides"):
        if name not in frame:
            frame[name] = None
    frame = frame.astype(object)
    inputs = [c for c in LOOKUP_COLUMNS if c != "season_number"]
    for index, title, season in zip(frame.index, frame["show_title"], frame["season_number"], strict=True):
        positions = by_key.get(normalize_title(str(title))) if title is not None and not pd.isna(title) else None
        if not positions:
            continue
        name = records[positions[0]]["show_title"]
        if season is not None and not pd.isna(season):
            positions = [p for p in positions if records[p]["season_number"] == int(season)]
            if not positions:
                frame.at[index, "_note"] = (
                    f"{name} is in the data but has no season {int(season)}; scored from the given columns only"
                )
                continue
        found = records[max(positions, key=lambda p: records[p]["season_number"])]
        given = [c for c in inputs if frame.at[index, c] is not None and not pd.isna(frame.at[index, c])]
        for column in inputs:
            if column not in given:
                frame.at[index, column] = None if pd.isna(found[column]) else found[column]
        if {"debut_views", "days_in_debut_week"} & set(given) and "debut_views_per_day" not in given:
            frame.at[index, "debut_views_per_day"] = None
        frame.at[index, "season_number"] = int(found["season_number"])
        frame.at[index, "outcome"] = found["outcome"]
        frame.at[index, "_overrides"] = {c: frame.at[index, c] for c in given}
        frame.at[index, "_note"] = f"looked up as {name} season {int(found['season_number'])} in the data" + (
            f"; given columns override: {', '.join(given)}" if given else ""
        )
    return frame


def batch_template(dataset: pd.DataFrame) -> str:
    """A CSV header of every accepted input column and one example row (a real season, retitled)."""
    example = find_show(dataset, config.TEMPLATE_EXAMPLE_SHOW)
    cells = []
    for name in INPUT_COLUMNS:
        value = "My New Show" if name == "show_title" else example[name]
        if value is None or pd.isna(value):
            cells.append("")
        elif isinstance(value, float):
            cells.append(f"{value:.4f}".rstrip("0").rstrip("."))
        else:
            cells.append(str(value))
    return ",".join(INPUT_COLUMNS) + "\n" + ",".join(cells) + "\n"


def validate_batch(path: object) -> Batch:
    """Check a batch file as `predict --input` would; raise one error naming the first bad cells."""
    from renewml.data.schema import _summarise

    batch = read_batch(path)
    if batch.problems:
        raise InputError(_summarise(path, batch.problems))
    return batch


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
        overrides, note = record.get("_overrides"), record.get("_note")
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
                overrides=dict(overrides) if isinstance(overrides, dict) else {},
                note=note if isinstance(note, str) else "",
            )
        )
    return out
