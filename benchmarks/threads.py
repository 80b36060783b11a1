"""Fitting time idle and beside two CPU-bound processes, with the default OpenMP threads and with the cap.

Run: python benchmarks/threads.py [--runs 3] [--busy-seconds 120]
"Default threads" is what OpenMP picks on its own (one per core); "capped" is renewml's default of 1
(`RENEWML_THREADS`). The two busy-loop processes are started and stopped by this script and end on
their own after --busy-seconds in any case. Ratios are taken within this one run.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import time

BUSY_LOOP = "import sys, time\nend = time.monotonic() + float(sys.argv[1])\nwhile time.monotonic() < end:\n    pass\n"


def _fit_times(frame: object, threads: int, runs: int) -> list[float]:
    from renewml.model import fit_model
    from renewml.threads import set_threads

    set_threads(threads)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fit_model(frame)
        times.append(time.perf_counter() - start)
    set_threads(None)
    return times


def _busy(count: int, seconds: float) -> list[subprocess.Popen]:
    return [subprocess.Popen([sys.executable, "-c", BUSY_LOOP, str(seconds)]) for _ in range(count)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--busy-seconds", type=float, default=120.0, help="Upper bound on the busy loops' life.")
    args = parser.parse_args()
    from renewml import config
    from renewml.data import load_dataset

    frame = load_dataset(config.DATASET_PATH)
    cores = os.cpu_count() or 1
    settings = {f"default threads ({cores})": cores, "capped (1 thread)": 1}
    print(f"machine: {platform.machine()}, {cores} cores, Python {platform.python_version()}")
    _fit_times(frame, 1, 1)  # warm-up: imports and first-call costs
    results: dict[tuple[str, str], float] = {}
    for load in ("idle", "beside 2 busy processes"):
        workers = _busy(2, args.busy_seconds) if load != "idle" else []
        try:
            time.sleep(0.5 if workers else 0.0)
            for name, threads in settings.items():
                results[(load, name)] = statistics.median(_fit_times(frame, threads, args.runs))
        finally:
            for worker in workers:
                worker.terminate()
                worker.wait()
    for (load, name), seconds in results.items():
        print(f"fit_model, {load:24s} {name:22s} median {seconds:.2f}s ({args.runs} runs)")
    for name in settings:
        ratio = results[("beside 2 busy processes", name)] / results[("idle", name)]
        print(f"busy / idle, {name:22s} {ratio:.1f}x")
    default, capped = settings
    for load in ("idle", "beside 2 busy processes"):
        print(f"default / capped, {load:24s} {results[(load, default)] / results[(load, capped)]:.1f}x")


if __name__ == "__main__":
    main()
