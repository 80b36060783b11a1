"""One test per class of mislabel a random audit found, each on a real row of that class, and invariants
that hold over the whole committed table (so a rule that breaks for a class of shows fails here)."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from renewml import config
from renewml.data.labels import DECISION_WINDOW
from renewml.data.match import base_title, docuseries_subjects, engagement_later_season, engagement_release


def _engagement(rows: list[tuple[int, str, str]]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {"season_number": n, "release_date": pd.Timestamp(d), "original_title": t, "runtime_hours": None}
            for n, d, t in rows
        ]
    )


# "From Me to You: Kimi ni Todoke" as the engagement reports list it: the 2009 anime's seasons and the
# 2023 live-action series share the English title.
KIMI_NI_TODOKE = _engagement(
    [
        (2, "2018-09-17", "君に届け 2ND SEASON"),
        (1, "2023-03-30", "君に届け: シーズン1"),
        (3, "2024-08-01", "君に届け: シーズン3"),
    ]
)


def test_a_same_titled_anime_season_is_not_renewal_evidence():
    anchor = engagement_release(KIMI_NI_TODOKE, 1, pd.Timestamp("2023-04-02"))
    assert anchor is not None and anchor["release_date"] == pd.Timestamp("2023-03-30")
    assert engagement_later_season(KIMI_NI_TODOKE, 1, anchor) is None


def test_the_next_season_of_the_same_production_is_renewal_evidence():
    squid_game = _engagement([(1, "2021-09-17", "오징어 게임: 시즌 1"), (2, "2024-12-26", "오징어 게임: 시즌 2")])
    anchor = engagement_release(squid_game, 1, pd.Timestamp("2021-09-19"))
    later = engagement_later_season(squid_game, 1, anchor)
    assert later is not None and int(later["season_number"]) == 2
    assert engagement_later_season(squid_game, 1, None) is None  # no anchor, no evidence


def testbase_title_drops_the_season_part():
    assert base_title("君に届け 2ND SEASON") == base_title("君に届け: シーズン3") == "君に届け"


def test_docuseries_tables_are_recognised_by_their_subject():
    wiki = pd.DataFrame({"genre": ["docuseries: Sports", "Drama"]})
    assert docuseries_subjects(wiki) == ["sports"]
    assert docuseries_subjects(pd.DataFrame({"genre": ["Crime drama", "Teen drama"]})) == []


def test_decision_window_is_a_year():
    assert DECISION_WINDOW == pd.Timedelta(days=365)


# --- the classes, on the committed table ---------------------------------------------------------


def _row(dataset: pd.DataFrame, row_id: str) -> pd.Series:
    rows = dataset[dataset["row_id"] == row_id]
    assert len(rows) == 1, f"{row_id} is not in the table"
    return rows.iloc[0]


def test_title_collision_no_longer_renews_the_live_action_series(dataset):
    row = _row(dataset, "from-me-to-you-kimi-ni-todoke-s1")
    assert row["renewed"] != 1
    assert "netflix_engagement" not in str(row["label_evidence"])


@pytest.mark.parametrize(
    ("row_id", "season", "renewed"),
    [("khakee-s1", 1, 1), ("khakee-s2", 2, None), ("berlin-s1", 1, 1), ("berlin-s2", 2, None)],
)
def test_franchise_seasons_with_their_own_titles_are_one_series(dataset, row_id, season, renewed):
    row = _row(dataset, row_id)
    assert row["season_number"] == season
    assert (pd.isna(row["renewed"]) and renewed is None) or row["renewed"] == renewed


def test_berlin_is_renewed_although_netflix_titles_it_limited(dataset):
    row = _row(dataset, "berlin-s1")
    assert row["format"] == "limited" and row["outcome"] == "renewed"


@pytest.mark.parametrize(
    ("show_title", "reason"),
    [
        ("Twenty Five Twenty One", "only Netflix-branded"),  # a tvN drama Netflix streams
        ("Queen of Tears", "only Netflix-branded"),
        ("Full Swing", "unscripted (docuseries"),
        ("Worst Roommate Ever", "unscripted (docuseries"),
        ("Newly Rich, Newly Poor", "not verified as a Netflix original"),  # licensed; its engagement date is 2025
    ],
)
def test_rows_the_inclusion_rules_drop(dataset, show_title, reason):
    assert show_title not in set(dataset["show_title"])
    dropped = pd.read_csv(config.DROPPED_PATH)
    reasons = dropped.loc[dropped["show_title"] == show_title, "reason"]
    assert len(reasons) and reasons.str.startswith(reason).all(), reasons.tolist()


def test_extension_weeks_are_renewal_evidence(dataset):
    row = _row(dataset, "ransom-canyon-s1")
    assert row["renewed"] == 1
    assert "netflix_top10: season 2+ of the same list charted from 2026-0" in row["label_evidence"]


# --- invariants over the whole table ----------------------------------------------------------------


def test_outcome_is_consistent_with_format(dataset):
    assert (dataset.loc[dataset["outcome"] == "limited_concluded", "format"] == "limited").all()
    assert not ((dataset["format"] == "ongoing") & (dataset["outcome"] == "limited_concluded")).any()


def test_no_premiere_date_after_its_debut_week(dataset):
    premiere = pd.to_datetime(dataset["premiere_date"])
    late = dataset[premiere > dataset["debut_week"]]
    assert late.empty, late["row_id"].tolist()


IDENTITY_CHECKED = re.compile(
    r"^(netflix_top10: season \d+\+ of the same list|netflix_engagement: season \d+ released .*same production|"
    r"tmdb_\d{4}-\d{2}-\d{2}: \d+ seasons|imdb_\d{4}-\d{2}-\d{2}: \d+ rated seasons|wikipedia_\d{4}-\d{2}-\d{2}: )"
)


def test_no_renewal_rests_on_a_title_match_alone(dataset):
    renewed = dataset[(dataset["renewed"] == 1) & (dataset["label_source"] != "curated")]
    for row in renewed.itertuples():
        lines = str(row.label_evidence).split("; ")
        assert any(IDENTITY_CHECKED.match(line) for line in lines), (row.row_id, lines)


def test_season_numbers_within_a_series_are_consistent(dataset):
    assert not dataset.duplicated(["series_id", "season_number"]).any()
    for _, group in dataset.groupby("series_id"):
        ordered = group.sort_values("season_number")
        assert ordered["debut_week"].is_monotonic_increasing, ordered["row_id"].tolist()


def test_every_decided_label_names_its_evidence_and_a_date(dataset):
    decided = dataset[dataset["renewed"].notna()]
    assert decided["label_evidence"].notna().all()
    undated = decided[~decided["label_evidence"].str.contains(r"(?:19|20)\d{2}", regex=True)]
    assert undated.empty, undated["row_id"].tolist()


def test_ended_is_trusted_only_after_the_decision_window(dataset):
    ended = dataset[dataset["outcome"] == "ended"]
    for row in ended.itertuples():
        dates = [pd.Timestamp(d) for d in re.findall(r"(?:tmdb|wikipedia)_(\d{4}-\d{2}-\d{2}): (?:status Ended|'Ended')", row.label_evidence)]
        assert dates and max(dates) - row.debut_week >= DECISION_WINDOW, (row.row_id, row.label_evidence)


def test_later_seasons_after_the_last_engagement_report_get_a_cited_premiere_date(dataset):
    """Wednesday S2 came out after the last engagement report: its release date comes from the curated
    table, so its views per day are known."""
    row = _row(dataset, "wednesday-s2")
    assert row["premiere_date"] == "2025-08-06" and row["premiere_date_source"] == "curated"
    assert row["days_in_debut_week"] == 5 and row["debut_views_per_day"] > 0
    curated = pd.read_csv(config.CURATION_DIR / "premiere_dates.csv")
    assert curated["note"].str.contains("http").all()


def test_franchise_seasons_with_their_own_title_are_linked_or_named_distinct():
    """Monster: The Ed Gein Story is season 3 of the Monster anthology (cited); every other pair of series whose
    titles name one franchise is either linked or named distinct with a cite."""
    from renewml.data.match import franchise_candidates

    table = pd.read_csv(config.DATASET_PATH)
    monster = table[table["series_id"] == "monster"].set_index("season_number")
    assert monster.loc[3, "show_title"] == "Monster: The Ed Gein Story"
    assert monster.loc[3, "outcome"] == "renewed_before_debut" and "2025-07-08" in monster.loc[3, "label_evidence"]
    distinct = pd.read_csv(config.CURATION_DIR / "distinct_series.csv")
    assert distinct["note"].str.contains("https://").all()
    named = set(zip(distinct["series_a"], distinct["series_b"], strict=True))
    assert set(franchise_candidates(table)) == named
    # the check finds a franchise season that is not linked
    unlinked = table.assign(series_id=table["series_id"].where(table["row_id"] != "monster-s3", "monster-the-ed-gein-story"))
    assert ("monster", "monster-the-ed-gein-story") in franchise_candidates(unlinked)
