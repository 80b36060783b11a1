"""Cold wall time of `renewml predict TITLE` against `python -c "import numpy"` and the heavy imports.

Run: python benchmarks/predict_cold_start.py [--runs 5]
Each measurement is a fresh process, so nothing is cached in memory between runs.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import subprocess
import sys
import time


def _time(command: list[str], runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times.append(time.perf_counter() - start)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--title", default="His & Hers")
    args = parser.parse_args()
    cases = {
        "python -c 'import numpy'": [sys.executable, "-c", "import numpy"],
        "python -c 'import pandas'": [sys.executable, "-c", "import pandas"],
        "python -c 'import sklearn.ensemble, pandas'": [
            sys.executable,
            "-c",
            "import sklearn.ensemble, pandas",
        ],
        f"renewml predict {args.title!r}": [sys.executable, "-m", "renewml", "predict", args.title],
        f"renewml explain {args.title!r}": [sys.executable, "-m", "renewml", "explain", args.title],
        "renewml --help": [sys.executable, "-m", "renewml", "--help"],
    }
    print(f"machine: {platform.machine()}, {platform.processor() or 'cpu'}, Python {platform.python_version()}")
    numpy_time = None
    for name, command in cases.items():
        times = _time(command, args.runs)
        median = statistics.median(times)
        numpy_time = numpy_time or median
        print(
            f"{name:45s} median {median:.2f}s  min {min(times):.2f}s  "
            f"{median / numpy_time:5.1f}x numpy  ({args.runs} runs)"
        )


if __name__ == "__main__":
    main()
