"""Prediction: find a show or build one from inputs, score it, and say why (one show, or rows of a table).

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

from renewml import config
from renewml.background import INPUT_GROUPS, averaged_proba, format_references, shapley, unknown_inputs
from renewml.data.schema import PREDICT_COLUMNS, PREDICT_REQUIRED, check_columns, parse_number
from renewml.data.titles import normalize_title
from renewml.errors import InputError, NotFoundError
from renewml.lookup import TitleIndex
from renewml.model import LoadedModel
from renewml.table import (
    Table,
    as_table,
    blank,
    column,
    from_records,
    is_missing,
    n_rows,
    numbers,
    plain_value,
    records,
    take,
)
from renewml.threads import limited_threads

# Thresholds in whole percent: a band is read next to the rounded percentage, so it is chosen from it.
BANDS = (
    (85, "a sure thing"),
    (65, "a safe bet"),
    (35, "could go either way"),
    (12, "a long shot"),
    (0, "essentially cancelled"),
)
TOO_EARLY = "too early to tell"
DECIDED_BEFORE = "decided before its debut"


def percent(probability: float) -> int:
    """The whole percentage shown to people; the band is chosen from this same number.

    `round` and the `:.0%` format both round the exact binary value half to even, so
    `f"{percent(p)}%" == f"{p:.0%}"` for every probability.
    """
    return round(probability * 100)


def band(probability: float, missing_key_inputs: bool = False) -> str:
    """The verbal scale a person reads first, from the displayed percentage (a shown 65% is "a safe bet")."""
    return str(bands(np.array([probability]), np.array([missing_key_inputs]))[0])


def bands(probabilities: np.ndarray, missing_key_inputs: np.ndarray) -> np.ndarray:
    """`band` of every probability at once (a batch of a million rows has no step per row)."""
    shown = np.round(np.asarray(probabilities, dtype=float) * 100)  # half to even, as `percent` rounds
    names = np.select([shown >= threshold for threshold, _ in BANDS], [name for _, name in BANDS], default=BANDS[-1][1])
    return np.where(missing_key_inputs, TOO_EARLY, names).astype(object)


def row_verdicts(table: Table, probabilities: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per row: whether a key input is missing (too early to tell), whether its season was decided before its
    debut (a what-if on one is a new row: it is scored), and the band shown. One rule for `predict_rows` and
    the column-wise batch (`renewml.batch.predict_table`)."""
    rows = n_rows(table)
    key_missing = np.zeros(rows, dtype=bool)
    for name in config.KEY_FEATURES:
        key_missing |= blank(table[name]) if name in table else True
    outcomes = column(table, "outcome", rows).tolist()
    settled = np.array([not is_missing(o) and str(o) in config.DECIDED_BEFORE_DEBUT for o in outcomes], dtype=bool)
    if settled.any():
        overrides = column(table, "_overrides", rows)
        settled[settled] = [is_missing(value) or not value for value in overrides[settled].tolist()]
    shown = bands(probabilities, key_missing)
    shown[settled] = DECIDED_BEFORE
    return key_missing, settled, shown


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
    overrides: dict[str, object] = field(default_factory=dict)  # inputs set by the user on a show in the data
    note: str = ""

    @property
    def label(self) -> str:
        """The title, and for a what-if the inputs that were changed ("KAOS with debut views set to 50.0M")."""
        return f"{self.title} with {describe_overrides(self.overrides)}" if self.overrides else self.title
    assumed: list[dict[str, str]] = field(default_factory=list)
    base_rate: dict[str, object] | None = None
    in_training_data: bool = False
    out_of_sample_probability: float | None = None
    reference: dict[str, object] | None = None
    # A season whose fate was settled before it aired has no probability: its state and the evidence.
    decided_before_debut: str | None = None
    evidence: str | None = None
    # Inputs the user gave that the model does not learn from, each with the reason (config.UNUSED_INPUTS).
    unused_inputs: list[dict[str, str]] = field(default_factory=list)

    def to_dict(self) -> dict[str, object]:
        return {
            "title": self.title,
            "season": self.season,
            "probability": None if self.probability is None else round(self.probability, 4),
            "percent": None if self.probability is None else percent(self.probability),
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
            "what_if": self.label if self.overrides else None,
            "overridden_inputs": self.overrides,
            "note": self.note,
            "decided_before_debut": self.decided_before_debut,
            "evidence": self.evidence,
            "unused_inputs": self.unused_inputs,
        }

    def reasons_text(self, shown: int = 3) -> str:
        """The first `shown` reasons on one line: "limited series: -0.39; 19.9M debut-week views...: +0.03"."""
        return "; ".join(f"{r['value']}: {r['contribution']:+.2f}" for r in self.reasons[:shown])

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


