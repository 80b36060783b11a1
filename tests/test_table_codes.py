"""Codes of values and classes of rows: the numbering that lets alike rows be scored once."""

from __future__ import annotations

import numpy as np

from renewml.table import row_classes, value_codes


def test_value_codes_number_equal_values_alike_and_tell_none_from_its_name():
    codes = value_codes(np.array(["a", None, "None", "a", "b", None], dtype=object))
    assert codes.tolist() == [0, 1, 2, 0, 3, 1]


def test_row_classes_are_equal_exactly_for_equal_rows():
    rng = np.random.default_rng(0)
    columns = [rng.integers(-1, 4, 500), rng.integers(0, 3, 500), rng.integers(0, 1000, 500)]
    classes = row_classes(columns, 500)
    _, expected = np.unique(np.column_stack(columns), axis=0, return_inverse=True)
    expected = expected.reshape(-1)
    # the same partition of the rows (the numbers themselves may differ)
    pairs = set(zip(classes.tolist(), expected.tolist(), strict=True))
    assert len(pairs) == len(set(classes.tolist())) == len(set(expected.tolist()))
    assert row_classes([], 3).tolist() == [0, 0, 0]
