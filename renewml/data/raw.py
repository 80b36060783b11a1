"""Readers for the raw public sources, each returning a tidy table.

Each reader knows one source's traps (the "N/A" strings of the Top 10, the five preamble rows of the
engagement reports, Wikipedia's citation markers, IMDb's float32 ratings) so the build does not have to.
The raw files are read, never modified or copied.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from functools import lru_cache
from pathlib import Path

import pandas as pd

from renewml.config import RAW_DIR_CANDIDATES
from renewml.data.titles import normalize_title
from renewml.errors import RawDataError

TOP10_FILE = Path("netflix_top10/all-weeks-global.tsv")
# Newer weeks (2026-07-26 on) published after the main copy; read after it, never instead of it.
TOP10_EXTENSION_FILE = Path("netflix_top10/all-weeks-global_extension_2026-07-26_to_2026-09-13.tsv")
COUNTRIES_FILE_NAME = "all-weeks-countries.tsv"  # as fetched; bundled copies carry their dates
TMDB_FILE = Path("tmdb_tv/netflix_shows_complete.csv")
METACRITIC_FILE = Path("metacritic_tv/metacritic_tv_shows.csv")
JUSTWATCH_FILE = Path("netflix_catalog_justwatch/titles.csv")
FILM_BOOK_FILE = Path("source_material/film_book.txt")
WIKI_2022_11_FILE = Path("netflix_originals_status/wikipedia_netflix_current_2022-11_netflix_originals.csv")
WIKI_2022_12_FILE = Path("netflix_originals_status/original_tv_streaming.csv")
WIKI_2025_03_FILE = Path("netflix_originals_status/wikipedia_netflix_current_2025-03_netflix_series.csv")
WIKI_ENDED_2023_08_FILE = Path("netflix_originals_status/all_ended_netflix_originals_2023-08.xlsx")
ENGAGEMENT_DIR = Path("netflix_engagement")
IMDB_DIR = Path("imdb_episode_ratings")

REQUIRED_FILES = (TOP10_FILE, TMDB_FILE, METACRITIC_FILE, JUSTWATCH_FILE, FILM_BOOK_FILE, WIKI_2025_03_FILE)

# Snapshot dates: a status is evidence only about what was known on that day.
TMDB_SNAPSHOT = pd.Timestamp("2026-01-26")
IMDB_LATEST_SNAPSHOT = pd.Timestamp("2026-08-22")
METACRITIC_SNAPSHOT = pd.Timestamp("2025-12-27")


def default_raw_dir() -> Path | None:
    """The first existing raw-data folder among the configured candidates, or None."""
    for candidate in RAW_DIR_CANDIDATES:
        if candidate is not None and candidate.is_dir():
            return candidate.resolve()
    return None


def check_raw_dir(raw_dir: Path) -> None:
    """Fail with a list of what is missing, so a user knows what to fetch."""
    if not raw_dir.is_dir():
        raise RawDataError(f"raw data folder {raw_dir} does not exist")
    missing = [str(f) for f in REQUIRED_FILES if not (raw_dir / f).is_file()]
    if missing:
        raise RawDataError(f"raw data folder {raw_dir} lacks: {', '.join(missing)}")


def _runtime_hours(value: object) -> float | None:
    """'6:25' (hours:minutes, as the engagement reports write it) -> 6.4167."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    text = str(value).strip()
    match = re.fullmatch(r"(\d+):(\d{2})(?::\d{2})?", text)
    if match:
        return int(match.group(1)) + int(match.group(2)) / 60
    try:
        return float(text)
    except ValueError:
        return None


def top10_files(folders: Sequence[Path]) -> list[Path]:
    """The global Top 10 files of the raw folders that exist, most trusted first: each folder (the fetched
    one before the bundled one) gives its main file, then its extension file."""
    candidates = [folder / name for folder in folders for name in (TOP10_FILE, TOP10_EXTENSION_FILE)]
    return [path for path in candidates if path.is_file()]


def countries_files(folders: Sequence[Path]) -> list[Path]:
    """The per-country Top 10 files that exist, most trusted first: a fetched `all-weeks-countries.tsv`, then
    dated copies (`all-weeks-countries_2021-07-04_to_2022-02-27.tsv`), newest name first, folder by folder."""
    found: list[Path] = []
    for folder in folders:
        top10 = folder / TOP10_FILE.parent
        if (top10 / COUNTRIES_FILE_NAME).is_file():
            found.append(top10 / COUNTRIES_FILE_NAME)
        found += sorted(top10.glob("all-weeks-countries_*.tsv"), reverse=True)
    return found