def find_show(frame: object, title: str, season: int | None = None) -> dict[str, object]:
    """The dataset row for a title or series slug (case- and punctuation-insensitive), as a dict; the
    latest season by default.

    `frame` is the dataset as a table (`renewml.data.read_table`), a DataFrame (`load_dataset`) or a `TitleIndex`.
    """
    key = normalize_title(title)
    if not key:
        raise InputError('the title is empty; give a show title such as "His & Hers"')
    index = frame if isinstance(frame, TitleIndex) else TitleIndex.of(frame)
    table, titles = index.dataset, index.dataset["show_title"]
    matches = index.by_key.get(key, [])
    if not matches:
        by_key = {normalize_title(t): t for t in dict.fromkeys(titles)}
        close = difflib.get_close_matches(key, list(by_key), n=3, cutoff=0.6)
        hint = f"; did you mean {', '.join(repr(by_key[c]) for c in close)}?" if close else ""
        raise NotFoundError(
            f"no show titled {title!r} in the dataset{hint} (for a show not in the data, pass --title with its inputs)"
        )
    seasons = numbers(table["season_number"])
    if season is not None:
        chosen = [i for i in matches if seasons[i] == season]
        if not chosen:
            have = ", ".join(str(int(s)) for s in sorted(set(seasons[matches].tolist())))
            raise NotFoundError(f"{titles[matches[0]]!r} has no season {season} in the dataset (seasons: {have})")
        return _record(table, chosen[0])
    return _record(table, max(matches, key=lambda i: (seasons[i], i)))


def _record(table: Table, position: int) -> dict[str, object]:
    return records(take(table, [position]))[0]


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


def _checked_inputs(title: str, inputs: dict[str, object]) -> Table:
    """Inputs given as flags, checked like the cells of a CSV row (a problem names the flag)."""
    cells = {"show_title": title}
    for name, value in inputs.items():
        if value is not None:
            cells[name] = str(value)
    raw = {name: np.array([value], dtype=object) for name, value in cells.items()}
    table, problems = check_columns(raw, PREDICT_COLUMNS, PREDICT_REQUIRED, 1)
    if problems:
        p = problems[0]
        raise InputError(f"--{str(p.column).replace('_', '-')}: {p.message}")
    return table


def adhoc_row(title: str, inputs: dict[str, object]) -> Table:
    """A one-row table for a show that is not in the data, validated like a CSV row."""
    return with_derived(_checked_inputs(title, inputs))


INPUT_COLUMNS = tuple(c.name for c in PREDICT_COLUMNS)
KINDS = {c.name: c.kind for c in PREDICT_COLUMNS}


def with_inputs(frame: object, inputs: dict[str, object]) -> tuple[Table, dict[str, object]]:
    """A what-if: rows of the dataset with some inputs replaced, checked like flags.

    Returns the changed rows and the inputs that were set, so that the result can be labelled as a
    what-if instead of passing for the show itself. Debut views per day follow views and days.
    """
    table = as_table(frame)
    given = {name: value for name, value in inputs.items() if value is not None}
    if not given:
        return table, {}
    checked = _checked_inputs("what-if", given)
    rows = n_rows(table)
    out = dict(table)
    overrides = {}
    for name in given:
        value = plain_value(checked[name][0])
        value = int(value) if KINDS.get(name) == "int" and value is not None else value
        out[name] = np.full(rows, np.nan if value is None else value, dtype=checked[name].dtype)
        overrides[name] = value
    if {"debut_views", "days_in_debut_week"} & set(given) and "debut_views_per_day" not in given:
        out["debut_views_per_day"] = np.full(rows, np.nan)
        out = with_derived(out)
    # carried in the rows, so scoring labels them as what-ifs, never as seasons the model trained on
    marks = np.empty(rows, dtype=object)
    marks[:] = [dict(overrides) for _ in range(rows)]
    out["_overrides"] = marks
    return out, overrides


def show_frame(
    dataset: object, show: str | None, season: int | None, title: str | None, inputs: dict[str, object]
) -> tuple[Table, dict[str, object]]:
    """The one-row table to score and the inputs overridden in it.

    A show in the data by title (with inputs given too, a labelled what-if), or a new show from inputs.
    """
    inputs = dict(inputs, debut_views=parse_human_number(inputs.get("debut_views"), "debut_views"))
    if show is not None:
        row = find_show(dataset, show, season)
        return with_inputs(one_row(row), inputs)
    return adhoc_row(str(title), {**inputs, "season_number": season}), {}


