"""Shared fixtures: the shipped dataset and model, and the raw sources when they are beside the repo."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from renewml import config
from renewml.data.raw import default_raw_dir

TESTS_DIR = Path(__file__).resolve().parent
FIXTURES = TESTS_DIR / "fixtures"


@pytest.fixture(scope="session")
def dataset():
    from renewml.data import load_dataset

    return load_dataset(config.DATASET_PATH)


@pytest.fixture(scope="session")
def shipped_model():
    from renewml.model import load_default_model

    return load_default_model()


@pytest.fixture(scope="session")
def raw_dir() -> Path:
    found = default_raw_dir()
    if found is None:
        pytest.skip("raw public sources are not beside the repository")
    return found


@pytest.fixture()
def run_cli(capsys):
    """Run the console entry point in-process; return (exit code, stdout, stderr)."""
    from renewml.cli import main

    def run(*args: str) -> tuple[int, str, str]:
        try:
            main(list(args))
            code = 0
        except SystemExit as exit_:
            code = exit_.code if isinstance(exit_.code, int) else (0 if exit_.code is None else 1)
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return run


@pytest.fixture()
def model_copy(tmp_path) -> Path:
    """A copy of the shipped model and its card in a temporary folder, free to damage."""
    from renewml.model import card_path

    target = tmp_path / "renewml.npz"
    shutil.copy(config.MODEL_PATH, target)
    shutil.copy(card_path(config.MODEL_PATH), card_path(target))
    return target
