"""Renewal labels from several sources of evidence, resolved by one documented rule.

Evidence that a season N was renewed: a later season exists somewhere (Netflix's Top 10 or engagement
reports, TMDB's season count, IMDb's season list, a Wikipedia snapshot's season count) or a Wikipedia
status said "Renewed" / "Season N+1 due" while N seasons were out. Evidence that it was not: Netflix sold
it as a limited series, a Wikipedia snapshot listed the show as ended after N seasons, TMDB marks it
"Canceled" or "Ended" after N seasons, or a status said the next season would be the last.

Rule, in order: (1) a curated override with a cited page; (2) any renewal evidence -> renewed;
(3) a planned final season -> ended_as_planned; a limited series -> limited_concluded; a "Canceled"
status after N seasons -> cancelled; an "Ended" status (which does not say whether the end was planned)
-> ended; (4) otherwise unknown, never "cancelled".
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

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


def decide_label(evidence: Evidence, override: Mapping[str, str] | None = None) -> Label:
    """Resolve the evidence for one season into a label, outcome and named source."""
    if override is not None:
        value = override["renewed"]
        return Label(
            renewed=None if value in ("", "unknown") else int(value),
            outcome=override["outcome"],
            label_source="curated",
            evidence=override.get("note", ""),
        )
    if evidence.renewed:
        return Label(1, "renewed", _source_name(evidence.renewed), "; ".join(sorted(set(evidence.renewed))))
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


# Dates in the evidence lines the build writes: a snapshot ("tmdb_2026-01-26: 3 seasons"), a later season
# charting ("... charted from 2023-03-05") or released ("season 2 released 2023-03-02, same production").
_EVIDENCE_DATE = re.compile(r"^[a-z0-9]+_(\d{4}-\d{2}-\d{2}):|charted from (\d{4}-\d{2}-\d{2})|released (\d{4}-\d{2}-\d{2}),")


def renewal_first_seen(evidence: str) -> str | None:
    """The earliest date at which a source showed the renewal, from a renewed row's `label_evidence`
    (ISO text; None for a curated override, whose note carries no dated source line).

    With the debut it says how late the data learns of renewals: an "Ended" status counts only after
    `DECISION_WINDOW` for the same reason (see `renewal_announcement_delays`, which measures when the
    announcements themselves were public, on the raw Wikipedia snapshots).
    """
    dates = [
        next(group for group in match.groups() if group)
        for line in evidence.split("; ")
        if (match := _EVIDENCE_DATE.search(line))
    ]
    return min(dates) if dates else None
