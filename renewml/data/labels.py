"""Renewal labels from several sources of evidence, resolved by one documented rule.

Evidence that a season N was renewed: a later season exists somewhere (Netflix's Top 10 or engagement
reports, TMDB's season count, IMDb's season list, a Wikipedia snapshot's season count) or a Wikipedia
status said "Renewed" / "Season N+1 due" while N seasons were out. Evidence that it was not: Netflix sold
it as a limited series, a Wikipedia snapshot listed the show as ended after N seasons, TMDB marks it
"Canceled" or "Ended" after N seasons, or a status said the next season would be the last.

Decided before the debut is not a decision on the debut: a next season ordered before this one aired
(`renewed_before_debut`) or a season announced as the last before it aired (`final_season_announced`) says
nothing about how the season was received. Both keep `renewed` blank, so no model learns from them and no
evaluation scores them; they need dated evidence (a status snapshot dated before the season started, or a
curated row with the announcement's date and a cite).

Rule, in order: (1) a curated override with a cited page (its date, when given, decides whether the decision
came before the debut); (2) a renewal dated before the debut -> renewed_before_debut; (3) any renewal evidence ->
renewed; (4) a final season announced before the debut -> final_season_announced; a final season announced
later -> ended_as_planned; a limited series -> limited_concluded; a "Canceled" status after N seasons ->
cancelled; an "Ended" status (which does not say whether the end was planned) -> ended; (5) otherwise
unknown, never "cancelled".
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

import pandas as pd

from renewml import config
from renewml.data.titles import normalize_title

# "Ended" (TMDB, Wikipedia) is only a decision once renewals have had time to be announced: TMDB editors
# mark a show ended as soon as a season finishes airing. Measured on the Wikipedia snapshots
# (`renewal_announcement_delays`): among seasons that were renewed, the share already announced is 100%
# in every slice (English and non-English, first and later seasons) from 365 to 730 days after the debut,
# and below 100% (40-90%) somewhere in every slice before 365 days.
DECISION_WINDOW = pd.Timedelta(days=config.DECISION_WINDOW_DAYS)

RENEWED_STATUS = re.compile(
    r"^(renewed|season \d+ (due|in production|filming))|renewed for",
    re.IGNORECASE,
)
FINAL_STATUS = re.compile(r"final (season|part)|\(final\)", re.IGNORECASE)


@dataclass
class Evidence:
    """Everything known about one season's fate, gathered before a label is decided."""

    renewed: list[str] = field(default_factory=list)  # sources that show a next season was ordered
    final_season: list[str] = field(default_factory=list)  # sources that say this season was the planned end
    ended: list[str] = field(default_factory=list)  # sources that say the show ended after this season
    cancelled: list[str] = field(default_factory=list)  # sources that say it was cancelled after this season
    renewed_before_debut: list[str] = field(default_factory=list)  # a next season ordered before this one started
    final_before_debut: list[str] = field(default_factory=list)  # announced as the last before it started
    limited: bool = False
    limited_since: str = ""  # the debut week in which Netflix's Top 10 titled it "Limited Series"


# When several sources agree, the label names the most direct one: Netflix's own lists first.
SOURCE_PRIORITY = ("netflix_top10", "netflix_engagement", "wikipedia", "tmdb", "imdb")


def _source_name(evidence: list[str]) -> str:
    """The most direct source among the evidence lines, e.g. 'tmdb_2026-01-26'."""
    names = [line.split(":", 1)[0] for line in evidence]
    return min(names, key=lambda n: next((i for i, p in enumerate(SOURCE_PRIORITY) if n.startswith(p)), 99))


@dataclass(frozen=True)
class Label:
    renewed: int | None
    outcome: str
    label_source: str
    evidence: str


def wiki_status_evidence(status: str, seasons_at_snapshot: float, season_number: int) -> str | None:
    """What one Wikipedia status line says about season N: 'renewed', 'final', 'ended' or None.

    A snapshot with S seasons out shows seasons 1..S-1 were renewed. A status such as "Renewed",
    "Season 4 due to premiere" or "Renewed for seasons 2-3 (final)" also covers season S and any
    season ordered before the highest one it names; the last season it calls final is a planned end.
    """
    if seasons_at_snapshot != seasons_at_snapshot:  # NaN: the snapshot did not give a count
        return None
    seasons = int(seasons_at_snapshot)
    if season_number < seasons:
        return "renewed"  # a later season was already out at the snapshot
    text = status.strip()
    if text.lower() == "ended":
        return "ended" if season_number == seasons else None
    if not RENEWED_STATUS.search(text) and not FINAL_STATUS.search(text):
        return None  # "Pending", "Miniseries", or anything else: no decision
    named = [int(n) for n in re.findall(r"seasons? (\d+)(?:\s*[–-]\s*(\d+))?", text.lower()) for n in n if n]
    highest_ordered = max(named + [seasons + 1])
    if seasons <= season_number < highest_ordered:
        return "renewed"
    if season_number == highest_ordered and FINAL_STATUS.search(text):
        return "final"
    return None


# Outcomes whose fate was settled before the season aired: never a training example or a scored prediction.
# A renewal or a final-season announcement, by whether it came before the season aired.
_TIMED_STATES = {
    "renewed": ("renewed", "renewed_before_debut"),
    "ended_as_planned": ("ended_as_planned", "final_season_announced"),
}
_FAMILY = {before: family for family, (_, before) in _TIMED_STATES.items()}


