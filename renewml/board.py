"""The board: every season still waiting for a decision, scored, with the model's own track record.

A season whose outcome is `unknown` in the table is undecided. Inside the decision window the datasheet
measures (`config.DECISION_WINDOW_DAYS` after the debut) it is **awaiting** a decision; past it with no
public decision it is **overdue**, and the board says what that has usually meant, measured on the table.
Seasons whose fate was public before they aired (`config.DECIDED_BEFORE_DEBUT`) are listed apart: their
debut decided nothing, so they are neither scored nor trained on.

A board is kept as JSON (its date, the hashes of the data and the model, every call), so that a later
run can score it against newer data (`score_board`): which calls were decided since, and how they held up.
Probabilities come from `predict_rows`, the path `renewml predict` takes; nothing here imports pandas.
"""

from __future__ import annotations

import json
import re
import textwrap
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import numpy as np

from renewml import config
from renewml.errors import InputError
from renewml.model import LoadedModel
from renewml.predict import percent, predict_rows
from renewml.table import Table, blank, is_missing, numbers, records, take
from renewml.track_record import brier, track_record

GROUPS = ("awaiting", "overdue")
CSV_COLUMNS = (
    "group", "row_id", "show_title", "season_number", "list", "debut_week", "days_since_debut",
    "probability", "band", "call", "top_reasons", "renewal_bar", "inputs_blank", "unverified",
)  # fmt: skip


@dataclass
class Board:
    """One run of the board; `to_dict` is `board.json` and what `--json` prints."""

    date: str
    data_sha256: str
    model_sha256: str
    data_as_of: str  # the newest debut week in the table
    rows: list[dict[str, object]]
    decided_before_debut: list[dict[str, object]]
    track_record: dict[str, object]
    overdue_reading: dict[str, object]
    window_days: int = config.DECISION_WINDOW_DAYS
    model_note: str = ""

    def to_dict(self) -> dict[str, object]:
        return {
            "date": self.date,
            "data_sha256": self.data_sha256,
            "model_sha256": self.model_sha256,
            "data_as_of": self.data_as_of,
            "decision_window_days": self.window_days,
            "groups": {group: sum(1 for r in self.rows if r["group"] == group) for group in GROUPS},
            "overdue_reading": self.overdue_reading,
            "rows": self.rows,
            "decided_before_debut": self.decided_before_debut,
            "track_record": self.track_record,
        }



# Dates in the evidence lines the build writes: a snapshot ("tmdb_2026-01-26: 3 seasons"), a later season
# charting ("... charted from 2023-03-05") or released ("season 2 released 2023-03-02, same production").
_EVIDENCE_DATE = re.compile(r"^[a-z0-9]+_(\d{4}-\d{2}-\d{2}):|charted from (\d{4}-\d{2}-\d{2})|released (\d{4}-\d{2}-\d{2}),")


def renewal_first_seen(evidence: str) -> str | None:
    """The earliest date at which a source showed the renewal, from a renewed row's `label_evidence`
    (ISO text; None for a curated override, whose note carries no dated source line).

    With the debut it says how late the data learns of renewals: an "Ended" status counts only after
    `DECISION_WINDOW` for the same reason (see `renewml.data.labels.renewal_announcement_delays`, which measures when the
    announcements themselves were public, on the raw Wikipedia snapshots).
    """
    dates = [
        next(group for group in match.groups() if group)
        for line in evidence.split("; ")
        if (match := _EVIDENCE_DATE.search(line))
    ]
    return min(dates) if dates else None


