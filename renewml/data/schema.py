"""The documented schema of the curated table, and the checks every entry point runs on a CSV.

A problem is reported as `file, row R, column 'C': expected ..., found ...`, with rows counted as a
spreadsheet shows them (the header is row 1), so a user can go straight to the cell.
"""

from __future__ import annotations

import csv
import gc
import itertools
import math
import re
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd

from renewml import config
from renewml.errors import InputError


@dataclass(frozen=True)
class Column:
    name: str
    kind: str  # "str", "int", "float", "bool", "date", "category"
    description: str
    unit: str = ""
    source: str = ""
    allowed: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    nullable: bool = True


DATASET_COLUMNS: tuple[Column, ...] = (
    Column("row_id", "str", "Unique key: series slug and season number", source="derived", nullable=False),
    Column(
        "series_id",
        "str",
        "Series slug; the grouping key of evaluation splits",
        source="derived",
        nullable=False,
    ),
    Column(
        "show_title",
        "str",
        "Show title as Netflix's Top 10 prints it",
        source="Netflix Top 10",
        nullable=False,
    ),
    Column(
        "season_title",
        "str",
        "Season title as Netflix's Top 10 prints it",
        source="Netflix Top 10",
        nullable=False,
    ),
    Column(
        "season_number",
        "int",
        "Season (Part, Volume) number; limited series are 1",
        minimum=1,
        maximum=60,
        source="parsed from season_title",
        nullable=False,
    ),
    Column(
        "language",
        "category",
        "Netflix Top 10 list: TV (English) or TV (Non-English)",
        allowed=config.LANGUAGES,
        source="Netflix Top 10",
        nullable=False,
    ),
    Column(
        "format",
        "category",
        "limited when Netflix titles the season 'Limited Series', else ongoing",
        allowed=config.FORMATS,
        source="Netflix Top 10 (curated overrides)",
        nullable=False,
    ),
    Column("anthology", "bool", "TMDB keyword or Wikipedia genre says anthology", source="TMDB, Wikipedia"),
    Column(
        "source_material",
        "category",
        "What the series adapts",
        allowed=config.SOURCE_MATERIALS,
        source="curated table, TMDB keywords, Metacritic descriptions, Wikipedia",
        nullable=False,
    ),
    Column("source_material_note", "str", "Why, with a reference for curated rows", source="curated"),
    Column(
        "genre",
        "category",
        "Primary genre",
        allowed=config.GENRES,
        source="TMDB, Wikipedia, Metacritic",
        nullable=False,
    ),
    Column(
        "debut_week",
        "date",
        "Sunday ending the season's first Top 10 week",
        source="Netflix Top 10",
        nullable=False,
    ),
    Column(
        "premiere_date",
        "date",
        "Release date of the season, where a source gives it",
        source="Netflix engagement reports, TMDB, Wikipedia",
    ),
    Column("premiere_date_source", "str", "Which source gave premiere_date"),
    Column(
        "days_in_debut_week",
        "float",
        "Days the season was available in its debut week",
        unit="days",
        minimum=1,
        maximum=7,
        source="derived",
    ),
    Column(
        "debut_rank",
        "int",
        "Rank in the debut week",
        minimum=1,
        maximum=10,
        source="Netflix Top 10",
        nullable=False,
    ),
    Column(
        "debut_hours",
        "float",
        "Hours viewed in the debut week",
        unit="hours",
        minimum=0,
        source="Netflix Top 10",
        nullable=False,
    ),
    Column(
        "debut_views",
        "float",
        "Views (hours / runtime) in the debut week",
        unit="views",
        minimum=0,
        source="Netflix Top 10 (reported from 2023-06-18, derived before)",
    ),
    Column("debut_views_derived", "bool", "debut_views computed from hours and runtime, not reported"),
    Column("debut_views_per_day", "float", "debut_views / days_in_debut_week", unit="views per day", minimum=0),
    Column(
        "runtime_hours",
        "float",
        "Runtime of the whole season",
        unit="hours",
        minimum=0,
        source="Netflix Top 10, engagement reports",
    ),
    Column(
        "week2_to_week1",
        "float",
        "Hours in week 2 over hours in week 1",
        unit="ratio",
        minimum=0,
        source="Netflix Top 10",
    ),
    Column("week2_is_upper_bound", "bool", "Not in the Top 10 in week 2: the ratio uses the 10th place's hours"),
    Column(
        "weeks_in_top10_first4",
        "int",
        "Weeks in the Top 10 among the first four",
        minimum=1,
        maximum=4,
        source="Netflix Top 10",
        nullable=False,
    ),
    Column(
        "critic_score",
        "float",
        "Metacritic metascore (series-level; blank when the series score includes later seasons)",
        unit="0-100",
        minimum=0,
        maximum=100,
        source="Metacritic (scraped end of 2025)",
    ),
    Column(
        "audience_score",
        "float",
        "Metacritic user score x10 (series-level; blank when it includes later seasons)",
        unit="0-100",
        minimum=0,
        maximum=100,
        source="Metacritic (scraped end of 2025)",
    ),
    Column("review_source", "str", "Where the review scores came from"),
    Column(
        "review_scores_mix_later_seasons",
        "bool",
        "Metacritic's season count exceeds this season: the scores can include later seasons",
    ),
    Column(
        "imdb_season_rating",
        "float",
        "Mean IMDb rating of this season's episodes, as of debut + 28 days (blank without a point-in-time copy)",
        unit="0-10",
        minimum=0,
        maximum=10,
        source="IMDb via imdb-heatmap (point-in-time copies)",
    ),
    Column("imdb_rating_source", "str", "imdb_asof_debut_plus_28d (point in time) where a copy exists, else blank"),
    Column(
        "imdb_season_rating_latest",
        "float",
        "The same mean from the 2026-08-22 snapshot: long after the decision, never a model input",
        unit="0-10",
        minimum=0,
        maximum=10,
        source="IMDb via imdb-heatmap (2026-08-22)",
    ),
    Column(
        "best_rank_first4",
        "int",
        "Best weekly rank among the first four weeks",
        minimum=1,
        maximum=10,
        source="Netflix Top 10",
    ),
    Column(
        "week2_rank",
        "int",
        "Rank in the second week; 11 when it had left the Top 10",
        minimum=1,
        maximum=11,
        source="Netflix Top 10",
    ),
    Column(
        "hours_first4_vs_list",
        "float",
        "log10 of Top 10 hours over the first four weeks minus the median of that list's debuts in the half-year "
        "up to this debut",
        unit="log10 ratio",
        source="Netflix Top 10 (derived)",
    ),
    Column(
        "prev_season_debut_views",
        "float",
        "Debut-week views of the previous season, where it is in the table",
        unit="views",
        minimum=0,
        source="derived from the table",
    ),
    Column(
        "views_vs_prev_season",
        "float",
        "log10 of debut views over the previous season's",
        unit="log10 ratio",
        source="derived from the table",
    ),
    Column(
        "prev_season_weeks_in_top10_first4",
        "float",
        "Weeks in the Top 10 among the previous season's first four",
        minimum=1,
        maximum=4,
        source="derived from the table",
    ),
    Column(
        "days_since_prev_season",
        "float",
        "Days between the previous season's debut week and this one's",
        unit="days",
        minimum=0,
        source="derived from the table",
    ),
    Column(
        "years_since_series_premiere",
        "float",
        "Years from the series premiere to this debut; 0 for a first season",
        unit="years",
        minimum=0,
        source="TMDB first_air_date",
    ),
    Column(
        "episode_minutes",
        "float",
        "Typical episode length",
        unit="minutes",
        minimum=0,
        source="TMDB avg_episode_runtime (2026-01)",
    ),
    Column("original_language", "str", "Original language (ISO 639-1)", source="TMDB"),
    Column("content_rating", "str", "US content rating (TV-MA, TV-14...)", source="TMDB"),
    Column(
        "creator_prior_seasons",
        "float",
        "Earlier seasons in the table by the same creators (other series) whose fate was public a year after "
        "their debut, before this debut; blank without TMDB creators",
        minimum=0,
        source="TMDB created_by, the table's labels",
    ),
    Column(
        "creator_prior_renewed_share",
        "float",
        "Share of those earlier seasons that were renewed; blank when there are none",
        minimum=0,
        maximum=1,
        source="TMDB created_by, the table's labels",
    ),
    Column("tmdb_id", "str", "TMDB tv id where matched", source="TMDB"),
    Column("imdb_id", "str", "IMDb title id where matched", source="TMDB, JustWatch, IMDb"),
    Column("original_evidence", "str", "Sources that show it is a Netflix original"),
    Column(
        "renewed",
        "int",
        "1 = a next season was ordered, 0 = not, blank = not decided or not known",
        minimum=0,
        maximum=1,
        source="label rules",
    ),
    Column(
        "outcome",
        "category",
        "renewed, cancelled, ended (not said whether planned), ended_as_planned, limited_concluded or unknown",
        allowed=config.OUTCOMES,
        source="label rules",
        nullable=False,
    ),
    Column("label_source", "str", "The most direct source of the label", nullable=False),
    Column("label_evidence", "str", "Every piece of evidence found, with snapshot dates"),
    Column("sources", "str", "Raw sources that contributed to the row", nullable=False),
)

