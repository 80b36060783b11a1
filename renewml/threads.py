"""How many OpenMP/BLAS threads fitting and scoring may use: one by default.

HistGradientBoosting's OpenMP threads spin-wait. On a few hundred rows they buy nothing, and on a
shared machine (a notebook server, CI, a second test suite) they thrash: fitting beside two busy
processes took several times longer with the default threads than with one. Every fit and score in
renewml runs inside `limited_threads()`; a user raises the cap with `RENEWML_THREADS` or
`renewml --threads N`.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

from renewml import config
from renewml.errors import InputError, UsageError

_chosen: dict[str, int | None] = {"threads": None}


def set_threads(threads: int | None) -> None:
    """Cap the threads of this process's fits and scores (None: back to `RENEWML_THREADS` or the default)."""
    if threads is not None and threads < 1:
        raise UsageError(f"--threads must be at least 1, found {threads}")
    _chosen["threads"] = threads


def thread_count() -> int:
    """The cap in force: `set_threads`, else `RENEWML_THREADS`, else `config.DEFAULT_THREADS`."""
    if _chosen["threads"] is not None:
        return _chosen["threads"]
    text = os.environ.get(config.THREADS_ENV, "").strip()
    if not text:
        return config.DEFAULT_THREADS
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise InputError(f"{config.THREADS_ENV} must be a whole number of at least 1, found {text!r}")
    return value


@contextmanager
def limited_threads(estimator: object = None) -> Iterator[int]:
    """Run the block with OpenMP and BLAS capped at `thread_count()` threads; yields the cap.

    Scoring with the portable model (`renewml.portable`) runs no OpenMP or BLAS code, so for it the
    cap is not set (finding the thread pools costs a cold `predict` about 8 ms).
    """
    count = thread_count()
    if not getattr(estimator, "uses_threads", True):
        yield count
        return
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=count):
        yield count
