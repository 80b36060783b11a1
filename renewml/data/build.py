"""Build the curated renewal table from the raw public sources.

One row per (show, season) that debuted in Netflix's global weekly TV Top 10. Every feature is
knowable within about four weeks of the debut; labels come from evidence resolved in `labels.py`.
Seasons that are left out are written to a second table with the reason, so nothing is dropped silently.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from renewml.config import CURATION_DIR, DECISION_WINDOW_DAYS
from renewml.data import raw
from renewml.data.labels import Evidence, decide_label, wiki_status_evidence
from renewml.data.titles import normalize_title, parse_season_title, slugify
from renewml.errors import RawDataError

FIRST_WEEKS = 4  # the decision window: features may use the first four Top-10 weeks
OFF_THE_LIST_RANK = 11  # a season out of the Top 10 in week 2 ranks below 10th
LATE_ENTRY_DAYS = 45  # a season first charting this long after its premiere is a library re-entry
# "Ended" (TMDB, Wikipedia) is only a decision once renewals have had time to be announced: TMDB editors
# mark a show ended as soon as a season finishes airing. Measured on the Wikipedia snapshots
# (`renewal_announcement_delays`): among seasons that were renewed, the share already announced is 100%
# in every slice (English and non-English, first and later seasons) from 365 to 730 days after the debut,
# and below 100% (40-90%) somewhere in every slice before 365 days.
DECISION_WINDOW = pd.Timedelta(days=DECISION_WINDOW_DAYS)
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


@dataclass
class BuildResult:
    table: pd.DataFrame
    dropped: pd.DataFrame


# --------------------------------------------------------------------------------------------------
# curated inputs


def _read_curated(name: str, curation_dir: Path) -> pd.DataFrame:
    path = curation_dir / name
    if not path.is_file():
        raise RawDataError(f"curated table {path} is missing")
    return pd.read_csv(path, dtype=str, keep_default_na=False)


# --------------------------------------------------------------------------------------------------
# Top 10 seasons


def _top10_seasons(top10: pd.DataFrame, overrides: pd.DataFrame) -> tuple[pd.DataFrame, list[dict]]:
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
                dropped.append(_drop(row, override.note))
                continue
            series_title = override.series_title or row.show_title
            season_number = int(override.season_number)
            is_limited = override.format == "limited"
        else:
            parsed = parse_season_title(row.show_title, row.season_title)
            if parsed.skip_reason:
                dropped.append(_drop(row, parsed.skip_reason))
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


def _drop(row: object, reason: str) -> dict:
    return {
        "show_title": row.show_title,
        "season_title": row.season_title,
        "debut_week": getattr(row, "first_week", getattr(row, "debut_week", None)),
        "reason": reason,
    }


def _drop_reentries(seasons: pd.DataFrame) -> tuple[pd.DataFrame, list[dict]]:
    """Old seasons that chart with or after a newer season of the same show are library re-entries."""
    dropped = []
    keep = []
    for _, group in seasons.groupby("series_key", sort=False):
        group = group.sort_values(["season_number", "debut_week"])
        # the same season under two titles (Netflix renamed some): keep the earliest entry
        dup = group.duplicated("season_number", keep="first")
        for _, r in group[dup].iterrows():
            dropped.append(_drop(r, "duplicate title for a season already listed"))
        group = group[~dup]
        for _, r in group.iterrows():
            later = group[group["season_number"] > r["season_number"]]
            if (later["debut_week"] <= r["debut_week"]).any():
                dropped.append(_drop(r, "re-entered the Top 10 with or after a newer season (library re-entry)"))
            else:
                keep.append(r)
    return pd.DataFrame(keep).reset_index(drop=True), dropped


def _viewing_features(seasons: pd.DataFrame, top10: pd.DataFrame) -> pd.DataFrame:
    """Debut-week rank, hours, views and the first four weeks' trajectory."""
    by_title = {key: g for key, g in top10.groupby(["show_title", "season_title"])}
    tenth = top10[top10["weekly_rank"] == 10].set_index(["category", "week"])["weekly_hours_viewed"]
    out = []
    for _, s in seasons.iterrows():
        g = by_title[(s["show_title"], s["season_title"])].sort_values("week")
        debut = g.iloc[0]
        window = g[g["week"] <= s["debut_week"] + pd.Timedelta(weeks=FIRST_WEEKS - 1)]
        week2 = g[g["week"] == s["debut_week"] + pd.Timedelta(weeks=1)]
        if len(week2):
            week2_hours = float(week2["weekly_hours_viewed"].iloc[0])
            week2_bound = False
        else:  # not in the list in week 2: its hours were at most the 10th place's
            week2_hours = float(tenth.get((s["category"], s["debut_week"] + pd.Timedelta(weeks=1)), np.nan))
            week2_bound = True
        runtime = g["runtime"].dropna()
        out.append(
            {
                "hours_first4": float(window["weekly_hours_viewed"].sum()),
                "best_rank_first4": int(window["weekly_rank"].min()),
                "week2_rank": int(week2["weekly_rank"].iloc[0]) if len(week2) else OFF_THE_LIST_RANK,
                "debut_rank": int(debut["weekly_rank"]),
                "debut_hours": float(debut["weekly_hours_viewed"]),
                "debut_views_reported": debut["weekly_views"],
                "runtime_hours": float(runtime.iloc[0]) if len(runtime) else np.nan,
                "week2_to_week1": week2_hours / float(debut["weekly_hours_viewed"]),
                "week2_is_upper_bound": week2_bound,
                "weeks_in_top10_first4": int(len(window)),
                "weeks_in_top10_total_at_source": int(g["cumulative_weeks_in_top_10"].max()),
            }
        )
    result = pd.concat([seasons.reset_index(drop=True), pd.DataFrame(out)], axis=1)
    result["hours_first4_vs_list"] = _relative_to_recent_list(result)
    return result