# Columns a user file must or may carry for prediction. Names match the dataset. Only the title is
# required: an input left blank stays missing, like a column left out (or comes from the data, for a show there).
PREDICT_COLUMNS: tuple[Column, ...] = tuple(
    Column("show_title", "str", "Show title", nullable=False) if c.name == "show_title" else replace(c, nullable=True)
    for c in DATASET_COLUMNS
    if c.name in ("show_title", "season_number", *config.FEATURES, "days_in_debut_week")
)
PREDICT_REQUIRED = ("show_title",)


@dataclass(frozen=True)
class Problem:
    row: int | None
    column: str | None
    message: str


_COUNT = re.compile(r"^\s*([0-9][0-9,_]*\.?[0-9]*)\s*([kKmMbB]?)\s*$")
_MULTIPLIER = {"": 1, "k": 1e3, "m": 1e6, "b": 1e9}


def parse_number(text: str) -> float:
    """'19.9M' -> 19900000.0, '1,200' -> 1200.0, '850k' -> 850000.0; ValueError otherwise."""
    match = _COUNT.match(str(text))
    if not match:
        if re.fullmatch(r"\s*-?\d+(\.\d*)?[eE][+-]?\d+\s*|\s*-\d+(\.\d*)?\s*", str(text)):
            return float(text)
        raise ValueError(text)
    value = float(match.group(1).replace(",", "").replace("_", ""))
    return value * _MULTIPLIER[match.group(2).lower()]


