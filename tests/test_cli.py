"""The CLI contract: results on stdout, one `Error:` line and exit 1 for bad input, exit 2 for usage."""

from __future__ import annotations

import json
import shutil

import pytest
from typer.testing import CliRunner

from renewml import config
from renewml.cli import app
from renewml.model import card_path

runner = CliRunner()


def test_predict_his_and_hers_json(run_cli):
    code, out, err = run_cli("predict", "His & Hers", "--json")
    assert code == 0, err
    [result] = json.loads(out)
    assert result["title"] == "HIS & HERS"
    assert result["probability"] <= 0.10
    assert result["band"] == "essentially cancelled"
    assert "average decided limited season" in result["reference"]["text"]
    assert result["in_training_data"] is True


def test_predict_table_shows_reasons():
    result = runner.invoke(app, ["predict", "his and hers"])
    assert result.exit_code == 0
    assert "HIS & HERS" in result.stdout and "average decided limited season" in result.stdout
    assert "in the model's training data" in result.stdout


def test_predict_adhoc_show_with_human_numbers(run_cli):
    code, out, err = run_cli(
        "predict",
        "--title",
        "New Show",
        "--format",
        "limited",
        "--source",
        "standalone_book",
        "--debut-views",
        "19.9M",
        "--critic-score",
        "53",
        "--json",
    )
    assert code == 0, err
    [result] = json.loads(out)
    assert result["probability"] <= 0.10
    assert "audience_score" not in result["missing_inputs"]  # an input the model does not use is never "missing"
    assert [u["input"] for u in result["unused_inputs"]] == ["critic_score"]
    assert "not used by the model" in result["unused_inputs"][0]["reason"]


def test_predict_adhoc_without_key_inputs_is_too_early_to_tell(run_cli):
    code, out, _ = run_cli("predict", "--title", "Mystery", "--json")
    assert code == 0
    assert json.loads(out)[0]["band"] == "too early to tell"


def test_batch_predict_writes_csv(tmp_path, run_cli):
    source = tmp_path / "shows.csv"
    source.write_text("show_title,format,debut_views\nA,limited,19900000\nB,ongoing,50.1M\n")
    out = tmp_path / "preds.csv"
    code, stdout, err = run_cli("predict", "--input", str(source), "--output", str(out))
    assert code == 0, err
    lines = out.read_text().splitlines()
    assert lines[0].startswith("show_title,season_number,probability,band")
    assert len(lines) == 3


def test_batch_skip_invalid_writes_rejects(tmp_path, run_cli):
    source = tmp_path / "shows.csv"
    source.write_text("show_title,format,debut_views\nA,limited,19900000\nB,weekly,5M\nC,ongoing,-3\n")
    code, out, err = run_cli("predict", "--input", str(source), "--skip-invalid", "--json")
    assert code == 0, err
    assert [r["title"] for r in json.loads(out)] == ["A"]
    rejects = (tmp_path / "shows.rejects.csv").read_text().splitlines()
    assert rejects[0] == "row,column,problem,show_title,format,debut_views"
    assert rejects[1].startswith("3,format,") and rejects[1].endswith(",B,weekly,5M")  # the row's own cells
    assert rejects[2].startswith("4,debut_views,") and rejects[2].endswith(",C,ongoing,-3")


def test_batch_warns_about_columns_that_are_not_inputs(tmp_path, run_cli):
    source = tmp_path / "shows.csv"
    source.write_text("show_title,format,debut_views,debut_rnk,colour\nA,ongoing,19.9M,3,red\n")
    code, out, err = run_cli("predict", "--input", str(source), "--json")
    assert code == 0, err
    [warning] = [line for line in err.splitlines() if "warning" in line]
    assert f"{source}" in warning
    assert "'debut_rnk' (did you mean 'debut_rank'?)" in warning and "'colour'" in warning
    assert "data/README.md" in warning
    assert "debut_rank" in json.loads(out)[0]["missing_inputs"]


