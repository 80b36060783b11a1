"""`renewml data decide`: a decision is checked, the date decides its state, and one row is appended atomically."""

from __future__ import annotations

import csv
import shutil
from datetime import date
from pathlib import Path

import pytest

from renewml import config
from renewml.data.decide import outcome_for, record_decision
from renewml.data.labels import Evidence, decide_label
from renewml.errors import InputError, NotFoundError

FIXTURES = Path(__file__).resolve().parent / "fixtures"
TODAY = date(2026, 12, 5)
CITE = "https://www.example.org/news/house-of-guinness-season-2"


@pytest.fixture()
def overrides(tmp_path) -> Path:
    """A copy of the shipped label overrides (49 rows, without the decision columns yet)."""
    path = tmp_path / "label_overrides.csv"
    shutil.copy(config.LABEL_OVERRIDES_PATH, path)
    return path


@pytest.fixture()
def raw_with_next_week(tmp_path) -> Path:
    """A raw folder whose newest Top 10 file is the synthetic week 2026-09-20 (after the table's last week)."""
    folder = tmp_path / "raw" / "netflix_top10"
    folder.mkdir(parents=True)
    shutil.copy(FIXTURES / "synthetic_next_week_global.tsv", folder / "all-weeks-global.tsv")
    return tmp_path / "raw"


def decide(overrides: Path, *args, **kwargs):
    kwargs.setdefault("today", TODAY)
    return record_decision(*args, overrides_path=overrides, dataset_path=config.DATASET_PATH, raw_dirs=[], **kwargs)