def read_weekly_files(paths: Sequence[Path]) -> tuple[pd.DataFrame, dict[Path, int]]:
    """Rows of several copies of a weekly Top 10 file, each week taken from the first copy that has it.

    A fetched file that covers the weeks of the bundled ones replaces them whole; one that does not (a short
    test copy, an older download) only adds the weeks they lack. Returns the rows (as text) and, per file, how
    many of its weeks were used, so the provenance names only the files the table came from.
    """
    parts, used, seen = [], {}, set()
    for path in paths:
        frame = pd.read_csv(path, sep="\t", keep_default_na=False, dtype=str)
        mine = set(frame["week"]) - seen
        if not mine:
            continue
        parts.append(frame[frame["week"].isin(mine)])
        used[path] = len(mine)
        seen |= mine
    if not parts:
        raise RawDataError(f"no Top 10 file found among {', '.join(str(p) for p in paths) or 'the raw folders'}")
    columns = parts[0].columns
    return pd.concat([part[columns] for part in parts], ignore_index=True), used


def read_top10(raw_dir: Path | Sequence[Path]) -> pd.DataFrame:
    """Netflix global weekly Top 10, TV lists only, with numbers as numbers and 'N/A' kept as text.

    Given several raw folders (the fetched one first), each week comes from the first file that has it.
    """
    folders = [raw_dir] if isinstance(raw_dir, Path) else list(raw_dir)
    frame, _ = read_weekly_files(top10_files(folders))
    frame = frame[frame["category"].str.startswith("TV")].copy()
    frame["week"] = pd.to_datetime(frame["week"])
    for column in (
        "weekly_rank",
        "weekly_hours_viewed",
        "runtime",
        "weekly_views",
        "cumulative_weeks_in_top_10",
    ):
        frame[column] = pd.to_numeric(frame[column].replace("", None), errors="coerce")
    return frame.reset_index(drop=True)


def read_countries(folders: Sequence[Path]) -> pd.DataFrame | None:
    """The per-country weekly Top 10, TV rows only (country, week, show and season titles); None without a file."""
    paths = countries_files(folders)
    if not paths:
        return None
    frame, _ = read_weekly_files(paths)
    frame = frame[frame["category"].str.startswith("TV")]
    frame = frame[["country_iso2", "week", "show_title", "season_title"]].copy()
    frame["week"] = pd.to_datetime(frame["week"])
    return frame.reset_index(drop=True)


def read_tmdb(raw_dir: Path) -> pd.DataFrame:
    """TMDB's 1,500 most popular Netflix-network shows, pulled about 2026-01-26."""
    frame = pd.read_csv(raw_dir / TMDB_FILE, dtype={"imdb_id": str})
    frame["first_air_date"] = pd.to_datetime(frame["first_air_date"], errors="coerce")
    frame["key"] = frame["name"].map(normalize_title)
    frame["keywords"] = frame["keywords"].fillna("")
    return frame


def read_metacritic(raw_dir: Path) -> pd.DataFrame:
    """Series-level Metacritic scores; a '(2025)' year suffix is split off the title."""
    frame = pd.read_csv(raw_dir / METACRITIC_FILE)
    year = frame["title"].str.extract(r"\((\d{4})\)\s*$")[0]
    frame["base_title"] = frame["title"].str.replace(r"\s*\(\d{4}\)\s*$", "", regex=True)
    frame["key"] = frame["base_title"].map(normalize_title)
    frame["release"] = pd.to_datetime(frame["releaseDate"], errors="coerce")
    frame["release_year"] = frame["release"].dt.year.fillna(pd.to_numeric(year, errors="coerce"))
    return frame


def read_justwatch(raw_dir: Path) -> pd.DataFrame:
    """JustWatch's March 2023 Netflix catalogue, shows only: an IMDb-id bridge."""
    frame = pd.read_csv(raw_dir / JUSTWATCH_FILE)
    frame = frame[frame["type"] == "SHOW"].copy()
    frame["key"] = frame["title"].map(normalize_title)
    return frame


def read_film_book_titles(raw_dir: Path) -> set[str]:
    """Normalised titles of adaptations listed on Wikipedia's 'based on books' categories (2020 crawl)."""
    keys: set[str] = set()
    with open(raw_dir / FILM_BOOK_FILE, encoding="utf-8") as handle:
        for line in handle:
            adaptation = line.split("\t", 1)[0]
            adaptation = re.sub(r"\s*\((?:TV series|miniseries|[^)]*series)\)\s*$", "", adaptation)
            keys.add(normalize_title(adaptation))
    return keys


