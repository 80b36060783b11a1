"""The CLI contract: results on stdout, one `Error:` line and exit 1 for bad input, exit 2 for usage."""

from __future__ import annotations

import json

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
    assert "audience_score" in result["missing_inputs"]


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
    rejects = (tmp_path / "shows.rejects.csv").read_text()
    assert "row,column,problem" in rejects and "format" in rejects and "debut_views" in rejects


@pytest.mark.parametrize(
    "command",
    [[], ["data"], ["data", "build"], ["data", "validate"], ["train"], ["evaluate"], ["predict"], ["explain"]],
)
def test_every_command_has_help(command):
    result = runner.invoke(app, [*command, "--help"])
    assert result.exit_code == 0
    assert "Usage" in result.stdout


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
    "two forms": (["His & Hers", "--title", "X"], "exactly one"),
    "no form": ([], "exactly one"),
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


def _old_version(path):
    card = json.loads(card_path(path).read_text())
    card["versions"]["scikit-learn"] = "1.0.2"
    card_path(path).write_text(json.dumps(card))


BAD_MODELS = {
    "truncated model": (_truncate, "does not match the card"),
    "tampered card": (_tamper_card, "does not match the card"),
    "missing card": (lambda p: card_path(p).unlink(), "no model card"),
    "garbage card": (lambda p: card_path(p).write_text("{not json"), "not valid JSON"),
    "wrong sklearn version": (_old_version, "retrain"),
    "missing model file": (lambda p: p.unlink(), "model file not found"),
}


@pytest.mark.parametrize("case", list(BAD_MODELS), ids=list(BAD_MODELS))
def test_bad_model_files_are_refused(case, model_copy, run_cli):
    damage, expected = BAD_MODELS[case]
    target = model_copy
    damage(target)
    code, out, err = run_cli("predict", "His & Hers", "--model", str(target))
    assert code == 1
    assert err.count("Error:") == 1 and expected in err
    assert "Traceback" not in err + out


def test_usage_error_exits_2(run_cli):
    code, _, err = run_cli("predict", "--no-such-flag")
    assert code == 2
    assert "Traceback" not in err


def test_debug_shows_the_traceback(run_cli):
    from renewml.errors import NotFoundError

    with pytest.raises(NotFoundError):
        run_cli("--debug", "predict", "No Such Show At All")
