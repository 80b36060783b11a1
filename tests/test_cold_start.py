"""Scoring with the portable model does not import scikit-learn (nor joblib: nothing is unpickled)."""

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
print(json.dumps({{"code": code, "modules": sorted(m for m in ("sklearn", "scipy", "joblib") if m in sys.modules)}}))
"""


@pytest.mark.parametrize(
    "args",
    [
        ["predict", "His & Hers"],
        ["predict", "--title", "X", "--format", "ongoing", "--debut-views", "5M", "--json"],
        ["predict", "--input", "BATCH"],
        ["explain", "His & Hers"],
    ],
    ids=["predict by title", "predict by flags", "predict a batch", "explain"],
)
def test_predict_and_explain_do_not_import_scikit_learn(args, tmp_path):
    batch = tmp_path / "batch.csv"
    batch.write_text("show_title,format,debut_views\nX,ongoing,5000000\nHis & Hers,,\n")
    args = [str(batch) if arg == "BATCH" else arg for arg in args]
    environment = {**os.environ, "OMP_NUM_THREADS": "1"}
    result = subprocess.run(
        [sys.executable, "-c", PROBE.format(args=args)], capture_output=True, text=True, env=environment, check=False
    )
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report == {"code": 0, "modules": []}, result.stderr
