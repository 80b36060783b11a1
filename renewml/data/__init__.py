"""The data stage: build the curated table from raw sources, write it, load it, validate it."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from renewml import config
from renewml.data.schema import DATASET_COLUMNS, DATASET_DTYPES, validate_dataset
from renewml.errors import InputError
from renewml.io import atomic_write

if TYPE_CHECKING:
    import pandas as pd

    from renewml.data.build import BuildResult
    from renewml.table import Table

__all__ = ["load_dataset", "read_table", "write_dataset", "build_and_write", "validate_dataset", "decided"]

# The columns scoring reads from the dataset, type-checked by `read_table` (the rest stay text).
LOOKUP_COLUMNS = (
    "row_id", "series_id", "show_title", "season_number", "debut_week", "outcome", "renewed",
    *config.FEATURES, "days_in_debut_week",
)



def read_table(path: Path | None = None) -> Table:
    """The curated table without pandas, for looking shows up: the columns scoring reads are checked
    and typed (numbers as floats with NaN, text with None), the others kept as text.

    A cell that does not fit its documented type is an error naming the file, row and column.
    """
    from renewml.data.schema import _summarise, check_columns, read_csv_columns
    from renewml.table import n_rows

    path = Path(path or config.DATASET_PATH)
    if not path.is_file():
        raise InputError(f"{path}: dataset not found; build it with 'renewml data build'")
    names, raw = read_csv_columns(path)
    missing = [name for name in LOOKUP_COLUMNS if name not in names]
    if missing:
        raise InputError.at(path, 1, missing[0], "required column is missing; is this a renewml dataset?")
    wanted = tuple(c for c in DATASET_COLUMNS if c.name in LOOKUP_COLUMNS)
    table, problems = check_columns(raw, wanted, (), n_rows(raw))
    if problems:
        raise InputError(_summarise(path, problems))
    return table


def load_dataset(path: Path | None = None) -> pd.DataFrame:
    """Read the curated table with the documented dtypes (checked fully by `validate_dataset`)."""
    import pandas as pd

    path = Path(path or config.DATASET_PATH)
    if not path.is_file():
        raise InputError(f"{path}: dataset not found; build it with 'renewml data build'")
    header = pd.read_csv(path, nrows=0).columns
    missing = [c.name for c in DATASET_COLUMNS if c.name not in header]
    if missing:
        raise InputError.at(path, 1, missing[0], "required column is missing; is this a renewml dataset?")
    frame = pd.read_csv(path, dtype=DATASET_DTYPES, keep_default_na=False, na_values=[""])
    frame["debut_week"] = pd.to_datetime(frame["debut_week"])
    for name in ("season_number", "debut_rank", "weeks_in_top10_first4"):
        frame[name] = frame[name].astype("int64")
    return frame


def decided(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows whose fate is known: the only rows a model may learn from or be scored on.

    An unverified season (no source vouches yet that it is a Netflix original, so its renewal may not be
    Netflix's decision) is left out until a source or a recorded decision vouches for it.
    """
    known = frame[config.LABEL].notna()
    if "unverified" in frame:
        known &= ~frame["unverified"].fillna(False).astype(bool)
    return frame[known].reset_index(drop=True)


def _format_float(value: object) -> str:
    """Plain decimal text with at most 4 decimals: stable across platforms, readable in a spreadsheet."""
    import pandas as pd

    if value is None or pd.isna(value):
        return ""
    text = f"{round(float(value), 4):.4f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def write_dataset(table: pd.DataFrame, path: Path) -> None:
    """Write a table atomically and deterministically (same input -> same bytes)."""
    import pandas as pd

    ordered = table[[c.name for c in DATASET_COLUMNS]].copy()
    for column in DATASET_COLUMNS:
        if column.kind == "int":
            ordered[column.name] = ordered[column.name].map(lambda v: "" if pd.isna(v) else str(int(v)))
        elif column.kind == "float":
            ordered[column.name] = ordered[column.name].map(_format_float)
        elif column.kind == "bool":
            ordered[column.name] = ordered[column.name].map(lambda v: "" if pd.isna(v) else str(bool(v)).lower())
    atomic_write(path, lambda tmp: ordered.to_csv(tmp, index=False, lineterminator="\n"))


def build_and_write(
    raw_dir: Path | None, out: Path, dropped_out: Path | None = None, curation_dir: Path | None = None
) -> BuildResult:
    """Build from the raw folders (`raw_dir`, else the fetched one, then the bundled one) and write the table,
    the dropped seasons with reasons, and `<table>.sources.json` naming every file read and its sha256."""
    from renewml.data.build import build_dataset
    from renewml.data.extend import extend_committed
    from renewml.data.sources import resolve_folders, write_sources

    folders = resolve_folders(raw_dir)
    curation_dir = curation_dir or config.CURATION_DIR
    if folders.full is None:  # a user machine: the committed table, extended with the newer Top 10 weeks
        result = extend_committed(folders, curation_dir)
    else:
        result = build_dataset(folders, curation_dir)
    out = Path(out)
    write_dataset(result.table, out)
    dropped_path = dropped_out or out.with_name("dropped_seasons.csv")
    atomic_write(dropped_path, lambda tmp: result.dropped.to_csv(tmp, index=False, lineterminator="\n"))
    write_sources(out, result.sources, result.mode)
    validate_dataset(out)
    return result
