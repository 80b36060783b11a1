"""Download Netflix's public Top 10 files (and an engagement report) into a raw folder, checked first.

The build trusts these files, so a bad download must never reach it: a transfer cut short, an HTML error
page served under the `.tsv` name, or a republished file that lost weeks would silently shrink the table.
Each download therefore goes to a temporary file and is parsed and checked (the header, every row's fields,
each week's four complete lists of ranks 1 to 10, weeks newest first one week apart, no week of the copy it
replaces missing). Only when every file of the fetch has passed are the old copies replaced, each kept as
`NAME.prev`, and `MANIFEST.json` written beside them (address, fetch time, bytes, sha256, newest week). Any
failure raises one `RawDataError` naming the address and leaves the folder byte-identical.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
import shutil
import tempfile
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TextIO

from renewml import config
from renewml.errors import InputError, RawDataError
from renewml.io import atomic_write, atomic_write_text

TOP10_FOLDER = "netflix_top10"
ENGAGEMENT_FOLDER = "netflix_engagement"
MANIFEST_NAME = "MANIFEST.json"
PREVIOUS_SUFFIX = ".prev"
RANKS = list(range(1, 11))
_UNCHANGED = "; nothing was changed"
_WHOLE = re.compile(r"[0-9]+")
_DECIMAL = re.compile(r"[0-9]+(?:\.[0-9]+)?")
# The half-year an engagement report covers, as Netflix names its files ("..._2025Jan-Jun.xlsx").
_ENGAGEMENT_PERIOD = re.compile(r"(\d{4})(Jan|Jul)-(Jun|Dec)")
_ENGAGEMENT_HEADER = ("Title", "Available Globally?", "Release Date", "Hours Viewed")


@dataclass(frozen=True)
class Top10Format:
    """What one of Netflix's Top 10 files holds: the columns read, and how its rows group into lists."""

    name: str
    columns: tuple[str, ...]  # required header cells (Netflix has added and removed others over the years)
    rank: str
    whole_numbers: tuple[str, ...]  # always filled
    decimals: tuple[str, ...] = ()  # blank where Netflix did not publish them (views before 2023-06)
    week: str | None = None  # the Sunday ending each week; None for the all-time list
    country: str | None = None  # per-country files: one run of rows per country, its weeks newest first


TOP10_FORMATS = {
    spec.name: spec
    for spec in (
        Top10Format(
            "all-weeks-global.tsv",
            (
                "week",
                "category",
                "weekly_rank",
                "show_title",
                "season_title",
                "weekly_hours_viewed",
                "runtime",
                "weekly_views",
                "cumulative_weeks_in_top_10",
            ),
            rank="weekly_rank",
            whole_numbers=("weekly_rank", "weekly_hours_viewed", "cumulative_weeks_in_top_10"),
            decimals=("runtime", "weekly_views"),
            week="week",
        ),
        Top10Format(
            "all-weeks-countries.tsv",
            (
                "country_name",
                "country_iso2",
                "week",
                "category",
                "weekly_rank",
                "show_title",
                "season_title",
                "cumulative_weeks_in_top_10",
            ),
            rank="weekly_rank",
            whole_numbers=("weekly_rank", "cumulative_weeks_in_top_10"),
            week="week",
            country="country_iso2",
        ),
        Top10Format(
            "most-popular.tsv",
            ("category", "rank", "show_title", "season_title"),
            rank="rank",
            whole_numbers=("rank",),
        ),
    )
}


@dataclass(frozen=True)
class FileCheck:
    """What a downloaded file was found to hold once it passed its checks."""

    rows: int
    weeks: frozenset[date] = frozenset()
    period: str | None = None  # an engagement report's half-year, "2025-01-01/2025-06-30"

    @property
    def newest_week(self) -> date | None:
        return max(self.weeks) if self.weeks else None


@dataclass(frozen=True)
class FetchedFile:
    """One file a fetch installed: where from, what it holds, and what it added to the copy it replaced."""

    path: Path
    url: str
    fetched_at: str
    bytes: int
    sha256: str
    check: FileCheck
    new_weeks: tuple[date, ...] = ()  # weeks the replaced copy did not have (all of them on a first fetch)
    replaced: bool = False  # an older copy was there (now NAME.prev)

    def manifest_entry(self) -> dict[str, object]:
        newest = self.check.newest_week
        entry: dict[str, object] = {
            "url": self.url,
            "fetched_at": self.fetched_at,
            "bytes": self.bytes,
            "sha256": self.sha256,
            "newest_week": newest.isoformat() if newest else None,
            "rows": self.check.rows,
        }
        if self.check.weeks:
            entry["weeks"] = len(self.check.weeks)
        if self.check.period:
            entry["period"] = self.check.period
        return entry


