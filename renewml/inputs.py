"""The model's input columns from any table, without scikit-learn or pandas: what scoring a portable model needs.

`renewml.features` builds the ColumnTransformer (and imports scikit-learn); this module only shapes a
table into the columns that transformer reads, so `predict` and `explain` stay free of both.
"""

from __future__ import annotations

import numpy as np

from renewml import config
from renewml.table import Table, as_table, blank, n_rows, numbers

# Categories whose rarer values share "other", so the encoder's columns stay few and fixed.
OPEN_CATEGORIES = {"original_language": config.ORIGINAL_LANGUAGES, "content_rating": config.CONTENT_RATINGS}
# Every column a model may read: the shipped inputs and the candidates a notebook may choose.
ALL_CATEGORICAL = config.CATEGORICAL_FEATURES + config.CANDIDATE_CATEGORICAL_FEATURES
ALL_NUMERIC = config.NUMERIC_FEATURES + config.CANDIDATE_NUMERIC_FEATURES


def feature_columns(table: Table) -> Table:
    """The model's input columns as a table: text with "unknown" for a blank (the format stays blank),
    numbers as floats with NaN."""
    rows = n_rows(table)
    out: Table = {}
    for name in ALL_CATEGORICAL:
        if name not in table:  # a column not given at all: every cell the same, worked out once
            out[name] = np.full(rows, _blank_as(name), dtype=object)
            continue
        values = table[name]
        gone = blank(values)
        text = np.array([str(v) for v in values], dtype=object) if values.dtype.kind != "O" else values.copy()
        text[gone] = _blank_as(name)
        if name in OPEN_CATEGORIES:
            text[~np.isin(text, list(OPEN_CATEGORIES[name]))] = "other"
        out[name] = text
    for name in ALL_NUMERIC:
        out[name] = numbers(table[name]) if name in table else np.full(rows, np.nan)
    return out


def _blank_as(name: str) -> object:
    """What a blank cell of a categorical input becomes (the format stays blank: it is a key input)."""
    if name == "format":
        return np.nan
    return "unknown" if name not in OPEN_CATEGORIES or "unknown" in OPEN_CATEGORIES[name] else "other"


def feature_frame(frame: object) -> object:
    """`feature_columns` as a pandas DataFrame on the frame's index: what a scikit-learn pipeline reads."""
    import pandas as pd

    return pd.DataFrame(feature_columns(as_table(frame)), index=getattr(frame, "index", None))


def estimator_input(estimator: object, features: Table) -> object:
    """Features in the form an estimator reads: the table itself for one that says it `reads_tables` (the
    numpy scorer of `renewml.portable`), a DataFrame for a scikit-learn pipeline."""
    return features if getattr(estimator, "reads_tables", False) else feature_frame(features)