def _relative_to_recent_list(seasons: pd.DataFrame) -> np.ndarray:
    """log10 of a season's first-four-week Top 10 hours minus the median of the seasons of the same list
    that debuted in the half-year up to its debut: how big a hit it was for its list at that time."""
    logs = np.log10(seasons["hours_first4"].clip(lower=1).to_numpy(dtype=float))
    weeks = seasons["debut_week"].to_numpy()
    categories = seasons["category"].to_numpy()
    out = np.full(len(seasons), np.nan)
    for i in range(len(seasons)):
        peers = (categories == categories[i]) & (weeks <= weeks[i]) & (weeks > weeks[i] - np.timedelta64(182, "D"))
        out[i] = logs[i] - np.median(logs[peers])
    return np.round(out, 4)


def _tmdb_number(t: pd.Series | None, name: str) -> float:
    return float(t[name]) if t is not None and pd.notna(t[name]) else np.nan


def _years_since_premiere(t: pd.Series | None, season_number: int, debut: pd.Timestamp) -> float:
    """Years from the series premiere (TMDB) to this season's debut week; 0 for a first season."""
    if season_number == 1:
        return 0.0
    if t is None or pd.isna(t["first_air_date"]) or t["first_air_date"] > debut:
        return np.nan
    return round((debut - t["first_air_date"]).days / 365.25, 2)


def _history_features(table: pd.DataFrame) -> pd.DataFrame:
    """For later seasons, what the show's previous season did (debut views, Top 10 weeks) and how long ago;
    years since the series premiered. Only the previous season's own debut-window figures are used."""
    previous = table.set_index(["series_id", "season_number"])
    out = pd.DataFrame(index=table.index)
    keys = list(zip(table["series_id"], table["season_number"] - 1, strict=True))
    found = [key in previous.index for key in keys]
    prev = previous.reindex(keys)
    prev_views = prev["debut_views"].to_numpy(dtype=float)
    out["prev_season_debut_views"] = np.where(found, prev_views, np.nan)
    ratio = table["debut_views"].to_numpy(dtype=float) / prev_views
    out["views_vs_prev_season"] = np.where(found, np.round(np.log10(ratio), 4), np.nan)
    out["prev_season_weeks_in_top10_first4"] = np.where(found, prev["weeks_in_top10_first4"].to_numpy(dtype=float), np.nan)
    gap = (pd.to_datetime(table["debut_week"]).to_numpy() - pd.to_datetime(prev["debut_week"]).to_numpy()) / np.timedelta64(1, "D")
    out["days_since_prev_season"] = np.where(found, gap, np.nan)
    return out


def _creator_record(table: pd.DataFrame, creators: pd.Series) -> pd.DataFrame:
    """The creators' earlier Netflix seasons in the table whose fate was public by this debut (debut at
    least `DECISION_WINDOW` earlier and decided), and the share of those that were renewed."""
    names = [set(filter(None, (c.strip() for c in str(v).split(",")))) if isinstance(v, str) else set() for v in creators]
    debut = pd.to_datetime(table["debut_week"]).to_numpy()
    decided_rows = table["renewed"].notna().to_numpy()
    renewed = table["renewed"].fillna(0).to_numpy(dtype=float)
    series = table["series_id"].to_numpy()
    counts, shares = np.full(len(table), np.nan), np.full(len(table), np.nan)
    for i, people in enumerate(names):
        if not people:
            continue
        earlier = [
            j
            for j, other in enumerate(names)
            if other & people and series[j] != series[i] and decided_rows[j] and debut[j] <= debut[i] - DECISION_WINDOW
        ]
        counts[i] = len(earlier)
        shares[i] = renewed[earlier].mean() if earlier else np.nan
    return pd.DataFrame({"creator_prior_seasons": counts, "creator_prior_renewed_share": np.round(shares, 4)})