def _coerce(value: str, column: Column) -> tuple[object, str | None]:
    """Convert one cell; return (value, None) or (None, expectation) when it does not fit."""
    text = value.strip()
    blank = text == "" or (column.kind not in ("str",) and text.lower() in ("nan", "na", "n/a", "none", "null"))
    if blank:
        return (None, None) if column.nullable else (None, "a value (it is required)")
    if column.kind == "str":
        return text, None
    if column.kind == "category":
        if text in column.allowed:
            return text, None
        return None, f"one of {', '.join(column.allowed)}"
    if column.kind == "bool":
        lowered = text.lower()
        if lowered in ("true", "1", "yes"):
            return True, None
        if lowered in ("false", "0", "no"):
            return False, None
        return None, "true or false"
    if column.kind == "date":
        try:
            return pd.Timestamp(text).date().isoformat(), None
        except (ValueError, TypeError):
            return None, "a date such as 2026-01-11"
    try:
        number = parse_number(text)
    except ValueError:
        return None, "a number" + (" (whole)" if column.kind == "int" else "")
    if math.isnan(number) or math.isinf(number):
        return None, "a finite number"
    if column.kind == "int" and number != int(number):
        return None, "a whole number"
    if column.minimum is not None and number < column.minimum:
        return None, f"a number >= {column.minimum:g}"
    if column.maximum is not None and number > column.maximum:
        return None, f"a number <= {column.maximum:g}"
    return (int(number) if column.kind == "int" else number), None


