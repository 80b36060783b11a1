"""The model's input columns from any table, without scikit-learn: what scoring a portable model needs.

`renewml.features` builds the ColumnTransformer (and imports scikit-learn); this module only shapes a
table into the columns that transformer reads, so `predict` and `explain` stay free of scikit-learn.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from renewml import config


def feature_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """The model's input columns, with numeric types, from any table that has them (missing -> NaN)."""
    out = pd.DataFrame(index=frame.index)
    for name in config.CATEGORICAL_FEATURES:
        column = frame[name] if name in frame else pd.Series(pd.NA, index=frame.index)
        out[name] = column.astype(object).where(column.notna(), "unknown" if name != "format" else np.nan)
    for name in config.NUMERIC_FEATURES:
        column = frame[name] if name in frame else pd.Series(np.nan, index=frame.index)
        out[name] = pd.to_numeric(column, errors="coerce").astype(float)
    return out