def parse_date(text: str) -> date:
    """A date given on the command line, or an error saying what was expected."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InputError(f"--date: expected a date as YYYY-MM-DD, found {text!r}") from None


def _days(later: str, earlier: str) -> int:
    return (date.fromisoformat(later[:10]) - date.fromisoformat(earlier[:10])).days


def overdue_reading(dataset: Table, window_days: int = config.DECISION_WINDOW_DAYS) -> dict[str, object]:
    """What a season past the window without a decision has usually turned out to be, measured on the table.

    For every renewed season whose evidence is dated, the first date a source showed the renewal
    (`renewal_first_seen`): the share first seen more than `window_days` after the debut is how often a
    season that looked overdue in these sources was in fact renewed.
    """
    renewed = numbers(dataset[config.LABEL]) == 1
    delays = []
    for debut, evidence in zip(dataset["debut_week"][renewed], dataset["label_evidence"][renewed], strict=True):
        seen = None if is_missing(evidence) else renewal_first_seen(str(evidence))
        if seen is not None and not is_missing(debut):
            delays.append(_days(seen, str(debut)))
    late = sum(1 for d in delays if d > window_days)
    share = late / len(delays) if delays else None
    text = (
        f"Overdue: more than {window_days} days since the debut and no decision in any source. Renewals are "
        f"almost always announced within {window_days} days (data/README.md), so most of these seasons have "
        "quietly ended; but the sources lag behind the announcements"
    )
    if share is not None:
        text += (
            f": of the {len(delays)} renewed seasons whose renewal the sources date, {late} ({share:.0%}) were first "
            f"seen renewed more than {window_days} days after their debut (mostly when the next season charted). "
            "An overdue season with a high probability may be such a renewal."
        )
    else:
        text += "; the table has no dated renewals to measure by how much."
    return {"renewed_with_dates": len(delays), "first_seen_after_window": late, "share": share, "text": text}


def build_board(
    loaded: LoadedModel,
    dataset: Table,
    data_sha256: str,
    today: date | None = None,
    window_days: int = config.DECISION_WINDOW_DAYS,
) -> Board:
    """Score every undecided season of `dataset` with its reasons and renewal bar, group and sort them,
    and attach the model's track record and the reading of "overdue"."""
    from renewml.explain import renewal_bars

    today_text = (today or date.today()).isoformat()
    outcomes = np.asarray(dataset["outcome"], dtype=object)
    pending = take(dataset, outcomes == "unknown")
    predictions = predict_rows(loaded, pending, reasons=True)
    has_format = np.isin(np.asarray(pending["format"], dtype=object), config.FORMATS) & ~blank(pending["debut_views"])
    bars = dict(zip(np.flatnonzero(has_format).tolist(), renewal_bars(loaded, take(pending, has_format)), strict=True))
    rows = []
    for index, (record, p) in enumerate(zip(records(pending), predictions, strict=True)):
        debut = str(record["debut_week"])[:10]
        days = _days(today_text, debut)
        bar = bars.get(index)
        rows.append(
            {
                "row_id": p.row_id,
                "show_title": p.title,
                "season_number": p.season,
                "list": "english" if record.get("language") == "english" else "non_english",
                "format": record.get("format"),
                "debut_week": debut,
                "days_since_debut": days,
                "group": "awaiting" if days <= window_days else "overdue",
                "probability": None if p.probability is None else round(p.probability, 4),
                "percent": None if p.probability is None else percent(p.probability),
                "band": p.band,
                "call": None if p.probability is None else ("renewal" if p.probability >= 0.5 else "cancellation"),
                "reasons": p.reasons,
                "top_reasons": p.reasons_text(3),
                "renewal_bar": None if bar is None else bar.text,
                "renewal_bar_views": None if bar is None else bar.views,
                "inputs_blank": p.missing_inputs,
                "assumed": p.assumed_text()
                or (
                    "blank in the data, as for the seasons the model learnt from: "
                    + ", ".join(name.replace("_", " ") for name in p.missing_inputs)
                    if p.missing_inputs
                    else "nothing: every input is in the data"
                ),
                "in_training_data": p.in_training_data,
                # no source vouches yet that it is a Netflix original (renewml.data.decided leaves it out of training)
                "unverified": str(record.get("unverified") or "").lower() == "true",
            }
        )
    rows.sort(key=_reading_order)
    before = [
        {
            "row_id": r["row_id"],
            "show_title": r["show_title"],
            "season_number": None if is_missing(r["season_number"]) else int(r["season_number"]),
            "debut_week": str(r["debut_week"])[:10],
            "state": r["outcome"],
        }
        for r in records(take(dataset, np.isin(outcomes, config.DECIDED_BEFORE_DEBUT)))
    ]
    weeks = [str(w)[:10] for w in dataset["debut_week"].tolist() if not is_missing(w)]
    return Board(
        date=today_text,
        data_sha256=data_sha256,
        model_sha256=str(loaded.card.model_sha256),
        data_as_of=max(weeks) if weeks else "",
        rows=rows,
        decided_before_debut=before,
        track_record=track_record(loaded.model.out_of_sample, dataset),
        overdue_reading=overdue_reading(dataset, window_days),
        window_days=window_days,
        model_note=loaded.note,
    )


