"""Feature stage of the build: each season's inputs as of its decision, from its own debut window.

Every value here is computed from what was public within about four weeks of the debut (the Top 10
weeks of the debut window, the previous season's own window, decisions already public at the debut);
nothing is blanked, filled or picked by what happened later.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from renewml.data.labels import DECISION_WINDOW

FIRST_WEEKS = 4  # the decision window: features may use the first four Top-10 weeks
OFF_THE_LIST_RANK = 11  # a season out of the Top 10 in week 2 ranks below 10th


def viewing_features(seasons: pd.DataFrame, top10: pd.DataFrame) -> pd.DataFrame:
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


def countries_features(seasons: pd.DataFrame, countries: pd.DataFrame | None) -> pd.DataFrame:
    """How many countries' TV Top 10 a season entered in its debut week, and in its first four weeks.

    Both count as of the debut window only, and are blank unless the per-country file covers every week they
    need (the bundled file covers 2021-07-04 to 2022-02-27): a count over weeks the file lacks would be too low.
    """
    out = pd.DataFrame(index=seasons.index, columns=["countries_debut_week", "countries_first4"], dtype=float)
    if countries is None or countries.empty:
        return out
    covered = set(countries["week"])
    by_title = {key: g for key, g in countries.groupby(["show_title", "season_title"])}
    for index, s in seasons.iterrows():
        weeks = [s["debut_week"] + pd.Timedelta(weeks=k) for k in range(FIRST_WEEKS)]
        rows = by_title.get((s["show_title"], s["season_title"]))
        if weeks[0] in covered:
            out.at[index, "countries_debut_week"] = 0 if rows is None else rows.loc[rows["week"] == weeks[0], "country_iso2"].nunique()
        if all(w in covered for w in weeks):
            out.at[index, "countries_first4"] = 0 if rows is None else rows.loc[rows["week"].isin(weeks), "country_iso2"].nunique()
    return out


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


def tmdb_number(t: pd.Series | None, name: str) -> float:
    return float(t[name]) if t is not None and pd.notna(t[name]) else np.nan


def years_since_premiere(t: pd.Series | None, season_number: int, debut: pd.Timestamp) -> float:
    """Years from the series premiere (TMDB) to this season's debut week; 0 for a first season."""
    if season_number == 1:
        return 0.0
    if t is None or pd.isna(t["first_air_date"]) or t["first_air_date"] > debut:
        return np.nan
    return round((debut - t["first_air_date"]).days / 365.25, 2)


def history_features(table: pd.DataFrame) -> pd.DataFrame:
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


def creator_record(table: pd.DataFrame, creators: pd.Series) -> pd.DataFrame:
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



def genre_of(tmdb_genres: str, wiki_genre: str, mc_genres: str) -> str:
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


def source_material_of(
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