def test_batch_rows_of_shows_in_the_data_are_looked_up(tmp_path, run_cli):
    source = tmp_path / "shows.csv"
    source.write_text("show_title,season_number,critic_score\nWednesday,1,\nKaos,,20\nNot In The Data,2,\n")
    code, out, err = run_cli("predict", "--input", str(source), "--json")
    assert code == 0, err
    wednesday, kaos, unknown = json.loads(out)
    _, single, _ = run_cli("predict", "Wednesday", "--season", "1", "--json")
    assert wednesday["probability"] == json.loads(single)[0]["probability"]
    assert wednesday["note"] == "looked up as Wednesday season 1 in the data"
    assert kaos["season"] == 1 and kaos["overridden_inputs"] == {"critic_score": 20.0}
    assert kaos["note"] == "looked up as KAOS season 1 in the data; given columns override: critic_score"
    assert unknown["note"] == "" and "debut_views" in unknown["missing_inputs"]
    out_csv = tmp_path / "preds.csv"
    code, _, err = run_cli("predict", "--input", str(source), "--output", str(out_csv))
    assert code == 0, err
    lines = out_csv.read_text().splitlines()
    assert lines[0].endswith(",note") and lines[1].startswith("Wednesday,1,")
    assert lines[1].endswith("looked up as Wednesday season 1 in the data")


def test_template_is_a_valid_batch_file(tmp_path, run_cli):
    from renewml.data.schema import PREDICT_COLUMNS

    code, out, err = run_cli("predict", "--template")
    assert code == 0, err
    header, example = out.splitlines()
    assert header.split(",") == [c.name for c in PREDICT_COLUMNS]
    assert example.startswith("My New Show,")
    path = tmp_path / "template.csv"
    path.write_text(out)
    code, out, err = run_cli("data", "validate", str(path))
    assert code == 0 and "1 rows are a valid batch file" in out, err
    code, out, err = run_cli("predict", "--input", str(path), "--json")
    answer = json.loads(out)[0]
    assert code == 0 and answer["missing_inputs"] == [], err
    assert {u["input"] for u in answer["unused_inputs"]} == {"critic_score", "imdb_season_rating"}


def test_data_validate_checks_a_batch_file(tmp_path, run_cli):
    path = _csv(tmp_path, "show_title,format,debut_views\nA,limited,1M\nB,ongoing,lots\n", "shows.csv")
    code, out, err = run_cli("data", "validate", str(path))
    assert code == 1
    assert err == f"Error: {path}, row 3, column 'debut_views': expected a number, found 'lots'\n"
    code, out, err = run_cli("data", "validate", "--batch", str(config.DATASET_PATH))
    assert code == 0 and "valid batch file" in out, err
    assert "'row_id' (a dataset column, not an input)" in err


COMMANDS = [
    [], ["data"], ["data", "build"], ["data", "validate"], ["data", "fetch"], ["data", "decide"], ["data", "diff"],
    ["train"], ["evaluate"], ["predict"], ["explain"],
]


@pytest.mark.parametrize("command", COMMANDS, ids=[" ".join(c) or "renewml" for c in COMMANDS])
def test_every_command_has_readable_help(command):
    result = runner.invoke(app, [*command, "--help"], terminal_width=80)
    assert result.exit_code == 0
    text = result.stdout
    assert text.startswith("Usage: ")
    assert "<bool>" not in text and "--no-json" not in text  # on/off options read as plain flags
    assert "…" not in text and not any(line.endswith("...") for line in text.splitlines()[1:])  # nothing cut off
    assert str(config.REPO_ROOT) not in text  # defaults shown relative to the repository


@pytest.mark.parametrize("command", ["predict", "explain"])
def test_help_says_where_flags_apply(command):
    text = " ".join(runner.invoke(app, [command, "--help"]).stdout.split())
    assert "--json Print JSON" in text
    assert "--season <int> Season number. With a TITLE in the data" in text and "With --title" in text
    assert "what-if" in text


def test_predict_help_says_where_batch_columns_are_documented():
    text = " ".join(runner.invoke(app, ["predict", "--help"]).stdout.split())
    assert "data/README.md" in text and "--template" in text


def test_version(run_cli):
    from importlib.metadata import version

    code, out, _ = run_cli("--version")
    assert code == 0
    assert out == f"renewml {version('renewml')}\n"


