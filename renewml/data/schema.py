"""The documented schema of the curated table, and the checks every entry point runs on a CSV.

A problem is reported as `file, row R, column 'C': expected ..., found ...`, with rows counted as a
spreadsheet shows them (the header is row 1), so a user can go straight to the cell.

The checks work on columns of cell strings without pandas (`read_csv_columns`, `check_columns`), so a
batch can be read and checked without pandas' import; `read_csv_strict` and `check_frame` are the same
functions for callers that hold DataFrames. pandas is imported inside those functions only.
"""

from __future__ import annotations

import csv
import gc
import itertools
import math
import operator
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from renewml import config
from renewml.errors import InputError

if TYPE_CHECKING:  # pandas is imported by the functions that take or give frames, not by this module
    import pandas as pd


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
        "Critic score of this season as published at its release (curated with a cite); not a model input",
        unit="0-100",
        minimum=0,
        maximum=100,
        source="curated",
    ),
    Column(
        "audience_score",
        "float",
        "Audience score of this season at its release, 0-100 (curated with a cite); not a model input",
        unit="0-100",
        minimum=0,
        maximum=100,
        source="curated",
    ),
    Column("review_source", "str", "Where the critic and audience scores came from"),
    Column(
        "metacritic_series_score",
        "float",
        "Series-level Metacritic metascore as scraped at the end of 2025 (all seasons; reference, never an input)",
        unit="0-100",
        minimum=0,
        maximum=100,
        source="Metacritic (scraped end of 2025)",
    ),
    Column(
        "metacritic_series_user_score",
        "float",
        "Series-level Metacritic user score x10 as scraped at the end of 2025 (blank for 'tbd' or 0; reference, never an input)",
        unit="0-100",
        minimum=0,
        maximum=100,
        source="Metacritic (scraped end of 2025)",
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
        "renewed, cancelled, ended (not said whether planned), ended_as_planned, limited_concluded, "
        "renewed_before_debut, final_season_announced (both decided before the season aired) or unknown",
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
            return parse_date(text), None
        except ValueError:
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


def check_columns(
    raw: dict[str, np.ndarray], columns: tuple[Column, ...], required: tuple[str, ...], n_rows: int
) -> tuple[dict[str, np.ndarray], list[Problem]]:
    """Type and range-check columns of cell strings (as `read_csv_columns` gives them), without pandas.

    Returns the converted columns and every problem found, in column order then row order, with rows
    counted as a spreadsheet shows them (position + 2). A column not in `columns` is passed through
    unchanged; when a required column is missing, `raw` itself comes back with one problem per missing name.
    Converted columns are 1-D arrays of `n_rows`:
      int and float: float64, NaN where the cell is blank or fails (int columns too, unlike `check_frame`,
        which makes a complete int column int64);
      str and category: object, the stripped text or None;
      bool: object, True, False or None;
      date: object, the ISO date ('2026-01-11') or None (see `parse_date` for the forms read).
    Cells are read through `str`; each column is checked as a whole (C-level passes over the cells,
    one conversion per distinct date, numpy masks for ranges), under the rules `_coerce` states per cell.
    """
    missing = [name for name in required if name not in raw]
    if missing:
        return raw, [Problem(None, name, "required column is missing") for name in missing]
    by_name = {c.name: c for c in columns}
    converted: dict[str, np.ndarray] = {}
    problems: list[Problem] = []
    for name, cells in raw.items():
        column = by_name.get(name)
        if column is None:
            converted[name] = cells
            continue
        if len(cells) != n_rows:
            raise ValueError(f"column {name!r} has {len(cells)} cells, expected {n_rows}")
        values, expected = _check_cells(cells, column)
        for at in np.flatnonzero(np.not_equal(expected, None)):
            problems.append(Problem(int(at) + 2, name, f"expected {expected[at]}, found '{cells[at]}'"))
        converted[name] = values
    return converted, problems


def check_frame(
    raw: pd.DataFrame, columns: tuple[Column, ...], required: tuple[str, ...]
) -> tuple[pd.DataFrame, list[Problem]]:
    """`check_columns` for a frame of strings: the converted frame (same index and columns) and every problem.

    Rows in problems are the frame's index + 2. Converted dtypes are what building each column from a
    list of the converted cells gives (as `_check_frame_by_cell` does): an int column with every cell
    present is int64, a number column with none is object (all None), and so on.
    """
    import pandas as pd

    names = list(raw.columns)
    cells = {name: raw.iloc[:, position].to_numpy(dtype=object) for position, name in enumerate(names)}
    converted, problems = check_columns(cells, columns, required, len(raw))
    if converted is cells:  # a required column is missing
        return raw, problems
    if not isinstance(raw.index, pd.RangeIndex) or raw.index.start != 0 or raw.index.step != 1:
        problems = [p if p.row is None else replace(p, row=int(raw.index[p.row - 2]) + 2) for p in problems]
    by_name = {c.name: c for c in columns}
    out = {}
    for position, name in enumerate(names):
        column = by_name.get(name)
        if column is None:
            out[name] = raw.iloc[:, position]
            continue
        values = converted[name]
        if column.kind in ("int", "float"):
            absent = np.isnan(values)
            if absent.all():
                out[name] = pd.Series([None] * len(values), index=raw.index, dtype=object)
            elif column.kind == "int" and not absent.any():
                out[name] = pd.Series(values.astype(np.int64), index=raw.index)
            else:
                out[name] = pd.Series(values, index=raw.index)
        else:
            out[name] = pd.Series(values.tolist(), index=raw.index)
    return pd.DataFrame(out, index=raw.index, columns=raw.columns), problems


def _check_frame_by_cell(
    raw: pd.DataFrame, columns: tuple[Column, ...], required: tuple[str, ...]
) -> tuple[pd.DataFrame, list[Problem]]:
    """The rules of `check_columns` applied one cell at a time: the reference its tests compare with."""
    import pandas as pd

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
# "" and the blank words in every mix of case: `text == "" or text.lower() in _BLANK_WORDS` as one lookup.
_BLANK_ANY_CASE = frozenset(
    "".join(letters) for word in ("", *_BLANK_WORDS) for letters in itertools.product(*({c, c.upper()} for c in word))
)
_BOOLS = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}
_FIRST_LINE = re.compile("[^\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]*")
_PLAIN = re.compile(r"-?[0-9]+(?:\.[0-9]*)?(?:[eE][+-]?[0-9]+)?")
# In "\n"-joined cells, where a line may not be empty or a plain decimal: a character a plain decimal
# never has, or a line break before a line that starts with neither a digit nor '-' and a digit.
_NOT_PLAIN = re.compile(r"[^0-9.eE+\-\n]|\n(?=[^0-9\-\n]|-[^0-9])")
# The same rules for ASCII text, as byte tables: characters a plain decimal may hold, and digits.
_PLAIN_BYTE = np.zeros(256, dtype=bool)
_PLAIN_BYTE[np.frombuffer(b"0123456789.eE+-\n", dtype=np.uint8)] = True
_SHORT_DECIMAL_BYTE = np.zeros(256, dtype=bool)
_SHORT_DECIMAL_BYTE[np.frombuffer(b"0123456789.-\n", dtype=np.uint8)] = True
_DIGIT_BYTE = np.zeros(256, dtype=bool)
_DIGIT_BYTE[np.frombuffer(b"0123456789", dtype=np.uint8)] = True
_DATE_NUMBERS = re.compile(r"([0-9]{4})[-/.]([0-9]{1,2})[-/.]([0-9]{1,2})")


