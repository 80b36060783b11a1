"""The documented schema of the curated table, and the checks every entry point runs on a CSV.

A problem is reported as `file, row R, column 'C': expected ..., found ...`, with rows counted as a
spreadsheet shows them (the header is row 1), so a user can go straight to the cell.

A CSV is read with the csv module into columns of cell strings (`read_csv_columns`, or
`read_csv_chunks` a chunk of rows at a time), and each column is checked as a whole (`check_columns`),
so a batch is read and checked without pandas' import; `read_csv_strict` and `check_frame` are the same
functions for callers that hold DataFrames. pandas is imported inside those functions only.
"""

from __future__ import annotations

import csv
import math
import re
from collections.abc import Iterator
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
    Column("series_id", "str", "Series slug; the grouping key of evaluation splits", source="derived", nullable=False),
    Column("show_title", "str", "Show title as Netflix's Top 10 prints it", source="Netflix Top 10", nullable=False),
    Column("season_title", "str", "Season title as Netflix's Top 10 prints it", source="Netflix Top 10",
        nullable=False),
    Column("season_number", "int", "Season (Part, Volume) number; limited series are 1", minimum=1, maximum=60,
        source="parsed from season_title", nullable=False),
    Column("language", "category", "Netflix Top 10 list: TV (English) or TV (Non-English)", allowed=config.LANGUAGES,
        source="Netflix Top 10", nullable=False),
    Column("format", "category", "limited when Netflix titles the season 'Limited Series', else ongoing",
        allowed=config.FORMATS, source="Netflix Top 10 (curated overrides)", nullable=False),
    Column("anthology", "bool", "TMDB keyword or Wikipedia genre says anthology", source="TMDB, Wikipedia"),
    Column("source_material", "category", "What the series adapts", allowed=config.SOURCE_MATERIALS,
        source="curated table, TMDB keywords, Metacritic descriptions, Wikipedia", nullable=False),
    Column("source_material_note", "str", "Why, with a reference for curated rows", source="curated"),
    Column("genre", "category", "Primary genre", allowed=config.GENRES, source="TMDB, Wikipedia, Metacritic",
        nullable=False),
    Column("debut_week", "date", "Sunday ending the season's first Top 10 week", source="Netflix Top 10",
        nullable=False),
    Column("premiere_date", "date", "Release date of the season, where a source gives it",
        source="Netflix engagement reports, TMDB, Wikipedia"),
    Column("premiere_date_source", "str", "Which source gave premiere_date"),
    Column("days_in_debut_week", "float", "Days the season was available in its debut week", unit="days", minimum=1,
        maximum=7, source="derived"),
    Column("debut_rank", "int", "Rank in the debut week", minimum=1, maximum=10, source="Netflix Top 10",
        nullable=False),
    Column("debut_hours", "float", "Hours viewed in the debut week", unit="hours", minimum=0, source="Netflix Top 10",
        nullable=False),
    Column("debut_views", "float", "Views (hours / runtime) in the debut week", unit="views", minimum=0,
        source="Netflix Top 10 (reported from 2023-06-18, derived before)"),
    Column("debut_views_derived", "bool", "debut_views computed from hours and runtime, not reported"),
    Column("debut_views_per_day", "float", "debut_views / days_in_debut_week", unit="views per day", minimum=0),
    Column("runtime_hours", "float", "Runtime of the whole season", unit="hours", minimum=0,
        source="Netflix Top 10, engagement reports"),
    Column("week2_to_week1", "float", "Hours in week 2 over hours in week 1", unit="ratio", minimum=0,
        source="Netflix Top 10"),
    Column("week2_is_upper_bound", "bool", "Not in the Top 10 in week 2: the ratio uses the 10th place's hours"),
    Column("weeks_in_top10_first4", "int", "Weeks in the Top 10 among the first four", minimum=1, maximum=4,
        source="Netflix Top 10", nullable=False),
    Column("critic_score", "float",
        "Critic score of this season as published at its release (curated with a cite); not a model input",
        unit="0-100", minimum=0, maximum=100, source="curated"),
    Column("audience_score", "float",
        "Audience score of this season at its release, 0-100 (curated with a cite); not a model input",
        unit="0-100", minimum=0, maximum=100, source="curated"),
    Column("review_source", "str", "Where the critic and audience scores came from"),
    Column("metacritic_series_score", "float",
        "Series-level Metacritic metascore as scraped at the end of 2025 (all seasons; reference, never an input)",
        unit="0-100", minimum=0, maximum=100, source="Metacritic (scraped end of 2025)"),
    Column("metacritic_series_user_score", "float",
        "Series-level Metacritic user score x10 as scraped at the end of 2025 (blank for 'tbd' or 0; reference, "
        "never an input)", unit="0-100", minimum=0, maximum=100, source="Metacritic (scraped end of 2025)"),
    Column("imdb_season_rating", "float",
        "Mean IMDb rating of this season's episodes, as of debut + 28 days (blank without a point-in-time copy)",
        unit="0-10", minimum=0, maximum=10, source="IMDb via imdb-heatmap (point-in-time copies)"),
    Column("imdb_rating_source", "str", "imdb_asof_debut_plus_28d (point in time) where a copy exists, else blank"),
    Column("imdb_season_rating_latest", "float",
        "The same mean from the 2026-08-22 snapshot: long after the decision, never a model input", unit="0-10",
        minimum=0, maximum=10, source="IMDb via imdb-heatmap (2026-08-22)"),
    Column("best_rank_first4", "int", "Best weekly rank among the first four weeks", minimum=1, maximum=10,
        source="Netflix Top 10"),
    Column("week2_rank", "int", "Rank in the second week; 11 when it had left the Top 10", minimum=1, maximum=11,
        source="Netflix Top 10"),
    Column(
        "hours_first4_vs_list",
        "float",
        "log10 of Top 10 hours over the first four weeks minus the median of that list's debuts in the half-year "
        "up to this debut",
        unit="log10 ratio",
        source="Netflix Top 10 (derived)",
    ),
    Column("prev_season_debut_views", "float", "Debut-week views of the previous season, where it is in the table",
        unit="views", minimum=0, source="derived from the table"),
    Column("views_vs_prev_season", "float", "log10 of debut views over the previous season's", unit="log10 ratio",
        source="derived from the table"),
    Column("prev_season_weeks_in_top10_first4", "float", "Weeks in the Top 10 among the previous season's first four",
        minimum=1, maximum=4, source="derived from the table"),
    Column("days_since_prev_season", "float", "Days between the previous season's debut week and this one's",
        unit="days", minimum=0, source="derived from the table"),
    Column("years_since_series_premiere", "float",
        "Years from the series premiere to this debut; 0 for a first season", unit="years", minimum=0,
        source="TMDB first_air_date"),
    Column("episode_minutes", "float", "Typical episode length", unit="minutes", minimum=0,
        source="TMDB avg_episode_runtime (2026-01)"),
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
    Column("creator_prior_renewed_share", "float",
        "Share of those earlier seasons that were renewed; blank when there are none", minimum=0, maximum=1,
        source="TMDB created_by, the table's labels"),
    Column("tmdb_id", "str", "TMDB tv id where matched", source="TMDB"),
    Column("imdb_id", "str", "IMDb title id where matched", source="TMDB, JustWatch, IMDb"),
    Column("original_evidence", "str", "Sources that show it is a Netflix original"),
    Column("renewed", "int", "1 = a next season was ordered, 0 = not, blank = not decided or not known", minimum=0,
        maximum=1, source="label rules"),
    Column("outcome", "category",
        "renewed, cancelled, ended (not said whether planned), ended_as_planned, limited_concluded, "
        "renewed_before_debut, final_season_announced (both decided before the season aired) or unknown",
        allowed=config.OUTCOMES, source="label rules", nullable=False),
    Column("label_source", "str", "The most direct source of the label", nullable=False),
    Column("label_evidence", "str", "Every piece of evidence found, with snapshot dates"),
    Column("sources", "str", "Raw sources that contributed to the row", nullable=False),
    Column("unverified", "bool",
        "true for a season that debuted after the sources were last checked and that no source vouches for yet as "
        "a Netflix original: predicted and shown on the board, never trained on or scored",
        source="derived (see original_evidence)"),
    Column("countries_debut_week", "int",
        "Countries whose TV Top 10 the season entered in its debut week; blank where the per-country file lacks "
        "that week. A candidate column, not a model input", minimum=0, maximum=100,
        source="Netflix Top 10 per country"),
    Column("countries_first4", "int",
        "Countries whose TV Top 10 the season entered in its first four weeks (counted from the debut); blank "
        "unless the per-country file covers all four. A candidate column, not a model input", minimum=0,
        maximum=100, source="Netflix Top 10 per country"),
)

