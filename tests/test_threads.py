"""The OpenMP/BLAS thread cap: its sources, its validation, and that it is really applied."""

from __future__ import annotations

import pytest

from renewml import config
from renewml.errors import InputError
from renewml.threads import limited_threads, set_threads, thread_count


@pytest.fixture(autouse=True)
def _reset():
    set_threads(None)
    yield
    set_threads(None)


@pytest.mark.parametrize(
    ("env", "chosen", "expected"),
    [(None, None, config.DEFAULT_THREADS), ("3", None, 3), (" 2 ", None, 2), ("3", 4, 4), (None, 2, 2)],
)
def test_thread_count_takes_the_option_then_the_environment_then_the_default(monkeypatch, env, chosen, expected):
    if env is None:
        monkeypatch.delenv(config.THREADS_ENV, raising=False)
    else:
        monkeypatch.setenv(config.THREADS_ENV, env)
    set_threads(chosen)
    assert thread_count() == expected


@pytest.mark.parametrize("env", ["0", "-1", "two", "1.5"])
def test_a_bad_environment_value_is_refused_with_its_name(monkeypatch, env):
    monkeypatch.setenv(config.THREADS_ENV, env)
    with pytest.raises(InputError, match=config.THREADS_ENV):
        thread_count()


def test_limited_threads_caps_openmp_and_restores_it(monkeypatch):
    from threadpoolctl import threadpool_info

    import renewml.model  # noqa: F401  (loads scikit-learn's OpenMP runtime)

    monkeypatch.setenv(config.THREADS_ENV, "1")
    with limited_threads() as count:
        inside = [pool["num_threads"] for pool in threadpool_info()]
    assert count == 1
    assert inside and all(n == 1 for n in inside)


def test_cli_threads_option_is_validated_and_a_bad_environment_gives_one_error_line(run_cli, monkeypatch):
    code, _, err = run_cli("--threads", "0", "predict", "His & Hers")
    assert code == 2 and "--threads" in err
    monkeypatch.setenv(config.THREADS_ENV, "many")
    code, out, err = run_cli("predict", "His & Hers")
    assert code == 1 and out == ""
    assert err.strip().splitlines() == [f"Error: {config.THREADS_ENV} must be a whole number of at least 1, found 'many'"]


def test_cli_threads_option_sets_the_cap(run_cli, monkeypatch):
    seen = []
    import renewml.threads as threads

    original = threads.thread_count
    monkeypatch.setattr(threads, "thread_count", lambda: seen.append(original()) or seen[-1])
    code, _, _ = run_cli("--threads", "2", "predict", "His & Hers", "--json")
    assert code == 0 and seen and set(seen) == {2}