def check_frame(
    raw: pd.DataFrame, columns: tuple[Column, ...], required: tuple[str, ...]
) -> tuple[pd.DataFrame, list[Problem]]:
    """Type and range-check a frame of strings; return the converted frame and every problem found.

    Each column is checked as a whole (its distinct cells once, numbers with one regex pass and
    numpy range masks) so that a batch of a million rows is validated in seconds; the result, the
    messages and their order are those of `_check_frame_by_cell`, which states the rules cell by cell.
    """
    problems: list[Problem] = []
    missing = [name for name in required if name not in raw.columns]
    if missing:
        return raw, [Problem(None, name, "required column is missing") for name in missing]
    by_name = {c.name: c for c in columns}
    converted = {}
    for position, name in enumerate(raw.columns):
        column = by_name.get(name)
        cells = raw.iloc[:, position]
        if column is None:
            converted[name] = cells
            continue
        values, expected, failing = _check_column(cells, column)
        for at in np.flatnonzero(failing):
            index, cell = raw.index[at], cells.iloc[at]
            problems.append(Problem(int(index) + 2, name, f"expected {expected[at]}, found '{cell}'"))
        converted[name] = values
    return pd.DataFrame(converted, index=raw.index, columns=raw.columns), problems


def _check_frame_by_cell(
    raw: pd.DataFrame, columns: tuple[Column, ...], required: tuple[str, ...]
) -> tuple[pd.DataFrame, list[Problem]]:
    """The rules of `check_frame` applied one cell at a time: the reference its tests compare with."""
    problems: list[Problem] = []
    missing = [name for name in required if name not in raw.columns]
    if missing:
        return raw, [Problem(None, name, "required column is missing") for name in missing]
    by_name = {c.name: c for c in columns}
    converted = pd.DataFrame(index=raw.index)
    for name in raw.columns:
        column = by_name.get(name)
        if column is None:
            converted[name] = raw[name]
            continue
        values = []
        for index, cell in raw[name].items():
            value, expected = _coerce(str(cell), column)
            if expected is not None:
                problems.append(Problem(int(index) + 2, name, f"expected {expected}, found '{cell}'"))
            values.append(value)
        converted[name] = values
    return converted, problems


_BLANK_WORDS = ("nan", "na", "n/a", "none", "null")
_FIRST_LINE = re.compile("[^\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]*")
_PLAIN = re.compile(r"-?[0-9]+(?:\.[0-9]*)?(?:[eE][+-]?[0-9]+)?")


def _check_column(cells: pd.Series, column: Column) -> tuple[pd.Series, np.ndarray, np.ndarray]:
    """Converted values, per cell the expectation it fails (None when it fits), and which cells fail."""
    # Distinct cells are checked once; each cell takes the answer of its text.
    codes, uniques = pd.factorize(cells.to_numpy(dtype=object), use_na_sentinel=False)
    texts = pd.Series([str(u) for u in uniques], dtype=object)
    values, expected = _check_distinct(texts, column)
    cell_values, cell_expected = values[codes], expected[codes]
    failing = np.array([e is not None for e in expected], dtype=bool)[codes]
    if column.kind in ("int", "float"):
        numbers = np.asarray(cell_values, dtype=object)
        present = np.array([v is not None for v in values], dtype=bool)[codes]
        if not present.any():
            out = pd.Series([None] * len(numbers), index=cells.index, dtype=object)
        elif column.kind == "int" and present.all():
            out = pd.Series(numbers.astype(np.int64), index=cells.index)
        else:
            floats = np.full(len(numbers), np.nan)
            floats[present] = numbers[present].astype(float)
            out = pd.Series(floats, index=cells.index)
        return out, cell_expected, failing
    return pd.Series(list(cell_values), index=cells.index), cell_expected, failing


