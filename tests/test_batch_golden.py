"""Batch output byte for byte: files of new shows (complete, with blanks, with bad rows, repeated lines
ends and blank lines), of titles in the data and of more rows than get reasons, scored by `renewml
predict --input` and compared with the outputs recorded before the reading and scoring paths were
simplified (tests/golden/batch: NAME.csv and what it gave).

After a deliberate change to the model or the data, `python tests/test_batch_golden.py --update`
records the outputs anew; review the diff before committing.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

GOLDEN = Path(__file__).resolve().parent / "golden" / "batch"
FILES = ["good", "blanks", "bad", "lookup", "crlf", "medium_blanks"]


def _expected(name: str) -> str:
    path = GOLDEN / name
    return path.read_text(encoding="utf-8") if path.exists() else ""


@pytest.mark.parametrize("name", FILES)
def test_a_batch_file_scores_to_the_recorded_bytes(run_cli, tmp_path, monkeypatch, name):
    monkeypatch.chdir(tmp_path)
    shutil.copy(GOLDEN / f"{name}.csv", f"{name}.csv")
    code, out, err = run_cli("predict", "--input", f"{name}.csv", "--output", f"{name}.skip.preds.csv", "--skip-invalid")
    assert code == 0, err
    assert out == _expected(f"{name}.skip.stdout")
    assert err == _expected(f"{name}.skip.stderr")
    assert Path(f"{name}.skip.preds.csv").read_bytes() == (GOLDEN / f"{name}.skip.preds.csv").read_bytes()
    rejects = Path(f"{name}.rejects.csv")
    assert (rejects.read_bytes() if rejects.exists() else b"") == (
        (GOLDEN / f"{name}.skip.rejects.csv").read_bytes() if (GOLDEN / f"{name}.skip.rejects.csv").exists() else b""
    )


def test_bad_rows_without_skip_invalid_give_the_recorded_error(run_cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    shutil.copy(GOLDEN / "bad.csv", "bad.csv")
    code, out, err = run_cli("predict", "--input", "bad.csv", "--output", "preds.csv")
    assert (code, out, err) == (1, "", _expected("bad.file.stderr"))
    assert not Path("preds.csv").exists()


def test_looked_up_titles_give_the_recorded_json(run_cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    shutil.copy(GOLDEN / "lookup.csv", "lookup.csv")
    code, out, _ = run_cli("predict", "--input", "lookup.csv", "--json")
    assert code == 0 and out == _expected("lookup.json.stdout")


def _update() -> None:
    """Record every output these tests compare, from the program as it is now."""
    import contextlib
    import io
    import os

    from renewml.cli import main

    def run(*args: str) -> tuple[str, str]:
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err), contextlib.suppress(SystemExit):
            main(list(args))
        return out.getvalue(), err.getvalue()

    os.chdir(GOLDEN)
    for name in FILES:
        out, err = run("predict", "--input", f"{name}.csv", "--output", f"{name}.skip.preds.csv", "--skip-invalid")
        for suffix, text in (("stdout", out), ("stderr", err)):
            Path(f"{name}.skip.{suffix}").write_text(text, encoding="utf-8")
        if Path(f"{name}.rejects.csv").exists():
            Path(f"{name}.rejects.csv").replace(f"{name}.skip.rejects.csv")
    Path("bad.file.stderr").write_text(run("predict", "--input", "bad.csv", "--output", "preds.csv")[1], encoding="utf-8")
    Path("lookup.json.stdout").write_text(run("predict", "--input", "lookup.csv", "--json")[0], encoding="utf-8")


if __name__ == "__main__":
    import sys

    if sys.argv[1:] != ["--update"]:
        raise SystemExit("usage: python tests/test_batch_golden.py --update")
    _update()