def one_row(row: dict[str, object]) -> Table:
    """A dict of cells (as `find_show` gives) as a one-row table."""
    return from_records([row])


def with_derived(table: Table) -> Table:
    """Every input column present (blank where not given), and views per day from views and days."""
    table = dict(table)
    rows = n_rows(table)
    for name in (*config.FEATURES, "days_in_debut_week", "season_number"):
        if name not in table:
            table[name] = column(table, name, rows)
    if "debut_views_per_day" in table:
        views, days = numbers(table["debut_views"]), numbers(table["days_in_debut_week"])
        per_day = numbers(table["debut_views_per_day"])
        with np.errstate(divide="ignore", invalid="ignore"):
            table["debut_views_per_day"] = np.where(np.isnan(per_day), views / days, per_day)
    return table


# --------------------------------------------------------------------------------------------------
# scoring and reasons


def missing_inputs(row: dict[str, object]) -> list[str]:
    return [name for name in config.FEATURES if name not in row or is_missing(row[name]) or row[name] == ""]


_ASSUMED = {
    "language": "averaged over English and non-English seasons",
    "genre": "averaged over genres",
    "season_number": "averaged over first and later seasons",
    "source_material": "averaged over source materials",
}


def _assumptions(unknown: np.ndarray, record: dict[str, object], count: int) -> list[dict[str, str]]:
    """What was assumed for each input not given (flags in `config.FEATURES` order), in words a user recognises."""
    if not unknown.any():
        return []
    pool = _pool_text(record, count)
    out = []
    for name, gone in zip(config.FEATURES, unknown, strict=True):
        if gone:
            how = _ASSUMED.get(name, "averaged over")
            how = f"averaged over {pool}" if how == "averaged over" else f"{how} ({pool})"
            out.append({"input": name, "assumed": f"{name.replace('_', ' ')} not given: {how}"})
    return out


def _pool_text(record: dict[str, object], count: int) -> str:
    fmt = record.get("format")
    fmt = None if is_missing(fmt) else str(fmt)
    return f"the {count} decided {fmt + ' ' if fmt else ''}seasons of the model's sample"


def _reference_text(fmt: str | None, averages: dict[str, float], profile: dict[str, object]) -> dict[str, object]:
    """The point reasons start from, in words: the average decided season, then the average of the format."""
    rates = profile.get("base_rates", {})
    overall = (rates.get("all") or {}).get("rate")
    text = f"The average decided season scores {averages['all']:.0%}"
    if overall is not None:
        text += f" ({overall:.0%} of decided seasons were renewed)"
    if fmt in averages:
        text += f", the average decided {fmt} season {averages[fmt]:.0%}"
    return {
        "probability": round(float(averages["all"]), 4),
        "format_probability": None if fmt not in averages else round(float(averages[fmt]), 4),
        "text": text,
    }


