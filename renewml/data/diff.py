"""What changed between two builds of the curated table, each change named by show and season.

After a fetch and a build, and before a retrain, an analyst needs to see what moved: seasons that joined (new
debuts), seasons newly decided (with the evidence that decided them), decided labels that changed, and model
inputs that changed (a later week's figures, a corrected premiere date). Seasons are matched by `row_id`.
Both tables are read with the csv module (a few thousand rows each), as text: numbers compare as numbers.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass, field
from pathlib import Path

from renewml import config
from renewml.errors import InputError

# The columns compared as inputs: the model's and the candidates, the ones a new week or source can move.
DIFF_INPUTS = (*config.FEATURES, *config.UNUSED_INPUTS, *config.CANDIDATE_FEATURES)
_REQUIRED = ("row_id", "show_title", "season_number", "outcome", "renewed")
_UNDECIDED = ("", "unknown")


@dataclass
class TableDiff:
    """The changes from an old table to a new one; each entry names the show and season."""

    old_path: Path
    new_path: Path
    old_rows: int
    new_rows: int
    new_seasons: list[dict[str, object]] = field(default_factory=list)
    removed_seasons: list[dict[str, object]] = field(default_factory=list)
    newly_decided: list[dict[str, object]] = field(default_factory=list)
    labels_changed: list[dict[str, object]] = field(default_factory=list)
    inputs_changed: list[dict[str, object]] = field(default_factory=list)

    def to_json(self) -> dict[str, object]:
        return {
            "old": str(self.old_path),
            "new": str(self.new_path),
            "old_seasons": self.old_rows,
            "new_seasons_total": self.new_rows,
            "new_seasons": self.new_seasons,
            "removed_seasons": self.removed_seasons,
            "newly_decided": self.newly_decided,
            "labels_changed": self.labels_changed,
            "inputs_changed": self.inputs_changed,
        }

    def lines(self) -> list[str]:
        """The report for people: a summary line, then one line per change under each non-empty heading."""
        out = [
            f"{self.old_path} -> {self.new_path}: {self.old_rows} -> {self.new_rows} seasons; {len(self.new_seasons)} new,"
            f" {len(self.removed_seasons)} gone, {len(self.newly_decided)} newly decided, {len(self.labels_changed)}"
            f" label(s) changed, {len(self.inputs_changed)} with changed inputs"
        ]
        sections = (
            ("New seasons", self.new_seasons, _describe_new),
            ("Seasons no longer in the table", self.removed_seasons, lambda e: f"was {e['outcome']}"),
            ("Newly decided", self.newly_decided, lambda e: f"{_label(e)} ({e['evidence']})"),
            ("Labels changed", self.labels_changed, _describe_label_change),
            ("Inputs changed", self.inputs_changed, _describe_inputs),
        )
        for heading, entries, describe in sections:
            if entries:
                out.append(f"{heading} ({len(entries)}):")
                out += [f"  {e['show_title']} season {e['season_number']}: {describe(e)}" for e in entries]
        return out


def diff_tables(old_path: Path, new_path: Path) -> TableDiff:
    """Compare two builds of the curated table; see `TableDiff`."""
    old, new = _read(Path(old_path)), _read(Path(new_path))
    result = TableDiff(Path(old_path), Path(new_path), len(old), len(new))
    for row_id, row in new.items():
        before = old.get(row_id)
        if before is None:
            result.new_seasons.append(
                {
                    **_name(row),
                    "debut_week": row.get("debut_week", ""),
                    **_label_fields(row),
                    "unverified": "original_evidence" in row and not row["original_evidence"],
                }
            )
            continue
        if (before["outcome"], before["renewed"]) != (row["outcome"], row["renewed"]):
            entry = {**_name(row), **_label_fields(row)}
            if before["outcome"] in _UNDECIDED:
                result.newly_decided.append(entry)
            else:
                result.labels_changed.append(
                    {**entry, "old_outcome": before["outcome"], "old_renewed": _renewed(before)}
                )
        changes = {
            name: {"old": before.get(name, ""), "new": row.get(name, "")}
            for name in DIFF_INPUTS
            if (name in before or name in row) and not _same(before.get(name, ""), row.get(name, ""))
        }
        if changes:
            result.inputs_changed.append({**_name(row), "changes": changes})
    result.removed_seasons = [
        {**_name(row), "outcome": row["outcome"]} for row_id, row in old.items() if row_id not in new
    ]
    return result


def _read(path: Path) -> dict[str, dict[str, str]]:
    if not path.is_file():
        raise InputError(f"{path}: table not found; expected a curated table written by 'renewml data build'")
    rows: dict[str, dict[str, str]] = {}
    with open(path, encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = [name for name in _REQUIRED if name not in (reader.fieldnames or [])]
        if missing:
            raise InputError.at(path, 1, missing[0], "required column is missing; is this a renewml dataset?")
        for number, row in enumerate(reader, start=2):
            if row["row_id"] in rows:
                raise InputError.at(path, number, "row_id", f"expected each season once, found {row['row_id']!r} again")
            rows[row["row_id"]] = row
    return rows


def _name(row: dict[str, str]) -> dict[str, object]:
    number = row["season_number"]
    return {
        "row_id": row["row_id"],
        "show_title": row["show_title"],
        "season_number": int(number) if number.isdigit() else number,
    }


def _renewed(row: dict[str, str]) -> int | None:
    return int(float(row["renewed"])) if row["renewed"] not in ("", "unknown") else None


def _label_fields(row: dict[str, str]) -> dict[str, object]:
    return {
        "outcome": row["outcome"],
        "renewed": _renewed(row),
        "label_source": row.get("label_source", ""),
        "evidence": row.get("label_evidence", ""),
    }


def _label(entry: dict[str, object]) -> str:
    renewed = entry["renewed"]
    return f"{entry['outcome']} (renewed {'blank' if renewed is None else renewed})"


def _describe_new(entry: dict[str, object]) -> str:
    text = f"debut week {entry['debut_week'] or '?'}, {_label(entry)}"
    if entry.get("evidence") and entry["outcome"] not in _UNDECIDED:
        text += f", {entry['evidence']}"
    if entry["unverified"]:
        text += "; unverified: no source vouches for it as a Netflix original yet"
    return text


def _describe_label_change(entry: dict[str, object]) -> str:
    old = {"outcome": entry["old_outcome"], "renewed": entry["old_renewed"]}
    return f"{_label(old)} -> {_label(entry)} ({entry['evidence']})"


def _describe_inputs(entry: dict[str, object]) -> str:
    changes = entry["changes"]
    assert isinstance(changes, dict)
    return "; ".join(f"{name} {c['old'] or 'blank'} -> {c['new'] or 'blank'}" for name, c in changes.items())


def _same(old: str, new: str) -> bool:
    """Equal as numbers when both are numbers (1 and 1.0), else as text."""
    if old == new:
        return True
    try:
        a, b = float(old), float(new)
    except ValueError:
        return False
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)
