"""Build the curated renewal table from the raw public sources.

One row per (show, season) that debuted in Netflix's global weekly TV Top 10. The build runs in stages,
one module each: `match` (which Top 10 entries are seasons, and their rows in the other sources),
`season_features` (each season's inputs as of its decision) and `labels` (the evidence about its fate,
resolved by one rule). Seasons that are left out are written to a second table with the reason, so nothing
is dropped silently.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from renewml import config
from renewml.config import CURATION_DIR
from renewml.data import raw
from renewml.data.labels import DECISION_WINDOW, Evidence, decide_label, wiki_status_evidence
from renewml.data.match import (
    LATE_ENTRY_DAYS,
    TOP10_START,
    UNSCRIPTED_WORDS,
    docuseries_subjects,
    drop_record,
    drop_reentries,
    engagement_later_season,
    engagement_release,
    later_season_evidence,
    match_by_year,
    match_tmdb,
    top10_seasons,
    year_window,
)
from renewml.data.season_features import (
    countries_features,
    creator_record,
    genre_of,
    history_features,
    source_material_of,
    tmdb_number,
    viewing_features,
    years_since_premiere,
)
from renewml.data.sources import RawFolders, curated_entries, full_build_entries, resolve_folders
from renewml.data.titles import normalize_title, parse_season_title, slugify
from renewml.errors import RawDataError

SOURCES_CHECKED_THROUGH = pd.Timestamp(config.SOURCES_CHECKED_THROUGH_WEEK)


@dataclass
class BuildResult:
    table: pd.DataFrame
    dropped: pd.DataFrame
    # Per source, the files read and their sha256 (written as `<table>.sources.json`), and what the build did
    # that a user should know (printed on stderr).
    sources: list[dict[str, object]] = field(default_factory=list)
    mode: str = "full"
    notes: list[str] = field(default_factory=list)


def _read_curated(name: str, curation_dir: Path) -> pd.DataFrame:
    path = curation_dir / name
    if not path.is_file():
        raise RawDataError(f"curated table {path} is missing")
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def build_dataset(raw_dir: Path | RawFolders, curation_dir: Path = CURATION_DIR) -> BuildResult:
    """Read the raw sources and the curated tables; return the season table and the dropped seasons.

    `raw_dir` is the user raw folder (or the folders already resolved): its files are read before the bundled
    raw folder's, so a fetched Top 10 or engagement report wins. Without the other sources in any folder, the
    committed table is extended with the new Top 10 weeks instead (`renewml.data.extend`, chosen by
    `renewml.data.build_and_write`).
    """
    folders = raw_dir if isinstance(raw_dir, RawFolders) else resolve_folders(raw_dir)
    if folders.full is None:
        raise RawDataError(f"the raw folders lack {', '.join(folders.missing_sources())}; a full build needs them")
    raw_dir = folders.full
    raw.check_raw_dir(raw_dir)
    top10 = raw.read_top10(folders.folders)
    countries = raw.read_countries(folders.folders)
    tmdb = raw.read_tmdb(raw_dir)
    metacritic = raw.read_metacritic(raw_dir)
    justwatch = raw.read_justwatch(raw_dir)
    film_book = raw.read_film_book_titles(raw_dir)
    wiki = raw.read_wikipedia_status(raw_dir)
    engagement = raw.read_engagement(folders.folders)
    imdb_index = raw.read_imdb_index(raw_dir)
    asof = raw.read_imdb_asof_manifest(raw_dir)

    season_overrides = _read_curated("season_overrides.csv", curation_dir)
    label_overrides = _read_curated("label_overrides.csv", curation_dir)
    review_overrides = _read_curated("review_overrides.csv", curation_dir)
    premiere_dates = _read_curated("premiere_dates.csv", curation_dir)
    premiere_map = {
        (normalize_title(r["series_title"]), int(r["season_number"])): r for _, r in premiere_dates.iterrows()
    }
    commissions = {
        normalize_title(r["series_title"]): r for _, r in _read_curated("commissions.csv", curation_dir).iterrows()
    }
    source_table = _read_curated("source_material.csv", curation_dir)
    curated_sources = {normalize_title(r["series_title"]): r for _, r in source_table.iterrows()}

    seasons, dropped = top10_seasons(top10, season_overrides)
    seasons, more = drop_reentries(seasons)
    dropped += more
    seasons = viewing_features(seasons, top10)
    seasons = pd.concat([seasons, countries_features(seasons, countries)], axis=1)

    # engagement reports: per-season release dates, runtimes, and Netflix branding
    engagement = engagement.copy()
    parsed = [parse_season_title(t.split(":")[0], t) for t in engagement["title"]]
    engagement["series_key"] = [
        normalize_title(re.split(r":\s*(?:Season|Limited Series|Part|Volume)", t)[0]) for t in engagement["title"]
    ]
    engagement["season_number"] = [p.season_number for p in parsed]
    eng_dated = engagement.dropna(subset=["release_date", "season_number"])
    eng_by_key = {k: g for k, g in eng_dated.groupby("series_key")}

    tmdb_by_key = {k: g for k, g in tmdb.groupby("key")}
    wiki_by_key = {k: g for k, g in wiki.groupby("key")}
    asof_map = {(r.top10_show_title, r.top10_season_title): r for r in asof.itertuples()}
    label_map = {
        (normalize_title(r["series_title"]), int(r["season_number"])): r for _, r in label_overrides.iterrows()
    }
    review_map = {
        (normalize_title(r["series_title"]), int(r["season_number"])): r for _, r in review_overrides.iterrows()
    }
    top10_next_week = {
        (k, n, c): w
        for k, n, c, w in seasons[["series_key", "season_number", "category", "debut_week"]].itertuples(index=False)
    }

    rows = []
    for _, s in seasons.iterrows():
        key, n, debut = s["series_key"], int(s["season_number"]), s["debut_week"]
        sources = ["netflix_top10"]
        # A season linked into a franchise (curated) is found in other sources under either title.
        own_key = normalize_title(s["show_title"])
        t = match_tmdb(s, tmdb_by_key)
        if t is None and own_key != key:
            t = match_tmdb(s, tmdb_by_key, own_key)
        wiki_rows = wiki_by_key.get(key, wiki_by_key.get(own_key))
        if wiki_rows is not None:
            low, high = year_window(debut.year, n)
            years = wiki_rows["premiere_date"].dt.year
            wiki_rows = wiki_rows[years.isna() | ((years >= low) & (years <= high))]
            if wiki_rows.empty:
                wiki_rows = None
        eng_rows = eng_by_key.get(key, eng_by_key.get(own_key))
        release = engagement_release(eng_rows, n, debut)

        # --- is it a Netflix title, and scripted?
        tmdb_type = t["type"] if t is not None else ""
        wiki_genre = " ".join(dict.fromkeys(g for g in wiki_rows["genre"] if g)) if wiki_rows is not None else ""
        if t is not None and pd.notna(t["first_air_date"]):  # Metacritic dates the series premiere
            start_year = int(t["first_air_date"].year)
            mc_low, mc_high = start_year - 1, start_year + 1
        else:
            mc_low, mc_high = year_window(debut.year, n)
        mc = match_by_year(key, mc_low, mc_high, metacritic, "release_year")
        mc_genres = str(mc["genres"]) if mc is not None else ""
        original_evidence = []
        if t is not None:
            original_evidence.append("tmdb_netflix_network")
        if wiki_rows is not None:
            original_evidence.append("wikipedia_netflix_originals")
        if release is not None:
            original_evidence.append("engagement_release_date")
        # A season newer than every source cannot be vouched for yet: kept, marked, and left out of training.
        unverified = debut > SOURCES_CHECKED_THROUGH and original_evidence in ([], ["engagement_release_date"])
        if not original_evidence and not unverified:
            dropped.append(drop_record(s, "not verified as a Netflix original (licensed or library title)"))
            continue
        if original_evidence == ["engagement_release_date"] and not unverified:
            # Netflix brands licensed exclusives and simulcasts (tvN, JTBC, BBC Three...) the same way:
            # a release date in an engagement report does not show that Netflix decides a renewal.
            dropped.append(drop_record(s, "only Netflix-branded in an engagement report: not verified as a Netflix commission"))
            continue
        not_netflix = _not_netflix_decision(commissions.get(key, commissions.get(own_key)), n, wiki_rows)
        if not_netflix:
            dropped.append(drop_record(s, not_netflix))
            continue
        subjects = docuseries_subjects(wiki_rows)
        if subjects:
            dropped.append(drop_record(s, f"unscripted (docuseries: {subjects[0]})"))
            continue
        if t is None and _justwatch_unscripted(key, debut.year, n, justwatch):
            dropped.append(drop_record(s, "unscripted (justwatch catalogue genre: documentation or reality)"))
            continue
        if tmdb_type in ("Reality", "Documentary", "Talk Show", "News") or (
            not tmdb_type and UNSCRIPTED_WORDS.search(wiki_genre or mc_genres or "")
        ):
            dropped.append(drop_record(s, f"unscripted ({(tmdb_type or wiki_genre or mc_genres).lower()})"))
            continue

        # --- premiere date and days available in the debut week
        premiere, premiere_source = pd.NaT, ""
        if release is not None:
            premiere, premiere_source = release["release_date"], "netflix_engagement"
        elif n == 1 and t is not None and pd.notna(t["first_air_date"]):
            premiere, premiere_source = t["first_air_date"], "tmdb_first_air_date"
        elif n == 1 and wiki_rows is not None and wiki_rows["premiere_date"].notna().any():
            premiere, premiere_source = wiki_rows["premiere_date"].dropna().min(), "wikipedia_premiere"
        elif (key, n) in premiere_map:  # later seasons released after the last engagement report
            premiere, premiere_source = pd.Timestamp(premiere_map[(key, n)]["premiere_date"]), "curated"
        days_in_week = np.nan
        if pd.notna(premiere) and premiere < TOP10_START - pd.Timedelta(days=7):
            dropped.append(drop_record(s, "premiered before the Top 10 began (no debut-week figures)"))
            continue
        if pd.notna(premiere) and premiere > debut:
            # a release after the debut week describes another production with the same title
            premiere, premiere_source, release = pd.NaT, "", None
        if pd.notna(premiere):
            lag = (debut - premiere).days
            if lag > LATE_ENTRY_DAYS:
                dropped.append(drop_record(s, f"first charted {lag} days after its premiere (library re-entry)"))
                continue
            days_in_week = float(min(max(lag + 1, 1), 7)) if lag >= -1 else np.nan
        sources += [e for e in original_evidence if e != "tmdb_netflix_network"]
        if t is not None:
            sources.append("tmdb")

        # --- views: reported from 2023-06, else hours / runtime
        runtime = s["runtime_hours"]
        if np.isnan(runtime) and release is not None and pd.notna(release["runtime_hours"]):
            runtime = float(release["runtime_hours"])
        views = s["debut_views_reported"]
        derived = False
        if pd.isna(views) and not np.isnan(runtime) and runtime > 0:
            views = round(s["debut_hours"] / runtime, -5)
            derived = True

        # --- IMDb id and season ratings
        imdb_id = t["imdb_id"] if t is not None and isinstance(t["imdb_id"], str) else None
        if imdb_id is None:
            low, high = year_window(debut.year, n)
            jw = match_by_year(key, low, high, justwatch, "release_year")
            if jw is not None and isinstance(jw["imdb_id"], str):
                imdb_id = jw["imdb_id"]
            else:
                ix = match_by_year(key, low, high, imdb_index, "startYear")
                imdb_id = ix["id"] if ix is not None else None
        imdb_rating, imdb_source = np.nan, ""
        a = asof_map.get((s["show_title"], s["season_title"]))
        if a is not None:
            season_lists = raw.imdb_seasons(raw_dir, a.file)
            index = int(a.season_index) - 1
            if season_lists and 0 <= index < len(season_lists) and season_lists[index]:
                imdb_rating, imdb_source = (
                    round(float(np.mean(season_lists[index])), 2),
                    "imdb_asof_debut_plus_28d",
                )
        # The 2026-08-22 snapshot postdates every decision: it is kept beside the point-in-time value to
        # measure the drift, and used as label evidence (a later rated season), never as a model input.
        latest_lists = raw.imdb_seasons(raw_dir, raw.latest_imdb_file(imdb_id)) if imdb_id else None
        imdb_latest = np.nan
        if latest_lists and n <= len(latest_lists) and latest_lists[n - 1]:
            imdb_latest = round(float(np.mean(latest_lists[n - 1])), 2)
        if imdb_source or not np.isnan(imdb_latest):
            sources.append("imdb")

        # --- review scores. Metacritic's are series-level and were scraped at the end of 2025: whether a show
        # has one at all depends on later seasons (a listing needs 7 critic reviews), so no rule can make them
        # point in time. They are kept for reference and never feed the critic and audience inputs, which hold
        # only a season's own score as published at its release (curated, with a cite).
        series_critic = series_audience = np.nan
        if mc is not None:
            series_critic = float(mc["metascore"]) if pd.notna(mc["metascore"]) else np.nan
            # Metacritic prints a user score of 0 for "tbd" (too few ratings): unknown, not zero.
            user = float(mc["userscore"]) if pd.notna(mc["userscore"]) else np.nan
            series_audience = user if user > 0 else np.nan
            sources.append("metacritic")
        critic = audience = np.nan
        review_source = ""
        ro = review_map.get((key, n))
        if ro is not None:
            critic = float(ro["critic_score"]) if ro["critic_score"] else np.nan
            audience = float(ro["audience_score"]) if ro["audience_score"] else np.nan
            review_source = "curated: " + ro["note"]

        genre = genre_of(str(t["genres"]) if t is not None else "", wiki_genre, mc_genres)
        if genre in ("documentary", "reality"):
            dropped.append(drop_record(s, f"unscripted ({genre})"))
            continue

        # --- source material, genre, language
        in_film_book = key in film_book
        source_material, source_note = source_material_of(
            s,
            t["keywords"] if t is not None else "",
            str(mc["description"]) if mc is not None else "",
            in_film_book,
            curated_sources,
        )
        keywords = t["keywords"].lower() if t is not None else ""
        anthology = "anthology" in keywords or "anthology" in wiki_genre.lower()

        # --- label evidence
        # "Limited Series" concludes a first season only: a franchise that Netflix titles "Limited Series"
        # every time (Berlin) has shown that the label does not mean the end.
        ev = Evidence(limited=bool(s["is_limited"]) and n == 1, limited_since=debut.date().isoformat())
        later_season = later_season_evidence(top10_next_week, key, n, s["category"], debut)
        if later_season:
            ev.renewed.append(later_season)
        later_release = engagement_later_season(eng_rows, n, release)
        if later_release is not None:
            ev.renewed.append(
                f"netflix_engagement: season {int(later_release['season_number'])} released "
                f"{later_release['release_date'].date()}, same production (this season released "
                f"{release['release_date'].date()})"
            )
        # The season started on its release date, or at the latest on the first day of its debut week.
        season_start = premiere if pd.notna(premiere) else debut - pd.Timedelta(days=6)
        if wiki_rows is not None:
            for w in wiki_rows.itertuples():
                said = wiki_status_evidence(w.status, w.seasons, n)
                tag = f"wikipedia_{w.snapshot.date()}: '{w.status}' with {w.seasons:.0f} season(s)"
                before = w.snapshot < season_start
                if said == "renewed":
                    (ev.renewed_before_debut if before else ev.renewed).append(tag)
                elif said == "final":
                    (ev.final_before_debut if before else ev.final_season).append(tag)
                elif said == "ended" and w.snapshot - debut >= DECISION_WINDOW:
                    ev.ended.append(tag)
        # A later season under the same TMDB or IMDb id is the same production, "Limited Series" or not.
        if t is not None and t["num_seasons"] > n:
            ev.renewed.append(f"tmdb_2026-01-26: {t['num_seasons']} seasons")
        elif not ev.limited and t is not None and t["num_seasons"] == n:
            if t["status"] == "Canceled":
                ev.cancelled.append("tmdb_2026-01-26: status Canceled")
            elif t["status"] == "Ended" and raw.TMDB_SNAPSHOT - debut >= DECISION_WINDOW:
                ev.ended.append("tmdb_2026-01-26: status Ended")
        if latest_lists and len(latest_lists) > n and any(latest_lists[n:]):
            ev.renewed.append(f"imdb_2026-08-22: {len(latest_lists)} rated seasons")
        try:
            label = decide_label(ev, label_map.get((key, n)), season_start)
        except ValueError as exc:
            raise RawDataError(f"{curation_dir / 'label_overrides.csv'}: {s['series_title']} season {n}: {exc}") from exc
        outcome = label.outcome

        rows.append(
            {
                "row_id": f"{slugify(s['series_title'])}-s{n}",
                "series_id": slugify(s["series_title"]),
                "show_title": s["show_title"],
                "season_title": s["season_title"],
                "season_number": n,
                "language": "english" if s["category"] == "TV (English)" else "non_english",
                "format": "limited" if s["is_limited"] else "ongoing",
                "anthology": anthology,
                "source_material": source_material,
                "source_material_note": source_note,
                "genre": genre,
                "debut_week": debut.date().isoformat(),
                "premiere_date": premiere.date().isoformat() if pd.notna(premiere) else "",
                "premiere_date_source": premiere_source,
                "days_in_debut_week": days_in_week,
                "debut_rank": s["debut_rank"],
                "debut_hours": s["debut_hours"],
                "debut_views": views,
                "debut_views_derived": derived,
                "debut_views_per_day": views / days_in_week if pd.notna(views) and pd.notna(days_in_week) else np.nan,
                "runtime_hours": runtime,
                "episode_minutes": tmdb_number(t, "avg_episode_runtime"),
                "original_language": str(t["original_language"]) if t is not None and pd.notna(t["original_language"]) else "",
                "content_rating": str(t["us_content_rating"]) if t is not None and pd.notna(t["us_content_rating"]) else "",
                "years_since_series_premiere": years_since_premiere(t, n, debut),
                "hours_first4_vs_list": s["hours_first4_vs_list"],
                "best_rank_first4": s["best_rank_first4"],
                "week2_rank": s["week2_rank"],
                "_creators": t["created_by"] if t is not None and isinstance(t["created_by"], str) else "",
                "week2_to_week1": round(s["week2_to_week1"], 4) if pd.notna(s["week2_to_week1"]) else np.nan,
                "week2_is_upper_bound": s["week2_is_upper_bound"],
                "weeks_in_top10_first4": s["weeks_in_top10_first4"],
                "critic_score": critic,
                "audience_score": audience,
                "review_source": review_source,
                "metacritic_series_score": series_critic,
                "metacritic_series_user_score": series_audience,
                "imdb_season_rating": imdb_rating,
                "imdb_rating_source": imdb_source,
                "imdb_season_rating_latest": imdb_latest,
                "tmdb_id": int(t["id"]) if t is not None else "",
                "imdb_id": imdb_id or "",
                "original_evidence": ";".join(original_evidence),
                "renewed": label.renewed,
                "outcome": outcome,
                "label_source": label.label_source,
                "label_evidence": label.evidence,
                "sources": ";".join(dict.fromkeys(sources)),
                "unverified": unverified,
                "countries_debut_week": s["countries_debut_week"],
                "countries_first4": s["countries_first4"],
            }
        )
    table = pd.DataFrame(rows)
    table = table.sort_values(["debut_week", "row_id"]).reset_index(drop=True)
    dup = table.duplicated("row_id", keep="first")
    for _, r in table[dup].iterrows():
        dropped.append(
            {
                "show_title": r["show_title"],
                "season_title": r["season_title"],
                "debut_week": r["debut_week"],
                "reason": "same series and season as an earlier row",
            }
        )
    table = table[~dup].reset_index(drop=True)
    table = pd.concat([table, history_features(table), creator_record(table, table["_creators"])], axis=1)
    table = table.drop(columns="_creators")
    dropped_frame = pd.DataFrame(dropped)
    dropped_frame["debut_week"] = pd.to_datetime(dropped_frame["debut_week"]).dt.date.astype(str)
    dropped_frame = dropped_frame.sort_values(["debut_week", "show_title", "season_title"]).reset_index(drop=True)
    return BuildResult(table=table, dropped=dropped_frame, sources=full_build_entries(folders) + curated_entries(curation_dir))


def _not_netflix_decision(curated: pd.Series | None, season_number: int, wiki_rows: pd.DataFrame | None) -> str:
    """Why a season's renewal is not Netflix's decision ('' when it is).

    A curated row (with a cite) decides: `netflix` or `co_commission_shared` keep the season; `other_broadcaster`
    (Netflix only distributes it), `co_commission` (renewal shared, no cite that Netflix takes part in it) and
    `unscripted` drop it. Without one, Wikipedia's co-production and regional-exclusive tables (a partner
    broadcaster, or Netflix holding only some markets) drop it: such a renewal is not Netflix's alone.
    """
    if curated is not None and _covers(curated["seasons"], season_number):
        decision = curated["decision"]
        if decision in ("netflix", "co_commission_shared"):
            return ""
        reason = {
            "other_broadcaster": "another broadcaster's commission that Netflix distributes",
            "co_commission": "a co-commission whose renewal Netflix does not decide alone",
            "unscripted": "unscripted",
        }[decision]
        return f"{reason} (curated: {curated['note']})"
    if wiki_rows is not None:
        partners = wiki_rows[wiki_rows["partner"] != ""]
        if len(partners):
            first = partners.iloc[0]
            return (
                f"a co-production or regional exclusive (wikipedia_{first['snapshot'].date()}: {first['partner']}): "
                "the renewal is not Netflix's alone"
            )
    return ""


def _covers(seasons: str, season_number: int) -> bool:
    """Whether a curated 'seasons' cell ('' for all, '2', '2-4') covers this season."""
    if not seasons.strip():
        return True
    low, _, high = seasons.partition("-")
    return int(low) <= season_number <= int(high or low)


def _justwatch_unscripted(key: str, debut_year: int, season_number: int, justwatch: pd.DataFrame) -> bool:
    """A title TMDB does not know, that JustWatch's catalogue files under documentation or reality."""
    low, high = year_window(debut_year, season_number)
    row = match_by_year(key, low, high, justwatch, "release_year")
    return row is not None and bool(re.search(r"documentation|reality", str(row["genres"])))
