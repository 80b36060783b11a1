"""Batch files through the CLI: the column names an analyst has, the refusal of a file whose key input is
lost to a column's name, and a quiet output whose per-row detail lives in the table's own columns."""

from __future__ import annotations

import csv
import io
import json

import pytest

from renewml import config

BOX = set("┏┃┡│└")


def _write(tmp_path, text: str, name: str = "shows.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _outside_table(out: str, err: str) -> list[str]:
    """The lines a batch prints besides the table's, on stdout and stderr."""
    return [line for line in (out + err).splitlines() if line.strip() and line[0] not in BOX]


@pytest.fixture(scope="module")
def twenty_rows() -> str:
    """10 shows in the data (the first titles of the table) and 10 new shows with debut views but no format."""
    from renewml.data import read_table

    titles = list(dict.fromkeys(read_table(config.DATASET_PATH)["show_title"].tolist()))[:10]
    lines = [f'"{title}",,' for title in titles] + [f"New Show {i},,{i + 1}M" for i in range(10)]
    return "\n".join(lines) + "\n"


# header of the file -> what the one line says it read (the file's other cells as in the canonical file)
ALIASES = {
    "title,format,views": ["'title' as show_title", "'views' as debut_views"],
    "Show Title,Format,Debut Views": ["'Show Title' as show_title", "'Format' as format", "'Debut Views' as debut_views"],
    "name,format,debut_week_views": ["'name' as show_title", "'debut_week_views' as debut_views"],
}


@pytest.mark.parametrize("header", list(ALIASES))
def test_common_column_names_are_read_as_the_inputs_and_said_so_in_one_line(tmp_path, run_cli, header):
    body = "A New Show,ongoing,19.9M\nAnother,limited,850k\nKaos,,\n"
    code, out, err = run_cli("predict", "--input", str(_write(tmp_path, header + "\n" + body)), "--json")
    assert code == 0, err
    [line] = [line for line in err.splitlines() if "read column(s)" in line]
    assert all(part in line for part in ALIASES[header]), line
    canonical = _write(tmp_path, "show_title,format,debut_views\n" + body, "canonical.csv")
    _, expected, _ = run_cli("predict", "--input", str(canonical), "--json")
    assert json.loads(out) == json.loads(expected)
    assert [p["band"] != "too early to tell" for p in json.loads(out)] == [True, True, True]


def test_rank_season_and_review_aliases(tmp_path, run_cli):
    source = _write(tmp_path, "title,season,format,views,rank,metascore\nNew,2,ongoing,5M,3,81\n")
    code, out, err = run_cli("predict", "--input", str(source), "--json")
    assert code == 0, err
    [row] = json.loads(out)
    assert row["season"] == 2 and "debut_rank" not in row["missing_inputs"]
    assert [u["input"] for u in row["unused_inputs"]] == ["critic_score"]  # accepted, answered as not used
    assert row["unused_inputs"][0]["reason"] == config.UNUSED_INPUTS["critic_score"]
    [line] = [line for line in err.splitlines() if "read column(s)" in line]
    assert "'metascore' as critic_score (accepted, not used by the model)" in line
    assert "'rank' as debut_rank" in line and "'season' as season_number" in line


def test_a_bad_cell_is_named_by_the_files_own_header(tmp_path, run_cli):
    source = _write(tmp_path, "title,format,views\nA,ongoing,lots\n")
    code, _, err = run_cli("predict", "--input", str(source))
    assert code == 1
    [error] = [line for line in err.splitlines() if line.startswith("Error:")]
    assert error.startswith(f"Error: {source}, row 2, column 'views': expected a number, found 'lots'")


def test_two_columns_for_one_input_are_refused(tmp_path, run_cli):
    source = _write(tmp_path, "title,show_title,format\nA,A,ongoing\n")
    code, out, err = run_cli("predict", "--input", str(source))
    assert (code, out) == (1, "")
    assert err.strip() == (
        f"Error: {source}, row 1, column 'title': expected one column for show_title, found 'show_title' and "
        "'title'; keep one"
    )


NEAR_MISSES = {
    "debut_view": ("show_title,format,debut_view\nA,ongoing,19.9M\nB,limited,3M\n", "debut_view", "debut_views"),
    "Debut-Veiws": ("show_title,format,Debut-Veiws\nA,ongoing,19.9M\n", "Debut-Veiws", "debut_views"),
    "fromat": ("show_title,fromat,debut_views\nA,ongoing,19.9M\n", "fromat", "format"),
    "key column blank in every row": (
        "show_title,format,debut_views,debut_view\nA,ongoing,,19.9M\nB,limited,,3M\n", "debut_view", "debut_views"
    ),
    "only shows in the data": ("show_title,debut_view\nKaos,50M\n", "debut_view", "debut_views"),
}


@pytest.mark.parametrize("case", list(NEAR_MISSES))
def test_a_key_input_lost_to_a_near_miss_name_is_refused(tmp_path, run_cli, case):
    text, column, key = NEAR_MISSES[case]
    source = _write(tmp_path, text)
    for extra in ([], ["--output", str(tmp_path / "preds.csv")]):
        code, out, err = run_cli("predict", "--input", str(source), *extra)
        assert (code, out) == (1, "")
        [error] = err.splitlines()
        assert error.startswith(f"Error: {source}, row 1, column '{column}': no row gives {key}, a key input")
        assert f"expected '{key}'" in error
    assert not (tmp_path / "preds.csv").exists()


@pytest.mark.parametrize(
    "text",
    [
        "show_title,format,debut_hours\nA,ongoing,19900000\n",  # a dataset column, another quantity: warned
        "show_title,platform,debut_views\nA,Netflix,19.9M\n",  # not a near miss of format
        "show_title,format,debut_views,debut_view\nA,ongoing,19.9M,\n",  # the key input is given
    ],
)
def test_other_columns_are_warned_about_not_refused(tmp_path, run_cli, text):
    code, _, err = run_cli("predict", "--input", str(_write(tmp_path, text)), "--json")
    assert code == 0, err
    assert "Error" not in err and "not inputs, ignored" in err


def test_twenty_rows_print_at_most_three_lines_outside_the_table(tmp_path, run_cli, twenty_rows):
    source = _write(tmp_path, "show_title,format,debut_views\n" + twenty_rows)
    code, out, err = run_cli("predict", "--input", str(source))
    assert code == 0, err
    outside = _outside_table(out, err)
    assert len(outside) <= 3, outside
    assert outside[0].startswith("renewml: 10 of 20 row(s) name a season in the data and were looked up there")
    assert outside[1].startswith("renewml: 10 row(s) too early to tell")
    assert "--verbose" in outside[-1]
    header = out.splitlines()[1]
    assert "actual outcome" in header and "note" in header
    assert out.count("no format:") == 10  # why too early, in its row (the rate wraps within the cell)
    header_lines = out.splitlines()[1 : out.splitlines().index(next(x for x in out.splitlines() if x[0] == "┡"))]
    reasons_header = " ".join(line.split("┃")[5].strip() for line in header_lines).strip()
    assert reasons_header == "top reasons (from the average decided season, 41%)"


def test_the_issues_file_of_title_format_views_scores_quietly(tmp_path, run_cli, twenty_rows):
    source = _write(tmp_path, "title,format,views\n" + twenty_rows)
    code, out, err = run_cli("predict", "--input", str(source))
    assert code == 0, err
    column_line, *notes = _outside_table(out, err)
    assert column_line == f"renewml: {source}: read column(s) 'title' as show_title, 'views' as debut_views"
    assert len(notes) <= 3, notes


def test_verbose_puts_every_rows_lines_under_the_table(tmp_path, run_cli, twenty_rows):
    source = _write(tmp_path, "show_title,format,debut_views\n" + twenty_rows)
    code, out, err = run_cli("predict", "--input", str(source), "--verbose")
    assert code == 0, err
    lines = [line for line in out.splitlines() if line[0] not in BOX]
    assert sum(": too early to tell: 41% of 515 decided seasons" in line for line in lines) == 10
    assert sum(": actual outcome in the data:" in line for line in lines) == 10
    assert "--verbose" not in err


def test_the_csv_carries_each_rows_detail_in_its_own_columns(tmp_path, run_cli, twenty_rows):
    source = _write(tmp_path, "show_title,format,debut_views\n" + twenty_rows)
    output = tmp_path / "preds.csv"
    code, out, err = run_cli("predict", "--input", str(source), "--output", str(output))
    assert code == 0, err
    rows = list(csv.DictReader(io.StringIO(output.read_text(encoding="utf-8"))))
    assert list(rows[0]) == ["show_title", "season_number", "probability", "band", "top_reasons", "reasons_from",
                             "actual_outcome", "not_given", "note"]
    looked_up, new = rows[:10], rows[10:]
    assert all(r["actual_outcome"] for r in looked_up) and not any(r["actual_outcome"] for r in new)
    assert all(r["band"] == "too early to tell" and r["not_given"].split("; ")[0] == "format" for r in new)
    scored = [r for r in looked_up if r["probability"]]
    assert scored and all(0.3 < float(r["reasons_from"]) < 0.5 and r["top_reasons"] for r in scored)
    assert len(err.splitlines()) <= 3


def test_reasons_left_out_of_a_large_batch_are_said_and_can_be_asked_for(tmp_path, run_cli):
    rows = config.BATCH_REASONS_MAX_ROWS + 1
    text = "show_title,format,debut_views\n" + "".join(f"S{i},ongoing,{i + 1}00k\n" for i in range(rows))
    source = _write(tmp_path, text)
    code, out, err = run_cli("predict", "--input", str(source), "--json")
    assert code == 0, err
    assert not any(p["reasons"] for p in json.loads(out))
    [line] = [line for line in err.splitlines() if "reasons left out" in line]
    assert f"{rows} rows is more than {config.BATCH_REASONS_MAX_ROWS}" in line and "--reasons" in line
    code, out, err = run_cli("predict", "--input", str(source), "--json", "--reasons")
    assert code == 0, err
    assert all(p["reasons"] for p in json.loads(out)) and "reasons left out" not in err


def test_one_show_by_title_keeps_its_lines_under_the_table(run_cli):
    code, out, _ = run_cli("predict", "Kaos")
    assert code == 0
    assert "KAOS: reasons start from here: The average decided season scores" in out
    assert "KAOS: actual outcome in the data: cancelled" in out


def test_the_chunked_table_agrees_with_the_predictions_on_seasons_decided_before_their_debut(
    shipped_model, dataset, tmp_path
):
    import numpy as np

    from renewml.batch import predict_table, prediction_table, read_batch
    from renewml.predict import DECIDED_BEFORE, predict_rows

    source = _write(tmp_path, "show_title,format,debut_views\nAtypical,,\nKaos,,\nNew,ongoing,\nNewer,limited,2M\n")
    frame = read_batch(source, dataset).frame
    fast = predict_table(shipped_model, frame)
    slow = prediction_table(predict_rows(shipped_model, frame, reasons=False))
    assert fast["band"].tolist() == slow["band"].tolist()
    assert fast["band"][0] == DECIDED_BEFORE and np.isnan(fast["probability"][0])
    for name in ("actual_outcome", "not_given", "note"):
        assert fast[name].tolist() == slow[name].tolist(), name
    np.testing.assert_array_equal(fast["probability"], slow["probability"])


def test_the_readme_quotes_the_batch_examples_stderr(run_cli, monkeypatch):
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    monkeypatch.chdir(root)
    code, _, err = run_cli("predict", "--input", "tests/fixtures/shows.csv")
    assert code == 0, err
    readme = (root / "README.md").read_text(encoding="utf-8")
    quoted = readme.split("and on stderr, the column line and the summary", 1)[1].split("```text\n", 1)[1]
    assert err == quoted.split("```", 1)[0]
