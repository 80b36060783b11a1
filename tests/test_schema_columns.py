"""The pandas-free reader and checker of schema.py agree with the pandas-facing ones and with the cell rules."""

from __future__ import annotations

import ast
import csv
from pathlib import Path

import numpy as np
import pytest

from renewml.errors import InputError

SCHEMA = Path(__file__).resolve().parents[1] / "renewml" / "data" / "schema.py"


def _reference_rows(text: str) -> list[list[str]]:
    """The reading rule stated plainly: csv over the lines, blank lines dropped, the header stripped."""
    rows = [r for r in csv.reader(text.splitlines()) if r]
    return [[h.strip() for h in rows[0]], *rows[1:]]


GOOD_FILES = {
    "plain": "show_title,season_number\nA,1\nB,2\n",
    "quoted commas and quotes": 'show_title,format\n"Love, Death & Robots",ongoing\n"Say ""hi""",\n',
    "blank lines and crlf": "show_title , season_number\r\n\r\nA, 1 \r\n\r\n\r\nB,\r\n",
    "byte-order mark": "\ufeffshow_title,debut_views\nA,19.9M\n",
    "one column": "show_title\nA\n \nB\n",
    "a quoted field over two lines": 'show_title,format\n"two\nlines",ongoing\nC,limited\n',
}


@pytest.mark.parametrize("name", sorted(GOOD_FILES))
def test_read_csv_columns_gives_the_cells_read_csv_strict_gives(tmp_path, name):
    from renewml.data.schema import read_csv_columns, read_csv_strict

    path = tmp_path / "shows.csv"
    path.write_bytes(GOOD_FILES[name].encode("utf-8"))
    names, cells = read_csv_columns(path)
    header, *body = _reference_rows(GOOD_FILES[name].lstrip("\ufeff"))
    assert names == header == list(cells)
    for j, column in enumerate(names):
        assert cells[column].dtype == object and cells[column].ndim == 1
        assert cells[column].tolist() == [row[j] for row in body]
    frame = read_csv_strict(path)
    assert list(frame.columns) == names
    assert {c: frame[c].tolist() for c in frame.columns} == {c: cells[c].tolist() for c in names}


BAD_FILES = {
    "empty": (b"", "the file is empty"),
    "only spaces": (b"  \n\n", "the file is empty"),
    "binary": (b"a,b\n\x00\x01\x02", "this is a binary file"),
    "not utf-8": (b"a,b\n1,2\n\xff,3\n", "row 3: bytes that are not UTF-8"),
    "semicolons": (b"a;b\n1;2\n", "row 1: expected comma-separated columns, found ';'"),
    "tabs": (b"a\tb\n1\t2\n", "row 1: expected comma-separated columns, found '\\t'"),
    "pipes": (b"a|b\n1|2\n", "row 1: expected comma-separated columns, found '|'"),
    "a field over csv's limit": (b"a,b\n1,2\n3," + b"x" * 200_000 + b"\n", "not a readable CSV (field larger than"),
    "ragged": (b"a,b\n1,2\n\n1,2,3\n4\n", "row 4: expected 2 fields like the header, found 3"),
    "short row": (b"a,b,c\n1,2,3\n4,5\n", "row 3: expected 3 fields like the header, found 2"),
    "header only": (b"a,b\n", "the file has a header but no data rows"),
    "header and blank lines": (b"a,b\n\n\r\n", "the file has a header but no data rows"),
    "duplicate column": (b"b, a,a \n1,2,3\n", "row 1: column 'a' appears more than once"),
}


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_read_csv_columns_fails_like_read_csv_strict(tmp_path, name):
    from renewml.data.schema import read_csv_columns, read_csv_strict

    data, message = BAD_FILES[name]
    path = tmp_path / "shows.csv"
    path.write_bytes(data)
    with pytest.raises(InputError) as columns_error:
        read_csv_columns(path)
    with pytest.raises(InputError) as frame_error:
        read_csv_strict(path)
    assert str(columns_error.value) == str(frame_error.value)
    assert str(columns_error.value).startswith(str(path))
    assert message in str(columns_error.value)


def test_a_missing_file_and_a_lone_byte_order_mark_are_named(tmp_path):
    from renewml.data.schema import read_csv_columns

    with pytest.raises(InputError, match="file not found"):
        read_csv_columns(tmp_path / "absent.csv")
    (tmp_path / "bom.csv").write_bytes(b"\xef\xbb\xbf")
    with pytest.raises(InputError, match="the file is empty"):
        read_csv_columns(tmp_path / "bom.csv")