# --------------------------------------------------------------------------------------------------
# matching to other sources


def _year_window(debut_year: int, season_number: int) -> tuple[int, int]:
    """Plausible first-air years of a show whose season N debuted in `debut_year`."""
    return debut_year - 3 * (season_number - 1) - 2, debut_year + 1


def _match_tmdb(row: pd.Series, tmdb_by_key: dict[str, pd.DataFrame], key: str | None = None) -> pd.Series | None:
    candidates = tmdb_by_key.get(key or row["series_key"])
    if candidates is None:
        return None
    low, high = _year_window(row["debut_week"].year, row["season_number"])
    years = candidates["first_air_date"].dt.year
    ok = candidates[(years >= low) & (years <= high)]
    if ok.empty:
        return None
    # the candidate whose premiere is closest before the debut
    gap = (row["debut_week"] - ok["first_air_date"]).dt.days.abs()
    return ok.loc[gap.idxmin()]


def _match_by_year(key: str, year_low: int, year_high: int, table: pd.DataFrame, year_col: str) -> pd.Series | None:
    candidates = table[(table["key"] == key) & table[year_col].between(year_low, year_high)]
    if candidates.empty:
        return None
    return candidates.iloc[0]


def _genre(tmdb_genres: str, wiki_genre: str, mc_genres: str) -> str:
    text = " ".join(x for x in (tmdb_genres, wiki_genre, mc_genres) if x).lower()
    if not text:
        return "unknown"
    rules = (
        ("kids_family", ("kids", "children", "preschool", "family")),
        ("animation", ("animat", "anime")),
        ("reality", ("reality", "game show", "game-show", "dating", "cooking", "competition")),
        ("documentary", ("documentary", "docuseries", "docu")),
        ("sci_fi_fantasy", ("sci-fi", "science fiction", "fantasy", "superhero", "supernatural", "horror")),
        ("crime_thriller", ("crime", "thriller", "mystery", "police", "legal")),
        ("action", ("action", "war", "western")),
        ("romance", ("romance", "romantic")),
        ("comedy", ("comedy", "sitcom")),
        ("drama", ("drama", "soap")),
    )
    # the first genre named by the most specific source decides
    first = (tmdb_genres or wiki_genre or mc_genres).lower()
    for name, words in rules:
        if any(w in first.split(",")[0] for w in words):
            return name
    for name, words in rules:
        if any(w in text for w in words):
            return name
    return "other"


def _source_material(
    row: pd.Series, tmdb_keywords: str, mc_description: str, in_film_book: bool, curated: dict[str, pd.Series]
) -> tuple[str, str]:
    """Source material category and where it came from; the curated table wins."""
    entry = curated.get(row["series_key"])
    if entry is not None:
        return entry["source_material"], "curated: " + entry["note"]
    keywords = tmdb_keywords.lower()
    description = (mc_description or "").lower()
    if "based on manga" in keywords or "based on comic" in keywords or "based on webtoon" in keywords:
        return "comic_manga", "tmdb keywords"
    if "based on true story" in keywords or "biography" in keywords or "true crime" in keywords:
        return "true_story", "tmdb keywords"
    if "based on novel or book" in keywords:
        return "unknown", "tmdb keywords say book-based; standalone or series not yet curated"
    if "based on video game" in keywords or "based on tv series" in keywords or "based on movie" in keywords:
        return "other_ip", "tmdb keywords"
    if re.search(r"based on (the )?(best-?selling |acclaimed |hit )?(novel|book)", description):
        return "unknown", "metacritic description says book-based; standalone or series not yet curated"
    if re.search(r"based on (the )?(true|real)", description):
        return "true_story", "metacritic description"
    if in_film_book:
        return "unknown", "listed on Wikipedia's television-based-on-books category (2020 crawl)"
    if tmdb_keywords:
        return "original", "no adaptation keyword among TMDB's first five keywords"
    return "unknown", "no source found"


def _engagement_release(rows: pd.DataFrame | None, season_number: int, debut: pd.Timestamp) -> pd.Series | None:
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


