"""The pandas-free reader and checker of schema.py agree with the pandas-facing ones and with the cell rules
(stated here one cell at a time, `_coerce`: the reference the column-wise checks are compared with)."""

from __future__ import annotations

import ast
import csv
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from renewml.data.schema import Column, Problem, parse_date, parse_number
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


def _columns():
    from renewml.data.schema import Column

    return (
        Column("title", "str", "", nullable=False),
        Column("note", "str", ""),
        Column("format", "category", "", allowed=("limited", "ongoing"), nullable=False),
        Column("anthology", "bool", ""),
        Column("debut_week", "date", "", nullable=False),
        Column("season_number", "int", "", minimum=1, maximum=60),
        Column("debut_views", "float", "", minimum=0),
        Column("critic_score", "float", "", minimum=0, maximum=100),
        Column("ratio", "float", ""),
    )


# Every kind of bad cell, and the good ones next to them (the fixture of test_predict's check_frame test, widened).
BAD_CELLS = {
    "title": ["A", " B ", "", "nan", "C", "D", "E", "F", "G", "H", "I", "J", "K", "L"],
    "note": ["", " ", "NA", "null", "x", " y ", "", "", "", "", "", "", "", "z"],
    "format": ["limited", "ongoing", "Limited", "", "x", "limited", " ongoing ", "limited", "limited", "limited"]
    + ["limited", "null", "NaN", "limited"],
    "anthology": ["true", "False", "1", "0", "yes", "NO", "", "nan", "maybe", "2", " TRUE ", "t", "None", "y"],
    "debut_week": ["2026-01-11", "2026-01-11 00:00:00", "2026/1/11", "20260111", "2026-02-30", "11/01/2026"]
    + ["Jan 11 2026", "", "N/A", "2026-01-11T23:30:00-05:00", " 2025-12-28 ", "2026", "2026-13-01", "2026.01.04"],
    "season_number": ["1", "2.0", "2.5", "0", "61", "x", "", "NA", "1e1", "-1", "1,0", " 3 ", "inf", "60"],
    "debut_views": ["19.9M", "850K", "1,200", "1_000", "-5", "inf", "nan", ".5", "1e999", "2e5", "19.9 m", "١٢"]
    + ["+5", "0"],
    "critic_score": ["101", "-0", "100", "0", "1e2", "50.5", "abc", "5k", " ", "-1e1", "7", "8", "1e", "-.5"],
    "ratio": ["-0.5", "1.2.3", "1-2", "--1", "-", "5e+", "0.1", "1E+05", "00.5", "7.", "-1e-400", "3", "4", "5"],
    "not_an_input": ["x"] * 14,
}




# ---- the cell rules, one cell at a time -------------------------------------------------------------


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


def _check_frame_by_cell(raw, columns: tuple[Column, ...], required: tuple[str, ...]) -> tuple[object, list[Problem]]:
    """The rules of `check_columns` applied one cell at a time, to a frame: the reference the tests compare with."""
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


def _by_cell(cells, columns, required=("title",)):
    import pandas as pd

    return _check_frame_by_cell(pd.DataFrame(cells, dtype=str), columns, required)


def _assert_agrees_with_the_cell_rules(cells, columns):
    import pandas as pd

    from renewml.data.schema import check_columns

    raw = {name: np.array(values, dtype=object) for name, values in cells.items()}
    n_rows = len(next(iter(cells.values())))
    converted, problems = check_columns(raw, columns, ("title",), n_rows)
    slow, slow_problems = _by_cell(cells, columns)
    assert problems == slow_problems
    assert list(converted) == list(cells)
    kinds = {c.name: c.kind for c in columns}
    for name, values in converted.items():
        assert values.shape == (n_rows,)
        reference = [None if v is None or (not isinstance(v, str) and pd.isna(v)) else v for v in slow[name]]
        if name not in kinds:
            assert values is raw[name]
        elif kinds[name] in ("int", "float"):
            assert values.dtype == np.float64
            np.testing.assert_array_equal(values, np.array([np.nan if v is None else v for v in reference], float))
        else:
            assert values.dtype == object
            assert values.tolist() == reference
            assert [type(v) for v in values.tolist()] == [type(v) for v in reference]
    return problems


