"""A table without pandas: a dict of column name -> 1-D numpy array, all of one length.

Scoring a show (`predict`, `explain`) must not pay pandas' import (three times numpy's), so the
scoring stages work on this plain form. Numbers are float arrays with NaN for a blank; text is an
object array with None for a blank. Every public function that takes a table also takes a pandas
DataFrame (converted once, at the edge), so notebooks keep passing DataFrames.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable, Mapping

import numpy as np

Table = dict[str, np.ndarray]


def is_missing(value: object) -> bool:
    """None, NaN, pandas' NA or NaT: a cell with no value (an empty string is text, not missing)."""
    if value is None:
        return True
    if isinstance(value, float | np.floating):
        return math.isnan(value)
    return type(value).__name__ in ("NAType", "NaTType")


def plain_value(value: object) -> object:
    """A cell as a plain Python value (None for a blank)."""
    if is_missing(value):
        return None
    return value.item() if hasattr(value, "item") else value


def _column(values: object) -> np.ndarray:
    """One column as a plain float array (numbers) or object array with None (anything else)."""
    dtype = getattr(values, "dtype", None)
    kind = getattr(dtype, "kind", "O")
    if kind in "iufb":  # numbers, nullable integers and booleans: floats with NaN
        to_numpy = getattr(values, "to_numpy", None)
        if to_numpy is not None:
            return to_numpy(dtype=float, na_value=np.nan)
        return np.asarray(values, dtype=float)
    if kind == "M":  # datetimes: ISO dates, which order and compare as text
        to_numpy = getattr(values, "to_numpy", None)
        stamps = to_numpy() if to_numpy is not None else np.asarray(values)
        text = np.datetime_as_string(stamps.astype("datetime64[D]"), unit="D").astype(object)
        text[np.isnat(stamps)] = None
        return text
    array = np.array(values.to_numpy(dtype=object) if hasattr(values, "to_numpy") else list(values), dtype=object)
    if array.ndim != 1:  # a column of lists or dicts: keep the objects
        out = np.empty(len(array), dtype=object)
        out[:] = list(values)
        array = out
    for at in np.flatnonzero([is_missing(v) for v in array]):
        array[at] = None
    return array


def as_table(frame: object) -> Table:
    """A DataFrame or a mapping of columns as a `Table` (a table is returned as it is)."""
    if isinstance(frame, dict) and all(isinstance(v, np.ndarray) for v in frame.values()):
        return frame
    if hasattr(frame, "columns") and hasattr(frame, "iloc"):  # a DataFrame, without importing pandas
        return {str(name): _column(frame[name]) for name in frame.columns}
    if isinstance(frame, Mapping):
        if frame and not any(_is_sequence(v) for v in frame.values()):  # one row's cells, as find_show gives
            return from_records([frame])
        return {str(name): _column(values) for name, values in frame.items()}
    raise TypeError(f"expected a table (DataFrame or dict of columns), found {type(frame).__name__}")


def _is_sequence(value: object) -> bool:
    return hasattr(value, "__len__") and not isinstance(value, str | bytes | dict)


def from_records(records: Iterable[Mapping[str, object]], columns: Iterable[str] | None = None) -> Table:
    """A table of rows given as dicts; a column a row lacks is blank there."""
    records = list(records)
    names = list(columns) if columns is not None else list(dict.fromkeys(k for r in records for k in r))
    out: Table = {}
    for name in names:
        values = [r.get(name) for r in records]
        numeric = all(isinstance(v, int | float | np.number) and not isinstance(v, bool) or is_missing(v) for v in values)
        if numeric and any(not is_missing(v) for v in values):
            out[name] = np.array([np.nan if is_missing(v) else float(v) for v in values], dtype=float)
        else:
            column = np.empty(len(values), dtype=object)
            column[:] = [None if is_missing(v) else v for v in values]
            out[name] = column
    return out


def n_rows(table: Mapping[str, np.ndarray]) -> int:
    return len(next(iter(table.values()))) if table else 0


