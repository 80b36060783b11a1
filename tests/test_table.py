"""The plain table that predict and explain use instead of pandas: conversion and CSV writing."""

from __future__ import annotations

import csv
import io

import numpy as np
import pandas as pd

from renewml.table import as_table, blank, from_records, numbers, records, to_frame, write_csv


def test_a_dataframe_becomes_plain_columns_and_back():
    frame = pd.DataFrame(
        {
            "text": pd.Series(["a", None, ""], dtype="string"),
            "count": pd.Series([1, None, 3], dtype="Int64"),
            "number": [1.5, np.nan, 2.0],
            "day": pd.to_datetime(["2026-01-11", None, "2025-12-28"]),
        }
    )
    table = as_table(frame)
    assert table["text"].tolist() == ["a", None, ""]
    assert np.array_equal(table["count"], [1.0, np.nan, 3.0], equal_nan=True)
    assert table["day"].tolist() == ["2026-01-11", None, "2025-12-28"]  # ISO dates compare as text
    assert blank(table["text"]).tolist() == [False, True, True] and blank(table["number"]).tolist() == [False, True, False]
    assert records(table)[1] == {"text": None, "count": None, "number": None, "day": None}
    assert to_frame(table)["number"].isna().tolist() == [False, True, False]
    assert as_table({"a": 1, "b": "x"})["b"].tolist() == ["x"]  # one row's cells, as find_show gives them
    assert from_records([{"a": 1}, {"b": "x"}])["a"].tolist()[0] == 1.0
    assert np.array_equal(numbers(np.array(["1.5", None, "", "x"], dtype=object)), [1.5, np.nan, np.nan, np.nan], equal_nan=True)


def test_written_csv_is_what_the_csv_module_writes(tmp_path):
    rng = np.random.default_rng(0)
    probabilities = np.round(rng.random(50), 4)
    probabilities[3] = np.nan
    seasons = rng.integers(1, 12, 50).astype(float)
    seasons[4] = np.nan
    other = rng.normal(size=50)
    text = np.array([f"show {i}" for i in range(50)], dtype=object)
    text[5], text[6], text[7] = None, 'a "quoted", title', "plain"
    for columns in ({"p": probabilities, "s": seasons, "x": other, "t": text}, {"p": probabilities, "s": seasons}):
        path = io.StringIO()
        expected = csv.writer(path, lineterminator="\n")
        expected.writerow(list(columns))
        for i in range(50):
            row = []
            for name, values in columns.items():
                value = values[i]
                if value is None or (isinstance(value, float) and np.isnan(value)):
                    row.append("")
                elif name == "s":
                    row.append(str(int(value)))
                else:
                    row.append(value if isinstance(value, str) else repr(float(value)))
            expected.writerow(row)
        written = tmp_path / "out.csv"
        write_csv(columns, written, whole_numbers=("s",))
        assert written.read_text(encoding="utf-8") == path.getvalue()