def _shown_title(row: dict[str, object]) -> str:
    """The title as a board shows it: an unverified season says so."""
    return f"{row['show_title']} (unverified)" if row.get("unverified") else str(row["show_title"])


def _reading_order(row: dict[str, object]) -> tuple:
    """Awaiting before overdue; inside a group the surest calls first, renewals and cancellations alike
    (distance from 50%), so a reader meets the likeliest renewals and cancellations at the top."""
    p = row["probability"]
    certainty = -1.0 if p is None else abs(float(p) - 0.5)
    return (GROUPS.index(str(row["group"])), -certainty, -(p or 0.0), str(row["row_id"]))


def board_table(board: Board) -> Table:
    """The rows of `board.csv`: one per undecided season, the reasons as one line."""
    columns: dict[str, list[object]] = {name: [] for name in CSV_COLUMNS}
    for row in board.rows:
        for name in CSV_COLUMNS:
            value = row.get(name)
            if name == "inputs_blank":
                value = " ".join(value or [])
            columns[name].append(value)
    out: Table = {}
    for name, values in columns.items():
        if name in ("season_number", "days_since_debut", "probability"):
            out[name] = np.array([np.nan if v is None else v for v in values], dtype=float)
        else:
            out[name] = np.array(["" if v is None else str(v) for v in values], dtype=object)
    return out


def board_lines(board: Board) -> list[str]:
    """The compact terminal table: a heading per group, one line per season, then the track record."""
    lines = [
        f"renewml board, {board.date}: {len(board.rows)} seasons still undecided in the data "
        f"(newest debut week {board.data_as_of}); how far to trust them: the track record at the end."
    ]
    header = f"  {'show':34} {'season':>6} {'list':7} {'debut':10} {'days':>5} {'prob':>5}  {'band':21} top reason"
    for group in GROUPS:
        rows = [r for r in board.rows if r["group"] == group]
        title = (
            f"Awaiting a decision (within {board.window_days} days of the debut): {len(rows)}"
            if group == "awaiting"
            else f"Overdue (more than {board.window_days} days, no public decision): {len(rows)}"
        )
        lines += ["", title]
        if group == "overdue":
            lines += textwrap.wrap(str(board.overdue_reading["text"]), 110, initial_indent="  ", subsequent_indent="  ")
        if not rows:
            continue
        lines.append(header)
        for r in rows:
            shown = "-" if r["percent"] is None else f"{r['percent']}%"
            season = "" if r["season_number"] is None else str(r["season_number"])
            reason = r["reasons"][0] if r["reasons"] else None
            reason_text = "" if reason is None else f"{reason['value']}: {reason['contribution']:+.2f}"
            lines.append(
                f"  {_cut(_shown_title(r), 34):34} {season:>6} {'EN' if r['list'] == 'english' else 'non-EN':7} "
                f"{r['debut_week']:10} {r['days_since_debut']:>5} {shown:>5}  {r['band']:21} {_cut(reason_text, 60)}"
            )
    if board.decided_before_debut:
        lines += ["", f"Decided before their debut (not scored): {len(board.decided_before_debut)}"]
        for r in board.decided_before_debut:
            lines.append(
                f"  {r['show_title']} season {r['season_number']} ({r['debut_week']}): {r['state'].replace('_', ' ')}"
            )
    lines += ["", "Track record: " + str(board.track_record["summary"])]
    return lines


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def write_board(board: Board, out_dir: Path) -> list[Path]:
    """board.html, board.json and board.csv in `out_dir`, each written atomically."""
    from renewml.board_html import board_html
    from renewml.io import atomic_write, atomic_write_text
    from renewml.table import write_csv

    out_dir = Path(out_dir)
    paths = [out_dir / "board.json", out_dir / "board.csv", out_dir / "board.html"]
    atomic_write_text(paths[0], json.dumps(board.to_dict(), indent=2, ensure_ascii=False) + "\n")
    table = board_table(board)
    atomic_write(paths[1], lambda tmp: write_csv(table, tmp, whole_numbers=("season_number", "days_since_debut")))
    atomic_write_text(paths[2], board_html(board.to_dict()))
    return paths


# --------------------------------------------------------------------------------------------------
# scoring an earlier board