def timed_state(outcome: str, before_debut: bool) -> str:
    """The state a renewal or a final-season announcement takes from its timing (other outcomes as they are):
    made before the season aired it is no decision on the debut. `renewml data decide` and the build share it."""
    after, before = _TIMED_STATES.get(_FAMILY.get(outcome, outcome), (outcome, outcome))
    return before if before_debut else after


def parse_decision_date(text: str) -> tuple[pd.Timestamp, pd.Timestamp]:
    """The earliest and latest day an announcement dated 'YYYY-MM-DD' or 'YYYY-MM' can have been made."""
    text = text.strip()
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        day = pd.Timestamp(text)
        return day, day
    if re.fullmatch(r"\d{4}-\d{2}", text):
        first = pd.Timestamp(text + "-01")
        return first, first + pd.offsets.MonthEnd(0)
    raise ValueError(f"expected a date as YYYY-MM-DD or YYYY-MM, found '{text}'")


def dated_outcome(outcome: str, decision_date: str, season_start: pd.Timestamp | None) -> str:
    """The outcome a dated decision gives: a renewal or a final-season announcement made before the season
    started is a decision before the debut; the same made later is an ordinary decision on the debut.

    Raises ValueError when the date cannot say which (a month that contains the start) or when a state that
    needs an earlier date has a later one.
    """
    if not decision_date or season_start is None:
        if outcome in config.DECIDED_BEFORE_DEBUT and not decision_date:
            raise ValueError(f"outcome {outcome} needs the date of the announcement")
        return outcome
    earliest, latest = parse_decision_date(decision_date)
    before = latest < season_start
    if not before and earliest < season_start:
        raise ValueError(
            f"the date {decision_date} cannot say whether the decision came before the season started on "
            f"{season_start.date()}: give the day"
        )
    return timed_state(outcome, before)


def decide_label(
    evidence: Evidence, override: Mapping[str, str] | None = None, season_start: pd.Timestamp | None = None
) -> Label:
    """Resolve the evidence for one season into a label, outcome and named source.

    `season_start` (the release date, or the start of the debut week) tells a dated curated decision made
    before the season aired from one made on its debut.
    """
    if override is not None:
        date = (override.get("decision_date") or "").strip()
        outcome = dated_outcome(override["outcome"], date, season_start)
        note = override.get("note", "")
        cite = (override.get("cite") or "").strip()
        if cite and cite not in note:
            note = f"{note} {cite}".strip()
        if date:
            note = f"announced {date}: {note}"
        return Label(config.RENEWED_BY_OUTCOME[outcome], outcome, "curated", note)
    if evidence.renewed_before_debut:
        return Label(
            None,
            "renewed_before_debut",
            _source_name(evidence.renewed_before_debut),
            "; ".join(sorted(set(evidence.renewed_before_debut))),
        )
    if evidence.renewed:
        return Label(1, "renewed", _source_name(evidence.renewed), "; ".join(sorted(set(evidence.renewed))))
    if evidence.final_before_debut:
        return Label(
            None, "final_season_announced", _source_name(evidence.final_before_debut), "; ".join(evidence.final_before_debut)
        )
    if evidence.final_season:
        return Label(0, "ended_as_planned", _source_name(evidence.final_season), "; ".join(evidence.final_season))
    if evidence.limited:
        return Label(
            0,
            "limited_concluded",
            "netflix_limited_series",
            f"netflix_top10_{evidence.limited_since}: titled 'Limited Series' from its debut week; no later season found",
        )
    if evidence.cancelled:
        return Label(0, "cancelled", _source_name(evidence.cancelled), "; ".join(evidence.cancelled + evidence.ended))
    if evidence.ended:
        return Label(0, "ended", _source_name(evidence.ended), "; ".join(evidence.ended))
    return Label(None, "unknown", "no_evidence", "no decision found in any source")


def renewal_announcement_delays(table: pd.DataFrame, wiki: pd.DataFrame) -> pd.DataFrame:
    """How soon renewals become public: for renewed seasons seen in a dated Wikipedia snapshot, whether the
    renewal was already listed, by days since the debut, language and first/later season.

    The basis of `DECISION_WINDOW`: an "Ended" status is a decision only once nearly every renewal of
    seasons that old has been announced.
    """
    snapshots = wiki[wiki["snapshot"].isin([pd.Timestamp("2022-11-16"), pd.Timestamp("2025-03-24")])]
    by_key = {k: g for k, g in snapshots.groupby("key")}
    records = []
    for row in table[table["renewed"] == 1].itertuples():
        n, debut = int(row.season_number), pd.Timestamp(row.debut_week)
        for w in by_key.get(normalize_title(row.show_title), pd.DataFrame()).itertuples():
            days = (w.snapshot - debut).days
            said = wiki_status_evidence(w.status, w.seasons, n)
            if days >= 0 and (said == "renewed" or str(w.status).lower().startswith("pending")):
                records.append((row.language, "first" if n == 1 else "later", days, said == "renewed"))
    frame = pd.DataFrame(records, columns=["language", "season", "days", "announced"])
    frame["days_since_debut"] = pd.cut(frame["days"], [0, 90, 180, 270, 365, 540, 730, 5000]).astype(str)
    return (
        frame.groupby(["language", "season", "days_since_debut"], observed=True)["announced"]
        .agg(["mean", "size"])
        .rename(columns={"mean": "share_announced", "size": "seasons"})
        .reset_index()
    )
