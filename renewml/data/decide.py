"""Record a renewal decision read in the news, with its date and cite, as a curated label override.

Renewal news arrives every week, and until now its only way into the data was a hand edit of a CSV the build
trusts without a check. `record_decision` checks a decision first (the season has debuted: it is in the table
or in the newest Top 10 file; the date is not in the future; the cite is an http(s) address; nothing already
known contradicts it) and appends one row, atomically, to `data/curation/label_overrides.csv`; the next
`renewml data build` uses it.

The date decides the state, because only a decision taken after a season was seen says how its debut was
judged (STYLE: "Only real decisions teach"): a renewal dated before the season's debut is
`renewed_before_debut` and a final season announced before it `final_season_announced`, both with the label
left blank (kept out of training); after the debut they are `renewed` (1) and `ended_as_planned` (0); a
cancellation is `cancelled` (0).
"""

from __future__ import annotations

import csv
import difflib
import io
import re
import urllib.parse
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from renewml import config
from renewml.data.titles import normalize_title, parse_season_title
from renewml.errors import InputError, NotFoundError
from renewml.io import atomic_write_text

DECISIONS = ("renewed", "cancelled", "final")
OVERRIDE_COLUMNS = ("series_title", "season_number", "renewed", "outcome", "note")
# Added by the first recorded decision; older rows keep them blank.
DECISION_COLUMNS = ("decision_date", "cite")
RENEWED_OUTCOMES = frozenset({"renewed", "renewed_before_debut"})
NOT_RENEWED_OUTCOMES = frozenset(
    {"cancelled", "ended", "ended_as_planned", "limited_concluded", "final_season_announced"}
)
_TABLE_COLUMNS = ("show_title", "season_title", "season_number", "series_id", "debut_week", "premiere_date", "outcome")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


@dataclass(frozen=True)
class Season:
    """A season a decision can be recorded for, and what is known of it now."""

    series_title: str  # the title label overrides are keyed by (the series the build groups seasons under)
    show_title: str
    season_number: int
    debut: date  # the premiere date, else the Monday that starts the Top 10 debut week
    debut_source: str
    outcome: str = ""  # the table's current outcome ("" for a season only in the Top 10)
    label_evidence: str = ""


@dataclass(frozen=True)
class Decision:
    """One recorded decision: the row appended to the overrides, and what it overrode with --force."""

    season: Season
    renewed: int | None
    outcome: str
    decision_date: date
    cite: str
    note: str
    overrides_path: Path
    contradicts: str | None = None

    def row(self) -> dict[str, str]:
        return {
            "series_title": self.season.series_title,
            "season_number": str(self.season.season_number),
            "renewed": "" if self.renewed is None else str(self.renewed),
            "outcome": self.outcome,
            "note": self.note,
            "decision_date": self.decision_date.isoformat(),
            "cite": self.cite,
        }


def outcome_for(decision: str, decided_on: date, debut: date) -> tuple[int | None, str]:
    """The label and outcome a decision dated `decided_on` gives a season that debuted on `debut`.

    >>> outcome_for("renewed", date(2025, 7, 23), date(2025, 8, 6))
    (None, 'renewed_before_debut')
    >>> outcome_for("final", date(2025, 9, 1), date(2025, 8, 6))
    (0, 'ended_as_planned')
    """
    from renewml.data.labels import timed_state

    before = decided_on < debut
    if decision in ("renewed", "final"):
        state = timed_state("renewed" if decision == "renewed" else "ended_as_planned", before)
        return config.RENEWED_BY_OUTCOME[state], state
    if decision == "cancelled":
        if before:
            raise InputError(
                f"--cancelled: a cancellation dated {decided_on} comes before the season's debut ({debut}); "
                "expected a date on or after it (a season announced as the last before it aired is --final)"
            )
        return 0, "cancelled"
    raise InputError(f"expected one of --{', --'.join(DECISIONS)}, found {decision!r}")


def record_decision(
    title: str,
    season: int,
    decision: str,
    decided_on: str | date,
    cite: str,
    *,
    note: str = "",
    force: bool = False,
    overrides_path: Path | None = None,
    dataset_path: Path | None = None,
    raw_dirs: list[Path] | None = None,
    today: date | None = None,
) -> Decision:
    """Check a decision and append it to the label overrides; return what was recorded.

    `raw_dirs` are searched for the newest Top 10 file when the season is not in the table yet (default: the
    fetched folder, then the raw folder beside the repository). Without `force`, a decision that contradicts the
    table's decided label or an earlier override of the same season is refused.
    """
    overrides_path = Path(overrides_path or config.LABEL_OVERRIDES_PATH)
    decided = _decision_date(decided_on, today or date.today())
    cite = _check_cite(cite)
    found = find_season(title, season, Path(dataset_path or config.DATASET_PATH), raw_dirs)
    renewed, outcome = outcome_for(decision, decided, found.debut)
    header, earlier = _read_overrides(overrides_path, found)
    conflict = _contradiction(found, outcome, earlier, overrides_path)
    if conflict and not force:
        raise InputError(
            f"{found.show_title} season {found.season_number}: --{decision} dated {decided} ({outcome}) contradicts"
            f" {conflict}; pass --force to record it anyway"
        )
    text = f"{note.strip()} " if note.strip() else ""
    recorded = Decision(
        found,
        renewed,
        outcome,
        decided,
        cite,
        text + _describe(outcome, decided, found.debut) + f" {cite}",
        overrides_path,
        conflict,
    )
    _append_row(overrides_path, header, recorded.row())
    return recorded