def row_count(X: object) -> int:
    """Rows of a DataFrame, or of a dict of columns (whose len() is its number of columns)."""
    return n_rows(X) if isinstance(X, dict) else len(X)


def take(table: Table, index: object) -> Table:
    """The rows at `index` (positions or a boolean mask)."""
    return {name: values[index] for name, values in table.items()}


def value_codes(values: np.ndarray) -> np.ndarray:
    """Per cell, the number of its value among the column's distinct values: cells that compare equal share
    a number (a NaN only with the same NaN object), so the code is exact for any use that compares values."""
    cells = np.asarray(values).tolist()
    number = {value: position for position, value in enumerate(dict.fromkeys(cells))}
    return np.fromiter(map(number.__getitem__, cells), dtype=np.int64, count=len(cells))


def row_classes(columns: list[np.ndarray], length: int) -> np.ndarray:
    """Per row, the number of its combination of codes across `columns` (each an integer array of `length`)."""
    classes = np.zeros(length, dtype=np.int64)
    for codes in columns:  # pair the classes so far with the next codes, then number the pairs 0, 1, ...
        codes = np.asarray(codes, dtype=np.int64)
        low = codes.min(initial=0)
        pairs = classes * (int(codes.max(initial=0)) - int(low) + 1) + (codes - low)
        classes = np.unique(pairs, return_inverse=True)[1].reshape(-1)
    return classes


def column(table: Table, name: str, length: int | None = None) -> np.ndarray:
    """A column, or an all-blank object column when the table lacks it."""
    if name in table:
        return table[name]
    return np.full(n_rows(table) if length is None else length, None, dtype=object)


def blank(values: np.ndarray) -> np.ndarray:
    """Which cells are blank: NaN, None or an empty string."""
    if values.dtype.kind == "f":
        return np.isnan(values)
    if values.dtype.kind != "O":
        return np.zeros(len(values), dtype=bool)
    # elementwise object comparisons run in C; NaN is the one value unequal to itself
    return (values == None) | (values == "") | (values != values)  # noqa: E711


def numbers(values: np.ndarray) -> np.ndarray:
    """A column as floats: blanks and text that is not a number become NaN."""
    if values.dtype.kind in "iufb":
        return values.astype(float)
    try:  # numbers and None (which becomes NaN): one C loop
        out = np.array(values, dtype=float)
        if not (values == "").any():
            return out
    except (TypeError, ValueError):
        pass
    out = np.full(len(values), np.nan)
    for at, value in enumerate(values):
        if not is_missing(value) and value != "":
            try:
                out[at] = float(value)
            except (TypeError, ValueError):
                continue
    return out


def records(table: Table) -> list[dict[str, object]]:
    """The rows as dicts of plain Python values (None for a blank)."""
    names = list(table)
    lists = []
    for name in names:
        values = table[name]
        if values.dtype.kind == "f":
            lists.append([None if math.isnan(v) else v for v in values.tolist()])
        else:
            lists.append(values.tolist())
    return [dict(zip(names, row, strict=True)) for row in zip(*lists, strict=True)] if names else []


def to_frame(table: Table) -> object:
    """The table as a pandas DataFrame (imports pandas: for notebooks and scikit-learn, not for scoring)."""
    import pandas as pd

    return pd.DataFrame({name: values for name, values in table.items()})




def _small_counts(values: np.ndarray) -> bool:
    """Whole numbers from 0 to 10,000 (NaN allowed): season numbers, ranks, row numbers."""
    given = values[~np.isnan(values)]
    return bool(len(given)) and bool(((given >= 0) & (given <= 10_000) & (given == np.trunc(given))).all())


def _four_decimal_shares(values: np.ndarray) -> bool:
    """Numbers in [0, 1] with at most four decimals, as `np.round(p, 4)` gives them (NaN allowed)."""
    given = values[~np.isnan(values)]
    return bool(len(given)) and bool(((given >= 0) & (given <= 1)).all()) and np.array_equal(np.round(given, 4), given)