def parse_date(text: str) -> str:
    """The ISO date ('2026-01-11') of a date as these files write it; ValueError otherwise.

    Read: what `datetime.fromisoformat` reads (2026-01-11, 20260111, 2026-01-11 00:00:00,
    2026-01-11T00:00:00Z, 2026-01-11T09:30+02:00 (its own calendar date), 2026-W02-7), and year, month,
    day separated by '-', '/' or '.' without zero padding (2026/1/11, 2026.01.11). Not read: month names,
    day-first or month-first dates (11/01/2026 is ambiguous), words such as 'today'.
    """
    try:
        return datetime.fromisoformat(text).date().isoformat()
    except ValueError:
        pass
    match = _DATE_NUMBERS.fullmatch(text)
    if match is None:
        raise ValueError(text)
    return date(*map(int, match.groups())).isoformat()


def _check_cells(cells: np.ndarray, column: Column) -> tuple[np.ndarray, np.ndarray]:
    """A column's converted values and, per cell, the expectation it fails (None when it fits).

    Each pass over the cells is C-level (`map` of a str method or a set lookup); a column of a few
    distinct cells (category, bool, date) is checked on its distinct cells, which the cells then index.
    """
    cells = cells.tolist()
    if column.kind in ("int", "float"):
        return _check_numbers(cells, column)
    if column.kind == "str":
        return _check_texts(cells, column)
    distinct = dict.fromkeys(cells)
    if not all(type(cell) is str for cell in distinct):  # 1, 1.0 and True are one key, but three texts
        cells = list(map(str, cells))
        distinct = dict.fromkeys(cells)
    values, expected = _check_texts(list(distinct), column)
    code = dict(zip(distinct, range(len(distinct)), strict=True))
    codes = np.array(list(map(code.__getitem__, cells)), dtype=np.intp)
    return values[codes], expected[codes]


