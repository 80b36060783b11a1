"""Matching stage of the build: which Top 10 entries are seasons, and which rows of the other sources
(TMDB, Wikipedia, Metacritic, JustWatch, engagement reports) describe the same production.

Matching is by normalised title within a plausible window of years, never by title alone: many titles are
shared by unrelated productions (an anime and a live-action remake, a 2009 show and a 2023 one).
"""

from __future__ import annotations

import re

import pandas as pd

from renewml.data.titles import normalize_title, parse_season_title

LATE_ENTRY_DAYS = 45  # a season first charting this long after its premiere is a library re-entry
# A later season counts as the same production only within this gap after this season's release.
SAME_PRODUCTION_GAP = pd.Timedelta(days=4 * 365)
TOP10_START = pd.Timestamp("2021-06-28")  # Monday of the first published week
# Wikipedia's docuseries tables name a subject, not a genre; the ended list puts the subject in Genre.
DOCUSERIES_SUBJECTS = frozenset(
    "true crime|sports|biography|society|history|making-of|aftershow|food/culinary art|nature|music|health|"
    "educational|professions|drugs|docuseries|travel|military|paranormal|science|politics|religion|business|"
    "fashion|technology|animals|art|lifestyle|toy industry|space|culture|law enforcement".split("|")
)
UNSCRIPTED_WORDS = re.compile(
    r"reality|docuseries|documentary|docu-series|stand-up|talk show|talk-show|game show|game-show|"
    r"cooking|competition|news|variety|dating|makeover|true crime doc",
    re.IGNORECASE,
)


# --------------------------------------------------------------------------------------------------
# Top 10 seasons


def top10_seasons(top10: pd.DataFrame, overrides: pd.DataFrame) -> tuple[pd.DataFrame, list[dict]]:
    """One record per (show_title, season_title) with its parsed series and season number."""
    dropped: list[dict] = []
    firsts = (
        top10.sort_values("week")
        .groupby(["show_title", "season_title"], sort=True)
        .agg(first_week=("week", "first"), category=("category", "first"))
        .reset_index()
    )
    override_map = {(r.show_title, r.season_title): r for r in overrides.itertuples()}
    records = []
    for row in firsts.itertuples():
        override = override_map.get((row.show_title, row.season_title))
        if override is not None:
            if override.action == "drop":
                dropped.append(drop_record(row, override.note))
                continue
            series_title = override.series_title or row.show_title
            season_number = int(override.season_number)
            is_limited = override.format == "limited"
        else:
            parsed = parse_season_title(row.show_title, row.season_title)
            if parsed.skip_reason:
                dropped.append(drop_record(row, parsed.skip_reason))
                continue
            series_title, season_number, is_limited = row.show_title, parsed.season_number, parsed.is_limited
        records.append(
            {
                "show_title": row.show_title,
                "season_title": row.season_title,
                "series_title": series_title,
                "series_key": normalize_title(series_title),
                "season_number": season_number,
                "is_limited": is_limited,
                "category": row.category,
                "debut_week": row.first_week,
            }
        )
    return pd.DataFrame(records), dropped


def drop_record(row: object, reason: str) -> dict:
    return {
        "show_title": row.show_title,
        "season_title": row.season_title,
        "debut_week": getattr(row, "first_week", getattr(row, "debut_week", None)),
        "reason": reason,
    }


def drop_reentries(seasons: pd.DataFrame) -> tuple[pd.DataFrame, list[dict]]:
    """Old seasons that chart with or after a newer season of the same show are library re-entries."""
    dropped = []
    keep = []
    for _, group in seasons.groupby("series_key", sort=False):
        group = group.sort_values(["season_number", "debut_week"])
        # the same season under two titles (Netflix renamed some): keep the earliest entry
        dup = group.duplicated("season_number", keep="first")
        for _, r in group[dup].iterrows():
            dropped.append(drop_record(r, "duplicate title for a season already listed"))
        group = group[~dup]
        for _, r in group.iterrows():
            later = group[group["season_number"] > r["season_number"]]
            if (later["debut_week"] <= r["debut_week"]).any():
                dropped.append(drop_record(r, "re-entered the Top 10 with or after a newer season (library re-entry)"))
            else:
                keep.append(r)
    return pd.DataFrame(keep).reset_index(drop=True), dropped



# --------------------------------------------------------------------------------------------------
# other sources


def year_window(debut_year: int, season_number: int) -> tuple[int, int]:
    """Plausible first-air years of a show whose season N debuted in `debut_year`."""
    return debut_year - 3 * (season_number - 1) - 2, debut_year + 1


def match_tmdb(row: pd.Series, tmdb_by_key: dict[str, pd.DataFrame], key: str | None = None) -> pd.Series | None:
    candidates = tmdb_by_key.get(key or row["series_key"])
    if candidates is None:
        return None
    low, high = year_window(row["debut_week"].year, row["season_number"])
    years = candidates["first_air_date"].dt.year
    ok = candidates[(years >= low) & (years <= high)]
    if ok.empty:
        return None
    # the candidate whose premiere is closest before the debut
    gap = (row["debut_week"] - ok["first_air_date"]).dt.days.abs()
    return ok.loc[gap.idxmin()]