@functools.cache
def _four_decimal_texts() -> list[str]:
    """repr of k / 10000 for k = 0..10000 (what `np.round(p, 4)` is, since it divides rint(p * 1e4) by 1e4),
    and "" at position -1 for a blank."""
    return [repr(k / 1e4) for k in range(10_001)] + [""]


def write_csv(table: Table, path: object, whole_numbers: Iterable[str] = ()) -> None:
    """Write a table as CSV (blank for a missing cell; `whole_numbers` columns without a decimal point)."""
    with open(path, "w", newline="", encoding="utf-8") as handle:
        append_csv(table, handle, whole_numbers, header=True)


def append_csv(table: Table, handle: object, whole_numbers: Iterable[str] = (), header: bool = False) -> None:
    """Write a table's rows (and with `header` its column names) to an open text file, as `write_csv`.

    Text that needs quoting (a comma, quote or line break) goes through the csv module; a column
    without any is joined as it is, which is several times faster for a large batch.
    """
    import csv

    whole = set(whole_numbers)
    names = list(table)
    columns = []
    plain = True
    for name in names:
        values = table[name]
        if values.dtype.kind == "f":
            if name in whole and _small_counts(values):  # season numbers: looked up, not formatted
                labels = [str(k) for k in range(int(np.nanmax(values)) + 1)] + [""]
                cells = [labels[k] for k in np.nan_to_num(values, nan=-1).astype(np.intp).tolist()]
            elif name in whole:
                cells = ["" if v != v else str(int(v)) for v in values.tolist()]  # NaN is unequal to itself
            elif _four_decimal_shares(values):  # probabilities as shown: looked up, not formatted
                labels = _four_decimal_texts()
                cells = [labels[i] for i in np.rint(np.nan_to_num(values, nan=-1e-4) * 1e4).astype(np.intp).tolist()]
            else:
                cells = ["" if v != v else repr(v) for v in values.tolist()]
        else:
            cells = values.tolist()
            try:  # text only (the usual case): the cells as they are
                joined = "".join(cells)
            except TypeError:
                cells = ["" if v is None else v if type(v) is str else "" if is_missing(v) else str(v) for v in cells]
                joined = "".join(cells)
            plain = plain and not any(mark in joined for mark in (",", '"', "\n", "\r"))
        columns.append(cells)
    writer = csv.writer(handle, lineterminator="\n")
    if header:
        writer.writerow(names)
    if plain and columns and columns[0]:
        handle.write("\n".join(map(",".join, zip(*columns, strict=True))) + "\n")
    elif not plain:
        writer.writerows(zip(*columns, strict=True))


def table_to_json(table: object) -> dict:
    """A table (or DataFrame) as JSON: text with null, numbers with null for NaN."""
    columns = {}
    table = as_table(table)
    for name, column in table.items():
        if column.dtype.kind != "f":
            columns[name] = {"kind": "text", "values": [None if _missing(v) else str(v) for v in column]}
        else:
            columns[name] = {"kind": "number", "values": [None if _missing(v) else float(v) for v in column]}
    return {"columns": list(table), "data": columns}


def _missing(value: object) -> bool:
    """What a stored table writes as null: a blank, or the text pandas gives a blank ("nan", "<NA>")."""
    return value is None or (isinstance(value, float) and math.isnan(value)) or str(value) in ("nan", "<NA>")


def table_from_json(part: dict) -> dict[str, np.ndarray]:
    """The stored table as a plain table (see `renewml.table`): text with None, numbers with NaN."""
    data = {}
    for name in part["columns"]:
        column = part["data"][name]
        if column["kind"] == "text":
            values = np.empty(len(column["values"]), dtype=object)
            values[:] = [None if v is None else str(v) for v in column["values"]]
            data[name] = values
        else:
            data[name] = np.array([np.nan if v is None else float(v) for v in column["values"]], dtype=float)
    return data