def _stripped(cells: list) -> list[str]:
    try:
        return list(map(str.strip, cells))
    except TypeError:  # not all str
        return list(map(str.strip, map(str, cells)))


def _check_texts(cells: list, column: Column) -> tuple[np.ndarray, np.ndarray]:
    """`_coerce` over the cells of a str, category, bool or date column: (values, expectations)."""
    n = len(cells)
    text = _stripped(cells)
    if column.kind == "str":
        blank = np.array(list(map(operator.not_, text)), dtype=bool)
    else:
        blank = np.array(list(map(_BLANK_ANY_CASE.__contains__, text)), dtype=bool)
    expected = np.full(n, None, dtype=object)
    if not column.nullable:
        expected[blank] = "a value (it is required)"
    filled = ~blank
    values = np.empty(n, dtype=object)
    if column.kind == "str":
        values[:] = text
        values[blank] = None
    elif column.kind == "category":
        values[:] = text
        ok = np.array(list(map(frozenset(column.allowed).__contains__, text)), dtype=bool)
        values[~ok] = None
        expected[filled & ~ok] = f"one of {', '.join(column.allowed)}"
    elif column.kind == "bool":
        values[:] = list(map(_BOOLS.get, map(str.lower, text)))
        values[blank] = None
        expected[filled & np.equal(values, None)] = "true or false"
    elif column.kind == "date":
        for at in np.flatnonzero(filled).tolist():
            try:
                values[at] = parse_date(text[at])
            except ValueError:
                expected[at] = "a date such as 2026-01-11"
    else:
        raise ValueError(f"column {column.name!r}: unknown kind {column.kind!r}")
    return values, expected


def _check_numbers(cells: list, column: Column) -> tuple[np.ndarray, np.ndarray]:
    """Numbers as `parse_number` reads them ('19.9M', '1,200', '-3', '2e5'), range-checked with masks.

    Returns (float64 with NaN where a cell is blank or fails, per cell the expectation it fails).
    """
    n = len(cells)
    number, blank = _read_numbers(cells)
    expected = np.full(n, None, dtype=object)
    if not column.nullable:
        expected[blank] = "a value (it is required)"
    # A filled cell is never read as NaN (blank words are blank; it may be inf), so NaN marks a failure.
    parsed = ~blank & ~np.isnan(number)
    expected[~blank & ~parsed] = "a number" + (" (whole)" if column.kind == "int" else "")
    bad = ~parsed
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
    number[bad] = np.nan
    return number, expected


