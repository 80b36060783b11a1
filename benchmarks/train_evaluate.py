"""Wall time of `renewml train`, `renewml evaluate` and `renewml data build` (when raw data is present).

Run: python benchmarks/train_evaluate.py
"""

from __future__ import annotations

import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _time(args: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "renewml", *args], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    return time.perf_counter() - start


def main() -> None:
    from renewml.data.raw import default_raw_dir

    print(f"machine: {platform.machine()}, Python {platform.python_version()}")
    with tempfile.TemporaryDirectory() as folder:
        print(f"renewml train:                     {_time(['train', '--out', str(Path(folder) / 'm.joblib')]):.1f}s")
        print(f"renewml evaluate (200 bootstraps): {_time(['evaluate']):.1f}s")
        print(f"renewml evaluate --report DIR:     {_time(['evaluate', '--report', str(Path(folder) / 'r')]):.1f}s")
        raw = default_raw_dir()
        if raw is not None:
            built = _time(["data", "build", "--raw", str(raw), "--out", str(Path(folder) / "d.csv")])
            print(f"renewml data build:                {built:.1f}s")


if __name__ == "__main__":
    main()