def test_check_columns_agrees_with_the_cell_rules_on_every_kind_of_bad_cell():
    problems = _assert_agrees_with_the_cell_rules(BAD_CELLS, _columns())
    assert len(problems) >= 40
    assert {p.column for p in problems} == set(BAD_CELLS) - {"note", "not_an_input"}


@pytest.mark.parametrize(
    "cell", ["+5", ".5", "-.5", "1e", "1.2.3", "1-2", "--1", "-", "5e+", "1e5e5", "1.", "-0", "1e999", "2.5", " 7 "]
)
def test_a_column_of_plain_decimals_but_one_cell_is_checked_like_the_cell_rules(cell):
    from renewml.data.schema import PREDICT_COLUMNS

    columns = (*_columns(), *PREDICT_COLUMNS)
    plain = ["1", "2.5", "-3", "1e2", "4.", "0"]
    for name in ("season_number", "debut_views", "critic_score", "ratio"):
        cells = {"title": ["A"] * 7, name: [*plain, cell]}
        _assert_agrees_with_the_cell_rules(cells, columns)
        _assert_agrees_with_the_cell_rules({"title": ["A"] * 6, name: plain}, columns)


def test_check_columns_agrees_with_the_cell_rules_on_random_cells():
    rng = np.random.default_rng(7)
    pools = {name: sorted(set(values)) for name, values in BAD_CELLS.items()}
    for n_rows in (1, 50, 3000):
        cells = {name: rng.choice(pool, n_rows).tolist() for name, pool in pools.items()}
        _assert_agrees_with_the_cell_rules(cells, _columns())
    plain = {"title": ["A"] * 3000, "ratio": [f"{v:.6g}" for v in rng.normal(0, 1e3, 3000)]}
    assert not _assert_agrees_with_the_cell_rules(plain, _columns())


def test_a_column_of_plain_decimals_with_a_few_other_cells_agrees_with_the_cell_rules():
    """Plain decimals at their limits of precision and range, with other cells wherever they sit."""
    rng = np.random.default_rng(11)
    n_rows = 5000
    plain = [f"{v:.{p}g}" for v, p in zip(rng.normal(0, 1e4, n_rows) ** 3, rng.integers(1, 18, n_rows), strict=True)]
    plain[:8] = ["1e308", "1.7976931348623157e308", "2e308", "4.9e-324", "2.2250738585072011e-308", "-0", "5.", "007"]
    others = ["", " ", "x", "19.9M", "1,200", " 3 ", "NA", "-", ".5", "+5", "1e", "١٢", "é", "1\n2", "inf", "-1"]
    for count in (0, 1, 30, 600):
        cells = list(plain)
        for at, cell in zip(rng.choice(n_rows, count, replace=False), rng.choice(others, count), strict=True):
            cells[at] = str(cell)
        table = {"title": ["A"] * n_rows, "ratio": cells, "debut_views": cells, "season_number": cells}
        _assert_agrees_with_the_cell_rules(table, _columns())


def test_cells_that_are_not_strings_are_read_through_str():
    import pandas as pd

    from renewml.data.schema import check_frame

    raw = pd.DataFrame(
        {
            "title": ["A", None, 3, "B"],
            "format": ["limited", np.nan, "ongoing", 1.5],
            "anthology": [True, 1, 1.0, "no"],
            "debut_week": ["2026-01-11", None, 20260111, "x"],
            "season_number": [1, 2.0, None, "3"],
            "ratio": [np.nan, 1.5, "2", None],
        },
        dtype=object,
    )
    fast, fast_problems = check_frame(raw, _columns(), ("title",))
    slow, slow_problems = _check_frame_by_cell(raw, _columns(), ("title",))
    assert fast_problems == slow_problems
    pd.testing.assert_frame_equal(fast, slow)