def predict_rows(loaded: LoadedModel, frame: object, reasons: bool = True) -> list[Prediction]:
    """Score every row (a table or a DataFrame); inputs a user did not give are averaged over the model's background.

    Rows of the dataset (with a row_id) are scored as they are; rows without format or debut views
    get the base rate of their slice instead of a probability. With `reasons`, the format is the
    first step (the average decided season of the format against the average decided season), and
    the other inputs are exact group Shapley values against the average season of the format, so an
    ongoing show is compared with ongoing shows and all steps add up to the show's distance from the
    average decided season.
    """
    model = loaded.model
    background = model.background_table
    table = as_table(frame)  # converted once, here
    rows = n_rows(table)
    unknown = unknown_inputs(table)
    with limited_threads(model.estimator):
        if reasons and rows:
            probabilities, references, contributions = shapley(model.estimator, table, unknown, background)
        else:
            probabilities = averaged_proba(model.estimator, table, unknown, background)
            references, contributions = None, None
    profile = loaded.card.reference
    averages: dict[str, float] | None = None
    trained_on = set(model.training_rows)
    features = [name for name in config.FEATURES if name in table]
    absent = [name for name in config.FEATURES if name not in table]
    missing_mask = np.column_stack([blank(table[name]) for name in features]) if features else np.zeros((rows, 0), bool)
    per_format = {fmt: int((background["format"] == fmt).sum()) for fmt in config.FORMATS}
    key_missing_rows, settled_rows, band_rows = row_verdicts(table, probabilities)
    out = []
    for index, record in enumerate(records(table)):
        probability = probabilities[index]
        missing = [name for name, gone in zip(features, missing_mask[index], strict=True) if gone] + absent
        key_missing = bool(key_missing_rows[index])
        settled = str(record["outcome"]) if settled_rows[index] else None
        fmt = record.get("format")
        fmt = str(fmt) if not is_missing(fmt) and str(fmt) in config.FORMATS else None
        explained: list[dict[str, object]] = []
        reference = None
        if contributions is not None and not key_missing:
            flags = dict(zip(config.FEATURES, unknown[index], strict=True))
            given = [group for group in INPUT_GROUPS if not all(flags[name] for name in INPUT_GROUPS[group])]
            explained = [
                {"input": group, "value": describe_group(group, record, profile), "contribution": round(float(c), 4)}
                for group, c in zip(INPUT_GROUPS, contributions[index], strict=True)
                if group in given  # a group not given at all gets no credit either way
            ]
            if fmt is not None:  # first step: from the average decided season to the average of this format
                averages = averages or profile.get("format_averages") or format_references(
                    model.estimator, background, profile
                )
                # the format's average as the Shapley values start from it, so every step adds up
                start = {**averages, fmt: float(references[index])}
                step = round(start[fmt] - start["all"], 4)
                described = describe_group("format", record, profile)
                explained.append({"input": "format", "value": described, "contribution": step})
                reference = _reference_text(fmt, start, profile)
            explained.sort(key=lambda r: -abs(float(r["contribution"])))
        base_rate = None
        if key_missing:
            slice_name = fmt or "all"
            base_rate = dict(profile.get("base_rates", {}).get(slice_name, {}))
            base_rate["slice"] = slice_name
            base_rate["slice_text"] = f"{fmt} seasons" if fmt else "seasons"
        count = per_format.get(fmt, 0) if fmt else n_rows(background)
        season, outcome, row_id = record.get("season_number"), record.get("outcome"), record.get("row_id")
        row_id = None if is_missing(row_id) else str(row_id)
        overrides, note = record.get("_overrides"), record.get("_note")
        overrides = dict(overrides) if isinstance(overrides, dict) else {}
        seen = row_id is not None and row_id in trained_on and not overrides  # a what-if is a new row
        out.append(
            Prediction(
                title=str(record["show_title"]),
                season=None if is_missing(season) or season == "" else int(season),
                probability=None if key_missing or settled else float(probability),
                band=band_rows[index],
                reasons=[] if settled else explained,
                missing_inputs=missing,
                actual=None if is_missing(outcome) else str(outcome),
                row_id=row_id,
                assumed=_assumptions(unknown[index], record, count),
                base_rate=base_rate,
                in_training_data=seen,
                out_of_sample_probability=model.out_of_sample.get(row_id) if seen else None,
                reference=reference,
                overrides=overrides,
                note=note if isinstance(note, str) else "",
                decided_before_debut=settled,
                evidence=str(record.get("label_evidence") or "") if settled else None,
                unused_inputs=_unused(record, row_id, overrides),
            )
        )
    return out


def _unused(record: dict[str, object], row_id: str | None, overrides: dict[str, object]) -> list[dict[str, str]]:
    """The inputs a user typed that the model does not learn from, with the reason; a dataset row's own
    values are not the user's and are not listed."""
    given = set(overrides) if row_id is not None else {n for n in config.UNUSED_INPUTS if not is_missing(record.get(n))}
    return [{"input": name, "reason": reason} for name, reason in config.UNUSED_INPUTS.items() if name in given]


def format_views(value: float) -> str:
    """19900000 -> '19.9M', 850000 -> '850K'."""
    if value >= 1e6:
        return f"{value / 1e6:.1f}M"
    if value >= 1e3:
        return f"{value / 1e3:.0f}K"
    return f"{value:.0f}"


def describe_group(group: str, row: dict[str, object], reference: dict[str, object]) -> str:
    """The show's inputs of one group in show-level words."""

    def get(name: str) -> object:
        value = row.get(name)
        return None if is_missing(value) or value == "" else value

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
        return ", ".join(parts) or "no review scores (read as the median, not as a signal)"
    parts = [str(get("language") or "language unknown").replace("_", "-")]
    if get("season_number") is not None:
        parts.append(f"season {int(get('season_number'))}")
    if get("genre") is not None:
        parts.append(str(get("genre")).replace("_", "/"))
    return ", ".join(parts)