def test_train_refuses_to_overwrite(run_cli, tmp_path):
    target = tmp_path / "m.joblib"
    target.write_bytes(b"precious")
    code, _, err = run_cli("train", "--out", str(target))
    assert code == 1 and "--force" in err
    assert target.read_bytes() == b"precious"


def test_data_validate_ok(run_cli):
    code, out, _ = run_cli("data", "validate", str(config.DATASET_PATH))
    assert code == 0 and "match the schema" in out


# ---- a corpus of bad inputs: each gives exit 1, one Error: line naming the problem, no traceback ----

HEADER = "show_title,format,source_material,debut_views,critic_score,debut_rank\n"


def _csv(tmp_path, text: str | bytes, name: str = "bad.csv"):
    path = tmp_path / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    return path


BAD_CSVS = {
    "empty file": ("", "empty"),
    "header only": (HEADER, "no data rows"),
    "semicolons": ("show_title;format\nA;limited\n", "separator"),
    "tabs": ("show_title\tformat\nA\tlimited\n", "separator"),
    "binary": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
    "latin-1": ("show_title,format\nCaf\xe9,limited\n".encode("latin-1"), "UTF-8"),
    "no title column": ("format,debut_views\nlimited,1M\n", "show_title"),
    "unknown format": (HEADER + "A,weekly,original,1M,50,1\n", "row 2, column 'format'"),
    "unknown source": (HEADER + "A,limited,novel,1M,50,1\n", "column 'source_material'"),
    "negative views": (HEADER + "A,limited,original,-5,50,1\n", "column 'debut_views'"),
    "text views": (HEADER + "A,limited,original,lots,50,1\n", "column 'debut_views'"),
    "score over 100": (HEADER + "A,limited,original,1M,130,1\n", "column 'critic_score'"),
    "score negative": (HEADER + "A,limited,original,1M,-1,1\n", "column 'critic_score'"),
    "rank 11": (HEADER + "A,limited,original,1M,50,11\n", "column 'debut_rank'"),
    "rank fractional": (HEADER + "A,limited,original,1M,50,2.5\n", "whole number"),
    "infinite views": (HEADER + "A,limited,original,inf,50,1\n", "column 'debut_views'"),
    "ragged row": (HEADER + "A,limited,original\n", "fields"),
    "blank title": (HEADER + ",limited,original,1M,50,1\n", "column 'show_title'"),
    "duplicate column": ("show_title,format,format\nA,limited,ongoing\n", "more than once"),
    "duplicate show season": (HEADER + "A,limited,original,1M,50,1\nA,limited,original,2M,50,1\n", "row 3"),
    "bad row later": (
        HEADER + "A,limited,original,1M,50,1\nB,ongoing,original,1M,50,1\nC,ongoing,x,1M,50,1\n",
        "row 4",
    ),
}


@pytest.mark.parametrize("case", list(BAD_CSVS), ids=list(BAD_CSVS))
def test_bad_csv_gives_one_clear_error(case, tmp_path, run_cli):
    content, expected = BAD_CSVS[case]
    path = _csv(tmp_path, content)
    code, out, err = run_cli("predict", "--input", str(path))
    assert code == 1
    assert err.count("Error:") == 1 and err.startswith("Error: ")
    assert expected in err
    assert "Traceback" not in err + out


BAD_FLAGS = {
    "views not a number": (["--title", "X", "--debut-views", "many"], "--debut-views"),
    "views negative": (["--title", "X", "--debut-views", "-1M"], "--debut-views"),
    "format unknown": (["--title", "X", "--format", "weekly"], "--format"),
    "source unknown": (["--title", "X", "--source", "novel"], "--source-material"),
    "critic over 100": (["--title", "X", "--critic-score", "101"], "--critic-score"),
    "imdb over 10": (["--title", "X", "--imdb-rating", "11"], "--imdb-season-rating"),
    "rank zero": (["--title", "X", "--debut-rank", "0"], "--debut-rank"),
    "unknown show": (["Squid Gme"], "did you mean 'Squid Game'"),
    "missing season": (["Wednesday", "--season", "9"], "no season 9"),
    "missing input file": (["--input", "does-not-exist.csv"], "file not found"),
}


