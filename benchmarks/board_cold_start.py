"""Cold `renewml board` (every undecided season with reasons and renewal bars, the track record) against
`python -c "import numpy"`, as fresh processes: the issue asks for under 5 seconds on this machine.

Run: python benchmarks/board_cold_start.py [runs]
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _seconds(command: list[str], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main(runs: int = 5) -> None:
    renewml = str(Path(sys.executable).with_name("renewml"))
    numpy = _seconds([sys.executable, "-c", "import numpy"], runs)
    board = _seconds([renewml, "board"], runs)
    with tempfile.TemporaryDirectory() as folder:
        written = _seconds([renewml, "board", "--out", folder], runs)
    print(f"python -c 'import numpy': {numpy:.3f} s (median of {runs})")
    print(f"renewml board:            {board:.3f} s = {board / numpy:.1f} times numpy")
    print(f"renewml board --out DIR:  {written:.3f} s = {written / numpy:.1f} times numpy")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5)