def _read_numbers(cells: list) -> tuple[np.ndarray, np.ndarray]:
    """The cells read as `_coerce` reads a number cell: (numbers, NaN where blank or unreadable; which are blank).

    A plain decimal ('-12.5', '3', '1e5') reads the same with `float`. The cells are joined by line
    breaks; one pass (byte tables for ASCII text, a regex otherwise) finds the lines that may be something
    else (a character other than digits, '.', 'e', 'E', '+', '-', or a start other than a digit or '-'
    and a digit). A column of short decimals only is read by `_read_short_decimals`; otherwise numpy's
    text parser reads the plain lines at once (the same correctly rounded doubles as `float`, inf past
    the largest).
    The lines found are read one at a time by the rules themselves (strip, blank words, `_PLAIN`,
    `parse_number`). Should a line of those characters still not be a plain decimal ('1e', '1.2.3'),
    the parser stops or reads too many numbers, and the whole column is read the slow way.
    """
    n = len(cells)
    try:
        joined = "\n" + "\n".join(cells) + "\n"
    except TypeError:  # not all str
        cells = list(map(str, cells))
        joined = "\n" + "\n".join(cells) + "\n"
    raw = joined.encode("ascii") if joined.isascii() else None  # one byte per character
    if raw is not None:
        characters = np.frombuffer(raw, dtype=np.uint8)
    else:
        characters = np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    breaks = np.flatnonzero(characters == ord("\n"))
    if len(breaks) == n + 1:  # else a cell has a line break in it
        if raw is not None:  # ASCII: the regex's two rules as byte lookups, several times faster
            good_start = _plain_starts(characters, breaks)
            if good_start.all():
                quick = _read_short_decimals(raw, characters, breaks)
                if quick is not None:
                    return quick
            irregular = ~good_start
            found = np.flatnonzero(~_PLAIN_BYTE[characters])
        else:
            irregular = np.zeros(n, dtype=bool)
            found = [m.start() for m in _NOT_PLAIN.finditer(joined)]
        irregular[np.searchsorted(breaks, found, side="right") - 1] = True
        del characters
        blank = (np.diff(breaks) == 1) & ~irregular
        plain = ~irregular & ~blank
        if not irregular.any():
            numbers = joined  # the parser skips the empty lines
        else:
            numbers = "\n".join(itertools.compress(cells, plain.tolist()))
        del joined
        try:  # numpy >= 2 raises on a line it cannot read to its end; older ones stop there (too few numbers)
            numbers = np.fromstring(numbers, dtype=np.float64, sep="\n")  # skips empty lines
        except ValueError:
            numbers = None
        if numbers is not None and len(numbers) == int(plain.sum()):
            number = np.full(n, np.nan)
            number[plain] = numbers
            at = np.flatnonzero(irregular)
            number[at], blank[at] = _read_irregular([cells[i] for i in at.tolist()])
            return number, blank
    return _read_irregular(cells)


def _plain_starts(characters: np.ndarray, breaks: np.ndarray) -> np.ndarray:
    """Per cell of ASCII text joined by line breaks (`breaks`: the n + 1 line breaks around the cells),
    whether it starts as a plain decimal does: a digit, or '-' and a digit; or is blank."""
    first = characters[breaks[:-1] + 1]  # for a blank cell, the next line break
    second = characters[np.minimum(breaks[:-1] + 2, len(characters) - 1)]
    return _DIGIT_BYTE[first] | (first == 10) | ((first == 45) & _DIGIT_BYTE[second])