def _check_distinct(texts: pd.Series, column: Column) -> tuple[np.ndarray, np.ndarray]:
    """`_coerce` over distinct cell texts, vectorised: (values, expectations) as object arrays."""
    n = len(texts)
    values = np.full(n, None, dtype=object)
    expected = np.full(n, None, dtype=object)
    text = texts.str.strip()
    blank = (text == "").to_numpy(dtype=bool).copy()
    if column.kind != "str":
        blank |= text.str.lower().isin(_BLANK_WORDS).to_numpy(dtype=bool)
    if not column.nullable:
        expected[blank] = "a value (it is required)"
    filled = ~blank
    if column.kind == "str":
        values[filled] = text.to_numpy(dtype=object)[filled]
    elif column.kind == "category":
        ok = filled & text.isin(column.allowed).to_numpy(dtype=bool)
        values[ok] = text.to_numpy(dtype=object)[ok]
        expected[filled & ~ok] = f"one of {', '.join(column.allowed)}"
    elif column.kind in ("int", "float"):
        _check_numbers(text, filled, column, values, expected)
    else:  # bool and date: few distinct cells, the cell rules themselves
        for at in np.flatnonzero(filled):
            values[at], expected[at] = _coerce(text.iat[at], column)
    return values, expected


def _check_numbers(
    text: pd.Series, filled: np.ndarray, column: Column, values: np.ndarray, expected: np.ndarray
) -> None:
    """Numbers as `parse_number` reads them ('19.9M', '1,200', '-3', '2e5'), range-checked with masks.

    A plain decimal ('-12.5', '3', '1e5') reads the same with `float`, so one regex pass converts those;
    the few other cells (counts with a suffix or separators, mistakes) go through `parse_number` itself.
    """
    plain = _PLAIN.fullmatch
    cells = text.to_numpy(dtype=object)
    number = np.full(len(cells), np.nan)
    at = np.flatnonzero(filled)
    # A plain decimal is never NaN (it may be inf), so NaN marks the cells left to parse_number.
    number[at] = [float(t) if plain(t) else math.nan for t in cells[at]]
    parsed = filled & ~np.isnan(number)
    for position in np.flatnonzero(filled & ~parsed):
        try:
            number[position] = parse_number(cells[position])
        except ValueError:
            continue
        parsed[position] = True
    expected[filled & ~parsed] = "a number" + (" (whole)" if column.kind == "int" else "")
    bad = np.zeros(len(cells), dtype=bool)
    checks = [(parsed & ~np.isfinite(number), "a finite number")]
    with np.errstate(invalid="ignore"):
        if column.kind == "int":
            checks.append((parsed & np.isfinite(number) & (number != np.trunc(number)), "a whole number"))
        if column.minimum is not None:
            checks.append((parsed & (number < column.minimum), f"a number >= {column.minimum:g}"))
        if column.maximum is not None:
            checks.append((parsed & (number > column.maximum), f"a number <= {column.maximum:g}"))
    for mask, message in checks:
        expected[mask & ~bad] = message
        bad |= mask
    ok = parsed & ~bad
    values[ok] = [int(v) for v in number[ok]] if column.kind == "int" else number[ok].tolist()


