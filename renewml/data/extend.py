"""Extend the committed table with new Top 10 weeks when the other raw sources are not at hand.

A user machine has the fetched Top 10 files but not the bundled sources (TMDB, Wikipedia, Metacritic, IMDb...)
the full build matches seasons against. Adding a week must not need them: the seasons the committed table
already has keep their rows and evidence (their Top 10 figures are recomputed from the newer files, as the full
build would), the seasons it left out stay out with the same reason, and each new season is built from the Top
10 alone:

- a new season of a series already in the table joins it, taking the series' own columns (genre, source
  material, identifiers, the evidence that it is a Netflix original) from the series' latest season, and is
  the renewal evidence for the season before, as in the full build;
- a new first season that no source vouches for yet is kept as an unverified row (`original_evidence` empty,
  `unverified` true): it can be predicted and shown on the board, and `renewml.data.decided` leaves it out of
  training until a source or a recorded decision vouches for it.

Recorded decisions (the curated label overrides) apply to every season, old or new, as in the full build.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from renewml import config
from renewml.data import raw
from renewml.data.build import BuildResult, _read_curated
from renewml.data.labels import Evidence, _source_name, decide_label
from renewml.data.match import drop_record, drop_reentries, later_season_evidence, top10_seasons
from renewml.data.schema import DATASET_COLUMNS, DATASET_DTYPES
from renewml.data.season_features import countries_features, history_features, source_material_of, viewing_features
from renewml.data.sources import RawFolders, curated_entries, top10_entries
from renewml.data.titles import normalize_title, slugify
from renewml.errors import RawDataError

# The committed table's columns that come from the Top 10 alone: recomputed from the newer files, since a new
# week moves the first-four-week figures of the seasons that debuted just before it.
TOP10_COLUMNS = (
    "debut_rank",
    "debut_hours",
    "best_rank_first4",
    "week2_rank",
    "week2_to_week1",
    "week2_is_upper_bound",
    "weeks_in_top10_first4",
    "hours_first4_vs_list",
)
# A new season of a series in the table takes these from the series' latest season.
SERIES_COLUMNS = (
    "series_id",
    "anthology",
    "source_material",
    "source_material_note",
    "genre",
    "episode_minutes",
    "original_language",
    "content_rating",
    "tmdb_id",
    "imdb_id",
    "original_evidence",
    "unverified",
)


def extend_committed(
    folders: RawFolders,
    curation_dir: Path = config.CURATION_DIR,
    committed_path: Path | None = None,
    dropped_path: Path | None = None,
) -> BuildResult:
    """The committed table and dropped list, extended with the seasons of the newer Top 10 weeks."""
    committed_path = Path(committed_path or config.DATASET_PATH)
    dropped_path = Path(dropped_path or committed_path.with_name("dropped_seasons.csv"))
    for path in (committed_path, dropped_path):
        if not path.is_file():
            raise RawDataError(
                f"the raw folders lack {', '.join(folders.missing_sources())} and the committed table {path} to "
                "reuse is missing; pass --raw a full raw folder"
            )
    header = pd.read_csv(committed_path, nrows=0).columns
    committed = pd.read_csv(
        committed_path, dtype={k: v for k, v in DATASET_DTYPES.items() if k in header}, keep_default_na=False, na_values=[""]
    )
    for column in DATASET_COLUMNS:  # a table built before a column existed
        if column.name not in committed:
            committed[column.name] = False if column.name == "unverified" else np.nan
    committed_dropped = pd.read_csv(dropped_path, dtype=str, keep_default_na=False)
    old_rows = {(r["show_title"], r["season_title"]): r for _, r in committed.iterrows()}
    old_drops = {(r["show_title"], r["season_title"]): r["reason"] for _, r in committed_dropped.iterrows()}

    top10 = raw.read_top10(folders.folders)
    countries = raw.read_countries(folders.folders)
    seasons, dropped = top10_seasons(top10, _read_curated("season_overrides.csv", curation_dir))
    seasons, more = drop_reentries(seasons)
    dropped += more
    seasons = viewing_features(seasons, top10)
    seasons = pd.concat([seasons, countries_features(seasons, countries)], axis=1)
    labels = {
        (normalize_title(r["series_title"]), int(r["season_number"])): r
        for _, r in _read_curated("label_overrides.csv", curation_dir).iterrows()
    }
    premieres = {
        (normalize_title(r["series_title"]), int(r["season_number"])): r["premiere_date"]
        for _, r in _read_curated("premiere_dates.csv", curation_dir).iterrows()
    }
    curated_sources = {
        normalize_title(r["series_title"]): r for _, r in _read_curated("source_material.csv", curation_dir).iterrows()
    }
    debuts = {
        (k, n, c): w
        for k, n, c, w in seasons[["series_key", "season_number", "category", "debut_week"]].itertuples(index=False)
    }

    rows, reused, new = [], 0, 0
    for _, s in seasons.iterrows():
        titles = (s["show_title"], s["season_title"])
        later = later_season_evidence(debuts, s["series_key"], int(s["season_number"]), s["category"], s["debut_week"])
        override = labels.get((s["series_key"], int(s["season_number"])))
        if titles in old_rows:
            row = _refreshed(old_rows[titles].to_dict(), s, countries is not None)
            rows.append(_relabelled(row, later, override))
            reused += 1
        elif titles in old_drops:
            dropped.append(drop_record(s, old_drops[titles]))
        else:
            series = committed[committed["series_id"] == slugify(s["series_title"])]
            rows.append(_new_season(s, series, later, override, premieres, curated_sources))
            new += 1

    table = pd.DataFrame(rows)
    table["debut_week"] = pd.to_datetime(table["debut_week"]).dt.date.astype(str)
    table = table.sort_values(["debut_week", "row_id"]).reset_index(drop=True)
    history = history_features(table.assign(season_number=table["season_number"].astype(int)))
    table[history.columns] = history
    dropped_frame = pd.DataFrame(dropped)
    dropped_frame["debut_week"] = pd.to_datetime(dropped_frame["debut_week"]).dt.date.astype(str)
    dropped_frame = dropped_frame.sort_values(["debut_week", "show_title", "season_title"]).reset_index(drop=True)
    sources = [
        *top10_entries(folders),
        {**file_entry_of_table(committed_path), "source": "committed table", "rows_reused": reused},
        *curated_entries(curation_dir),
    ]
    note = (
        f"the raw folders lack {', '.join(folders.missing_sources())}: reused the committed table's rows and "
        f"evidence for its {reused} seasons and its {len(old_drops)} left-out seasons; {new} new season(s) built "
        "from the Top 10 alone (new series marked unverified)"
    )
    return BuildResult(table=table, dropped=dropped_frame, sources=sources, mode="extended", notes=[note])


def file_entry_of_table(path: Path) -> dict[str, object]:
    """A provenance entry for the committed table the rows came from (by its path in the repository)."""
    from renewml.io import display_path, sha256_file

    return {"file": display_path(path), "bytes": path.stat().st_size, "sha256": sha256_file(path)}


def _refreshed(row: dict, s: pd.Series, with_countries: bool) -> dict:
    """A committed row with its Top 10 figures recomputed from the newer files (reported views included)."""
    for name in TOP10_COLUMNS:
        row[name] = s[name]
    row["week2_to_week1"] = round(s["week2_to_week1"], 4) if pd.notna(s["week2_to_week1"]) else np.nan
    if pd.notna(s["debut_views_reported"]):
        row["debut_views"] = s["debut_views_reported"]
        days = row["days_in_debut_week"]
        row["debut_views_per_day"] = row["debut_views"] / days if pd.notna(days) else np.nan
    if with_countries:
        row["countries_debut_week"], row["countries_first4"] = s["countries_debut_week"], s["countries_first4"]
    return row


def _relabelled(row: dict, later: str | None, override: pd.Series | None) -> dict:
    """A committed row's label after a recorded decision or a newly charted later season, else unchanged."""
    if override is not None:
        start = _season_start(row["premiere_date"], row["debut_week"])
        label = decide_label(Evidence(), override, start)
    elif later and later not in str(row["label_evidence"]) and row["outcome"] != "renewed_before_debut":
        found = [later]
        if row["outcome"] == "renewed":  # the full build lists every renewal evidence, sorted
            found += [e for e in str(row["label_evidence"]).split("; ") if e]
        evidence = sorted(set(found))
        return {**row, "renewed": 1, "outcome": "renewed", "label_source": _source_name(evidence),
                "label_evidence": "; ".join(evidence)}
    else:
        return row
    return {**row, "renewed": label.renewed, "outcome": label.outcome, "label_source": label.label_source,
            "label_evidence": label.evidence}


