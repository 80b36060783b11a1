"""Rows that name a season of the shipped data: the title index and the look-up of batch rows.

A title matches by its folded key (`renewml.data.titles.normalize_title`: case, accents, '&' and
punctuation do not count) or by the series slug without hyphens.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from renewml import config
from renewml.data.titles import normalize_title
from renewml.table import Table, as_table, column, is_missing, n_rows, numbers, plain_value

# Inputs a batch row may take from the data when it names a show there (given cells win).
LOOKUP_COLUMNS = (*config.FEATURES, *config.UNUSED_INPUTS, "days_in_debut_week")


@dataclass
class TitleIndex:
    """The dataset as a table and its rows by title key (folded title or series slug), built once per batch file."""

    dataset: Table
    by_key: dict[str, list[int]]

    @classmethod
    def of(cls, dataset: object) -> TitleIndex:
        table = as_table(dataset)
        by_key: dict[str, list[int]] = {}
        for position, (title, series) in enumerate(zip(table["show_title"], table["series_id"], strict=True)):
            for key in {normalize_title(title), str(series).replace("-", "")}:
                by_key.setdefault(key, []).append(position)
        return cls(table, by_key)


def look_up_shows(frame: Table, index: TitleIndex) -> Table:
    """Rows naming a season in the data take its inputs; the cells the user gave win."""
    dataset, by_key = index.dataset, index.by_key
    rows = n_rows(frame)
    titles = column(frame, "show_title", rows)
    keys = [normalize_title("" if is_missing(title) else title) for title in titles]
    named = [i for i, key in enumerate(keys) if key in by_key and not is_missing(titles[i])]
    frame = dict(frame)
    for name in (*LOOKUP_COLUMNS, "season_number", "row_id", "outcome", "label_evidence", "_note", "_overrides"):
        if name not in frame:
            frame[name] = column(frame, name, rows)
        elif frame[name].dtype.kind != "f" and frame[name].dtype.kind != "O":
            frame[name] = frame[name].astype(object)
    if not named:
        return frame
    frame = {name: values.copy() for name, values in frame.items()}
    inputs = [c for c in LOOKUP_COLUMNS if c != "season_number"]
    found_seasons = numbers(dataset["season_number"])
    given_season = numbers(frame["season_number"])
    for index in named:
        positions = by_key[keys[index]]
        name = dataset["show_title"][positions[0]]
        season = given_season[index]
        if not math.isnan(season):
            positions = [p for p in positions if found_seasons[p] == season]
            if not positions:
                frame["_note"][index] = (
                    f"{name} is in the data but has no season {int(season)}; scored from the given columns only"
                )
                continue
        found = max(positions, key=lambda p: (found_seasons[p], p))
        given = [c for c in inputs if not is_missing(frame[c][index]) and frame[c][index] != ""]
        for name_ in inputs:
            if name_ not in given:
                _set(frame, name_, index, dataset[name_][found] if name_ in dataset else None)
        if {"debut_views", "days_in_debut_week"} & set(given) and "debut_views_per_day" not in given:
            _set(frame, "debut_views_per_day", index, None)
        _set(frame, "season_number", index, found_seasons[found])
        _set(frame, "row_id", index, dataset["row_id"][found])  # a season of the data: its blanks are the data's
        _set(frame, "outcome", index, dataset["outcome"][found])
        _set(frame, "label_evidence", index, dataset["label_evidence"][found])  # a season decided before its debut cites it
        frame["_overrides"][index] = {c: plain_value(frame[c][index]) for c in given}
        frame["_note"][index] = f"looked up as {name} season {int(found_seasons[found])} in the data" + (
            f"; given columns override: {', '.join(given)}" if given else ""
        )
    return frame


def _set(frame: Table, name: str, index: int, value: object) -> None:
    """One cell; a blank is NaN in a number column and None in a text column."""
    values = frame[name]
    if values.dtype.kind == "f":
        values[index] = np.nan if is_missing(value) or value == "" else float(value)
    else:
        values[index] = None if is_missing(value) else value