def read_csv_columns(path: Path) -> tuple[list[str], dict[str, np.ndarray]]:
    """Read a user CSV as strings without pandas: the header names (stripped) and, per column, a 1-D
    object array of its cells (str), in file order; blank lines are skipped.

    Fails clearly on missing, empty, binary, non-UTF-8 or ';'-separated files, on a row whose field count
    differs from the header's (naming the first one), on a header without data rows and on a repeated column.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: file not found")
    data = path.read_bytes()
    if not data or data.isspace():  # data.strip() is empty, without copying the file
        raise InputError(f"{path}: the file is empty; expected a CSV with a header row")
    if b"\x00" in data[:4096]:
        raise InputError(f"{path}: this is a binary file, not a CSV text file")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise InputError(f"{path}, row {line}: bytes that are not UTF-8; save the file as UTF-8") from None
    header = _FIRST_LINE.match(text).group()  # text.splitlines()[0], without splitting every line
    if "," not in header and any(sep in header for sep in (";", "\t", "|")):
        found = next(sep for sep in (";", "\t", "|") if sep in header)
        raise InputError(f"{path}, row 1: expected comma-separated columns, found {found!r} as the separator")
    del data
    with _gc_paused():  # a list per row: the cyclic collector would rescan them over and over
        try:
            rows = list(csv.reader(text.splitlines()))
        except csv.Error as error:
            raise InputError(f"{path}: not a readable CSV ({error})") from None
        del text
        if not rows:  # only a byte-order mark
            raise InputError(f"{path}: the file is empty; expected a CSV with a header row")
        width = len(rows[0])
        widths = set(map(len, rows))
        if not widths <= {0, width}:  # a ragged row: find the first one
            for number, row in enumerate(rows[1:], start=2):
                if row and len(row) != width:
                    raise InputError(
                        f"{path}, row {number}: expected {width} fields like the header, found {len(row)}"
                    )
        n_rows = 0 if width == 0 else len(rows) - 1 - (rows.count([]) if 0 in widths else 0)
        if not n_rows:
            raise InputError(f"{path}: the file has a header but no data rows")
        names = [h.strip() for h in rows[0]]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise InputError(f"{path}, row 1: column '{duplicates[0]}' appears more than once")
        # Blank lines are empty rows, so chaining the rows gives the header and data cells in order.
        table = np.fromiter(itertools.chain.from_iterable(rows), dtype=object, count=(n_rows + 1) * width)
        del rows
    table = table.reshape(n_rows + 1, width)
    return names, {name: table[1:, j] for j, name in enumerate(names)}


@contextmanager
def _gc_paused():
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def read_csv_strict(path: Path) -> pd.DataFrame:
    """`read_csv_columns` as a DataFrame of strings (a RangeIndex, one str column per header name)."""
    names, cells = read_csv_columns(path)
    return pd.DataFrame(cells, columns=names, dtype=str)


def is_dataset_file(path: Path) -> bool:
    """Whether a CSV is the curated dataset (it has row_id) rather than a batch file of shows to score."""
    return "row_id" in read_csv_strict(path).columns


def validate_dataset(path: Path) -> pd.DataFrame:
    """Check a curated table against the documented schema; raise on the first problems found."""
    raw = read_csv_strict(path)
    names = [c.name for c in DATASET_COLUMNS]
    missing = [n for n in names if n not in raw.columns]
    if missing:
        raise InputError.at(path, 1, missing[0], "required column is missing")
    extra = [n for n in raw.columns if n not in names]
    if extra:
        raise InputError.at(path, 1, extra[0], "column is not in the documented schema")
    frame, problems = check_frame(raw, DATASET_COLUMNS, tuple(names))
    problems += _consistency_problems(frame)
    if problems:
        raise InputError(_summarise(path, problems))
    return frame


def _consistency_problems(frame: pd.DataFrame) -> list[Problem]:
    problems = []
    for index in frame.index[frame["row_id"].duplicated(keep="first")]:
        problems.append(
            Problem(int(index) + 2, "row_id", f"expected a unique key, found '{frame.at[index, 'row_id']}' again")
        )
    expected = {
        "renewed": 1,
        "cancelled": 0,
        "ended": 0,
        "ended_as_planned": 0,
        "limited_concluded": 0,
        "unknown": None,
    }
    for index, outcome, renewed in frame[["outcome", "renewed"]].itertuples():
        want = expected.get(outcome, "?")
        if want is None and renewed is not None and not pd.isna(renewed):
            problems.append(
                Problem(int(index) + 2, "renewed", f"expected blank for outcome 'unknown', found {renewed}")
            )
        elif want is not None and want != "?" and (renewed is None or pd.isna(renewed) or int(renewed) != want):
            problems.append(
                Problem(int(index) + 2, "renewed", f"expected {want} for outcome '{outcome}', found {renewed}")
            )
    return problems


def _summarise(path: Path, problems: list[Problem], limit: int = 3) -> str:
    first = problems[0]
    message = str(InputError.at(path, first.row, first.column, first.message))
    if len(problems) > 1:
        others = "; ".join(f"row {p.row}, column '{p.column}'" for p in problems[1:limit])
        message += f" (and {len(problems) - 1} more problem(s): {others}{'; ...' if len(problems) > limit else ''})"
    return message