# The dtypes pandas reads the curated table with (numbers as float64 so blanks stay NaN).
DATASET_DTYPES = {
    c.name: ("string" if c.kind in ("str", "category", "date") else "boolean" if c.kind == "bool" else "float64")
    for c in DATASET_COLUMNS
}

# Columns a user file must or may carry for prediction. Names match the dataset. Only the title is
# required: an input left blank stays missing, like a column left out (or comes from the data, for a show there).
PREDICT_COLUMNS: tuple[Column, ...] = tuple(
    Column("show_title", "str", "Show title", nullable=False) if c.name == "show_title" else replace(c, nullable=True)
    for c in DATASET_COLUMNS
    if c.name in ("show_title", "season_number", *config.FEATURES, *config.UNUSED_INPUTS, "days_in_debut_week")
)
PREDICT_REQUIRED = ("show_title",)

# Header names an analyst's file is likely to carry for an input, and the input each is read as. A header
# is folded first (`fold_header`: case, spaces and hyphens do not count), so "Show Title" is show_title.
COLUMN_ALIASES: dict[str, str] = {
    **dict.fromkeys(("title", "show", "show_name", "name", "series", "series_title"), "show_title"),
    **dict.fromkeys(("season", "season_no", "season_num"), "season_number"),
    **dict.fromkeys(("views", "debut_week_views", "first_week_views", "week1_views"), "debut_views"),
    **dict.fromkeys(("rank", "debut_week_rank", "first_week_rank", "week1_rank"), "debut_rank"),
    **dict.fromkeys(("critic", "critics", "metascore", "metacritic", "metacritic_score"), "critic_score"),
    **dict.fromkeys(("audience", "user_score", "audience_rating"), "audience_score"),
    **dict.fromkeys(("imdb", "imdb_rating"), "imdb_season_rating"),
    **dict.fromkeys(("source",), "source_material"),
    **dict.fromkeys(("runtime",), "runtime_hours"),
    **dict.fromkeys(("days", "days_available"), "days_in_debut_week"),
    **dict.fromkeys(("week2_ratio",), "week2_to_week1"),
    **dict.fromkeys(("weeks_in_top10", "weeks_in_top_10", "top10_weeks"), "weeks_in_top10_first4"),
    **dict.fromkeys(("views_per_day",), "debut_views_per_day"),
}


