"""Prediction: bands read from the shown percentage, what-ifs on shows in the data, batch files."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import renewml
from renewml.predict import BANDS, band, percent

# ---- bands: the band and the displayed percentage come from the same rounding ----------------------


def _edges() -> list[float]:
    """Probabilities on both sides of every band threshold, including the half-way points of rounding."""
    values = []
    for threshold, _ in BANDS:
        for delta in (-0.006, -0.005, -0.0050001, -0.0049999, -1e-9, 0.0, 1e-9, 0.0049999, 0.005):
            value = threshold / 100 + delta
            if 0 <= value <= 1:
                values.append(value)
    return values


@pytest.mark.parametrize("probability", _edges())
def test_band_follows_the_displayed_percentage(probability):
    shown = int(f"{probability:.0%}".rstrip("%"))
    assert percent(probability) == shown
    expected = next(name for threshold, name in BANDS if shown >= threshold)
    assert band(probability) == expected


@pytest.mark.parametrize(
    ("probability", "expected"),
    [
        (0.6451, "a safe bet"),  # shown as 65%, as the README says
        (0.6449, "could go either way"),  # shown as 64%
        (0.8450001, "a sure thing"),
        (0.3449, "a long shot"),
        (0.1151, "a long shot"),
        (0.1149, "essentially cancelled"),
    ],
)
def test_band_at_documented_boundaries(probability, expected):
    assert band(probability) == expected


# ---- the Python API ----------------------------------------------------------------------------------


def test_predict_proba_takes_what_load_default_model_returns(shipped_model, dataset):
    row = pd.DataFrame([renewml.find_show(dataset, "Wednesday", season=1)])
    from_loaded = renewml.predict_proba(renewml.load_default_model(), row)
    from_estimator = renewml.predict_proba(shipped_model.model, row)
    assert from_loaded.shape == (1,)
    assert np.array_equal(from_loaded, from_estimator)


# ---- what-if: flags given with a show in the data -----------------------------------------------------


def test_flags_with_a_named_show_make_a_labelled_what_if(run_cli):
    code, plain, _ = run_cli("predict", "Kaos", "--json")
    code2, changed, err = run_cli("predict", "Kaos", "--debut-views", "50M", "--json")
    assert code == code2 == 0, err
    [before], [after] = json.loads(plain), json.loads(changed)
    assert before["what_if"] is None and before["overridden_inputs"] == {}
    assert after["overridden_inputs"] == {"debut_views": 50_000_000.0}
    assert after["what_if"] == "KAOS with debut views set to 50.0M"
    assert after["probability"] != before["probability"]
    views = next(r for r in after["reasons"] if r["input"] == "debut views")
    assert views["value"].startswith("50.0M debut-week views")


@pytest.mark.slow
def test_what_if_table_and_explain_say_so(run_cli):
    code, out, err = run_cli("predict", "Kaos", "--critic-score", "80")
    assert code == 0, err
    assert "KAOS: a what-if, KAOS with critic score set to 80\n" in out  # the table cell may wrap it
    assert "without the what-if changes" in out
    code, out, err = run_cli("explain", "Kaos", "--debut-views", "50M", "--weeks-in-top10", "2")
    assert code == 0, err
    assert out.startswith("KAOS with debut views set to 50.0M and weeks in the Top 10 (of the first 4) set to 2, season 1:")


def test_what_if_views_move_views_per_day_with_them(dataset):
    from renewml.predict import show_frame

    row, overrides = show_frame(dataset, "Kaos", None, None, {"debut_views": "50M"})
    days = float(row["days_in_debut_week"][0])
    assert overrides == {"debut_views": 50_000_000.0}
    assert float(row["debut_views_per_day"][0]) == pytest.approx(50_000_000 / days)


def test_a_bad_what_if_value_names_the_flag(run_cli):
    code, out, err = run_cli("predict", "Kaos", "--critic-score", "130")
    assert code == 1
    assert err.startswith("Error: --critic-score: expected a score from 0 to 100, found '130'")


@pytest.mark.parametrize("command", ["predict", "explain"])
def test_a_what_if_is_never_passed_off_as_a_season_the_model_trained_on(run_cli, command):
    code, out, err = run_cli(command, "Kaos", "--json")
    assert code == 0, err
    plain = json.loads(out)
    plain = plain[0] if isinstance(plain, list) else plain
    assert plain["in_training_data"] is True and plain["out_of_sample_probability"] is not None
    code, out, err = run_cli(command, "Kaos", "--debut-views", "50M", "--json")
    assert code == 0, err
    changed = json.loads(out)
    changed = changed[0] if isinstance(changed, list) else changed
    assert changed["in_training_data"] is False and changed["out_of_sample_probability"] is None
    assert changed["overridden_inputs"] == {"debut_views": 50_000_000.0}


def test_every_kind_of_bad_cell_is_named_with_what_was_expected():
    import pandas as pd

    from renewml.data.schema import PREDICT_COLUMNS, PREDICT_REQUIRED, check_frame

    raw = pd.DataFrame(
        {
            "show_title": ["A", " B ", "", "nan", "C", "D", "E", "F", "G", "H", "I", "J"],
            "season_number": ["1", "2.0", "2.5", "0", "61", "x", "", "NA", "1e1", "-1", "1,0", " 3 "],
            "debut_views": ["19.9M", "850K", "1,200", "1_000", "-5", "inf", "nan", ".5", "1e999", "2e5", "19.9 m", "١٢"],
            "format": ["limited", "ongoing", "Limited", "", "x", "limited", "limited", "limited", "limited"]
            + ["limited", "limited", "null"],
            "critic_score": ["101", "-0", "100", "0", "1e2", "50.5", "abc", "5k", " ", "-1e1", "7", "8"],
            "not_an_input": ["x"] * 12,
        },
        dtype=str,
    )
    frame, problems = check_frame(raw, PREDICT_COLUMNS, PREDICT_REQUIRED)
    assert [(p.row, p.column, p.message) for p in problems] == [
        (4, "show_title", "expected a value (it is required), found ''"),
        (4, "season_number", "expected a whole number, found '2.5'"),
        (5, "season_number", "expected a number >= 1, found '0'"),
        (6, "season_number", "expected a number <= 60, found '61'"),
        (7, "season_number", "expected a number (whole), found 'x'"),
        (11, "season_number", "expected a number >= 1, found '-1'"),
        (6, "debut_views", "expected a number >= 0, found '-5'"),
        (7, "debut_views", "expected a number, found 'inf'"),
        (9, "debut_views", "expected a number, found '.5'"),
        (10, "debut_views", "expected a finite number, found '1e999'"),
        (13, "debut_views", "expected a number, found '١٢'"),
        (4, "format", "expected one of limited, ongoing, found 'Limited'"),
        (6, "format", "expected one of limited, ongoing, found 'x'"),
        (2, "critic_score", "expected a number <= 100, found '101'"),
        (8, "critic_score", "expected a number, found 'abc'"),
        (9, "critic_score", "expected a number <= 100, found '5k'"),
        (11, "critic_score", "expected a number >= 0, found '-1e1'"),
    ]
    assert frame["debut_views"].tolist()[:4] == [19_900_000.0, 850_000.0, 1200.0, 1000.0]
    assert frame["debut_views"].tolist()[9:11] == [200_000.0, 19_900_000.0]
    seasons = frame["season_number"].tolist()
    assert seasons[:2] + seasons[8:9] + seasons[10:] == [1.0, 2.0, 10.0, 10.0, 3.0]
    titles = frame["show_title"].tolist()
    assert titles[:2] + titles[3:4] == ["A", "B", "nan"] and pd.isna(titles[2])  # 'nan' is a title, text
    assert pd.isna(frame["format"].tolist()[-1])  # 'null' is a blank, not a bad category
    assert frame["not_an_input"].tolist() == ["x"] * 12
    _, none_given = check_frame(raw.assign(critic_score=""), PREDICT_COLUMNS, PREDICT_REQUIRED)
    assert not [p for p in none_given if p.column == "critic_score"]


def test_predict_table_gives_what_predict_rows_gives_without_reasons(shipped_model, dataset, tmp_path):
    import pandas as pd

    from renewml.batch import predict_table, read_batch
    from renewml.predict import predict_rows

    rows = dataset.sample(60, random_state=0)[["show_title", "season_number", "format", "debut_views", "critic_score"]]
    new = rows.assign(show_title=[f"new show {i}" for i in range(len(rows))])
    new.loc[new.index[:5], "debut_views"] = None  # too early to tell
    new.loc[new.index[5:10], "format"] = None
    source = tmp_path / "shows.csv"
    pd.concat([rows.head(20), new]).to_csv(source, index=False)  # some looked up in the data, some new
    frame = read_batch(source, dataset).frame
    table = predict_table(shipped_model, frame)
    predictions = predict_rows(shipped_model, frame, reasons=False)
    assert table["show_title"].tolist() == [p.title for p in predictions]
    assert table["season_number"].tolist() == [pd.NA if p.season is None else p.season for p in predictions]
    shown = [None if pd.isna(v) else v for v in table["probability"]]
    assert shown == [None if p.probability is None else round(p.probability, 4) for p in predictions]
    assert table["band"].tolist() == [p.band for p in predictions]
    assert table["note"].tolist() == [p.note for p in predictions]
    assert "too early to tell" in table["band"].tolist()


def _batch_with_problems(dataset, tmp_path, rows=260):
    """A batch file of new shows and shows in the data, with bad cells and repeated seasons in different chunks."""
    import pandas as pd

    sample = dataset.sample(rows, random_state=3)[["show_title", "season_number", "format", "debut_views", "critic_score"]]
    sample = sample.assign(show_title=[f"new {i}" if i % 7 else t for i, t in enumerate(sample["show_title"])])
    sample = sample.astype(object)
    sample.iloc[5, 3] = "lots"  # chunk 1: not a number
    sample.iloc[150, 4] = "101"  # chunk 2: out of range
    sample.iloc[230] = sample.iloc[10]  # chunk 3 repeats a season of chunk 1
    path = tmp_path / "shows.csv"
    pd.DataFrame(sample).to_csv(path, index=False)
    return path


@pytest.mark.parametrize("skip_invalid", [False, True], ids=["error", "skip-invalid"])
def test_a_batch_read_in_chunks_gives_what_one_reading_gives(run_cli, dataset, tmp_path, monkeypatch, skip_invalid):
    from renewml import config

    path = _batch_with_problems(dataset, tmp_path)
    flags = ["--skip-invalid"] if skip_invalid else []
    results = {}
    for chunk in (100, 10_000):
        monkeypatch.setattr(config, "BATCH_CHUNK_ROWS", chunk)
        out = tmp_path / f"out-{chunk}.csv"
        code, stdout, stderr = run_cli("predict", "--input", str(path), "--output", str(out), *flags)
        rejects = path.with_name("shows.rejects.csv")
        results[chunk] = (code, stdout.replace(str(out), "OUT"), stderr, out.read_text() if out.exists() else None,
                          rejects.read_text() if rejects.exists() else None)
        rejects.unlink(missing_ok=True)
    assert results[100] == results[10_000]
    code, _, stderr, written, rejected = results[100]
    if skip_invalid:
        assert code == 0 and len(written.splitlines()) == 1 + 260 - 3
        assert [line.split(",")[0] for line in rejected.splitlines()[1:]] == ["7", "152", "232"]
    else:
        assert code == 1 and written is None  # nothing written: the output is atomic
        assert stderr.startswith(f"Error: {path}, row 7, column 'debut_views'") and "3 bad row(s): 7, 152, 232" in stderr
