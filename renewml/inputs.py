"""The model's input columns from any table, without scikit-learn: what scoring a portable model needs.

`renewml.features` builds the ColumnTransformer (and imports scikit-learn); this module only shapes a
table into the columns that transformer reads, so `predict` and `explain` stay free of scikit-learn.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from renewml import config

# Categories whose rarer values share "other", so the encoder's columns stay few and fixed.
OPEN_CATEGORIES = {"original_language": config.ORIGINAL_LANGUAGES, "content_rating": config.CONTENT_RATINGS}
# Every column a model may read: the shipped inputs and the candidates a notebook may choose.
ALL_CATEGORICAL = config.CATEGORICAL_FEATURES + config.CANDIDATE_CATEGORICAL_FEATURES
ALL_NUMERIC = config.NUMERIC_FEATURES + config.CANDIDATE_NUMERIC_FEATURES


def feature_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """The model's input columns, with numeric types, from any table that has them (missing -> NaN)."""
    out = pd.DataFrame(index=frame.index)
    for name in ALL_CATEGORICAL:
        column = frame[name] if name in frame else pd.Series(pd.NA, index=frame.index)
        given = column.notna() & column.astype(str).ne("")
        out[name] = column.astype(object).where(given, "unknown" if name != "format" else np.nan)
        if name in OPEN_CATEGORIES:
            out[name] = out[name].where(out[name].isin(OPEN_CATEGORIES[name]), "other")
    for name in ALL_NUMERIC:
        column = frame[name] if name in frame else pd.Series(np.nan, index=frame.index)
        out[name] = pd.to_numeric(column, errors="coerce").astype(float)
    return out