def _base_title(original_title: str) -> str:
    """'君に届け: シーズン3' and '君に届け 2ND SEASON' -> '君に届け': the production's name without its season."""
    return re.split(r":|\s+\d+(?:st|nd|rd|th)?\s+season|\s+season\s+\d+", original_title, flags=re.IGNORECASE)[0].strip()


def _engagement_later_season(rows: pd.DataFrame | None, season_number: int, anchor: pd.Series | None) -> pd.Series | None:
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
        base = _base_title(anchor["original_title"])
        later = later[[not t or _base_title(t) == base for t in later["original_title"]]]
    return None if later.empty else later.sort_values("release_date").iloc[0]


def _docuseries_subjects(wiki_rows: pd.DataFrame | None) -> list[str]:
    """Wikipedia genres that are docuseries subjects ("Sports", "True crime"), not scripted genres."""
    if wiki_rows is None:
        return []
    found = []
    for genre in wiki_rows["genre"]:
        text = str(genre).strip().lower()
        if text.startswith("docuseries") or text in DOCUSERIES_SUBJECTS:
            found.append(text.removeprefix("docuseries: "))
    return found


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


# --------------------------------------------------------------------------------------------------
# the build


def build_dataset(raw_dir: Path, curation_dir: Path = CURATION_DIR) -> BuildResult:
    """Read the raw sources and the curated tables; return the season table and the dropped seasons."""
    raw.check_raw_dir(raw_dir)
    top10 = raw.read_top10(raw_dir)
    tmdb = raw.read_tmdb(raw_dir)
    metacritic = raw.read_metacritic(raw_dir)
    justwatch = raw.read_justwatch(raw_dir)
    film_book = raw.read_film_book_titles(raw_dir)
    wiki = raw.read_wikipedia_status(raw_dir)
    engagement = raw.read_engagement(raw_dir)
    imdb_index = raw.read_imdb_index(raw_dir)
    asof = raw.read_imdb_asof_manifest(raw_dir)

    season_overrides = _read_curated("season_overrides.csv", curation_dir)
    label_overrides = _read_curated("label_overrides.csv", curation_dir)
    review_overrides = _read_curated("review_overrides.csv", curation_dir)
    premiere_dates = _read_curated("premiere_dates.csv", curation_dir)
    premiere_map = {
        (normalize_title(r["series_title"]), int(r["season_number"])): r for _, r in premiere_dates.iterrows()
    }
    source_table = _read_curated("source_material.csv", curation_dir)
    curated_sources = {normalize_title(r["series_title"]): r for _, r in source_table.iterrows()}

    seasons, dropped = _top10_seasons(top10, season_overrides)
    seasons, more = _drop_reentries(seasons)
    dropped += more
    seasons = _viewing_features(seasons, top10)

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
        t = _match_tmdb(s, tmdb_by_key)
        if t is None and own_key != key:
            t = _match_tmdb(s, tmdb_by_key, own_key)
        wiki_rows = wiki_by_key.get(key, wiki_by_key.get(own_key))
        if wiki_rows is not None:
            low, high = _year_window(debut.year, n)
            years = wiki_rows["premiere_date"].dt.year
            wiki_rows = wiki_rows[years.isna() | ((years >= low) & (years <= high))]
            if wiki_rows.empty:
                wiki_rows = None
        eng_rows = eng_by_key.get(key, eng_by_key.get(own_key))
        release = _engagement_release(eng_rows, n, debut)

        # --- is it a Netflix title, and scripted?
        tmdb_type = t["type"] if t is not None else ""
        wiki_genre = " ".join(dict.fromkeys(g for g in wiki_rows["genre"] if g)) if wiki_rows is not None else ""
        if t is not None and pd.notna(t["first_air_date"]):  # Metacritic dates the series premiere
            start_year = int(t["first_air_date"].year)
            mc_low, mc_high = start_year - 1, start_year + 1
        else:
            mc_low, mc_high = _year_window(debut.year, n)
        mc = _match_by_year(key, mc_low, mc_high, metacritic, "release_year")
        mc_genres = str(mc["genres"]) if mc is not None else ""
        original_evidence = []
        if t is not None:
            original_evidence.append("tmdb_netflix_network")
        if wiki_rows is not None:
            original_evidence.append("wikipedia_netflix_originals")
        if release is not None:
            original_evidence.append("engagement_release_date")
        if not original_evidence:
            dropped.append(_drop(s, "not verified as a Netflix original (licensed or library title)"))
            continue
        if original_evidence == ["engagement_release_date"]:
            # Netflix brands licensed exclusives and simulcasts (tvN, JTBC, BBC Three...) the same way:
            # a release date in an engagement report does not show that Netflix decides a renewal.
            dropped.append(_drop(s, "only Netflix-branded in an engagement report: not verified as a Netflix commission"))
            continue
        subjects = _docuseries_subjects(wiki_rows)
        if subjects:
            dropped.append(_drop(s, f"unscripted (docuseries: {subjects[0]})"))
            continue
        if tmdb_type in ("Reality", "Documentary", "Talk Show", "News") or (
            not tmdb_type and UNSCRIPTED_WORDS.search(wiki_genre or mc_genres or "")
        ):
            dropped.append(_drop(s, f"unscripted ({(tmdb_type or wiki_genre or mc_genres).lower()})"))
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
            dropped.append(_drop(s, "premiered before the Top 10 began (no debut-week figures)"))
            continue
        if pd.notna(premiere) and premiere > debut:
            # a release after the debut week describes another production with the same title
            premiere, premiere_source, release = pd.NaT, "", None
        if pd.notna(premiere):
            lag = (debut - premiere).days
            if lag > LATE_ENTRY_DAYS:
                dropped.append(_drop(s, f"first charted {lag} days after its premiere (library re-entry)"))
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
            low, high = _year_window(debut.year, n)
            jw = _match_by_year(key, low, high, justwatch, "release_year")
            if jw is not None and isinstance(jw["imdb_id"], str):
                imdb_id = jw["imdb_id"]
            else:
                ix = _match_by_year(key, low, high, imdb_index, "startYear")
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

        # --- review scores (series-level, scraped at the end of 2025)
        critic = audience = np.nan
        mixes_later = False
        review_source = ""
        if mc is not None:
            critic = float(mc["metascore"]) if pd.notna(mc["metascore"]) else np.nan
            audience = float(mc["userscore"]) if pd.notna(mc["userscore"]) else np.nan
            mixes_later = bool(pd.notna(mc["seasonCount"]) and mc["seasonCount"] > n)
            review_source = "metacritic"
            if mixes_later:  # the series score includes seasons that came after this decision
                critic = audience = np.nan
                review_source = "metacritic (dropped: mixes later seasons)"
            sources.append("metacritic")
        ro = review_map.get((key, n))
        if ro is not None:
            critic = float(ro["critic_score"]) if ro["critic_score"] else critic
            audience = float(ro["audience_score"]) if ro["audience_score"] else audience
            review_source = "curated: " + ro["note"]

        genre = _genre(str(t["genres"]) if t is not None else "", wiki_genre, mc_genres)
        if genre in ("documentary", "reality"):
            dropped.append(_drop(s, f"unscripted ({genre})"))
            continue

        # --- source material, genre, language
        in_film_book = key in film_book
        source_material, source_note = _source_material(
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
        later_weeks = [
            w
            for (k2, n2, category), w in top10_next_week.items()
            if k2 == key and n2 > n and category == s["category"] and debut < w <= debut + SAME_PRODUCTION_GAP
        ]
        if later_weeks:
            ev.renewed.append(f"netflix_top10: season {n + 1}+ of the same list charted from {min(later_weeks).date()}")
        later_release = _engagement_later_season(eng_rows, n, release)
        if later_release is not None:
            ev.renewed.append(
                f"netflix_engagement: season {int(later_release['season_number'])} released "
                f"{later_release['release_date'].date()}, same production (this season released "
                f"{release['release_date'].date()})"
            )
        if wiki_rows is not None:
            for w in wiki_rows.itertuples():
                said = wiki_status_evidence(w.status, w.seasons, n)
                tag = f"wikipedia_{w.snapshot.date()}: '{w.status}' with {w.seasons:.0f} season(s)"
                if said == "renewed":
                    ev.renewed.append(tag)
                elif said == "final":
                    ev.final_season.append(tag)
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
        label = decide_label(ev, label_map.get((key, n)))
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
                "episode_minutes": _tmdb_number(t, "avg_episode_runtime"),
                "original_language": str(t["original_language"]) if t is not None and pd.notna(t["original_language"]) else "",
                "content_rating": str(t["us_content_rating"]) if t is not None and pd.notna(t["us_content_rating"]) else "",
                "years_since_series_premiere": _years_since_premiere(t, n, debut),
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
                "review_scores_mix_later_seasons": mixes_later,
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
    table = pd.concat([table, _history_features(table), _creator_record(table, table["_creators"])], axis=1)
    table = table.drop(columns="_creators")
    dropped_frame = pd.DataFrame(dropped)
    dropped_frame["debut_week"] = pd.to_datetime(dropped_frame["debut_week"]).dt.date.astype(str)
    dropped_frame = dropped_frame.sort_values(["debut_week", "show_title", "season_title"]).reset_index(drop=True)
    return BuildResult(table=table, dropped=dropped_frame)