def _clean_wiki_text(value: object) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    return re.sub(r"\[[^\]]*\]", "", str(value)).replace("\n", " ").strip()


def _season_count(value: object) -> float:
    match = re.search(r"(\d+)\s+season", _clean_wiki_text(value))
    if match:
        return float(match.group(1))
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return float("nan")


# Wikipedia's tables of co-productions and regional exclusives: Netflix holds the show only in some markets,
# beside another broadcaster (a partner, or "Selected territories", "All markets except France").
_PARTNER_COLUMNS = ("Partner/Country", "Netflix exclusive region", "Netflix exclusive regions", "Netflix Exclusive Regions")
_WHOLE_WORLD = re.compile(r"^(worldwide|english|[a-z]+ish|japanese|polish|korean|hindi|german|french)?$", re.IGNORECASE)


def _partner(table: pd.DataFrame) -> pd.Series:
    """Per row, the co-producing broadcaster or the markets Netflix is limited to; '' for Netflix's own."""
    out = pd.Series("", index=table.index, dtype=object)
    for column in _PARTNER_COLUMNS:
        if column not in table.columns:
            continue
        text = table[column].map(_clean_wiki_text).fillna("")
        limited = text.map(lambda value: bool(value) and not _WHOLE_WORLD.match(value))
        out = out.where(out != "", text.where(limited, ""))
    return out


def _status_rows(snapshot: str, table: pd.DataFrame, premiere: pd.Series, page: object) -> pd.DataFrame:
    """One snapshot's rows in the common shape (Title, Seasons, Status and Genre columns)."""
    return pd.DataFrame(
        {
            "snapshot": pd.Timestamp(snapshot),
            "title": table["Title"].map(_clean_wiki_text),
            "seasons": table["Seasons"].map(_season_count),
            "status": table["Status"].map(_clean_wiki_text),
            "genre": table["Genre"].map(_clean_wiki_text),
            "premiere": premiere,
            "page": page,
            "partner": _partner(table),
        }
    )


def read_wikipedia_status(raw_dir: Path) -> pd.DataFrame:
    """Wikipedia Netflix-original status rows from three snapshots, one tidy table.

    Columns: snapshot (date), key, title, seasons (count at the snapshot), status (raw text),
    genre, premiere, page ('current' or 'ended'), partner (the co-producing broadcaster or the markets
    Netflix is limited to, from the co-production and regional tables; '' elsewhere).
    """
    w25 = pd.read_csv(raw_dir / WIKI_2025_03_FILE)
    w25 = w25[w25["Title"].notna() & w25["Status"].notna()].copy()
    # Docuseries tables give a Subject instead of a Genre: keep it, marked, so the build can drop them.
    subject = "docuseries: " + w25["Subject"].map(_clean_wiki_text)
    w25["Genre"] = w25["Genre"].where(w25["Genre"].notna(), subject.where(w25["Subject"].notna()))
    parts = [_status_rows("2025-03-24", w25, w25["Premiere"].map(_clean_wiki_text), "current")]
    if (raw_dir / WIKI_2022_11_FILE).is_file():
        w22 = pd.read_csv(raw_dir / WIKI_2022_11_FILE)
        parts.append(_status_rows("2022-11-16", w22, w22["Premiere"].map(_clean_wiki_text), "current"))
    if (raw_dir / WIKI_2022_12_FILE).is_file():
        s22 = pd.read_csv(raw_dir / WIKI_2022_12_FILE)
        s22 = s22[s22["Cur. service"] == "Netflix"]
        pages = s22["Status"].map(lambda s: "ended" if s == "Ended" else "current")
        parts.append(_status_rows("2022-12-01", s22, s22["Premiere"].astype(str).str[:10], pages))
    if (raw_dir / WIKI_ENDED_2023_08_FILE).is_file():
        ended = pd.read_excel(raw_dir / WIKI_ENDED_2023_08_FILE).assign(Status="Ended")
        parts.append(_status_rows("2023-08-28", ended, ended["Premiere Date"].astype(str).str[:10], "ended"))
    frame = pd.concat(parts, ignore_index=True)
    frame["key"] = frame["title"].map(normalize_title)
    frame["premiere_date"] = pd.to_datetime(frame["premiere"], errors="coerce", format="mixed")
    return frame[frame["key"] != ""].reset_index(drop=True)


_ENGAGEMENT_PERIOD = re.compile(r"(\d{4})(Jan|Jul)-(Jun|Dec)")