def match_by_year(key: str, year_low: int, year_high: int, table: pd.DataFrame, year_col: str) -> pd.Series | None:
    candidates = table[(table["key"] == key) & table[year_col].between(year_low, year_high)]
    if candidates.empty:
        return None
    return candidates.iloc[0]



def engagement_release(rows: pd.DataFrame | None, season_number: int, debut: pd.Timestamp) -> pd.Series | None:
    """The engagement-report entry for this very season: same number, released within the debut window.

    Matching by title alone would take a same-titled production (an anime, an older series) for this one;
    the entry released in the `LATE_ENTRY_DAYS` before the end of the debut week wins.
    """
    if rows is None:
        return None
    before = rows[(rows["season_number"] == season_number) & (rows["release_date"] <= debut)]
    window = before[before["release_date"] >= debut - pd.Timedelta(days=LATE_ENTRY_DAYS + 7)]
    if window.empty:
        # released long before its first chart week: the caller drops it as a library re-entry
        return None if before.empty else before.sort_values("release_date").iloc[-1]
    chosen = window.sort_values("release_date").iloc[0].copy()
    # the same release is listed in several half-year reports; only some give the runtime
    same = before[before["release_date"] == chosen["release_date"]]
    chosen["runtime_hours"] = pd.to_numeric(same["runtime_hours"], errors="coerce").max()
    return chosen


def base_title(original_title: str) -> str:
    """'君に届け: シーズン3' and '君に届け 2ND SEASON' -> '君に届け': the production's name without its season."""
    return re.split(r":|\s+\d+(?:st|nd|rd|th)?\s+season|\s+season\s+\d+", original_title, flags=re.IGNORECASE)[0].strip()


def engagement_later_season(rows: pd.DataFrame | None, season_number: int, anchor: pd.Series | None) -> pd.Series | None:
    """The next season of the same production: season N+1, released after this one within a plausible gap,
    with the same original-language name where Netflix prints one. Without an anchor there is no evidence.

    Only N+1 counts: a same-titled anime's "Season 3" a year after a live-action "Season 1" is not a renewal.
    """
    if rows is None or anchor is None:
        return None
    later = rows[
        (rows["season_number"] == season_number + 1)
        & (rows["release_date"] > anchor["release_date"])
        & (rows["release_date"] <= anchor["release_date"] + SAME_PRODUCTION_GAP)
    ]
    if anchor["original_title"]:
        base = base_title(anchor["original_title"])
        later = later[[not t or base_title(t) == base for t in later["original_title"]]]
    return None if later.empty else later.sort_values("release_date").iloc[0]


def later_season_evidence(
    debuts: dict[tuple[str, int, str], pd.Timestamp], key: str, season_number: int, category: str, debut: pd.Timestamp
) -> str | None:
    """The renewal evidence a later season of the same series and Top 10 list gives (its first debut within
    `SAME_PRODUCTION_GAP`), or None. `debuts` maps (series key, season number, list) to the debut week."""
    later = [
        week
        for (k, n, c), week in debuts.items()
        if k == key and n > season_number and c == category and debut < week <= debut + SAME_PRODUCTION_GAP
    ]
    if not later:
        return None
    return f"netflix_top10: season {season_number + 1}+ of the same list charted from {min(later).date()}"


def docuseries_subjects(wiki_rows: pd.DataFrame | None) -> list[str]:
    """Wikipedia genres that are docuseries subjects ("Sports", "True crime"), not scripted genres."""
    if wiki_rows is None:
        return []
    found = []
    for genre in wiki_rows["genre"]:
        text = str(genre).strip().lower()
        if text.startswith("docuseries") or text in DOCUSERIES_SUBJECTS:
            found.append(text.removeprefix("docuseries: "))
    return found



def franchise_candidates(table: pd.DataFrame) -> list[tuple[str, str]]:
    """Pairs of series in the table whose titles name the same franchise ("Monster" and "Monster: The Ed Gein
    Story"): a season Netflix titles on its own may be the next season of an anthology, and then its debut is
    the renewal evidence for the season before. Each pair must be linked (one series) in
    `curation/season_overrides.csv` or named distinct in `curation/distinct_series.csv`; a test holds it."""
    heads = table.groupby("series_id")["show_title"].agg(lambda t: {normalize_title(str(v).split(":")[0]) for v in t})
    names = {series_id: {series_id.replace("-", "")} | heads[series_id] for series_id in heads.index}
    pairs = set()
    ids = sorted(names)
    for i, a in enumerate(ids):
        for b in ids[i + 1 :]:
            if heads[a] & names[b] or heads[b] & names[a]:
                pairs.add((a, b))
    return sorted(pairs)