def fold_header(name: str) -> str:
    """A header as aliases are looked up: lower case, runs of spaces, hyphens and dots as one '_'."""
    return re.sub(r"[\s.\-_]+", "_", name.strip().lower()).strip("_")


def read_as_inputs(path: Path, names: list[str], inputs: tuple[str, ...]) -> dict[str, str]:
    """Each header that is not an input's own name but stands for one (`COLUMN_ALIASES`, or the name in
    another case or spacing), mapped to that input; two headers for the same input are an error."""
    read: dict[str, str] = {}
    taken = {name: name for name in names if name in inputs}
    for name in names:
        if name in inputs:
            continue
        folded = fold_header(name)
        target = folded if folded in inputs else COLUMN_ALIASES.get(folded)
        if target is None or target not in inputs:
            continue
        if target in taken:
            raise InputError.at(
                path, 1, name, f"expected one column for {target}, found '{taken[target]}' and '{name}'; keep one"
            )
        taken[target] = name
        read[name] = target
    return read


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
    Cells are read through `str` and stripped. A cell that is empty (or, outside str columns, 'nan',
    'na', 'n/a', 'none' or 'null' in any case) is blank: fine unless the column is required. A category
    must be one of the allowed values, a bool true/false/1/0/yes/no, a date what `parse_date` reads, a
    number what `parse_number` reads, finite, whole for an int column and within the column's range.
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
    list of the converted cells gives: an int column with every cell present is int64, a number column
    with none is object (all None), and so on.
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


# A number, bool, date or category cell reads as blank when it is empty or one of these words, in any case.
_BLANKS = frozenset(("", "nan", "na", "n/a", "none", "null"))


def blank_cells(cells: np.ndarray) -> np.ndarray:
    """Which cells of a column of strings read as blank in a number, bool, date or category column."""
    return np.array([str(cell).strip().lower() in _BLANKS for cell in cells.tolist()], dtype=bool)


