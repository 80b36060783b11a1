"""Killing `renewml train` while it writes never loses the previous model."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time

import pandas as pd
import pytest

from renewml import config
from renewml.data import load_dataset
from renewml.model import card_path, load_model, predict_proba, save_model
from renewml.predict import find_show


def _kill_when(target, condition, timeout=120.0):
    """Start `renewml train --force` on `target`; SIGKILL it as soon as `condition()` holds."""
    process = subprocess.Popen(
        [sys.executable, "-m", "renewml", "train", "--out", str(target), "--force"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + timeout
    while process.poll() is None and time.monotonic() < deadline:
        if condition():
            os.kill(process.pid, signal.SIGKILL)
            break
        time.sleep(0.0005)
    process.wait()
    return process.returncode


def _assert_previous_model_still_predicts(target, original_sha):
    loaded = load_model(target)  # checks the file against its card, falling back to the vouched-for backup
    assert loaded.card.model_sha256 == original_sha, "the killed run must not have replaced the card"
    dataset = load_dataset(config.DATASET_PATH)
    row = pd.DataFrame([find_show(dataset, "His & Hers")])
    probability = float(predict_proba(loaded.model, row)[0])
    assert 0.0 <= probability <= 0.10


@pytest.mark.slow
@pytest.mark.parametrize(
    "moment", ["while training", "while the new model is written", "after the model, before the card"]
)
def test_sigkill_during_train_keeps_a_loadable_model(model_copy, tmp_path, moment):
    target = model_copy
    original_sha = load_model(target).card.model_sha256
    before = target.stat().st_mtime_ns
    if moment == "while training":
        start = time.monotonic()
        code = _kill_when(target, lambda: time.monotonic() - start > 1.5)
    elif moment == "while the new model is written":
        code = _kill_when(target, lambda: any(p.name.startswith(".renewml.npz.") for p in tmp_path.iterdir()))
    else:
        code = _kill_when(target, lambda: target.stat().st_mtime_ns != before)
    assert code == -signal.SIGKILL, "the process finished before it could be killed"
    _assert_previous_model_still_predicts(target, original_sha)


def test_interrupted_save_falls_back_to_the_backup_the_card_vouches_for(model_copy):
    """The window between writing the model and its card, made deterministic."""
    target = model_copy
    previous = load_model(target)
    # a save that dies after the model rename: new model bytes, old card, backup of the old model
    shutil.copy(target, target.with_name(target.name + ".bak"))
    with open(target, "ab") as handle:
        handle.write(b"new model bytes")
    loaded = load_model(target)
    assert "interrupted" in loaded.note
    assert loaded.card.model_sha256 == previous.card.model_sha256


def test_save_refuses_to_overwrite_and_keeps_a_backup_when_forced(model_copy):
    target = model_copy
    previous = load_model(target)
    with pytest.raises(Exception, match="--force"):
        save_model(previous.model, previous.card, target)
    save_model(previous.model, previous.card, target, force=True)
    assert target.with_name(target.name + ".bak").is_file()
    assert card_path(target).with_name(card_path(target).name + ".bak").is_file()
    assert load_model(target).card.model_sha256 == previous.card.model_sha256