@pytest.mark.parametrize("case", list(BAD_FLAGS), ids=list(BAD_FLAGS))
def test_bad_flag_gives_one_clear_error(case, run_cli):
    args, expected = BAD_FLAGS[case]
    code, out, err = run_cli("predict", *args)
    assert code == 1, err
    assert err.count("Error:") == 1 and expected in err
    assert "Traceback" not in err + out


def _truncate(path):
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def _tamper_card(path):
    card = json.loads(card_path(path).read_text())
    card["model_sha256"] = "0" * 64
    card_path(path).write_text(json.dumps(card))


def _future_format(path):
    """A portable file of a format version this renewml does not know, its card re-signed."""
    import numpy as np

    from renewml.io import sha256_file

    with np.load(path, allow_pickle=False) as archive:
        arrays = {k: archive[k] for k in archive.files}
    structure = json.loads(arrays["structure_json"].tobytes())
    structure["version"] = 99
    arrays["structure_json"] = np.frombuffer(json.dumps(structure).encode(), dtype=np.uint8)
    with open(path, "wb") as handle:
        np.savez(handle, **arrays)
    card = json.loads(card_path(path).read_text())
    card["model_sha256"] = sha256_file(path)
    card_path(path).write_text(json.dumps(card))


BAD_MODELS = {
    "truncated model": (_truncate, "does not match the card"),
    "tampered card": (_tamper_card, "does not match the card"),
    "missing card": (lambda p: card_path(p).unlink(), "no model card"),
    "garbage card": (lambda p: card_path(p).write_text("{not json"), "not valid JSON"),
    "unknown portable format version": (_future_format, "this renewml reads 'renewml-portable' version 1"),
    "joblib copy by --model": (
        lambda p: shutil.copy(config.MODEL_PATH.with_suffix(".joblib"), p.with_suffix(".joblib")),
        "a joblib file is code",
    ),
    "missing model file": (lambda p: p.unlink(), "model file not found"),
}


@pytest.mark.parametrize("case", list(BAD_MODELS), ids=list(BAD_MODELS))
def test_bad_model_files_are_refused(case, model_copy, run_cli):
    damage, expected = BAD_MODELS[case]
    target = model_copy
    damage(target)
    if case == "joblib copy by --model":
        target = target.with_suffix(".joblib")
    code, out, err = run_cli("predict", "His & Hers", "--model", str(target))
    assert code == 1
    assert err.count("Error:") == 1 and expected in err
    assert "Traceback" not in err + out


USAGE_ERRORS = {
    "unknown flag": (["predict", "--no-such-flag"], "No such option"),
    "predict with no input form": (["predict"], "exactly one of"),
    "predict with two input forms": (["predict", "His & Hers", "--title", "X"], "exactly one of"),
    "predict with a title and a file": (["predict", "His & Hers", "--input", "shows.csv"], "exactly one of"),
    "template and a title": (["predict", "--template", "--title", "X"], "exactly one of"),
    "input flags with a batch file": (["predict", "--input", "shows.csv", "--debut-views", "5M"], "--debut-views"),
    "output without a batch file": (["predict", "His & Hers", "--output", "x.csv"], "--output goes with --input"),
    "verbose without a batch file": (["predict", "His & Hers", "--verbose"], "--verbose goes with --input"),
    "reasons without a batch file": (["predict", "His & Hers", "--reasons"], "--reasons goes with --input"),
    "explain with no input form": (["explain"], "exactly one of"),
    "explain with two input forms": (["explain", "His & Hers", "--title", "X"], "exactly one of"),
}


@pytest.mark.parametrize("case", list(USAGE_ERRORS), ids=list(USAGE_ERRORS))
def test_usage_errors_exit_2_with_one_error_line(case, run_cli):
    args, expected = USAGE_ERRORS[case]
    code, out, err = run_cli(*args)
    assert code == 2, err
    assert err.count("Error:") == 1 and expected in err
    assert "Traceback" not in err + out


def test_debug_shows_the_traceback(run_cli):
    from renewml.errors import NotFoundError

    with pytest.raises(NotFoundError):
        run_cli("--debug", "predict", "No Such Show At All")