_BOOLS = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}
_PLAIN = re.compile(r"-?[0-9]+(?:\.[0-9]*)?(?:[eE][+-]?[0-9]+)?")
_FIRST_LINE = re.compile("[^\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]*")
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

    Each distinct cell is read once (a column of a few distinct cells, such as a category, costs a
    few reads); the range checks are masks over the whole column.
    """
    cells = list(map(str, cells.tolist()))
    distinct = dict.fromkeys(cells)
    code = dict(zip(distinct, range(len(distinct)), strict=True))
    codes = np.fromiter(map(code.__getitem__, cells), dtype=np.intp, count=len(cells))
    text = [cell.strip() for cell in distinct]
    if column.kind in ("int", "float"):
        values, expected = _check_numbers(text, column)
    else:
        values, expected = _check_texts(text, column)
    return values[codes], expected[codes]


def _blank(text: list[str], column: Column) -> np.ndarray:
    if column.kind == "str":
        return np.array([not cell for cell in text], dtype=bool)
    return np.array([cell.lower() in _BLANKS for cell in text], dtype=bool)


def _check_texts(text: list[str], column: Column) -> tuple[np.ndarray, np.ndarray]:
    """The stripped cells of a str, category, bool or date column checked: (values, expectations)."""
    n = len(text)
    blank = _blank(text, column)
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
        ok = np.array([cell in column.allowed for cell in text], dtype=bool)
        values[~ok] = None
        expected[filled & ~ok] = f"one of {', '.join(column.allowed)}"
    elif column.kind == "bool":
        values[:] = [_BOOLS.get(cell.lower()) for cell in text]
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


def _check_numbers(text: list[str], column: Column) -> tuple[np.ndarray, np.ndarray]:
    """Numbers as `parse_number` reads them ('19.9M', '1,200', '-3', '2e5'), range-checked with masks.

    Returns (float64 with NaN where a cell is blank or fails, per cell the expectation it fails).
    """
    n = len(text)
    blank = _blank(text, column)
    number = np.array([math.nan if gone else _read_number(cell) for cell, gone in zip(text, blank.tolist(), strict=True)])
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


def _read_number(text: str) -> float:
    """A stripped, filled cell as a number (NaN when it is not one); a plain decimal goes straight to `float`."""
    try:
        return float(text) if _PLAIN.fullmatch(text) else parse_number(text)
    except ValueError:
        return math.nan


def _read_csv_text(path: Path) -> str:
    """A user CSV's text, failing clearly on a missing, empty, binary, non-UTF-8 or ';'-separated file."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: file not found")
    data = path.read_bytes()
    if not data or data.isspace():
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
    ((names, columns, _, _),) = read_csv_chunks(path, rows=None)
    return names, columns


def read_csv_chunks(
    path: Path, rows: int | None
) -> Iterator[tuple[list[str], dict[str, np.ndarray], int, int | None]]:
    """`read_csv_columns` a chunk of `rows` data rows at a time (all of them for None): (names, columns,
    data rows before the chunk, data rows in the file when this is the last chunk, else None).

    The csv module reads the file's text a row at a time, so only the text and one chunk's cells are
    held at once: a file of a million rows is checked and scored in bounded memory. Errors name the
    row in the whole file.
    """
    text = _read_csv_text(path)
    limit = csv.field_size_limit(max(csv.field_size_limit(), len(text)))  # no cap on a cell's length
    try:
        reader = csv.reader(text.splitlines())
        header = next(reader, None)
        if header is None:  # only a byte-order mark
            raise InputError(f"{path}: the file is empty; expected a CSV with a header row")
        before, chunk = 0, _next_chunk(reader, len(header), rows, path)
        if not chunk or not header:
            raise InputError(f"{path}: the file has a header but no data rows")
        names = [h.strip() for h in header]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise InputError(f"{path}, row 1: column '{duplicates[0]}' appears more than once")
        while chunk:
            following = _next_chunk(reader, len(header), rows, path)
            table = np.empty((len(chunk), len(header)), dtype=object)
            table[:] = chunk
            yield names, {name: table[:, j] for j, name in enumerate(names)}, before, None if following else before + len(chunk)
            before, chunk = before + len(chunk), following
    except csv.Error as error:
        raise InputError(f"{path}: not a readable CSV ({error})") from None
    finally:
        csv.field_size_limit(limit)


def _next_chunk(reader: Iterator[list[str]], width: int, rows: int | None, path: Path) -> list[list[str]]:
    """Up to `rows` more data rows (all for None), skipping blank lines; a row of another width is an error."""
    chunk: list[list[str]] = []
    for row in reader:
        if not row:
            continue
        if len(row) != width:
            raise InputError(f"{path}, row {reader.line_num}: expected {width} fields like the header, found {len(row)}")
        chunk.append(row)
        if rows is not None and len(chunk) == rows:
            break
    return chunk


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