@dataclass
class ScoredBoard:
    """An earlier board against the current data: the calls decided since and how they held up."""

    old_date: str
    old_data_sha256: str
    data_sha256: str
    decided: list[dict[str, object]] = field(default_factory=list)
    still_pending: int = 0
    no_longer_scored: list[dict[str, object]] = field(default_factory=list)

    @property
    def right(self) -> int:
        return sum(1 for d in self.decided if d["right"])

    @property
    def brier(self) -> float | None:
        if not self.decided:
            return None
        return brier(np.array([d["renewed"] for d in self.decided]), np.array([d["probability"] for d in self.decided]))

    def to_dict(self) -> dict[str, object]:
        value = self.brier
        return {
            "old_date": self.old_date,
            "old_data_sha256": self.old_data_sha256,
            "data_sha256": self.data_sha256,
            "calls_decided": len(self.decided),
            "calls_right": self.right,
            "brier": None if value is None else round(value, 4),
            "still_pending": self.still_pending,
            "decided": self.decided,
            "no_longer_scored": self.no_longer_scored,
        }

    def lines(self) -> list[str]:
        head = (
            f"Board of {self.old_date} against the current data: {len(self.decided)} of its calls decided since, "
            f"{self.still_pending} still pending"
        )
        if self.decided:
            head += f"; {self.right} of {len(self.decided)} calls right (50% as the line), Brier {self.brier:.3f}"
        out = [head + "."]
        for d in self.decided:
            mark = "right" if d["right"] else "wrong"
            out.append(
                f"  {mark:5} {d['show_title']} season {d['season_number']}: called {d['probability']:.0%} "
                f"({d['band']}), now {str(d['outcome']).replace('_', ' ')}"
            )
        for d in self.no_longer_scored:
            out.append(f"  left out: {d['show_title']} season {d['season_number']}: {d['why']}")
        return out


def read_board(path: Path) -> dict[str, object]:
    """An earlier `board.json`, checked: every call needs a row_id and a probability in [0, 1] (or null)."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: board file not found")
    try:
        board = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise InputError(
            f"{path}: not a board: expected the JSON that 'renewml board --json' prints ({error})"
        ) from None
    if not isinstance(board, dict) or not isinstance(board.get("rows"), list):
        raise InputError(f"{path}: not a board: expected a JSON object with a 'rows' list")
    for position, row in enumerate(board["rows"]):
        where = f"{path}, rows[{position}]"
        if not isinstance(row, dict) or not isinstance(row.get("row_id"), str):
            raise InputError(f"{where}: expected an object with a text 'row_id'")
        p = row.get("probability")
        if p is not None and (isinstance(p, bool) or not isinstance(p, int | float) or not 0 <= p <= 1):
            raise InputError(f"{where}, 'probability': expected a number from 0 to 1 or null, found {p!r}")
    return board


def score_board(old: dict[str, object], dataset: Table, data_sha256: str) -> ScoredBoard:
    """Which of an earlier board's calls the current data has decided, whether each was right (a call of
    50% or more is a renewal), and the Brier score of those calls."""
    ids = [str(v) for v in dataset["row_id"].tolist()]
    position = {row_id: at for at, row_id in enumerate(ids)}
    renewed = numbers(dataset[config.LABEL])
    outcomes = dataset["outcome"]
    scored = ScoredBoard(str(old.get("date", "")), str(old.get("data_sha256", "")), data_sha256)
    for row in old["rows"]:
        at = position.get(row["row_id"])
        p = row.get("probability")
        described = {
            "row_id": row["row_id"],
            "show_title": row.get("show_title"),
            "season_number": row.get("season_number"),
        }
        if at is None:
            scored.no_longer_scored.append({**described, "why": "no longer in the data"})
        elif outcomes[at] in config.DECIDED_BEFORE_DEBUT:
            scored.no_longer_scored.append({**described, "why": f"now {outcomes[at]}: decided before its debut"})
        elif np.isnan(renewed[at]):
            scored.still_pending += 1
        elif p is None:
            scored.no_longer_scored.append({**described, "why": "the board gave no probability"})
        else:
            actual = int(renewed[at])
            scored.decided.append(
                {
                    **described,
                    "probability": float(p),
                    "band": row.get("band"),
                    "outcome": outcomes[at],
                    "renewed": actual,
                    "right": (float(p) >= 0.5) == bool(actual),
                }
            )
    scored.decided.sort(key=lambda d: (not d["right"], -abs(d["probability"] - 0.5), d["row_id"]))
    return scored