def engagement_files(folders: Sequence[Path]) -> list[Path]:
    """The engagement reports (.xlsx) of the raw folders; a report fetched into the first folder replaces the
    bundled copy of the same name."""
    found: dict[str, Path] = {}
    for folder in folders:
        for path in sorted((folder / ENGAGEMENT_DIR).glob("*.xlsx")):
            found.setdefault(path.name, path)
    return [found[name] for name in sorted(found)]


def read_engagement(raw_dir: Path | Sequence[Path]) -> pd.DataFrame:
    """Netflix's half-yearly engagement reports, TV rows only, one row per title and report.

    Columns: period_start, period_end, title (first of any '//' alternates), original_title (the
    second, if any), available_globally,
    release_date, hours, runtime_hours, views.
    """
    files = engagement_files([raw_dir] if isinstance(raw_dir, Path) else list(raw_dir))
    if not files:
        return pd.DataFrame(
            columns=[
                "period_start",
                "period_end",
                "title",
                "original_title",
                "available_globally",
                "release_date",
                "hours",
                "runtime_hours",
                "views",
            ]
        )
    parts = []
    for path in files:
        match = _ENGAGEMENT_PERIOD.search(path.name)
        if not match:
            continue
        year = int(match.group(1))
        start = pd.Timestamp(year=year, month=1 if match.group(2) == "Jan" else 7, day=1)
        end = pd.Timestamp(
            year=year, month=6 if match.group(3) == "Jun" else 12, day=30 if match.group(3) == "Jun" else 31
        )
        sheets = pd.read_excel(path, sheet_name=None, header=5)
        for name, sheet in sheets.items():
            if name.lower() in ("film", "films", "movies"):
                continue
            sheet = sheet.rename(columns=lambda c: str(c).strip())
            titles = sheet["Title"].astype(str)
            if name.lower() == "engagement":  # 2023 H1 mixes films and TV: TV titles name a season
                titles = titles[titles.str.contains(r":\s*(?:Season|Limited Series|Part|Volume)", regex=True)]
                sheet = sheet.loc[titles.index]
            parts.append(
                pd.DataFrame(
                    {
                        "period_start": start,
                        "period_end": end,
                        "title": sheet["Title"].astype(str).str.split("//").str[0].str.strip(),
                        # the original-language title Netflix prints after '//' tells productions apart
                        "original_title": sheet["Title"].astype(str).str.split("//").str[1].fillna("").str.strip(),
                        "available_globally": sheet["Available Globally?"].astype(str).str.strip() == "Yes",
                        "release_date": pd.to_datetime(sheet["Release Date"], errors="coerce"),
                        "hours": pd.to_numeric(sheet["Hours Viewed"], errors="coerce"),
                        "runtime_hours": sheet["Runtime"].map(_runtime_hours) if "Runtime" in sheet else None,
                        "views": pd.to_numeric(sheet["Views"], errors="coerce") if "Views" in sheet else None,
                    }
                )
            )
    return pd.concat(parts, ignore_index=True)


def read_imdb_index(raw_dir: Path) -> pd.DataFrame:
    """IMDb's top-10,000 shows by votes (2026-08-22): id, title, start year, normalised key."""
    with open(raw_dir / IMDB_DIR / "titleId.json", encoding="utf-8") as handle:
        entries = json.load(handle)
    frame = pd.DataFrame(entries)
    frame["key"] = frame["title"].map(normalize_title)
    frame["startYear"] = pd.to_numeric(frame["startYear"], errors="coerce")
    return frame


def read_imdb_asof_manifest(raw_dir: Path) -> pd.DataFrame:
    """One row per Top 10 season with a point-in-time (debut + 28 days) IMDb file."""
    return pd.read_csv(raw_dir / IMDB_DIR / "asof_manifest.csv", dtype=str)


@lru_cache(maxsize=8192)
def _read_season_lists(path: str) -> tuple[tuple[float, ...], ...]:
    with open(path, encoding="utf-8") as handle:
        seasons = json.load(handle)
    return tuple(tuple(round(float(ep["rating"]), 1) for ep in season) for season in seasons)


def imdb_seasons(raw_dir: Path, relative_file: str) -> tuple[tuple[float, ...], ...] | None:
    """Per-season episode ratings of one IMDb show file, or None when the file is not there."""
    path = raw_dir / IMDB_DIR / relative_file
    if not path.is_file():
        return None
    return _read_season_lists(str(path))


def latest_imdb_file(imdb_id: str) -> str:
    return f"latest_2026-08-22/{imdb_id}.json"


def existing_files(raw_dir: Path, files: Iterable[Path]) -> list[str]:
    """The given raw files that exist, as relative paths, for provenance notes."""
    return [str(f) for f in files if (raw_dir / f).exists()]
