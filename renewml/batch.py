"""Batch files: read and check a CSV of shows, look up the rows that name seasons in the data, score
them and write the predictions (and the rejected rows) atomically.

A file is read a chunk of `config.BATCH_CHUNK_ROWS` rows at a time, so that memory stays bounded;
row numbers and repeated show seasons count across the whole file.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from renewml import config
from renewml.background import averaged_proba, unknown_inputs
from renewml.data.schema import (
    DATASET_COLUMNS,
    PREDICT_COLUMNS,
    PREDICT_REQUIRED,
    Problem,
    _summarise,
    blank_cells,
    check_columns,
    fold_header,
    read_as_inputs,
    read_csv_chunks,
    read_csv_columns,
)
from renewml.errors import InputError
from renewml.io import atomic_write
from renewml.lookup import TitleIndex, look_up_shows
from renewml.model import LoadedModel
from renewml.predict import (
    DECIDED_BEFORE,
    INPUT_COLUMNS,
    KINDS,
    TOO_EARLY,
    Prediction,
    find_show,
    predict_rows,
    row_verdicts,
    with_derived,
)
from renewml.table import (
    Table,
    append_csv,
    as_table,
    column,
    from_records,
    is_missing,
    n_rows,
    numbers,
    records,
    take,
    write_csv,
)
from renewml.threads import limited_threads


@dataclass
class Batch:
    """A batch file as read: the rows to score, the cells as given, every problem and the ignored columns."""

    path: str
    frame: Table
    raw: Table
    problems: list[Problem]
    ignored_columns: list[str]
    rows_before: int = 0  # data rows of the file before these (a chunk of a large file)
    rows_in_file: int | None = None  # data rows of the whole file once known (at its last chunk), else None
    aliases: dict[str, str] = field(default_factory=dict)  # header -> the input it was read as

    def aliases_line(self) -> str:
        """One line saying which headers were read as which inputs ("'views' as debut_views, ...")."""
        if not self.aliases:
            return ""
        named = [
            f"'{header}' as {name}" + (" (accepted, not used by the model)" if name in config.UNUSED_INPUTS else "")
            for header, name in self.aliases.items()
        ]
        return f"{self.path}: read column(s) {', '.join(named)}"

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

    def rejects(self) -> Table:
        """One line per bad row: its row number, the columns and problems, then the row's own cells."""
        by_row: dict[int, list[Problem]] = {}
        for problem in self.problems:
            by_row.setdefault(int(problem.row or 0), []).append(problem)
        rows = n_rows(self.raw)
        lines = []
        for row, problems in sorted(by_row.items()):
            at = row - 2 - self.rows_before
            cells = {name: values[at] for name, values in self.raw.items()} if 0 <= at < rows else {}
            lines.append(
                {
                    "row": row,
                    "column": "; ".join(str(p.column) for p in problems),
                    "problem": "; ".join(p.message for p in problems),
                    **{name: value for name, value in cells.items() if name not in ("row", "column", "problem")},
                }
            )
        return from_records(lines)

    def valid_rows(self) -> Table:
        """The rows to score when the bad ones are skipped."""
        keep = np.ones(n_rows(self.frame), dtype=bool)
        keep[[r - 2 - self.rows_before for r in self.bad_rows]] = False
        return take(self.frame, keep)


def read_batch(path: object, dataset: object = None) -> Batch:
    """A user CSV for batch prediction: every cell checked (column by column); problems returned, not dropped.

    With `dataset`, a row whose show_title (and season_number, if given) names a season in the data is
    looked up as `predict "TITLE" --season N` would, and its non-empty cells override the data; the row's
    note says so. Columns that are not inputs are listed in `ignored_columns`, never silently dropped.
    """
    names, raw = read_csv_columns(path)
    return _batch(path, names, raw, dataset, set(), rows_in_file=n_rows(raw))


