"""Data contract of the committed table; rebuild tests skip when the raw sources are absent."""

from __future__ import annotations

import csv
import filecmp
from pathlib import Path

import pandas as pd
import pytest

from renewml import config
from renewml.data import decided, validate_dataset
from renewml.data.schema import DATASET_COLUMNS

TESTS_DIR = Path(__file__).resolve().parent


def test_committed_table_matches_schema():
    frame = validate_dataset(config.DATASET_PATH)
    assert list(frame.columns) == [c.name for c in DATASET_COLUMNS]


def test_keys_are_unique(dataset):
    assert dataset["row_id"].is_unique
    assert not dataset.duplicated(["series_id", "season_number"]).any()


def test_enough_decided_rows_in_every_year(dataset):
    rows = decided(dataset)
    assert len(rows) >= 500
    years = set(rows["debut_week"].dt.year)
    assert {2021, 2022, 2023, 2024, 2025, 2026} <= years


def test_labels_and_outcomes_agree(dataset):
    mapping = {"renewed": 1, "cancelled": 0, "ended": 0, "ended_as_planned": 0, "limited_concluded": 0}
    for outcome, label in mapping.items():
        assert (dataset.loc[dataset["outcome"] == outcome, "renewed"] == label).all(), outcome
    for outcome in ("unknown", *config.DECIDED_BEFORE_DEBUT):
        assert dataset.loc[dataset["outcome"] == outcome, "renewed"].isna().all(), outcome
    undecided = dataset[dataset["outcome"] == "unknown"]
    assert (undecided["label_source"] == "no_evidence").all()
    before = dataset[dataset["outcome"].isin(config.DECIDED_BEFORE_DEBUT)]
    assert before["label_evidence"].str.contains(r"\d{4}-\d{2}").all()  # dated evidence


def test_limited_series_are_not_renewed_without_evidence_of_a_next_season(dataset):
    limited = dataset[dataset["format"] == "limited"]
    renewed = limited[limited["renewed"] == 1]
    assert (renewed["label_source"] != "netflix_limited_series").all()
    assert (limited["outcome"].isin(["limited_concluded", "renewed", "ended_as_planned", "unknown", "ended"])).all()


def test_value_ranges(dataset):
    assert dataset["debut_rank"].between(1, 10).all()
    assert (dataset["debut_views"].dropna() > 0).all()
    assert dataset["critic_score"].dropna().between(0, 100).all()
    assert dataset["imdb_season_rating"].dropna().between(1, 10).all()
    assert dataset["weeks_in_top10_first4"].between(1, 4).all()
    # views are reported from 2023-06-18; before that they are derived and flagged
    early = dataset[dataset["debut_week"] < "2023-06-18"]
    assert early["debut_views"].dropna().index.isin(early[early["debut_views_derived"]].index).all()


def test_his_and_hers_row(dataset):
    row = dataset[dataset["row_id"] == "his-and-hers-s1"].iloc[0]
    assert row["format"] == "limited"
    assert row["source_material"] == "standalone_book"
    assert row["debut_rank"] == 1
    assert row["debut_views"] == 19_900_000
    assert row["critic_score"] == 53
    assert row["renewed"] == 0 and row["outcome"] == "limited_concluded"