def rows(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


# House of Guinness season 1 premiered 2025-09-25 (debut week 2025-09-28) and is undecided in the shipped table.
@pytest.mark.parametrize(
    ("decision", "day", "renewed", "outcome"),
    [
        ("renewed", "2025-11-20", "1", "renewed"),
        ("renewed", "2025-09-25", "1", "renewed"),  # on the premiere day: the season was out
        ("renewed", "2025-09-24", "", "renewed_before_debut"),
        ("final", "2025-06-01", "", "final_season_announced"),
        ("final", "2025-10-30", "0", "ended_as_planned"),
        ("cancelled", "2026-01-15", "0", "cancelled"),
    ],
)
def test_the_date_decides_the_state(overrides, decision, day, renewed, outcome):
    recorded = decide(overrides, "House of Guinness", 1, decision, day, CITE)
    assert (
        recorded.season.debut == date(2025, 9, 25) and recorded.season.debut_source == "premiere_date in renewals.csv"
    )
    last = rows(overrides)[-1]
    assert {k: last[k] for k in ("series_title", "season_number", "renewed", "outcome", "decision_date", "cite")} == {
        "series_title": "House of Guinness",
        "season_number": "1",
        "renewed": renewed,
        "outcome": outcome,
        "decision_date": day,
        "cite": CITE,
    }
    assert last["note"].endswith(f"its debut (2025-09-25). {CITE}")


def test_the_first_decision_adds_the_missing_column_and_keeps_every_old_row(overrides):
    import csv

    before = config.LABEL_OVERRIDES_PATH.read_text(encoding="utf-8").splitlines()
    assert "decision_date" in before[0].split(",") and "cite" not in before[0].split(",")
    decide(overrides, "house of guinness", 1, "renewed", "2025-11-20", CITE, note="Deadline reports the pickup.")
    after = overrides.read_text(encoding="utf-8").splitlines()
    assert after[0] == before[0] + ",cite"
    assert after[1 : len(before)] == [line + "," for line in before[1:]]
    assert len(after) == len(before) + 1
    last = dict(zip(after[0].split(","), next(csv.reader([after[-1]])), strict=True))
    assert (last["series_title"], last["season_number"], last["renewed"], last["outcome"]) == (
        "House of Guinness", "1", "1", "renewed"
    )
    assert last["decision_date"] == "2025-11-20" and last["cite"] == CITE
    assert last["note"].startswith("Deadline reports the pickup. Recorded decision (renewed)")
    decide(overrides, "Haunted Hotel", 1, "cancelled", "2026-03-02", "http://example.org/haunted")
    again = overrides.read_text(encoding="utf-8").splitlines()
    assert again[:-1] == after and again[-1].endswith(",http://example.org/haunted")
    assert ",2026-03-02," in again[-1]


def test_the_build_reads_the_recorded_row_as_a_curated_label_with_its_cite(overrides):
    import pandas as pd

    decide(overrides, "House of Guinness", 1, "renewed", "2025-11-20", CITE)
    decide(overrides, "Haunted Hotel", 1, "renewed", "2025-09-01", CITE + "-hotel")
    table = pd.read_csv(overrides, dtype=str, keep_default_na=False)  # as the build reads curated tables
    guinness, hotel = (decide_label(Evidence(), table.iloc[i].to_dict()) for i in (-2, -1))
    assert (guinness.renewed, guinness.outcome, guinness.label_source) == (1, "renewed", "curated")
    assert CITE in guinness.evidence and "2025-11-20" in guinness.evidence
    assert (hotel.renewed, hotel.outcome) == (None, "renewed_before_debut")
    older = decide_label(Evidence(), table.iloc[0].to_dict())  # an old row, blank in the new columns
    assert (older.renewed, older.outcome) == (0, "ended_as_planned")


@pytest.mark.parametrize(
    ("day", "message"),
    [
        ("2025-13-01", "--date: expected a date as YYYY-MM-DD, found '2025-13-01'"),
        ("20251120", "--date: expected a date as YYYY-MM-DD, found '20251120'"),
        ("last week", "--date: expected a date as YYYY-MM-DD, found 'last week'"),
        (
            "2026-12-06",
            "--date: expected the day the decision was announced, no later than today (2026-12-05), found 2026-12-06",
        ),
    ],
)
def test_bad_dates_are_refused(overrides, day, message):
    with pytest.raises(InputError) as error:
        decide(overrides, "House of Guinness", 1, "renewed", day, CITE)
    assert str(error.value) == message
    assert overrides.read_bytes() == config.LABEL_OVERRIDES_PATH.read_bytes()


@pytest.mark.parametrize(
    "cite", ["ftp://example.org/news", "www.example.org/news", "https://", "https://localhost/x", "see Variety"]
)
def test_bad_cites_are_refused(overrides, cite):
    with pytest.raises(
        InputError, match=r"^--cite: expected the http\(s\) address of a page that reports the decision"
    ):
        decide(overrides, "House of Guinness", 1, "renewed", "2025-11-20", cite)
    assert overrides.read_bytes() == config.LABEL_OVERRIDES_PATH.read_bytes()


def test_a_cancellation_before_the_debut_is_refused(overrides):
    with pytest.raises(InputError, match=r"comes before the season's debut \(2025-09-25\).*is --final"):
        decide(overrides, "House of Guinness", 1, "cancelled", "2025-09-01", CITE)


def test_unknown_seasons_are_refused(overrides, raw_with_next_week):
    with pytest.raises(NotFoundError, match=r"'House of Guinness' season 3: not in .* \(it has season\(s\) 1\)"):
        record_decision(
            "House of Guinness",
            3,
            "renewed",
            "2025-11-20",
            CITE,
            overrides_path=overrides,
            raw_dirs=[raw_with_next_week],
        )
    with pytest.raises(
        NotFoundError, match=r"'House of Guiness' is neither in .*; did you mean 'House of Guinness'( or|\?)"
    ):
        decide(overrides, "House of Guiness", 1, "renewed", "2025-11-20", CITE)
    assert overrides.read_bytes() == config.LABEL_OVERRIDES_PATH.read_bytes()


def test_a_season_named_only_in_the_newest_top10_file_can_be_decided(overrides, raw_with_next_week):
    new_show = record_decision(
        "Invented Test Series",
        1,
        "renewed",
        "2026-10-01",
        CITE,
        overrides_path=overrides,
        raw_dirs=[raw_with_next_week],
        today=TODAY,
    )
    # debut week 2026-09-20 runs Monday 2026-09-14 to Sunday 2026-09-20
    assert (new_show.season.debut, new_show.outcome, new_show.renewed) == (date(2026, 9, 14), "renewed", 1)
    next_season = record_decision(
        "House of Guinness",
        2,
        "renewed",
        "2026-09-01",
        CITE,
        overrides_path=overrides,
        raw_dirs=[raw_with_next_week],
        today=TODAY,
    )
    assert next_season.outcome == "renewed_before_debut"
    assert [r["series_title"] for r in rows(overrides)[-2:]] == ["Invented Test Series", "House of Guinness"]


def test_a_linked_season_is_recorded_under_its_series_title(overrides):
    recorded = decide(
        overrides, "DAHMER", 1, "renewed", "2022-11-07", CITE
    )  # filed under Monster by the season overrides
    assert (recorded.season.series_title, recorded.season.show_title) == ("Monster", "DAHMER")
    assert rows(overrides)[-1]["series_title"] == "Monster"


def test_contradictions_need_force(overrides):
    # Sex/Life season 1 is renewed in the table (its season 2 charted)
    with pytest.raises(
        InputError, match=r"--cancelled dated 2022-01-01 \(cancelled\) contradicts the table's label 'renewed' \("
    ):
        decide(overrides, "Sex/Life", 1, "cancelled", "2022-01-01", CITE)
    # an earlier override of the same season, here one recorded a moment ago
    decide(overrides, "Haunted Hotel", 1, "renewed", "2025-11-20", CITE)
    row = len(rows(overrides)) + 1  # the header is row 1
    before = overrides.read_bytes()
    with pytest.raises(
        InputError,
        match=rf"contradicts the override in .*label_overrides.csv, row {row}: 'renewed', dated 2025-11-20; pass --force",
    ):
        decide(overrides, "Haunted Hotel", 1, "final", "2025-12-01", CITE)
    with pytest.raises(
        InputError, match=rf"row {row}: 'renewed', dated 2025-11-20 \(the same outcome, already recorded\)"
    ):
        decide(overrides, "Haunted Hotel", 1, "renewed", "2025-11-21", CITE)
    assert overrides.read_bytes() == before
    forced = decide(overrides, "Haunted Hotel", 1, "final", "2025-12-01", CITE, force=True)
    assert forced.contradicts is not None and f"row {row}" in forced.contradicts
    assert rows(overrides)[-1]["outcome"] == "ended_as_planned"


def test_a_shipped_override_counts_as_earlier_evidence(overrides):
    shipped = rows(overrides)
    number, row = next(
        (i, r) for i, r in enumerate(shipped, start=2) if (r["series_title"], r["season_number"]) == ("Wednesday", "2")
    )
    other = "final" if row["outcome"] in ("renewed", "renewed_before_debut") else "renewed"
    with pytest.raises(InputError, match=rf"contradicts the override in .*, row {number}: '{row['outcome']}'"):
        decide(overrides, "Wednesday", 2, other, "2025-09-01", CITE)


def test_the_same_direction_is_no_contradiction(overrides):
    # HIS & HERS is limited_concluded (0); announced as the final season after its debut is ended_as_planned (0)
    recorded = decide(overrides, "His & Hers", 1, "final", "2026-02-01", CITE)
    assert (recorded.outcome, recorded.contradicts) == ("ended_as_planned", None)


def test_outcome_for_refuses_an_unknown_decision():
    with pytest.raises(InputError, match="expected one of --renewed, --cancelled, --final"):
        outcome_for("paused", date(2025, 1, 1), date(2025, 1, 1))


def test_the_cli_records_a_decision_and_errors_are_one_line(overrides, run_cli):
    args = ["data", "decide", "House of Guinness", "--season", "1", "--date", "2025-11-20", "--cite", CITE]
    code, out, err = run_cli(*args, "--renewed", "--overrides", str(overrides))
    assert code == 0, err
    assert out.startswith(
        f"recorded in {overrides}: House of Guinness season 1 renewed (renewed 1), decided 2025-11-20"
    )
    code, out, err = run_cli(*args, "--cancelled", "--overrides", str(overrides))
    assert (
        code == 1
        and out == ""
        and err.startswith("Error: House of Guinness season 1: --cancelled")
        and err.count("\n") == 1
    )
    code, _, err = run_cli(*args, "--renewed", "--final", "--overrides", str(overrides))
    assert code == 2 and err == "Error: give exactly one of --renewed, --cancelled, --final (found 2)\n"
    code, _, err = run_cli(*args, "--overrides", str(overrides))
    assert code == 2 and "(found 0)" in err


def test_a_broken_overrides_file_is_named_with_its_row_and_column(tmp_path):
    path = tmp_path / "label_overrides.csv"
    path.write_text("series_title,season_number,renewed,outcome,note\nLucifer,six,0,ended_as_planned,x\n")
    with pytest.raises(
        InputError, match=r"label_overrides.csv, row 2, column 'season_number': expected a whole number, found 'six'"
    ):
        decide(path, "House of Guinness", 1, "renewed", "2025-11-20", CITE)
    path.write_text("series_title,season,renewed\n")
    with pytest.raises(InputError, match=r"row 1, column 'season_number': required column is missing"):
        decide(path, "House of Guinness", 1, "renewed", "2025-11-20", CITE)


@pytest.mark.parametrize("name", ["renewml.data.decide", "renewml.data.fetch"])
def test_docstring_examples(name):
    import doctest
    import importlib

    result = doctest.testmod(importlib.import_module(name))
    assert result.attempted > 0 and result.failed == 0