def read_batches(path: object, dataset: object = None, rows: int | None = None) -> Iterator[Batch]:
    """`read_batch` a chunk of `rows` rows at a time (`config.BATCH_CHUNK_ROWS` by default; row numbers
    and repeated show seasons across the whole file), so that a large file is checked and scored in
    bounded memory."""
    seen: set[tuple[str, ...]] = set()
    index = None if dataset is None else TitleIndex.of(dataset)
    for names, raw, rows_before, rows_in_file in read_csv_chunks(path, rows or config.BATCH_CHUNK_ROWS):
        yield _batch(path, names, raw, index, seen, rows_before, rows_in_file)


def _batch(
    path: object,
    names: list[str],
    raw: Table,
    dataset: object,
    seen: set,
    rows_before: int = 0,
    rows_in_file: int | None = None,
) -> Batch:
    """Check the cells of `raw` (rows `rows_before` + 1... of the file's data) and look up the named shows;
    `seen` holds the show seasons of earlier chunks and gets this chunk's. Headers that stand for an input
    (`read_as_inputs`) are read as it; a problem names the header the file has."""
    aliases = read_as_inputs(path, names, INPUT_COLUMNS)
    cells = {aliases.get(name, name): values for name, values in raw.items()}
    header = {aliases.get(name, name): name for name in names}
    ignored = [c for c in names if c not in INPUT_COLUMNS and c not in aliases]
    if rows_before == 0:
        _refuse_near_misses(path, cells, ignored, whole_file=rows_in_file is not None)
    frame, problems = check_columns(cells, PREDICT_COLUMNS, PREDICT_REQUIRED, n_rows(raw))
    problems = [replace(p, row=p.row + rows_before) if p.row is not None else p for p in problems]
    keys = [c for c in ("show_title", "season_number") if c in cells]
    key_cells = [cells[c].tolist() for c in keys] if "show_title" in keys else []
    if key_cells:  # a row per show season: name every repeat, within and across chunks
        pairs = set(zip(*key_cells, strict=True))
        if len(pairs) < n_rows(raw) or not seen.isdisjoint(pairs):
            before = set(seen)
            for position, key in enumerate(zip(*key_cells, strict=True)):
                if key in before:
                    what = " and ".join(f"{c} '{v}'" for c, v in zip(keys, key, strict=True))
                    row = position + 2 + rows_before
                    problems.append(Problem(row, keys[0], f"expected one row per show season, found {what} again"))
                before.add(key)
        seen |= pairs
    problems.sort(key=lambda p: (p.row or 0, p.column or ""))
    if any(p.row is None for p in problems):
        p = problems[0]
        hint = " (the show titles; a column 'title' is read as show_title too)" if p.column == "show_title" else ""
        raise InputError.at(path, 1, p.column, p.message + hint)
    problems = [replace(p, column=header.get(str(p.column), p.column)) for p in problems]
    frame = {c: values for c, values in frame.items() if c in INPUT_COLUMNS}
    if dataset is not None:
        frame = look_up_shows(frame, dataset if isinstance(dataset, TitleIndex) else TitleIndex.of(dataset))
    return Batch(str(path), with_derived(frame), raw, problems, ignored, rows_before, rows_in_file, aliases)


def _refuse_near_misses(path: object, cells: Table, ignored: list[str], whole_file: bool) -> None:
    """Refuse a file whose key input is in no row while a column that is not an input is named close to it
    ('debut_view'): scored, every new row would be too early to tell because of a column's name.

    A key input counts as given when its column is there and, when the whole file is at hand, has a cell
    in some row. Dataset columns that are not inputs (debut_hours) are other quantities, not near misses.
    """
    dataset_columns = {c.name for c in DATASET_COLUMNS}
    candidates = [name for name in ignored if name not in dataset_columns]
    for key in config.KEY_FEATURES:
        if key in cells and not (whole_file and blank_cells(cells[key]).all()):
            continue
        near = [name for name in candidates if _near(fold_header(name), key)]
        if near:
            raise InputError.at(
                path, 1, near[0],
                f"no row gives {key}, a key input (without it every new show is too early to tell), and this "
                f"column is not an input; expected '{key}': rename the column",
            )


