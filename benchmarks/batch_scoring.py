"""Batch scoring: `renewml predict --input` against pandas reading the same file, throughput and peak memory.

Run: python benchmarks/batch_scoring.py [--cli-rows 200000] [--sparse-rows 10000] [--rows 1000000] [--blank-rows 5000]

All figures come from one run on one machine:

- pandas reads the `--cli-rows` file (`pd.read_csv`), in this process (best of 3) and as a fresh
  `python -c "import pandas; pandas.read_csv(...)"` process, so that the CLI (a fresh process too) is
  compared both with the read alone and with a like-for-like process;
- `renewml predict --input FILE --output preds.csv` on that file, in a subprocess: every cell is
  validated, every row has all inputs (scored directly), the numbers are jittered so that nearly every
  cell is distinct (the checks see each distinct cell once, so repeated values would flatter them);
- `--sparse-rows` new shows with only a title, the format, the source material and the debut views
  (a season's debuts as a user types them in): every other input is averaged over the background
  seasons of the row's format (up to 200), each at the three views of the smoothing; rows alike in the
  model's terms (the same bins of every split) are averaged once, and the script prints how many classes
  the rows fall into;
- `--blank-rows` rows as the data has them, with blanks (averaged over the background likewise);
- `--rows` rows through the library (`predict_proba`) and through the CLI: rows per second and peak
  resident memory (the library's in this process, the CLI's of its own process).
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ENV = {**os.environ, "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS", "1")}


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _run(command: list[str]) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of one child process, its own and no other's."""
    start = time.perf_counter()
    child = subprocess.Popen(command, stdout=subprocess.DEVNULL, env=ENV)
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - start
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode:
        raise SystemExit(f"{' '.join(command)} failed with exit code {child.returncode}")
    return seconds, usage.ru_maxrss / 1024


def batch_file(dataset: pd.DataFrame, rows: int, path: Path, complete: bool, seed: int = 0) -> None:
    """`rows` seasons resampled from the data with the batch columns, one new title per row.

    `complete`: every input given (blanks filled with the column's median) and numbers jittered, so that
    cells are nearly all distinct; otherwise the rows keep the data's blanks.
    """
    from renewml import config

    rng = np.random.default_rng(seed)
    columns = list(dict.fromkeys(["show_title", "season_number", *config.FEATURES, *config.UNUSED_INPUTS]))
    sample = dataset.iloc[rng.integers(0, len(dataset), rows)][columns].reset_index(drop=True)
    sample["show_title"] = [f"show {i}" for i in range(len(sample))]  # one row per show season
    if complete:
        for name in ("debut_views", "debut_views_per_day", "runtime_hours", "week2_to_week1"):
            values = sample[name].fillna(sample[name].median()) * rng.uniform(0.9, 1.1, len(sample))
            sample[name] = values.round(0 if name.startswith("debut_views") else 4)
        for name, low, high in (("critic_score", 20, 95), ("audience_score", 20, 95), ("imdb_season_rating", 4, 9.5)):
            sample[name] = sample[name].fillna(pd.Series(rng.uniform(low, high, len(sample))).round(1))
    sample.to_csv(path, index=False)


def sparse_file(dataset: pd.DataFrame, rows: int, path: Path, seed: int = 0) -> None:
    """`rows` new shows with only show_title, format, source_material and debut views (jittered +-10%)."""
    rng = np.random.default_rng(seed)
    sample = dataset.iloc[rng.integers(0, len(dataset), rows)][["format", "source_material", "debut_views"]]
    sample = sample.reset_index(drop=True)
    views = sample["debut_views"].fillna(sample["debut_views"].median()) * rng.uniform(0.9, 1.1, rows)
    sample["debut_views"] = views.round(0)
    sample.insert(0, "show_title", [f"new show {i}" for i in range(rows)])
    sample.to_csv(path, index=False)


def _classes(path: Path) -> int:
    """How many classes of rows alike (`renewml.background`) a batch file's rows fall into."""
    from renewml.background import _alike_rows, unknown_inputs
    from renewml.batch import read_batch
    from renewml.inputs import feature_columns
    from renewml.model import load_default_model

    frame = read_batch(path).frame
    first, _ = _alike_rows(load_default_model().model.estimator, feature_columns(frame), unknown_inputs(frame))
    return len(first)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cli-rows", type=int, default=200_000)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--sparse-rows", type=int, default=10_000)
    parser.add_argument("--blank-rows", type=int, default=5_000)
    args = parser.parse_args()

    from renewml.data import load_dataset
    from renewml.model import load_default_model, predict_proba

    print(f"machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
          f"pandas {pd.__version__}, numpy {np.__version__}; load average {os.getloadavg()[0]:.2f}")
    dataset = load_dataset()
    cli = [sys.executable, "-m", "renewml", "predict", "--input"]
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        source, target = folder / "shows.csv", folder / "preds.csv"

        batch_file(dataset, args.cli_rows, source, complete=True)
        reads = []
        for _ in range(3):
            start = time.perf_counter()
            pd.read_csv(source)
            reads.append(time.perf_counter() - start)
        read = min(reads)
        read_process, _ = _run([sys.executable, "-c", f"import pandas; pandas.read_csv({str(source)!r})"])
        seconds, peak = _run([*cli, str(source), "--output", str(target)])
        print(f"pandas read_csv, {args.cli_rows:,} rows: {read:.3f}s in process; {read_process:.2f}s as a fresh process")
        print(
            f"cli, {args.cli_rows:,} rows, all inputs given, every cell validated: {seconds:.2f}s = "
            f"{args.cli_rows / seconds:,.0f} rows/s, peak RSS {peak:,.0f} MB; "
            f"ratio {seconds / read:.1f} x the read in process, {seconds / read_process:.1f} x the read process"
        )

        sparse_file(dataset, args.sparse_rows, source, seed=3)
        seconds, peak = _run([*cli, str(source), "--output", str(target)])
        print(
            f"cli, {args.sparse_rows:,} new shows with only title, format, source and debut views: {seconds:.2f}s = "
            f"{args.sparse_rows / seconds:,.0f} rows/s, peak RSS {peak:,.0f} MB; "
            f"{_classes(source):,} classes of rows alike averaged"
        )

        batch_file(dataset, args.blank_rows, source, complete=False, seed=1)
        seconds, peak = _run([*cli, str(source), "--output", str(target)])
        print(
            f"cli, {args.blank_rows:,} rows with the data's blanks (averaged over the background): {seconds:.2f}s = "
            f"{args.blank_rows / seconds:,.0f} rows/s, peak RSS {peak:,.0f} MB"
        )

        batch_file(dataset, args.rows, source, complete=True, seed=2)
        seconds, peak = _run([*cli, str(source), "--output", str(target)])
        print(
            f"cli, {args.rows:,} rows, all inputs given: {seconds:.1f}s = {args.rows / seconds:,.0f} rows/s, "
            f"peak RSS {peak:,.0f} MB"
        )
        frame = pd.read_csv(source)

    loaded = load_default_model()
    before = _peak_mb()
    start = time.perf_counter()
    probabilities = predict_proba(loaded.model, frame)
    seconds = time.perf_counter() - start
    print(
        f"library predict_proba, {args.rows:,} rows: {seconds:.1f}s = {args.rows / seconds:,.0f} rows/s; "
        f"peak RSS {_peak_mb():,.0f} MB (before scoring {before:,.0f} MB); mean p {probabilities.mean():.3f}"
    )
    print(f"load average at the end {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
