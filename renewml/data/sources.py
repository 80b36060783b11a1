"""Which raw folders a build reads, file by file, and the record of what it read (`<table>.sources.json`).

`renewml data fetch` writes Netflix's newest Top 10 files (and engagement reports) into a user folder; the
other sources (TMDB, Wikipedia, Metacritic, JustWatch, IMDb, the book list) exist only in the bundled raw
folder beside the repository. A build reads the user folder first and the bundled folder after it, so the
newest copy of each file wins; without the bundled sources it extends the committed table instead
(`renewml.data.extend`). The provenance file names, per source, the files used and their sha256, so a table
can be traced to the exact bytes it came from.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from renewml import config
from renewml.data import raw
from renewml.errors import RawDataError
from renewml.io import atomic_write_text, display_path, sha256_file

SOURCES_SUFFIX = ".sources.json"
# The sources a full build needs besides the Top 10; without them the build extends the committed table.
OTHER_REQUIRED = tuple(f for f in raw.REQUIRED_FILES if f != raw.TOP10_FILE)
OTHER_SOURCES = (
    raw.TMDB_FILE,
    raw.METACRITIC_FILE,
    raw.JUSTWATCH_FILE,
    raw.FILM_BOOK_FILE,
    raw.WIKI_2022_11_FILE,
    raw.WIKI_2022_12_FILE,
    raw.WIKI_2025_03_FILE,
    raw.WIKI_ENDED_2023_08_FILE,
)


@dataclass(frozen=True)
class RawFolders:
    """The raw folders of one build, most trusted first, and the one holding every other source (or None)."""

    folders: tuple[Path, ...]
    full: Path | None
    bundled: Path | None = None
    notes: list[str] = field(default_factory=list, compare=False)

    def missing_sources(self) -> list[str]:
        """The other sources no folder has (what a full build would need)."""
        return [str(f) for f in OTHER_REQUIRED if not any((d / f).is_file() for d in self.folders)]

    def role(self, path: Path) -> str:
        """'bundled' for a file of the raw folder beside the repository, else 'user'."""
        return "bundled" if self.bundled is not None and path.is_relative_to(self.bundled) else "user"


def resolve_folders(user: Path | None = None, bundled: Path | None = None) -> RawFolders:
    """The user raw folder (`--raw`, else the fetched one when it exists) first, then the bundled one.

    A folder that is both (a full raw folder passed as `--raw`) is read once.
    """
    bundled = bundled if bundled is not None else raw.default_raw_dir()
    chosen = Path(user) if user is not None else config.FETCHED_RAW_DIR
    if user is not None and not chosen.is_dir():
        raise RawDataError(f"raw data folder {chosen} does not exist")
    folders = [d.resolve() for d in (chosen, bundled) if d is not None and d.is_dir()]
    folders = list(dict.fromkeys(folders))
    if not raw.top10_files(folders):
        raise RawDataError(
            f"no Top 10 file ({raw.TOP10_FILE}) in {', '.join(str(d) for d in folders) or 'any raw folder'}; "
            "run 'renewml data fetch' or pass --raw DIR"
        )
    full = next((d for d in folders if all((d / f).is_file() for f in OTHER_REQUIRED)), None)
    return RawFolders(tuple(folders), full, bundled.resolve() if bundled is not None else None)


def file_entry(folders: RawFolders, source: str, path: Path, **extra: object) -> dict[str, object]:
    """One provenance entry: the file relative to its raw folder, which folder, its size and sha256."""
    base = next(d for d in folders.folders if path.is_relative_to(d))
    return {
        "source": source,
        "folder": folders.role(path),
        "file": path.relative_to(base).as_posix(),
        "bytes": path.stat().st_size,
        "sha256": sha256_file(path),
        **extra,
    }


def folder_entry(folders: RawFolders, source: str, folder: Path) -> dict[str, object] | None:
    """A source made of many files (IMDb's per-show ratings): their count and one sha256 over the sorted
    (relative path, sha256) pairs, so any change to any file changes it."""
    if not folder.is_dir():
        return None
    digest = hashlib.sha256()
    files = sorted(p for p in folder.rglob("*") if p.is_file())
    for path in files:
        digest.update(f"{path.relative_to(folder).as_posix()}\t{sha256_file(path)}\n".encode())
    base = next(d for d in folders.folders if folder.is_relative_to(d))
    return {
        "source": source,
        "folder": folders.role(folder),
        "file": folder.relative_to(base).as_posix() + "/",
        "files": len(files),
        "sha256": digest.hexdigest(),
    }


def top10_entries(folders: RawFolders) -> list[dict[str, object]]:
    """The Top 10 files the build took weeks from (global, and per country where present)."""
    entries = []
    for source, paths in (
        ("netflix_top10_global", raw.top10_files(folders.folders)),
        ("netflix_top10_countries", raw.countries_files(folders.folders)),
    ):
        if not paths:
            continue
        _, used = raw.read_weekly_files(paths)
        entries += [file_entry(folders, source, path, weeks_used=weeks) for path, weeks in used.items()]
    return entries


def full_build_entries(folders: RawFolders) -> list[dict[str, object]]:
    """Every raw file a full build reads, after the Top 10's."""
    assert folders.full is not None
    entries = top10_entries(folders)
    entries += [file_entry(folders, "netflix_engagement", p) for p in raw.engagement_files(folders.folders)]
    for relative in OTHER_SOURCES:
        path = folders.full / relative
        if path.is_file():
            entries.append(file_entry(folders, relative.parts[0], path))
    imdb = folder_entry(folders, "imdb_episode_ratings", folders.full / raw.IMDB_DIR)
    return entries + ([imdb] if imdb else [])


def curated_entries(curation_dir: Path) -> list[dict[str, object]]:
    """The curated tables (label overrides with recorded decisions among them), by path in the repository."""
    return [
        {"source": "curated", "file": display_path(p), "bytes": p.stat().st_size, "sha256": sha256_file(p)}
        for p in sorted(Path(curation_dir).glob("*.csv"))
    ]


def sources_path(table_path: Path) -> Path:
    """`data/renewals.csv` -> `data/renewals.sources.json`."""
    table_path = Path(table_path)
    return table_path.with_name(table_path.stem + SOURCES_SUFFIX)


def write_sources(table_path: Path, entries: Sequence[dict[str, object]], mode: str) -> Path:
    """Write `<table>.sources.json` beside the table, atomically; no machine path appears in it."""
    path = sources_path(table_path)
    body = {"table": Path(table_path).name, "build": mode, "sources": list(entries)}
    atomic_write_text(path, json.dumps(body, indent=2, ensure_ascii=False) + "\n")
    return path