def _decision_date(value: str | date, today: date) -> date:
    if isinstance(value, date):
        decided = value
    else:
        text = str(value).strip()
        try:
            decided = date.fromisoformat(text) if _ISO_DATE.fullmatch(text) else None
        except ValueError:
            decided = None
        if decided is None:
            raise InputError(f"--date: expected a date as YYYY-MM-DD, found {text!r}")
    if decided > today:
        raise InputError(
            f"--date: expected the day the decision was announced, no later than today ({today}), found {decided}"
        )
    return decided


def _check_cite(cite: str) -> str:
    text = cite.strip()
    parts = urllib.parse.urlsplit(text)
    if parts.scheme not in ("http", "https") or "." not in parts.netloc or any(ch.isspace() for ch in text):
        raise InputError(f"--cite: expected the http(s) address of a page that reports the decision, found {cite!r}")
    return text


def _describe(outcome: str, decided: date, debut: date) -> str:
    when = "before" if decided < debut else "after"
    what = {
        "renewed": "renewed for another season",
        "renewed_before_debut": "renewed for another season",
        "ended_as_planned": "announced as the final season",
        "final_season_announced": "announced as the final season",
        "cancelled": "cancelled",
    }[outcome]
    return f"Recorded decision ({outcome}): {what} on {decided}, {when} its debut ({debut})."


def find_season(title: str, season: int, dataset_path: Path, raw_dirs: list[Path] | None = None) -> Season:
    """The season a decision names: a row of the table, else a season of the newest Top 10 file of a raw folder."""
    key = normalize_title(title)
    rows = _table_rows(dataset_path)
    matches = [r for r in rows if key in (normalize_title(r["show_title"]), r["series_id"].replace("-", ""))]
    series = _series_titles()
    for row in matches:
        if row["season_number"] == str(season):
            debut_week = date.fromisoformat(row["debut_week"])
            if _ISO_DATE.fullmatch(row["premiere_date"] or ""):
                debut, source = date.fromisoformat(row["premiere_date"]), f"premiere_date in {dataset_path.name}"
            else:
                debut, source = debut_week - timedelta(days=6), f"Top 10 debut week {debut_week} in {dataset_path.name}"
            series_title = series.get((row["show_title"], row["season_title"]), (row["show_title"], season))[0]
            return Season(
                series_title, row["show_title"], season, debut, source, row["outcome"], row.get("label_evidence", "")
            )
    top10 = _top10_season(key, season, raw_dirs, series)
    if top10 is not None:
        return top10
    known = sorted({int(r["season_number"]) for r in matches if r["season_number"].isdigit()})
    if known:
        raise NotFoundError(
            f"{title!r} season {season}: not in {dataset_path} (it has season(s) {', '.join(map(str, known))}) nor in the"
            " newest Top 10 file; expected a season that has debuted (run 'renewml data fetch' for the newest weeks)"
        )
    titles = {r["show_title"].upper(): r["show_title"] for r in rows}
    close = difflib.get_close_matches(title.upper(), sorted(titles), n=3, cutoff=0.75)
    hint = f"; did you mean {' or '.join(repr(titles[c]) for c in close)}?" if close else ""
    raise NotFoundError(f"{title!r} is neither in {dataset_path} nor in the newest Top 10 file{hint}")