def _read_short_decimals(
    raw: bytes, characters: np.ndarray, breaks: np.ndarray
) -> tuple[np.ndarray, np.ndarray] | None:
    """The common column, every cell blank or `-?digits[.digits]` with at most 15 digits, read ten times
    faster than by numpy's float parser; None for any other column (then read as before). The cells
    come as ASCII joined by line breaks (`raw`, its bytes, the n + 1 `breaks`), each starting as
    `_plain_starts` requires.

    The dots are removed and the digits read as whole numbers (numpy's integer parser is fast where
    its float parser is not); a mantissa below 10**15 and a power of ten up to 10**15 are exact
    doubles, so one division gives the correctly rounded value, the same double as `float(cell)`.
    """
    if not _SHORT_DECIMAL_BYTE[characters].all():
        return None
    n = len(breaks) - 1
    lengths = np.diff(breaks) - 1
    blank = lengths == 0
    negative = characters[breaks[:-1] + 1] == 45
    if np.count_nonzero(characters == 45) != np.count_nonzero(negative):
        return None  # a minus inside a cell
    dots = np.flatnonzero(characters == 46)
    cell_of_dot = np.searchsorted(breaks, dots) - 1
    if np.any(np.diff(cell_of_dot) == 0):
        return None  # two dots in a cell
    fraction_digits = np.zeros(n, dtype=np.intp)
    fraction_digits[cell_of_dot] = breaks[cell_of_dot + 1] - dots - 1
    has_dot = np.zeros(n, dtype=bool)
    has_dot[cell_of_dot] = True
    if np.max(lengths - negative - has_dot, initial=0) > 15:
        return None  # more digits than a double holds exactly
    try:
        mantissas = np.fromstring(raw.replace(b".", b""), dtype=np.int64, sep="\n")  # skips the blank lines
    except ValueError:
        return None
    filled = ~blank
    if len(mantissas) != np.count_nonzero(filled):
        return None
    values = mantissas / 10.0 ** fraction_digits[filled]
    values[(mantissas == 0) & negative[filled]] = -0.0  # float("-0") is -0.0
    number = np.full(n, np.nan)
    number[filled] = values
    return number, blank