def test_a_missing_required_column_returns_the_columns_unchanged():
    from renewml.data.schema import Problem, check_columns

    raw = {"note": np.array(["x"], dtype=object)}
    converted, problems = check_columns(raw, _columns(), ("title", "format"), 1)
    assert converted is raw
    assert problems == [
        Problem(None, "title", "required column is missing"),
        Problem(None, "format", "required column is missing"),
    ]


def test_check_frame_numbers_rows_by_the_frame_index_and_matches_the_cell_rules():
    import pandas as pd

    from renewml.data.schema import check_frame

    raw = pd.DataFrame(BAD_CELLS, dtype=str)
    for frame in (raw, raw.set_index(pd.RangeIndex(10, 24)), raw.iloc[::-2], raw.iloc[:3]):
        fast, fast_problems = check_frame(frame, _columns(), ("title",))
        slow, slow_problems = _check_frame_by_cell(frame, _columns(), ("title",))
        assert fast_problems == slow_problems
        pd.testing.assert_frame_equal(fast, slow)
    empty, problems = check_frame(raw.iloc[:0], _columns(), ("title",))
    assert not problems and list(empty.columns) == list(raw.columns) and empty.empty


def test_parse_date_reads_iso_dates_and_numeric_year_month_day_only():
    from renewml.data.schema import parse_date

    for text in ("2026-01-11", "20260111", "2026-01-11 00:00:00", "2026-01-11T00:00:00Z", "2026/1/11", "2026.01.11"):
        assert parse_date(text) == "2026-01-11"
    assert parse_date("2026-01-11T23:30:00-05:00") == "2026-01-11"
    for text in ("", "2026", "2026-02-30", "11/01/2026", "Jan 11 2026", "today", "2026-1-11x"):
        with pytest.raises(ValueError):
            parse_date(text)


def test_schema_does_not_import_pandas_at_module_level():
    """`renewml predict --input` reads and checks a batch without paying for pandas' import."""
    tree = ast.parse(SCHEMA.read_text(encoding="utf-8"))

    def imports_pandas(node):
        return any(
            (isinstance(n, ast.Import) and any(a.name.split(".")[0] == "pandas" for a in n.names))
            or (isinstance(n, ast.ImportFrom) and (n.module or "").split(".")[0] == "pandas")
            for n in ast.walk(node)
        )

    for statement in tree.body:
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue  # imported when the function runs
        if isinstance(statement, ast.If) and ast.unparse(statement.test) in ("TYPE_CHECKING", "typing.TYPE_CHECKING"):
            continue  # annotations only
        assert not imports_pandas(statement), f"line {statement.lineno}: pandas imported at module level"


def test_reading_and_checking_a_batch_never_imports_pandas(tmp_path):
    """schema.py loaded on its own (renewml.data's __init__ imports pandas), then a file read and checked."""
    path = tmp_path / "shows.csv"
    path.write_text("show_title,season_number,debut_views,format\nA,1,19.9M,limited\nB,x,850000,\n", encoding="utf-8")
    code = f"""
import importlib.util, sys
spec = importlib.util.spec_from_file_location("schema_alone", {str(SCHEMA)!r})
schema = importlib.util.module_from_spec(spec)
sys.modules["schema_alone"] = schema
spec.loader.exec_module(schema)
names, cells = schema.read_csv_columns({str(path)!r})
converted, problems = schema.check_columns(cells, schema.PREDICT_COLUMNS, schema.PREDICT_REQUIRED, 2)
assert [(p.row, p.column) for p in problems] == [(3, "season_number")], problems
assert "pandas" not in sys.modules, "pandas was imported"
"""
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=SCHEMA.parents[2])
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("quoted", [False, True], ids=["plain", "quoted"])
def test_a_cell_longer_than_the_csv_modules_default_limit_is_read(tmp_path, quoted):
    import csv

    from renewml.data import schema

    long = "x" * 200_000
    path = tmp_path / "long.csv"
    path.write_text(f"a,b\n1,{chr(34) + long + chr(34) if quoted else long}\n")
    before = csv.field_size_limit()
    names, columns = schema.read_csv_columns(path)
    assert columns["b"].tolist() == [long] and csv.field_size_limit() == before  # the module's limit is restored