def _known_outcomes() -> list[dict[str, str]]:
    with open(TESTS_DIR / "known_outcomes.csv", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


KNOWN = _known_outcomes()


def test_known_outcomes_cover_the_cases_that_matter(dataset):
    known = pd.DataFrame(KNOWN).merge(dataset, on="row_id", suffixes=("_known", ""))
    assert len(KNOWN) >= 30
    assert (known["renewed_known"] == "1").sum() >= 10 and (known["renewed_known"] == "0").sum() >= 10
    assert (known["format"] == "limited").sum() >= 5
    assert (known["language"] == "non_english").sum() >= 5
    assert (known["outcome_known"] == "cancelled").sum() >= 5


@pytest.mark.parametrize("case", KNOWN, ids=[k["row_id"] for k in KNOWN])
def test_table_agrees_with_public_reporting(dataset, case):
    rows = dataset[dataset["row_id"] == case["row_id"]]
    assert len(rows) == 1, f"{case['row_id']} is not in the table"
    row = rows.iloc[0]
    expected = None if case["renewed"] == "" else int(case["renewed"])
    assert (pd.isna(row["renewed"]) if expected is None else row["renewed"] == expected), case["citation"]
    assert row["outcome"] == case["outcome"], case["citation"]


@pytest.mark.raw
@pytest.mark.slow
def test_rebuild_is_byte_identical_to_the_committed_table(raw_dir, tmp_path):
    from renewml.data import build_and_write

    first, second = tmp_path / "a.csv", tmp_path / "b.csv"
    build_and_write(raw_dir, first)
    build_and_write(raw_dir, second)
    assert filecmp.cmp(first, second, shallow=False)
    assert filecmp.cmp(first, config.DATASET_PATH, shallow=False), (
        "the committed table is stale: run 'renewml data build'"
    )
    assert filecmp.cmp(tmp_path / "dropped_seasons.csv", config.DROPPED_PATH, shallow=False)


def test_dropped_seasons_have_reasons():
    dropped = pd.read_csv(config.DROPPED_PATH)
    assert dropped["reason"].notna().all()
    assert len(dropped) > 100


def test_no_input_postdates_the_decision(dataset):
    """IMDb ratings only as of debut + 28 days; critic and audience scores only as published at release
    (curated with a cite); the series-level Metacritic scores are reference columns, never an input."""
    rated = dataset[dataset["imdb_season_rating"].notna()]
    assert (rated["imdb_rating_source"] == "imdb_asof_debut_plus_28d").all()
    scored = dataset[dataset["critic_score"].notna() | dataset["audience_score"].notna()]
    assert scored["review_source"].str.startswith("curated: ").all() and scored["review_source"].str.contains("http").all()
    assert dataset["metacritic_series_score"].notna().sum() > 50  # kept for reference
    for column in ("metacritic_series_score", "metacritic_series_user_score", "imdb_season_rating_latest"):
        assert column not in config.FEATURES + config.CANDIDATE_FEATURES
    assert not set(config.UNUSED_INPUTS) & set(config.FEATURES)
    assert (dataset["metacritic_series_user_score"].dropna() > 0).all()  # Metacritic's 0 is "tbd": blank


def test_random_label_audit_agrees_on_at_least_97_percent():
    """data/audit: 40 decided rows drawn by a seeded hash, each checked against public reporting. Rows the
    inclusion rules have since dropped are left out; rows now decided before their debut must agree in
    direction with the audited truth."""
    audit = pd.read_csv(config.DATA_DIR / "audit" / "label_audit_2026-11-30.csv")
    table = pd.read_csv(config.DATASET_PATH).set_index("row_id")
    dropped = set(pd.read_csv(config.DROPPED_PATH)["show_title"])
    assert len(audit) == 40 and audit["row_id"].is_unique
    checked = audit[audit["truth"] != "cant_tell"]
    assert checked["cite_url"].str.startswith("http").all()
    gone = checked[~checked["row_id"].isin(table.index)]
    assert gone["show_title"].isin(dropped).all() and len(gone) <= 3, gone["row_id"].tolist()
    present = checked[checked["row_id"].isin(table.index)]
    outcome = table.loc[present["row_id"], "outcome"].to_numpy()
    before = pd.Series(outcome).isin(config.DECIDED_BEFORE_DEBUT).to_numpy()
    said_renewed = (present["truth"] == "renewed").to_numpy()
    assert ((outcome[before] == "renewed_before_debut") == said_renewed[before]).all()
    labels = table.loc[present["row_id"], "renewed"].to_numpy()[~before]
    agree = (labels == said_renewed[~before].astype(int)).mean()
    assert agree >= 0.97, f"audit agreement {agree:.1%}"


def test_dropped_reasons_do_not_differ_only_in_case():
    reasons = set(pd.read_csv(config.DROPPED_PATH)["reason"])
    assert len({r.lower() for r in reasons}) == len(reasons)