def _near(name: str, key: str) -> bool:
    """A near miss of an input's name: the same first letter and at least 80% alike (debut_view, fromat)."""
    squeezed = name.replace("_", "")
    return bool(name) and name[0] == key[0] and max(
        difflib.SequenceMatcher(None, name, key).ratio(),
        difflib.SequenceMatcher(None, squeezed, key.replace("_", "")).ratio(),
    ) >= 0.8


def batch_template(dataset: object) -> str:
    """A CSV header of every accepted input column and one example row (a real season, retitled)."""
    example = find_show(dataset, config.TEMPLATE_EXAMPLE_SHOW)
    cells = []
    for name in INPUT_COLUMNS:
        value = "My New Show" if name == "show_title" else example.get(name)
        if is_missing(value):
            cells.append("")
        elif isinstance(value, float) and KINDS.get(name) == "int":
            cells.append(str(int(value)))
        elif isinstance(value, float):
            cells.append(f"{value:.4f}".rstrip("0").rstrip("."))
        else:
            cells.append(str(value))
    return ",".join(INPUT_COLUMNS) + "\n" + ",".join(cells) + "\n"


def validate_batch(path: object) -> Batch:
    """Check a batch file as `predict --input` would; raise one error naming the first bad cells."""
    batch = read_batch(path)
    if batch.problems:
        raise InputError(_summarise(path, batch.problems))
    return batch


# The columns of a batch's predictions (--output): the detail of each row in its own column, so that the
# output needs no line per row. reasons_from: the probability the top reasons start from (the average
# decided season); actual_outcome: the outcome in the data of a looked-up season; not_given: the inputs
# averaged over (for a row too early to tell, format or debut_views among them).
PREDICTION_COLUMNS = (
    "show_title",
    "season_number",
    "probability",
    "band",
    "top_reasons",
    "reasons_from",
    "actual_outcome",
    "not_given",
    "note",
)


def predict_table(loaded: LoadedModel, frame: object) -> Table:
    """The columns of `PREDICTION_COLUMNS` per row, as `predict_rows(..., reasons=False)` gives them
    (top_reasons empty).

    Built column by column, so that a batch of a million rows is scored without a `Prediction` per row.
    """
    model = loaded.model
    table = as_table(frame)
    rows = n_rows(table)
    unknown = unknown_inputs(table)
    with limited_threads(model.estimator):
        probabilities = averaged_proba(model.estimator, table, unknown, model.background_table)
    key_missing, settled, bands = row_verdicts(table, probabilities)
    rounded = np.round(probabilities, 4)
    rounded[key_missing | settled] = np.nan
    return {
        "show_title": _texts(table["show_title"]),
        "season_number": numbers(column(table, "season_number", rows)),
        "probability": rounded,
        "band": bands,
        "top_reasons": np.full(rows, "", dtype=object),
        "reasons_from": np.full(rows, np.nan),
        "actual_outcome": _texts(column(table, "outcome", rows)),
        "not_given": _not_given(unknown),
        "note": _texts(column(table, "_note", rows)),
    }


def _not_given(unknown: np.ndarray) -> np.ndarray:
    """Per row, the names of the inputs not given ("format; debut_views"), one join per distinct pattern."""
    if not len(unknown):
        return np.empty(0, dtype=object)
    bits = unknown.astype(np.int64) @ (1 << np.arange(unknown.shape[1], dtype=np.int64))  # a pattern as one number
    patterns, first, inverse = np.unique(bits, return_index=True, return_inverse=True)
    names = np.array(["; ".join(np.array(config.FEATURES)[unknown[i]]) for i in first], dtype=object)
    return names[inverse.reshape(-1)]


def _texts(values: np.ndarray) -> np.ndarray:
    """A column as text, "" for a blank; a column of text and None only (the usual case) without a step per cell."""
    if values.dtype.kind == "O" and set(map(type, values.tolist())) <= {str, type(None)}:
        return np.where(values == None, "", values).astype(object)  # noqa: E711
    return np.array(["" if is_missing(v) else str(v) for v in values], dtype=object)


