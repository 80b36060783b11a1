"""The numpy scorer of the portable model: rows per second of `PortableEstimator.predict_proba`.

Run: python benchmarks/tree_scorer.py [--rows 200000] [--small-rows 5000] [--repeat 3]

The rows are seasons resampled from `renewml.data.load_dataset()` with every blank filled with the
column's median and the numbers jittered, so that nearly every cell is distinct and no row needs the
scorer's missing-value routes. A large batch (`--rows`) and a call of the size explanations make
(`--small-rows`) are each timed best of `--repeat`, after one warm-up call; nothing is asserted.
Set OMP_NUM_THREADS=1 to time one thread.
"""

from __future__ import annotations

import argparse
import platform
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

# score with the renewml of this checkout, not whichever one is installed
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def sample_rows(dataset: pd.DataFrame, rows: int, seed: int = 0) -> pd.DataFrame:
    """`rows` feature rows resampled from the data, blanks filled with medians, numbers jittered by +-10%."""
    from renewml.inputs import feature_frame

    rng = np.random.default_rng(seed)
    frame = feature_frame(dataset)
    sample = frame.iloc[rng.integers(0, len(frame), rows)].reset_index(drop=True)
    for name in sample.columns:
        column = sample[name]
        if not pd.api.types.is_numeric_dtype(column):
            mode = column.mode(dropna=True)
            sample[name] = column.fillna(mode.iloc[0] if len(mode) else "unknown")
        else:
            filled = column.fillna(column.median()).fillna(0.0)
            sample[name] = filled * rng.uniform(0.9, 1.1, len(sample))
    return sample


def best_of(function, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--small-rows", type=int, default=5_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    from renewml import config
    from renewml.data import load_dataset
    from renewml.model import load_model

    print(f"renewml from {Path(sys.modules['renewml'].__file__).parent}")

    estimator = load_model(config.MODEL_PATH).model.estimator
    dataset = load_dataset()
    print(f"python {platform.python_version()}, numpy {np.__version__}, {platform.machine()}")
    for rows in (args.rows, args.small_rows):
        X = sample_rows(dataset, rows)
        assert not X.isna().any().any()
        estimator.predict_proba(X.iloc[:100])  # warm-up
        seconds = best_of(lambda X=X: estimator.predict_proba(X), args.repeat)
        print(f"{rows:>9,} rows: {seconds:8.4f} s  {rows / seconds:>12,.0f} rows/s  (best of {args.repeat})")


if __name__ == "__main__":
    main()
