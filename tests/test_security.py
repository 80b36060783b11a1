"""A pickle that runs code, put where the model goes with a card that vouches for it, never runs.

The malicious file creates a marker file when unpickled. The positive control shows that it does
exactly that when asked for explicitly; every CLI path and `load_default_model()` must leave the
marker absent and answer with one `Error:` line.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import joblib
import pytest

from renewml import config
from renewml.errors import ModelError
from renewml.io import sha256_file
from renewml.model import card_path


class _WritesMarker:
    """Unpickling this calls open(marker, "w"): code run by a model file."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (open, (self.marker, "w"))


def _evil_folder(tmp_path, name: str):
    """A copy of the models folder whose model file `name` is the malicious pickle, its card re-signed."""
    folder = tmp_path / "models"
    folder.mkdir()
    marker = tmp_path / "marker"
    target = folder / name
    joblib.dump(_WritesMarker(marker), target)
    card = json.loads(card_path(config.MODEL_PATH).read_text())
    digest = sha256_file(target)
    card.update(model_sha256=digest, model_file=name, joblib_sha256=digest, joblib_file=name)
    card_path(target).write_text(json.dumps(card))
    return target, marker


@pytest.fixture(params=["renewml.joblib", "renewml.npz"], ids=["as joblib", "named as the portable file"])
def evil(request, tmp_path):
    return _evil_folder(tmp_path, request.param)


def test_the_malicious_file_does_run_code_when_unpickled_on_request(tmp_path):
    """Positive control: without it, a marker that never appears would prove nothing."""
    from renewml.model import load_model

    target, marker = _evil_folder(tmp_path, "renewml.joblib")
    with pytest.warns(UserWarning, match="runs code"), pytest.raises(ModelError, match="not a renewml model"):
        load_model(target, allow_pickle=True)  # the pickle yields a file handle, not a model
    assert marker.exists()


def _batch(tmp_path):
    path = tmp_path / "batch.csv"
    path.write_text("show_title,format,debut_views\nX,ongoing,5000000\n")
    return path


CLI_PATHS = {
    "predict by title": lambda tmp: ["predict", "His & Hers"],
    "predict by flags": lambda tmp: ["predict", "--title", "X", "--format", "ongoing", "--debut-views", "5M"],
    "predict a batch": lambda tmp: ["predict", "--input", str(_batch(tmp))],
    "explain": lambda tmp: ["explain", "His & Hers"],
}


@pytest.mark.parametrize("path_name", list(CLI_PATHS))
def test_no_cli_path_unpickles_a_model_given_with_model(run_cli, evil, tmp_path, path_name):
    target, marker = evil
    code, out, err = run_cli(*CLI_PATHS[path_name](tmp_path), "--model", str(target))
    assert not marker.exists()
    assert code == 1 and out == ""
    assert len(err.strip().splitlines()) == 1 and err.startswith("Error: ")


def test_evaluate_does_not_unpickle_a_model_given_with_model(run_cli, evil):
    target, marker = evil
    code, _, err = run_cli("evaluate", "--model", str(target), "--no-backtest", "--bootstrap", "0")
    assert not marker.exists()
    assert code == 1 and len(err.strip().splitlines()) == 1 and err.startswith("Error: ")


@pytest.mark.parametrize("path_name", list(CLI_PATHS))
def test_no_cli_path_unpickles_the_default_model(run_cli, evil, tmp_path, monkeypatch, path_name):
    target, marker = evil
    monkeypatch.setattr(config, "MODEL_PATH", target)
    code, out, err = run_cli(*CLI_PATHS[path_name](tmp_path))
    assert not marker.exists()
    assert code == 1 and out == ""
    assert len(err.strip().splitlines()) == 1 and err.startswith("Error: ")


def test_load_default_model_never_unpickles(evil, monkeypatch):
    from renewml.model import load_default_model

    target, marker = evil
    monkeypatch.setattr(config, "MODEL_PATH", target)
    with pytest.raises(ModelError):
        load_default_model()
    assert not marker.exists()


def test_renewml_model_environment_variable_pointing_at_a_pickle_never_runs_it(tmp_path):
    """The real environment variable, read by a fresh process."""
    target, marker = _evil_folder(tmp_path, "renewml.joblib")
    environment = {**os.environ, "RENEWML_MODEL": str(target), "OMP_NUM_THREADS": "1"}
    result = subprocess.run(
        [sys.executable, "-m", "renewml", "predict", "His & Hers"], capture_output=True, text=True, env=environment
    )
    assert not marker.exists()
    assert result.returncode == 1
    assert result.stderr.splitlines() == [result.stderr.strip()] and "joblib file is code" in result.stderr


# ---- a tampered portable model: one Error: line, exit 1 -----------------------------------------------


def _portable_copy(tmp_path):
    target = tmp_path / "renewml.npz"
    shutil.copy(config.MODEL_PATH, target)
    shutil.copy(card_path(config.MODEL_PATH), card_path(target))
    return target


def test_a_tampered_portable_model_gives_one_error_line(run_cli, tmp_path):
    target = _portable_copy(tmp_path)
    data = bytearray(target.read_bytes())
    data[len(data) // 2] ^= 0xFF
    target.write_bytes(bytes(data))
    code, out, err = run_cli("predict", "His & Hers", "--model", str(target))
    assert code == 1 and out == ""
    assert err.strip().splitlines() == [err.strip()]
    assert err.startswith(f"Error: {target}: sha256 ") and "does not match the card" in err


@pytest.mark.parametrize(
    "damage",
    ["truncated", "not an archive", "structure missing"],
)
def test_a_damaged_portable_model_that_its_card_vouches_for_gives_one_error_line(run_cli, tmp_path, damage):
    import numpy as np

    target = _portable_copy(tmp_path)
    if damage == "truncated":
        target.write_bytes(target.read_bytes()[:5000])
    elif damage == "not an archive":
        target.write_text("hello")
    else:
        with np.load(target, allow_pickle=False) as archive:
            arrays = {k: archive[k] for k in archive.files if k != "structure_json"}
        with open(target, "wb") as handle:
            np.savez(handle, **arrays)
    card = json.loads(card_path(target).read_text())
    card["model_sha256"] = sha256_file(target)
    card_path(target).write_text(json.dumps(card))
    code, out, err = run_cli("explain", "His & Hers", "--model", str(target))
    assert code == 1 and out == ""
    assert err.strip().splitlines() == [err.strip()]
    assert err.startswith(f"Error: {target}: not a readable portable model")
