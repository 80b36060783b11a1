"""`renewml data diff`: two small tables in the real format (rows of the shipped table), every kind of change named."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from renewml import config
from renewml.data.diff import diff_tables
from renewml.errors import InputError

SEASONS = ("house-of-guinness-s1", "his-and-hers-s1", "sex-life-s1", "haunted-hotel-s1")


def shipped_rows() -> tuple[list[str], dict[str, dict[str, str]]]:
    with open(config.DATASET_PATH, encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        return list(reader.fieldnames or []), {r["row_id"]: r for r in reader if r["row_id"] in SEASONS}


def write(path: Path, header: list[str], rows: list[dict[str, str]]) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, header, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return path


@pytest.fixture()
def tables(tmp_path) -> tuple[Path, Path]:
    header, rows = shipped_rows()
    old = write(tmp_path / "old.csv", header, [rows[s] for s in SEASONS])
    guinness = dict(rows["house-of-guinness-s1"])
    assert (guinness["outcome"], rows["haunted-hotel-s1"]["outcome"]) == ("unknown", "unknown")
    guinness.update(
        outcome="renewed",
        renewed="1",
        label_source="netflix_top10",
        label_evidence="netflix_top10: season 2 charted from 2026-09-20",
    )
    next_season = dict(
        rows["house-of-guinness-s1"], row_id="house-of-guinness-s2", season_title="House of Guinness: Season 2"
    )
    next_season.update(season_number="2", debut_week="2026-09-20", debut_views="7000000")
    invented = dict(
        next_season,
        row_id="invented-test-series-s1",
        series_id="invented-test-series",
        show_title="Invented Test Series",
    )
    invented.update(season_number="1", original_evidence="", tmdb_id="", imdb_id="")
    his_and_hers = dict(
        rows["his-and-hers-s1"], critic_score="60", debut_views=rows["his-and-hers-s1"]["debut_views"] + ".0"
    )
    sex_life = dict(
        rows["sex-life-s1"], outcome="cancelled", renewed="0", label_source="curated", label_evidence="a test"
    )
    new = write(tmp_path / "new.csv", header, [guinness, his_and_hers, sex_life, next_season, invented])
    return old, new


def test_every_kind_of_change_is_named_by_show_and_season(tables):
    result = diff_tables(*tables)
    assert [(e["show_title"], e["season_number"], e["unverified"]) for e in result.new_seasons] == [
        ("House of Guinness", 2, False),
        ("Invented Test Series", 1, True),
    ]
    [decided] = result.newly_decided
    assert (decided["show_title"], decided["season_number"], decided["outcome"], decided["renewed"]) == (
        "House of Guinness",
        1,
        "renewed",
        1,
    )
    assert decided["evidence"] == "netflix_top10: season 2 charted from 2026-09-20"
    [changed] = result.labels_changed
    assert (
        changed["show_title"],
        changed["old_outcome"],
        changed["old_renewed"],
        changed["outcome"],
        changed["renewed"],
    ) == (
        "Sex/Life",
        "renewed",
        1,
        "cancelled",
        0,
    )
    [inputs] = result.inputs_changed  # 19900000 and 19900000.0 are the same number
    assert (inputs["show_title"], inputs["changes"]) == ("HIS & HERS", {"critic_score": {"old": "53", "new": "60"}})
    assert [(e["show_title"], e["outcome"]) for e in result.removed_seasons] == [("Haunted Hotel", "unknown")]


def test_the_text_report(tables, run_cli):
    old, new = tables
    code, out, err = run_cli("data", "diff", str(old), str(new))
    assert code == 0, err
    assert out.splitlines() == [
        f"{old} -> {new}: 4 -> 5 seasons; 2 new, 1 gone, 1 newly decided, 1 label(s) changed, 1 with changed inputs",
        "New seasons (2):",
        "  House of Guinness season 2: debut week 2026-09-20, unknown (renewed blank)",
        "  Invented Test Series season 1: debut week 2026-09-20, unknown (renewed blank); unverified: no source vouches"
        " for it as a Netflix original yet",
        "Seasons no longer in the table (1):",
        "  Haunted Hotel season 1: was unknown",
        "Newly decided (1):",
        "  House of Guinness season 1: renewed (renewed 1) (netflix_top10: season 2 charted from 2026-09-20)",
        "Labels changed (1):",
        "  Sex/Life season 1: renewed (renewed 1) -> cancelled (renewed 0) (a test)",
        "Inputs changed (1):",
        "  HIS & HERS season 1: critic_score 53 -> 60",
    ]


def test_json_and_no_changes(tables, run_cli):
    old, new = tables
    code, out, _ = run_cli("data", "diff", str(old), str(new), "--json")
    report = json.loads(out)
    assert code == 0 and (report["old_seasons"], report["new_seasons_total"]) == (4, 5)
    assert [e["row_id"] for e in report["new_seasons"]] == ["house-of-guinness-s2", "invented-test-series-s1"]
    code, out, _ = run_cli("data", "diff", str(config.DATASET_PATH), str(config.DATASET_PATH))
    assert code == 0 and out.endswith("0 new, 0 gone, 0 newly decided, 0 label(s) changed, 0 with changed inputs\n")


def test_bad_tables_are_one_error_line(tmp_path, tables, run_cli):
    old, _ = tables
    bad = tmp_path / "bad.csv"
    bad.write_text("row_id,show_title,season_number,outcome\n")
    code, _, err = run_cli("data", "diff", str(old), str(bad))
    assert (
        code == 1
        and err == f"Error: {bad}, row 1, column 'renewed': required column is missing; is this a renewml dataset?\n"
    )
    lines = old.read_text().splitlines()
    twice = tmp_path / "twice.csv"
    twice.write_text("\n".join([*lines, lines[1]]) + "\n")
    with pytest.raises(
        InputError,
        match=r"twice.csv, row 6, column 'row_id': expected each season once, found 'house-of-guinness-s1' again",
    ):
        diff_tables(old, twice)