@dataclass
class _Plan:
    url: str
    target: Path
    check: Callable[[Path, str], FileCheck]
    old_weeks: frozenset[date] = field(default_factory=frozenset)


def fetch(
    raw_dir: Path,
    base_url: str = config.TOP10_BASE_URL,
    engagement_url: str | None = None,
    progress: TextIO | None = None,
    files: tuple[str, ...] = config.TOP10_FETCH_FILES,
) -> list[FetchedFile]:
    """Download the Top 10 files (and one engagement report) into `raw_dir`; all pass their checks or none is kept.

    Files go to `raw_dir/netflix_top10/` (the report to `raw_dir/netflix_engagement/`), each folder with a
    `MANIFEST.json`. `progress`, when given, is where a bar is drawn for downloads of
    `config.FETCH_PROGRESS_MIN_BYTES` or more.

    >>> fetch(Path("raw"), "ftp://example.org/")
    Traceback (most recent call last):
    renewml.errors.InputError: --base-url: expected an http(s) address ending in a folder, found 'ftp://example.org/'
    """
    base = _http_address(base_url, "--base-url")
    base = base if base.endswith("/") else base + "/"
    plans = []
    for name in files:
        spec = TOP10_FORMATS[name]
        target = Path(raw_dir) / TOP10_FOLDER / name
        plans.append(
            _Plan(
                base + name,
                target,
                lambda path, url, spec=spec: check_top10_file(path, spec, url),
                _old_weeks(target, spec),
            )
        )
    if engagement_url is not None:
        url = _http_address(engagement_url, "--engagement")
        plans.append(_Plan(url, Path(raw_dir) / ENGAGEMENT_FOLDER / engagement_file_name(url), check_engagement_file))

    fetched = []
    with tempfile.TemporaryDirectory(prefix="renewml-fetch-") as staging:
        staged = []
        for number, plan in enumerate(plans):
            tmp = Path(staging) / f"{number}-{plan.target.name}"
            size, digest = _download(plan.url, tmp, progress)
            checked = plan.check(tmp, plan.url)
            _check_no_week_lost(plan, checked)
            stamp = datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
            new_weeks = tuple(sorted(checked.weeks - plan.old_weeks))
            fetched.append(
                FetchedFile(plan.target, plan.url, stamp, size, digest, checked, new_weeks, plan.target.is_file())
            )
            staged.append(tmp)
        for tmp, result in zip(staged, fetched, strict=True):
            _install(tmp, result.path)
    for folder in dict.fromkeys(result.path.parent for result in fetched):
        _update_manifest(folder, [result for result in fetched if result.path.parent == folder])
    return fetched


def engagement_file_name(url: str) -> str:
    """The report's file name, from its address: an .xlsx whose name gives its half-year (the build reads it there)."""
    name = urllib.parse.unquote(urllib.parse.urlsplit(url).path.rsplit("/", 1)[-1])
    if not name.lower().endswith(".xlsx") or not _ENGAGEMENT_PERIOD.search(name) or "/" in name or name.startswith("."):
        raise InputError(
            f"--engagement: expected the address of an .xlsx report whose file name gives its half-year, such as "
            f"..._2025Jan-Jun.xlsx, found {url!r}"
        )
    return name