def _season_start(premiere: object, debut: object) -> pd.Timestamp:
    """The release date, else the first day of the debut week (as the full build dates a decision)."""
    if isinstance(premiere, str) and premiere:
        return pd.Timestamp(premiere)
    return pd.Timestamp(debut) - pd.Timedelta(days=6)


def _new_season(
    s: pd.Series,
    series: pd.DataFrame,
    later: str | None,
    override: pd.Series | None,
    premieres: dict[tuple[str, int], str],
    curated_sources: dict[str, pd.Series],
) -> dict:
    """A season the committed table does not have, from the Top 10 (and the series' latest season, if any)."""
    n, debut = int(s["season_number"]), s["debut_week"]
    premiere = pd.Timestamp(premieres[(s["series_key"], n)]) if (s["series_key"], n) in premieres else pd.NaT
    if pd.notna(premiere) and premiere > debut:
        premiere = pd.NaT
    days = float(min(max((debut - premiere).days + 1, 1), 7)) if pd.notna(premiere) else np.nan
    runtime = s["runtime_hours"]
    views, derived = s["debut_views_reported"], False
    if pd.isna(views) and pd.notna(runtime) and runtime > 0:
        views, derived = round(s["debut_hours"] / runtime, -5), True
    if len(series):
        latest = series.sort_values("season_number").iloc[-1]
        inherited = {name: latest[name] for name in SERIES_COLUMNS}
        gap = (debut - pd.Timestamp(latest["debut_week"])).days / 365.25
        years = 0.0 if n == 1 else round(float(latest["years_since_series_premiere"]) + gap, 2)
    else:
        material, note = source_material_of(s, "", "", False, curated_sources)
        inherited = {
            "series_id": slugify(s["series_title"]), "anthology": False, "source_material": material,
            "source_material_note": note, "genre": "unknown", "episode_minutes": np.nan, "original_language": "",
            "content_rating": "", "tmdb_id": "", "imdb_id": "", "original_evidence": "", "unverified": True,
        }
        years = 0.0 if n == 1 else np.nan
    ev = Evidence(limited=bool(s["is_limited"]) and n == 1, limited_since=debut.date().isoformat())
    if later:
        ev.renewed.append(later)
    start = premiere if pd.notna(premiere) else debut - pd.Timedelta(days=6)
    label = decide_label(ev, override, start)
    return {
        **inherited,
        "row_id": f"{slugify(s['series_title'])}-s{n}",
        "show_title": s["show_title"],
        "season_title": s["season_title"],
        "season_number": n,
        "language": "english" if s["category"] == "TV (English)" else "non_english",
        "format": "limited" if s["is_limited"] else "ongoing",
        "debut_week": debut.date().isoformat(),
        "premiere_date": premiere.date().isoformat() if pd.notna(premiere) else "",
        "premiere_date_source": "curated" if pd.notna(premiere) else "",
        "days_in_debut_week": days,
        "debut_views": views,
        "debut_views_derived": derived,
        "debut_views_per_day": views / days if pd.notna(views) and pd.notna(days) else np.nan,
        "runtime_hours": runtime,
        "years_since_series_premiere": years,
        **{name: s[name] for name in TOP10_COLUMNS},
        "week2_to_week1": round(s["week2_to_week1"], 4) if pd.notna(s["week2_to_week1"]) else np.nan,
        "review_source": "",
        "imdb_rating_source": "",
        "renewed": label.renewed,
        "outcome": label.outcome,
        "label_source": label.label_source,
        "label_evidence": label.evidence,
        "sources": "netflix_top10",
        "countries_debut_week": s["countries_debut_week"],
        "countries_first4": s["countries_first4"],
    }
