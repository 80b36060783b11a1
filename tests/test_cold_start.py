"""Scoring with the portable model imports neither scikit-learn nor pandas (nor joblib: nothing is unpickled).

pandas' import alone costs about three times numpy's, so predict and explain read the dataset and batch
files with the csv module and score plain numpy columns (see `renewml.table`)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

PROBE = """
import json, sys
from renewml.cli import main
try:
    main({args!r})
except SystemExit as exit_:
    code = exit_.code
else:
    code = 0
print(json.dumps({{"code": code, "modules": sorted(m for m in ("sklearn", "scipy", "joblib", "pandas") if m in sys.modules)}}))
"""


@pytest.mark.parametrize(
    "args",
    [
        ["predict", "His & Hers"],
        ["predict", "--title", "X", "--format", "ongoing", "--debut-views", "5M", "--json"],
        ["predict", "--input", "BATCH"],
        ["predict", "--input", "BATCH", "--output", "OUT"],
        ["predict", "--template"],
        ["explain", "His & Hers"],
        ["explain", "Kaos", "--debut-views", "50M", "--json"],
    ],
    ids=["predict by title", "predict by flags", "predict a batch", "a batch to a file", "template", "explain", "explain a what-if"],
)
def test_predict_and_explain_import_neither_scikit_learn_nor_pandas(args, tmp_path):
    batch = tmp_path / "batch.csv"
    batch.write_text("show_title,format,debut_views\nX,ongoing,5000000\nHis & Hers,,\n")
    places = {"BATCH": str(batch), "OUT": str(tmp_path / "out.csv")}
    args = [places.get(arg, arg) for arg in args]
    environment = {**os.environ, "OMP_NUM_THREADS": "1"}
    result = subprocess.run(
        [sys.executable, "-c", PROBE.format(args=args)], capture_output=True, text=True, env=environment, check=False
    )
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report == {"code": 0, "modules": []}, result.stderr