def check_top10_file(path: Path, spec: Top10Format, where: str) -> FileCheck:
    """Parse a Top 10 file and check it whole; `where` (its address) starts every error message.

    Rules, from the files Netflix publishes: tab-separated UTF-8 with a header naming the columns; every row as
    many fields as the header; ranks, hours and week counts whole numbers; weeks are Sundays, newest first, one
    week apart (per country in the countries file, each country one run of rows); every list (a week's category,
    per country) holds ranks 1 to 10 once, and every week has the same categories. A download cut short breaks
    one of these in its last week.
    """
    lists: dict[tuple[str, ...], list[int]] = {}
    list_rows: dict[tuple[str, ...], int] = {}
    categories: dict[tuple[str, ...], set[str]] = {}
    weeks: set[date] = set()
    countries: set[str] = set()
    previous: tuple[str | None, date | None] = (None, None)
    try:
        with open(path, encoding="utf-8", newline="") as handle:
            reader = csv.reader(handle, delimiter="\t")
            header = next(reader, [])
            index = _header_index(header, spec, where)
            count = 0
            for row_number, cells in enumerate(reader, start=2):
                if len(cells) != len(header):
                    raise RawDataError(
                        f"{where}, row {row_number}: expected {len(header)} tab-separated fields, found {len(cells)}"
                        f" (a truncated download?){_UNCHANGED}"
                    )
                count += 1
                cell = {name: cells[i] for name, i in index.items()}
                _check_numbers(cell, spec, where, row_number)
                period: tuple[str, ...] = ()
                if spec.week:
                    week = _week(cell[spec.week], where, row_number, spec.week)
                    country = cell[spec.country] if spec.country else None
                    previous = _check_order(previous, country, week, countries, where, row_number)
                    weeks.add(week)
                    period = (country or "", week.isoformat())
                if not cell["category"].strip():
                    raise RawDataError(
                        f"{where}, row {row_number}, column 'category': expected a list name, found ''{_UNCHANGED}"
                    )
                key = (*period, cell["category"])
                lists.setdefault(key, []).append(int(cell[spec.rank]))
                list_rows[key] = row_number
                categories.setdefault(period, set()).add(cell["category"])
    except UnicodeDecodeError as error:
        raise RawDataError(
            f"{where}: expected UTF-8 text, found byte {error.object[error.start : error.start + 1]!r}{_UNCHANGED}"
        ) from None
    if count == 0:
        raise RawDataError(f"{where}: expected rows under the header, found none (a truncated download?){_UNCHANGED}")
    _check_lists(lists, list_rows, categories, where)
    return FileCheck(rows=count, weeks=frozenset(weeks))


def _header_index(header: list[str], spec: Top10Format, where: str) -> dict[str, int]:
    if header:
        header[0] = header[0].removeprefix("\ufeff")
    missing = [name for name in spec.columns if name not in header]
    if missing:
        found = "\t".join(header)[:60]
        hint = " (an HTML page, not a Top 10 file)" if found.lstrip().startswith("<") else ""
        raise RawDataError(
            f"{where}, row 1: expected the header of {spec.name} ({', '.join(spec.columns)}), found {found!r}{hint}{_UNCHANGED}"
        )
    return {name: header.index(name) for name in spec.columns}


def _check_numbers(cell: dict[str, str], spec: Top10Format, where: str, row: int) -> None:
    for name in spec.whole_numbers:
        if not _WHOLE.fullmatch(cell[name]):
            raise RawDataError(
                f"{where}, row {row}, column '{name}': expected a whole number, found {cell[name]!r}{_UNCHANGED}"
            )
    for name in spec.decimals:
        if cell[name] and not _DECIMAL.fullmatch(cell[name]):
            raise RawDataError(
                f"{where}, row {row}, column '{name}': expected a number or blank, found {cell[name]!r}{_UNCHANGED}"
            )
    rank = int(cell[spec.rank])
    if not 1 <= rank <= 10:
        raise RawDataError(
            f"{where}, row {row}, column '{spec.rank}': expected a rank from 1 to 10, found {rank}{_UNCHANGED}"
        )


def _week(text: str, where: str, row: int, column: str) -> date:
    try:
        week = date.fromisoformat(text)
    except ValueError:
        week = None
    if week is None or len(text) != 10 or week.weekday() != 6:
        raise RawDataError(
            f"{where}, row {row}, column '{column}': expected a week-ending Sunday as YYYY-MM-DD, found {text!r}{_UNCHANGED}"
        )
    return week


def _check_order(
    previous: tuple[str | None, date | None], country: str | None, week: date, countries: set[str], where: str, row: int
) -> tuple[str | None, date | None]:
    """Weeks run newest first, one week apart (within each country's run of rows); returns the new `previous`."""
    last_country, last_week = previous
    if country != last_country:
        if country in countries:
            raise RawDataError(
                f"{where}, row {row}: country {country} appears in two runs of rows; expected one run per country{_UNCHANGED}"
            )
        countries.add(country or "")
        return country, week
    if last_week is not None and week not in (last_week, last_week - timedelta(days=7)):
        raise RawDataError(
            f"{where}, row {row}, column 'week': expected {last_week} or {last_week - timedelta(days=7)} (weeks newest first,"
            f" one week apart), found {week}{_UNCHANGED}"
        )
    return country, week