def _read_irregular(cells: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """`_read_numbers` the slow way: each distinct cell stripped and read by `_PLAIN`/`float` or `parse_number`."""
    text = _stripped(cells)
    blank = np.array(list(map(_BLANK_ANY_CASE.__contains__, text)), dtype=bool)
    filled = list(itertools.compress(text, (~blank).tolist()))
    read = dict.fromkeys(filled, math.nan)
    for cell in read:
        try:
            read[cell] = float(cell) if _PLAIN.fullmatch(cell) else parse_number(cell)
        except ValueError:
            continue
    number = np.full(len(cells), np.nan)
    number[~blank] = list(map(read.__getitem__, filled))
    return number, blank


def _read_csv_text(path: Path) -> str:
    """A user CSV's text, failing clearly on a missing, empty, binary, non-UTF-8 or ';'-separated file."""
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
    return text


def read_csv_columns(path: Path) -> tuple[list[str], dict[str, np.ndarray]]:
    """Read a user CSV as strings without pandas: the header names (stripped) and, per column, a 1-D
    object array of its cells (str), in file order; blank lines are skipped.

    Fails clearly on missing, empty, binary, non-UTF-8 or ';'-separated files, on a row whose field count
    differs from the header's (naming the first one), on a header without data rows and on a repeated column.
    """
    return _csv_columns(_read_csv_text(path), path)


def read_csv_chunks(path: Path, rows: int) -> Iterator[tuple[list[str], dict[str, np.ndarray], int, int]]:
    """`read_csv_columns` a chunk of `rows` data rows at a time: (names, columns, data rows before it,
    data rows in the file).

    Only the text of the file and one chunk's cells are held at once, so a file of a million rows is
    checked and scored in bounded memory. Errors name the row in the whole file. A file that needs the
    csv module (quotes, other line breaks, blank lines) is read whole, as one chunk.
    """
    text = _read_csv_text(path)
    from renewml.table import n_rows

    plain = _without_csv_syntax(text)
    if plain is None or plain.count("\n") <= rows:
        names, columns = _csv_columns(text if plain is None else plain, path, plain=plain is not None)
        yield names, columns, 0, n_rows(columns)
        return
    del text
    header, _, body = plain.partition("\n")
    del plain
    lines = body.split("\n")
    del body
    for start in range(0, len(lines), rows):
        chunk = header + "\n" + "\n".join(lines[start : start + rows])
        yield (*_csv_columns(chunk, path, start, plain=True), start, len(lines))


def _csv_columns(
    text: str, path: Path, rows_before: int = 0, plain: bool = False
) -> tuple[list[str], dict[str, np.ndarray]]:
    """The columns of a CSV text whose bytes `_read_csv_text` has checked; `rows_before` data rows come
    before it in the file (for the row numbers of errors); `plain`: the text is already what
    `_without_csv_syntax` gives."""
    split = _split_plain(text if plain else _without_csv_syntax(text))
    if split is not None:  # no quotes, no blank lines, every row as wide as the header
        names, table = split
        return names, {name: table[1:, j] for j, name in enumerate(names)}
    with _gc_paused():  # a list per row: the cyclic collector would rescan them over and over
        limit = csv.field_size_limit(max(csv.field_size_limit(), len(text)))  # no cap on a cell's length
        try:
            rows = list(csv.reader(text.splitlines()))
        except csv.Error as error:
            raise InputError(f"{path}: not a readable CSV ({error})") from None
        finally:
            csv.field_size_limit(limit)
        del text
        if not rows:  # only a byte-order mark
            raise InputError(f"{path}: the file is empty; expected a CSV with a header row")
        width = len(rows[0])
        widths = set(map(len, rows))
        if not widths <= {0, width}:  # a ragged row: find the first one
            for number, row in enumerate(rows[1:], start=2):
                if row and len(row) != width:
                    raise InputError(
                        f"{path}, row {number + rows_before}: expected {width} fields like the header, found {len(row)}"
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


# Characters that make the csv module's reading differ from splitting at newlines and commas.
_NEEDS_CSV_MODULE = ('"', "\r", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029", "\n\n")


def _without_csv_syntax(text: str) -> str | None:
    """The text with "\\r\\n" as "\\n" and no final line break, or None when it holds anything that only the
    csv module reads right (see `_NEEDS_CSV_MODULE`)."""
    text = (text.replace("\r\n", "\n") if "\r" in text else text).removesuffix("\n")  # "in" is a fast scan; replace copies
    return None if any(mark in text for mark in _NEEDS_CSV_MODULE) else text


def _split_plain(text: str | None) -> tuple[list[str], np.ndarray] | None:
    """The header names and the (rows + 1, columns) cells of a text from `_without_csv_syntax`, split in
    two C calls; None when the csv module must read it (`text` None, ragged rows, one row only, a
    repeated column), which then gives the same cells or the error naming the row."""
    if text is None or "\n" not in text:
        return None
    header = text[: text.index("\n")].split(",")
    names = [h.strip() for h in header]
    if len(set(names)) != len(names):
        return None
    lines = text.count("\n") + 1
    with _gc_paused():
        cells = text.replace("\n", ",").split(",")
        if len(cells) != lines * len(header):
            return None
        table = np.array(cells, dtype=object)
    return names, table.reshape(lines, len(header))


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
    import pandas as pd

    names, cells = read_csv_columns(path)
    return pd.DataFrame(cells, columns=names, dtype=str)


def is_dataset_file(path: Path) -> bool:
    """Whether a CSV is the curated dataset (it has row_id) rather than a batch file of shows to score."""
    return "row_id" in read_csv_columns(path)[0]


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
    import pandas as pd

    problems = []
    for index in frame.index[frame["row_id"].duplicated(keep="first")]:
        problems.append(
            Problem(int(index) + 2, "row_id", f"expected a unique key, found '{frame.at[index, 'row_id']}' again")
        )
    expected = config.RENEWED_BY_OUTCOME
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
