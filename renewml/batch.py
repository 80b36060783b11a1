"""Batch files: read and check a CSV of shows, look up the rows that name seasons in the data, score
them and write the predictions (and the rejected rows) atomically.

A file is read a chunk of `config.BATCH_CHUNK_ROWS` rows at a time, so that memory stays bounded;
row numbers and repeated show seasons count across the whole file.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
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
    check_columns,
    read_csv_chunks,
    read_csv_columns,
)
from renewml.errors import InputError
from renewml.io import atomic_write
from renewml.lookup import TitleIndex, look_up_shows
from renewml.model import LoadedModel
from renewml.predict import BANDS, INPUT_COLUMNS, KINDS, TOO_EARLY, Prediction, find_show, predict_rows, with_derived
from renewml.table import (
    Table,
    append_csv,
    as_table,
    blank,
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
    `seen` holds the show seasons of earlier chunks and gets this chunk's."""
    frame, problems = check_columns(raw, PREDICT_COLUMNS, PREDICT_REQUIRED, n_rows(raw))
    problems = [replace(p, row=p.row + rows_before) if p.row is not None else p for p in problems]
    keys = [c for c in ("show_title", "season_number") if c in raw]
    key_cells = [raw[c].tolist() for c in keys] if "show_title" in keys else []
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
        raise InputError.at(path, 1, p.column, p.message)
    frame = {c: values for c, values in frame.items() if c in INPUT_COLUMNS}
    if dataset is not None:
        frame = look_up_shows(frame, dataset if isinstance(dataset, TitleIndex) else TitleIndex.of(dataset))
    ignored = [c for c in names if c not in INPUT_COLUMNS]
    return Batch(str(path), with_derived(frame), raw, problems, ignored, rows_before, rows_in_file)


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


PREDICTION_COLUMNS = ("show_title", "season_number", "probability", "band", "top_reasons", "note")


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
    key_missing = np.zeros(rows, dtype=bool)
    for name in config.KEY_FEATURES:
        key_missing |= blank(table[name]) if name in table else True
    shown = np.round(probabilities * 100)  # half to even, as `percent` rounds
    bands = np.select([shown >= threshold for threshold, _ in BANDS], [name for _, name in BANDS], default=BANDS[-1][1])
    bands = np.where(key_missing, TOO_EARLY, bands).astype(object)
    rounded = np.round(probabilities, 4)
    rounded[key_missing] = np.nan
    notes = column(table, "_note", rows)
    return {
        "show_title": _texts(table["show_title"]),
        "season_number": numbers(column(table, "season_number", rows)),
        "probability": rounded,
        "band": bands,
        "top_reasons": np.full(rows, "", dtype=object),
        "note": _texts(notes),
    }


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
        "note": np.array([p.note for p in predictions], dtype=object),
    }


Warn = Callable[[str], None]  # where a line for the user goes (the CLI prints it to stderr)


def batch_predictions(
    loaded: LoadedModel, path: Path, dataset: object, skip_invalid: bool, warn: Warn
) -> list[Prediction]:
    """A batch file's predictions, with reasons while it has at most `config.BATCH_REASONS_MAX_ROWS` rows.

    Bad rows raise one error, or with `skip_invalid` go to FILE.rejects.csv and are left out.
    """
    batch = read_batch(path, dataset)
    if batch.ignored_columns:
        warn(batch.ignored_warning())
    if batch.problems and not skip_invalid:
        raise bad_rows_error(path, batch.problems)
    frame = batch.frame
    if batch.problems:
        write_rejects(path, [batch.rejects()], warn)
        frame = batch.valid_rows()
    say_looked_up(looked_up(frame), warn)
    return predict_rows(loaded, frame, reasons=n_rows(frame) <= config.BATCH_REASONS_MAX_ROWS)


def write_predictions(
    loaded: LoadedModel, path: Path, dataset: object, output: Path, skip_invalid: bool, warn: Warn
) -> int:
    """Score a batch file into `output` (`PREDICTION_COLUMNS`) a chunk of rows at a time, so that memory
    stays bounded; returns the number of predictions written.

    The output is written atomically: after a bad row without `skip_invalid`, the remaining chunks
    are only checked (the error counts every bad row) and nothing is written. A file of at most
    `config.BATCH_REASONS_MAX_ROWS` rows gets the top reasons of each row.
    """
    problems: list[Problem] = []
    rejects: list[Table] = []
    counts = {"written": 0, "looked_up": 0}

    def write(tmp: Path) -> None:
        with open(tmp, "w", newline="", encoding="utf-8") as handle:
            handle.write(",".join(PREDICTION_COLUMNS) + "\n")
            for number, batch in enumerate(read_batches(path, dataset)):
                if number == 0 and batch.ignored_columns:
                    warn(batch.ignored_warning())
                if batch.problems:
                    problems.extend(batch.problems)
                    rejects.append(batch.rejects())
                if problems and not skip_invalid:
                    continue  # the rest is only checked, for the error's count of bad rows
                frame = batch.valid_rows() if batch.problems else batch.frame
                counts["looked_up"] += looked_up(frame)
                small = batch.rows_in_file is not None and batch.rows_in_file <= config.BATCH_REASONS_MAX_ROWS
                table = prediction_table(predict_rows(loaded, frame, reasons=True)) if small else predict_table(loaded, frame)
                append_csv(table, handle, whole_numbers=("season_number",))
                counts["written"] += n_rows(table)
        if problems and not skip_invalid:
            raise bad_rows_error(path, problems)

    atomic_write(output, write)
    if rejects:
        write_rejects(path, rejects, warn)
    say_looked_up(counts["looked_up"], warn)
    return counts["written"]


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


def looked_up(frame: Table) -> int:
    """How many rows named a season in the data and were looked up there."""
    return sum(isinstance(note, str) and note.startswith("looked up") for note in frame.get("_note", []) if note)


def say_looked_up(count: int, warn: Warn) -> None:
    if count:
        warn(f"{count} row(s) name a show in the data and were looked up there (see the note column)")