def _check_lists(
    lists: dict[tuple[str, ...], list[int]],
    list_rows: dict[tuple[str, ...], int],
    categories: dict[tuple[str, ...], set[str]],
    where: str,
) -> None:
    """Every list holds ranks 1 to 10 once and every week has every category: a cut-off last week fails here."""
    for key, ranks in lists.items():
        if sorted(ranks) != RANKS:
            name = " ".join(part for part in key if part)
            raise RawDataError(
                f"{where}, row {list_rows[key]}: the list {name} has ranks {_ranges(ranks)}; expected 1 to 10 once each"
                f" (a truncated download?){_UNCHANGED}"
            )
    every = set().union(*categories.values())
    for period, found in categories.items():
        if found != every:
            name = " ".join(part for part in period if part)
            missing = ", ".join(sorted(every - found))
            raise RawDataError(
                f"{where}: {name} has no list {missing}; expected every category each week (a truncated download?){_UNCHANGED}"
            )


def _ranges(ranks: list[int]) -> str:
    return ", ".join(str(rank) for rank in sorted(ranks)) or "none"


def check_engagement_file(path: Path, where: str) -> FileCheck:
    """An engagement report: an xlsx workbook with a sheet whose header row (row 6 today) names the columns the
    build reads, and titles under it. Its half-year comes from the file name."""
    try:
        import openpyxl
    except ImportError:  # pragma: no cover - openpyxl comes with the dev and raw extras
        raise RawDataError("reading an engagement report needs openpyxl: pip install 'renewml[raw]'") from None
    import zipfile

    if not zipfile.is_zipfile(path):
        start = path.read_bytes()[:40].decode("utf-8", "replace")
        hint = " (an HTML page)" if start.lstrip().startswith("<") else ""
        raise RawDataError(f"{where}: expected an xlsx workbook, found a file starting {start!r}{hint}{_UNCHANGED}")
    rows = 0
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a damaged workbook
        raise RawDataError(f"{where}: expected an xlsx workbook, could not read it ({error}){_UNCHANGED}") from None
    try:
        for sheet in book.worksheets:
            title_column = None
            for values in sheet.iter_rows(values_only=True):
                cells = [str(value).strip() if value is not None else "" for value in values]
                if title_column is None:
                    if all(name in cells for name in _ENGAGEMENT_HEADER):
                        title_column = cells.index("Title")
                    continue
                rows += bool(title_column < len(cells) and cells[title_column])
    finally:
        book.close()
    if rows == 0:
        raise RawDataError(
            f"{where}: expected a sheet with the header {', '.join(_ENGAGEMENT_HEADER)} and titles under it, found none{_UNCHANGED}"
        )
    match = _ENGAGEMENT_PERIOD.search(path.name)
    period = None
    if match:
        year = int(match.group(1))
        period = f"{year}-01-01/{year}-06-30" if match.group(2) == "Jan" else f"{year}-07-01/{year}-12-31"
    return FileCheck(rows=rows, period=period)


def _old_weeks(path: Path, spec: Top10Format) -> frozenset[date]:
    """The weeks of the copy a download would replace (read leniently: a damaged old copy protects what it can)."""
    if spec.week is None or not path.is_file():
        return frozenset()
    weeks = set()
    with open(path, encoding="utf-8", errors="replace", newline="") as handle:
        reader = csv.reader(handle, delimiter="\t")
        header = next(reader, [])
        if spec.week not in header:
            return frozenset()
        column = header.index(spec.week)
        for cells in reader:
            try:
                weeks.add(date.fromisoformat(cells[column]))
            except (IndexError, ValueError):
                continue
    return frozenset(weeks)


def _check_no_week_lost(plan: _Plan, checked: FileCheck) -> None:
    lost = sorted(plan.old_weeks - checked.weeks)
    if lost:
        span = f"{lost[0]} to {lost[-1]}" if len(lost) > 1 else f"{lost[0]}"
        raise RawDataError(
            f"{plan.url}: refused: {len(lost)} week(s) of the copy it would replace ({plan.target}) missing from the"
            f" download ({span}); expected every week the old copy has{_UNCHANGED}"
        )


def _http_address(url: str, option: str) -> str:
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or any(ch.isspace() for ch in url):
        what = "ending in a folder" if option == "--base-url" else "of the report"
        raise InputError(f"{option}: expected an http(s) address {what}, found {url!r}")
    return url