def prediction_table(predictions: list[Prediction], reasons_shown: int = 3) -> Table:
    """The rows `predict --input --output` writes, from predictions with their reasons."""
    return {
        "show_title": np.array([p.title for p in predictions], dtype=object),
        "season_number": np.array([np.nan if p.season is None else p.season for p in predictions], dtype=float),
        "probability": np.array([np.nan if p.probability is None else round(p.probability, 4) for p in predictions]),
        "band": np.array([p.band for p in predictions], dtype=object),
        "top_reasons": np.array([p.reasons_text(reasons_shown) for p in predictions], dtype=object),
        "reasons_from": np.array([reasons_from(p) for p in predictions], dtype=float),
        "actual_outcome": np.array([p.actual or "" for p in predictions], dtype=object),
        "not_given": np.array(["; ".join(a["input"] for a in p.assumed) for p in predictions], dtype=object),
        "note": np.array([p.note for p in predictions], dtype=object),
    }


def reasons_from(p: Prediction) -> float:
    """The probability a row's reasons start from (the average decided season); NaN without reasons."""
    return float(p.reference["probability"]) if p.reference and p.reasons else np.nan


@dataclass
class BatchSummary:
    """What a batch's rows add up to, said in at most three lines outside the table (rows looked up, rows
    too early, rows with inputs assumed), and one more when the reasons were left out of a large batch;
    the detail of each row is in its own columns, or under `--verbose`."""

    rows: int = 0
    looked_up: int = 0
    decided_before: int = 0
    too_early: int = 0
    assumed: int = 0
    reasons_left_out: bool = False

    def add(self, table: Table) -> None:
        """Count the rows of a prediction table (`PREDICTION_COLUMNS`)."""
        bands = table["band"]
        early, settled = bands == TOO_EARLY, bands == DECIDED_BEFORE
        self.rows += n_rows(table)
        self.looked_up += sum(note.startswith("looked up") for note in table["note"].tolist() if note)
        self.decided_before += int(settled.sum())
        self.too_early += int(early.sum())
        self.assumed += int(((table["not_given"] != "") & ~early & ~settled).sum())

    def lines(self, verbose_hint: bool = False) -> list[str]:
        """The summary lines; with `verbose_hint`, the last says that `--verbose` gives each row's detail."""
        lines = []
        if self.looked_up:
            settled = f" ({self.decided_before} decided before their debut: no probability)" if self.decided_before else ""
            lines.append(
                f"{self.looked_up} of {self.rows} row(s) name a season in the data and were looked up there{settled}; "
                "the actual outcome says how each ended"
            )
        if self.too_early:
            lines.append(
                f"{self.too_early} row(s) too early to tell without the format or the debut views: the renewal rate "
                "of decided seasons is quoted instead of a probability"
            )
        if self.assumed:
            lines.append(
                f"{self.assumed} row(s) scored with inputs not given, averaged over the decided seasons of their format"
            )
        if lines and verbose_hint:
            lines[-1] += "; --verbose prints each row's detail"
        if self.reasons_left_out:
            lines.append(
                f"top reasons left out: {self.rows} rows is more than {config.BATCH_REASONS_MAX_ROWS}; "
                "--reasons gives every row's (slower), `renewml explain TITLE` one show's"
            )
        return lines


Warn = Callable[[str], None]  # where a line for the user goes (the CLI prints it to stderr)


def batch_predictions(
    loaded: LoadedModel, path: Path, dataset: object, skip_invalid: bool, warn: Warn, reasons: bool = False
) -> tuple[list[Prediction], BatchSummary]:
    """A batch file's predictions and their summary, with reasons while it has at most
    `config.BATCH_REASONS_MAX_ROWS` rows (or with `reasons`, every row's).

    Bad rows raise one error, or with `skip_invalid` go to FILE.rejects.csv and are left out.
    """
    batch = read_batch(path, dataset)
    say_columns(batch, warn)
    if batch.problems and not skip_invalid:
        raise bad_rows_error(path, batch.problems)
    frame = batch.frame
    if batch.problems:
        write_rejects(path, [batch.rejects()], warn)
        frame = batch.valid_rows()
    with_reasons = reasons or n_rows(frame) <= config.BATCH_REASONS_MAX_ROWS
    predictions = with_reasons_rows(loaded, frame) if with_reasons else predict_rows(loaded, frame, reasons=False)
    summary = BatchSummary(reasons_left_out=not with_reasons)
    summary.add(prediction_table(predictions))
    return predictions, summary


