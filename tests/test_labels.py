import pytest

from renewml.data.labels import Evidence, decide_label, wiki_status_evidence


@pytest.mark.parametrize(
    ("status", "seasons", "season", "expected"),
    [
        ("Renewed", 3, 3, "renewed"),
        ("Renewed", 3, 2, "renewed"),  # a later season was already out
        ("Renewed", 3, 4, None),
        ("Pending", 2, 2, None),
        ("Ended", 2, 2, "ended"),
        ("Ended", 2, 1, "renewed"),
        ("Season 4 due to premiere in 2025 Renewed for season 5 (final)", 3, 4, "renewed"),
        ("Season 4 due to premiere in 2025 Renewed for season 5 (final)", 3, 5, "final"),
        ("Renewed for seasons 2–3 (final)", 1, 2, "renewed"),
        ("Renewed for seasons 2–3 (final)", 1, 3, "final"),
        ("Final season due to premiere in 2025", 4, 4, "renewed"),
        ("Final season due to premiere in 2025", 4, 5, "final"),
        ("Renewed for final season", 3, 4, "final"),
        ("Continuing", 1, 1, None),  # the 2022 scrape folded "currently airing" into this word
        ("Miniseries", 1, 1, None),
    ],
)
def test_wiki_status_evidence(status, seasons, season, expected):
    assert wiki_status_evidence(status, seasons, season) == expected


def test_renewal_evidence_beats_an_ended_status():
    label = decide_label(Evidence(renewed=["netflix_top10: season 2 charted"], ended=["tmdb_2026-01-26: status Ended"]))
    assert (label.renewed, label.outcome, label.label_source) == (1, "renewed", "netflix_top10")


@pytest.mark.parametrize(
    ("evidence", "renewed", "outcome"),
    [
        (Evidence(limited=True), 0, "limited_concluded"),
        (Evidence(final_season=["wikipedia_2025-03-24: final"]), 0, "ended_as_planned"),
        (Evidence(cancelled=["tmdb_2026-01-26: status Canceled"]), 0, "cancelled"),
        (Evidence(ended=["tmdb_2026-01-26: status Ended"]), 0, "ended"),
        (Evidence(), None, "unknown"),  # nothing known is unknown, never "cancelled"
    ],
)
def test_decide_label(evidence, renewed, outcome):
    label = decide_label(evidence)
    assert (label.renewed, label.outcome) == (renewed, outcome)


def test_curated_override_wins():
    override = {"renewed": "1", "outcome": "renewed", "note": "announced"}
    label = decide_label(Evidence(cancelled=["tmdb: Canceled"]), override)
    assert (label.renewed, label.outcome, label.label_source) == (1, "renewed", "curated")