def _download(url: str, target: Path, progress: TextIO | None) -> tuple[int, str]:
    """Stream `url` into `target`; return its size and sha256. Any failure is one RawDataError naming the address."""
    import http.client
    import urllib.error
    import urllib.request

    from renewml import __version__

    request = urllib.request.Request(url, headers={"User-Agent": f"renewml/{__version__}"})
    digest, size, total = hashlib.sha256(), 0, None
    try:
        with (
            urllib.request.urlopen(request, timeout=config.FETCH_TIMEOUT_SECONDS) as response,
            open(target, "wb") as out,
        ):
            length = response.headers.get("Content-Length", "")
            total = int(length) if length.isdigit() else None
            bar = _ProgressBar(progress, Path(urllib.parse.urlsplit(url).path).name, total)
            while block := response.read(1 << 16):
                out.write(block)
                digest.update(block)
                size += len(block)
                bar.update(size)
            bar.close()
    except urllib.error.HTTPError as error:
        raise RawDataError(f"{url}: the server answered HTTP {error.code} {error.reason}{_UNCHANGED}") from None
    except urllib.error.URLError as error:
        raise RawDataError(f"{url}: could not download ({error.reason}; no network?){_UNCHANGED}") from None
    except (http.client.HTTPException, OSError) as error:
        raise RawDataError(f"{url}: the download failed ({error.__class__.__name__}: {error}){_UNCHANGED}") from None
    if total is not None and size != total:
        raise RawDataError(f"{url}: the download was cut short: {size:,} of {total:,} bytes{_UNCHANGED}")
    return size, digest.hexdigest()


class _ProgressBar:
    """A one-line bar on `stream` for large downloads; silent for small ones and when no stream is given."""

    WIDTH = 30

    def __init__(self, stream: TextIO | None, label: str, total: int | None) -> None:
        self.stream, self.label, self.total = stream, label, total
        self.shown = -1
        self.drawn = False

    def update(self, size: int) -> None:
        if self.stream is None or max(size, self.total or 0) < config.FETCH_PROGRESS_MIN_BYTES:
            return
        if self.total:
            percent = min(100, size * 100 // self.total)
            if percent == self.shown:
                return
            self.shown = percent
            filled = self.WIDTH * percent // 100
            text = (
                f"{self.label} [{'#' * filled}{'.' * (self.WIDTH - filled)}] {percent:3d}% of {self.total / 1e6:.1f} MB"
            )
        else:
            step = size >> 20
            if step == self.shown:
                return
            self.shown = step
            text = f"{self.label} {size / 1e6:.1f} MB"
        self.stream.write("\r" + text)
        self.stream.flush()
        self.drawn = True

    def close(self) -> None:
        if self.drawn and self.stream is not None:
            self.stream.write("\n")
            self.stream.flush()


def _install(staged: Path, target: Path) -> None:
    """Replace `target` with the checked download, keeping the old copy as NAME.prev; each step atomic."""
    if target.is_file():
        previous = target.with_name(target.name + PREVIOUS_SUFFIX)
        atomic_write(previous, lambda tmp: shutil.copyfile(target, tmp))
    atomic_write(target, lambda tmp: shutil.copyfile(staged, tmp))


def _update_manifest(folder: Path, fetched: list[FetchedFile]) -> None:
    """Record each fetched file in the folder's MANIFEST.json, keeping the entries of files not fetched this time."""
    path = folder / MANIFEST_NAME
    manifest: dict[str, object] = {}
    if path.is_file():
        try:
            manifest = json.loads(path.read_text(encoding="utf-8"))
        except ValueError:
            manifest = {}
    files = manifest.get("files") if isinstance(manifest.get("files"), dict) else {}
    for result in fetched:
        files[result.path.name] = result.manifest_entry()  # type: ignore[index]
    manifest = {
        "about": "Files downloaded by 'renewml data fetch', each checked before it replaced the last copy.",
        "files": files,
    }
    atomic_write_text(path, json.dumps(manifest, indent=2, sort_keys=True) + "\n")


def read_manifest(folder: Path) -> dict[str, dict[str, object]]:
    """The entries of a fetched folder's MANIFEST.json by file name (empty when there is none)."""
    path = Path(folder) / MANIFEST_NAME
    if not path.is_file():
        return {}
    try:
        files = json.loads(path.read_text(encoding="utf-8")).get("files", {})
    except (ValueError, AttributeError):
        raise InputError.at(path, None, None, "expected the JSON manifest written by 'renewml data fetch'") from None
    return files if isinstance(files, dict) else {}