def write_predictions(
    loaded: LoadedModel,
    path: Path,
    dataset: object,
    output: Path,
    skip_invalid: bool,
    warn: Warn,
    reasons: bool = False,
) -> int:
    """Score a batch file into `output` (`PREDICTION_COLUMNS`) a chunk of rows at a time, so that memory
    stays bounded; returns the number of predictions written, after warning the summary's lines.

    The output is written atomically: after a bad row without `skip_invalid`, the remaining chunks
    are only checked (the error counts every bad row) and nothing is written. A file of at most
    `config.BATCH_REASONS_MAX_ROWS` rows (any file, with `reasons`) gets the top reasons of each row.
    """
    problems: list[Problem] = []
    rejects: list[Table] = []
    summary = BatchSummary()

    def write(tmp: Path) -> None:
        with open(tmp, "w", newline="", encoding="utf-8") as handle:
            handle.write(",".join(PREDICTION_COLUMNS) + "\n")
            for number, batch in enumerate(read_batches(path, dataset)):
                if number == 0:
                    say_columns(batch, warn)
                if batch.problems:
                    problems.extend(batch.problems)
                    rejects.append(batch.rejects())
                if problems and not skip_invalid:
                    continue  # the rest is only checked, for the error's count of bad rows
                frame = batch.valid_rows() if batch.problems else batch.frame
                small = batch.rows_in_file is not None and batch.rows_in_file <= config.BATCH_REASONS_MAX_ROWS
                if reasons or small:
                    table = prediction_table(with_reasons_rows(loaded, frame))
                else:
                    table = predict_table(loaded, frame)
                    summary.reasons_left_out = True
                append_csv(table, handle, whole_numbers=("season_number",))
                summary.add(table)
        if problems and not skip_invalid:
            raise bad_rows_error(path, problems)

    atomic_write(output, write)
    if rejects:
        write_rejects(path, rejects, warn)
    for line in summary.lines():
        warn(line)
    return summary.rows


def with_reasons_rows(loaded: LoadedModel, frame: Table) -> list[Prediction]:
    """`predict_rows` with reasons, `config.BATCH_REASONS_MAX_ROWS` rows at a time: the Shapley values of a
    row hold arrays over every coalition and background season, so memory grows with the rows scored at
    once (1,000 rows at once: 1.4 GB)."""
    step = config.BATCH_REASONS_MAX_ROWS
    rows = n_rows(frame)
    return [
        p for start in range(0, rows, step) for p in predict_rows(loaded, take(frame, np.arange(start, min(start + step, rows))))
    ]


def say_columns(batch: Batch, warn: Warn) -> None:
    """The file's columns read under another name, and those ignored, one line each."""
    for line in (batch.aliases_line(), batch.ignored_warning()):
        if line:
            warn(line)


def bad_rows_error(path: Path, problems: list[Problem]) -> InputError:
    """One error naming the first bad cell and counting the bad rows."""
    bad_rows = sorted({p.row for p in problems if p.row is not None})
    first = problems[0]
    return InputError(
        f"{path}, row {first.row}, column '{first.column}': {first.message}"
        f" ({len(bad_rows)} bad row(s): {', '.join(map(str, bad_rows[:5]))}{', ...' if len(bad_rows) > 5 else ''};"
        " fix them or pass --skip-invalid)"
    )


def write_rejects(path: Path, tables: list[Table], warn: Warn) -> None:
    """The skipped rows with their problems, in FILE.rejects.csv beside the input."""
    lines = [line for table in tables for line in records(table)]
    rejects = path.with_name(path.stem + ".rejects.csv")
    table = from_records(lines)
    atomic_write(rejects, lambda tmp: write_csv(table, tmp, whole_numbers=("row",)))
    warn(f"skipped {len(lines)} invalid row(s); they and the reasons are in {rejects}")
