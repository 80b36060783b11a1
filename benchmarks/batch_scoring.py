"""Batch scoring throughput and peak memory.

Run: python benchmarks/batch_scoring.py [--rows 1000000] [--cli-rows 100000]
Measures the library path (`predict_proba` on a DataFrame of N rows resampled from the shipped data)
and the CLI path (`renewml predict --input file.csv --output preds.csv`, which validates every cell).
Peak memory is the process's maximum resident set size.
"""

from __future__ import annotations

import argparse
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np


def _peak_mb(who: int = resource.RUSAGE_SELF) -> float:
    return resource.getrusage(who).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--cli-rows", type=int, default=100_000)
    args = parser.parse_args()

    from renewml import config
    from renewml.data import load_dataset
    from renewml.model import load_default_model, predict_proba

    print(f"machine: {platform.machine()}, Python {platform.python_version()}")
    dataset = load_dataset()
    loaded = load_default_model()
    rng = np.random.default_rng(0)
    frame = dataset.iloc[rng.integers(0, len(dataset), args.rows)].reset_index(drop=True)
    before = _peak_mb()
    start = time.perf_counter()
    probabilities = predict_proba(loaded.model, frame)
    seconds = time.perf_counter() - start
    print(
        f"library: {args.rows:,} rows in {seconds:.1f}s = {args.rows / seconds:,.0f} rows/s; "
        f"peak RSS {_peak_mb():,.0f} MB (before scoring {before:,.0f} MB); mean p {probabilities.mean():.3f}"
    )

    columns = list(dict.fromkeys(["show_title", "season_number", *config.FEATURES]))
    with tempfile.TemporaryDirectory() as folder:
        source, target = Path(folder) / "shows.csv", Path(folder) / "preds.csv"
        sample = frame.head(args.cli_rows)[columns].copy()
        sample["show_title"] = [f"show {i}" for i in range(len(sample))]  # one row per show season
        sample.to_csv(source, index=False)
        start = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "renewml", "predict", "--input", str(source), "--output", str(target)],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        seconds = time.perf_counter() - start
        print(
            f"cli: {len(sample):,} rows in {seconds:.1f}s = {len(sample) / seconds:,.0f} rows/s "
            f"(validation of every cell included); peak RSS {_peak_mb(resource.RUSAGE_CHILDREN):,.0f} MB"
        )


if __name__ == "__main__":
    main()
