"""Cold wall time of `renewml predict TITLE` against `python -c "import numpy"` and the heavy imports.

Run: python benchmarks/predict_cold_start.py [--runs 9]

Each measurement is a fresh process. numpy's own modules come from the bytecode compiled when it was
installed; renewml's come from bytecode too once they have run once (Python caches it next to the
source), unless bytecode writing is off (`PYTHONDONTWRITEBYTECODE`, common in containers and CI), in
which case an editable install compiles renewml's modules from source on every run. Both states are
measured: "no bytecode" removes renewml's `__pycache__` and runs with writing off; "bytecode" compiles
it first (what any install gets after its first run).
"""

from __future__ import annotations

import argparse
import compileall
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "renewml"


def _time(command: list[str], runs: int, environment: dict[str, str]) -> list[float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=environment)
        times.append(time.perf_counter() - start)
    return times


def _drop_bytecode() -> None:
    for cache in PACKAGE.rglob("__pycache__"):
        shutil.rmtree(cache)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--title", default="His & Hers")
    args = parser.parse_args()
    script = shutil.which("renewml", path=str(Path(sys.executable).parent)) or "renewml"
    reference = {
        "python -c 'import numpy'": [sys.executable, "-c", "import numpy"],
        "python -c 'import pandas'": [sys.executable, "-c", "import pandas"],
        "python -c 'import sklearn.ensemble, pandas'": [sys.executable, "-c", "import sklearn.ensemble, pandas"],
    }
    renewml = {
        f"renewml predict {args.title!r}": [script, "predict", args.title],
        f"renewml explain {args.title!r}": [script, "explain", args.title],
        "renewml --help": [script, "--help"],
    }
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}; median of "
        f"{args.runs} runs; load average {os.getloadavg()[0]:.2f}"
    )
    no_writes = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1", "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS", "1")}
    numpy_times = _time(reference["python -c 'import numpy'"], args.runs, no_writes)
    numpy_time = statistics.median(numpy_times)  # every ratio is against this one measurement

    def report(name: str, times: list[float]) -> None:
        median = statistics.median(times)
        print(f"{name:58s} median {median:.3f}s  min {min(times):.3f}s  {median / numpy_time:4.2f}x numpy")

    for name, command in reference.items():
        report(name, numpy_times if "numpy" in name else _time(command, args.runs, no_writes))
    _drop_bytecode()
    for name, command in renewml.items():
        report(f"{name} (no bytecode)", _time(command, args.runs, no_writes))
    compileall.compile_dir(str(PACKAGE), quiet=1)
    for name, command in renewml.items():
        report(f"{name} (bytecode)", _time(command, args.runs, no_writes))
    print(f"load average at the end {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