def _table_rows(path: Path) -> list[dict[str, str]]:
    if not path.is_file():
        raise InputError(f"{path}: dataset not found; build it with 'renewml data build'")
    with open(path, encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = [name for name in _TABLE_COLUMNS if name not in (reader.fieldnames or [])]
        if missing:
            raise InputError.at(path, 1, missing[0], "required column is missing; is this a renewml dataset?")
        return list(reader)


def _series_titles() -> dict[tuple[str, str], tuple[str, int]]:
    """Top 10 (show title, season title) -> the series title and season number the build files it under
    (curated links such as DAHMER -> Monster, season 1): label overrides are keyed by the series title."""
    if not config.SEASON_OVERRIDES_PATH.is_file():
        return {}
    with open(config.SEASON_OVERRIDES_PATH, encoding="utf-8", newline="") as handle:
        return {
            (r["show_title"], r["season_title"]): (r["series_title"] or r["show_title"], int(r["season_number"]))
            for r in csv.DictReader(handle)
            if r.get("action") == "keep" and (r.get("season_number") or "").isdigit()
        }


def _top10_season(
    key: str, season: int, raw_dirs: list[Path] | None, series: dict[tuple[str, str], tuple[str, int]]
) -> Season | None:
    """The season in the newest Top 10 global file (with any extension files beside it) of the first raw folder
    that has one; its debut is the Monday starting the first week it charted."""
    if raw_dirs is None:
        from renewml.data.raw import default_raw_dir

        raw_dirs = [config.FETCHED_RAW_DIR, *([default_raw_dir()] if default_raw_dir() else [])]
    for raw_dir in raw_dirs:
        folder = Path(raw_dir) / "netflix_top10"
        if not (folder / "all-weeks-global.tsv").is_file():
            continue
        first: dict[tuple[str, str], str] = {}
        for path in [folder / "all-weeks-global.tsv", *sorted(folder.glob("all-weeks-global_extension*.tsv"))]:
            with open(path, encoding="utf-8", newline="") as handle:
                for row in csv.DictReader(handle, delimiter="\t"):
                    if (row.get("category") or "").startswith("TV"):
                        pair = (row["show_title"], row["season_title"])
                        first[pair] = min(first.get(pair, row["week"]), row["week"])
        for (show, season_title), week in sorted(first.items(), key=lambda item: item[1]):
            series_title, number = series.get((show, season_title), (show, None))
            if key not in (normalize_title(series_title), normalize_title(show)):
                continue
            if (number or parse_season_title(show, season_title).season_number) == season:
                debut_week = date.fromisoformat(week)
                source = f"Top 10 debut week {debut_week} in {folder}"
                return Season(series_title, show, season, debut_week - timedelta(days=6), source)
        return None
    return None


def _read_overrides(path: Path, season: Season) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    """The overrides file's header and its earlier rows for this season, with their row numbers."""
    if not path.is_file():
        raise InputError(
            f"{path}: label overrides not found; expected the curated CSV with columns {', '.join(OVERRIDE_COLUMNS)}"
        )
    with open(path, encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        header = list(reader.fieldnames or [])
        missing = [name for name in OVERRIDE_COLUMNS if name not in header]
        if missing:
            raise InputError.at(
                path, 1, missing[0], f"required column is missing; expected {', '.join(OVERRIDE_COLUMNS)}"
            )
        key = normalize_title(season.series_title)
        earlier = []
        for number, row in enumerate(reader, start=2):
            if not (row["season_number"] or "").isdigit():
                raise InputError.at(
                    path, number, "season_number", f"expected a whole number, found {row['season_number']!r}"
                )
            if normalize_title(row["series_title"]) == key and int(row["season_number"]) == season.season_number:
                earlier.append((number, row))
    return header, earlier


def _direction(outcome: str) -> str | None:
    if outcome in RENEWED_OUTCOMES:
        return "renewed"
    if outcome in NOT_RENEWED_OUTCOMES:
        return "not renewed"
    return None


def _contradiction(season: Season, outcome: str, earlier: list[tuple[int, dict[str, str]]], path: Path) -> str | None:
    """What already known disagrees with the new outcome: an earlier override of the season (any other outcome,
    or the same one recorded again), or the table's decided label pointing the other way."""
    if earlier:
        number, row = earlier[-1]
        dated = f", dated {row['decision_date']}" if row.get("decision_date") else ""
        same = " (the same outcome, already recorded)" if row["outcome"] == outcome else ""
        return f"the override in {path}, row {number}: {row['outcome']!r}{dated}{same}"
    now = _direction(season.outcome)
    if now is not None and now != _direction(outcome):
        evidence = season.label_evidence if len(season.label_evidence) <= 120 else season.label_evidence[:117] + "..."
        return f"the table's label {season.outcome!r} ({evidence})"
    return None


def _append_row(path: Path, header: list[str], row: dict[str, str]) -> None:
    """Append one row atomically; the first recorded decision adds the decision columns (old rows blank there)."""
    text = path.read_text(encoding="utf-8")
    missing = [name for name in DECISION_COLUMNS if name not in header]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    if missing:
        rows = list(csv.reader(io.StringIO(text)))
        header = header + missing
        writer.writerow(header)
        writer.writerows(cells + [""] * (len(header) - len(cells)) for cells in rows[1:] if cells)
    else:
        buffer.write(text if text.endswith("\n") or not text else text + "\n")
    writer.writerow([row.get(name, "") for name in header])
    atomic_write_text(path, buffer.getvalue())
