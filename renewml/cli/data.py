"""`renewml data build` and `renewml data validate`: the curated dataset's group of commands."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from renewml import config
from renewml.cli.render import DATASET_DEFAULT, GROUP_SETTINGS, warn

app = typer.Typer(name="data", help="Build and check the curated renewal dataset.", **GROUP_SETTINGS)


@app.command("build", short_help="Build the curated table from the raw public sources.")
def data_build(
    raw: Annotated[
        Path | None,
        typer.Option(
            help="User raw folder, read before the bundled one beside the repository (default: the folder"
            " 'renewml data fetch' writes to).",
            show_default=False,
        ),
    ] = None,
    out: Annotated[
        Path, typer.Option(help=f"Where to write the curated CSV (default: {DATASET_DEFAULT}).", show_default=False)
    ] = config.DATASET_PATH,
) -> None:
    """Build the curated table (one row per show season) from the newest raw files.

    Each file is read from the user raw folder first, then from the bundled raw folder beside the repository:
    a fetched Top 10 file wins over the bundled copies. Without the other sources (TMDB, Wikipedia, ...) the
    committed table's rows are kept and the new Top 10 weeks added. OUT.sources.json names every file read.

    Example: renewml data build --raw ~/renewml-raw --out new.csv
    """
    from renewml.data import build_and_write
    from renewml.data.sources import sources_path

    result = build_and_write(raw, Path(out))
    for note in result.notes:
        warn(note)
    table = result.table
    if Path(out).resolve() == config.DATASET_PATH.resolve():
        # The shipped table's datasheet quotes its counts: regenerated with it, never by hand.
        from renewml.docs import update_datasheet

        update_datasheet(Path(out), dropped_path=Path(out).with_name("dropped_seasons.csv"))
    decided = int(table["renewed"].notna().sum())
    unverified = int(table["unverified"].fillna(False).astype(bool).sum())
    print(
        f"wrote {out}: {len(table)} seasons ({decided} decided, {unverified} unverified), {len(result.dropped)} Top 10"
        f" seasons left out with reasons; sources in {sources_path(Path(out)).name}"
    )


@app.command("validate", short_help="Check a dataset or a batch file against the schema.")
def data_validate(
    path: Annotated[
        Path, typer.Argument(help=f"The CSV to check (default: {DATASET_DEFAULT}).", show_default=False)
    ] = config.DATASET_PATH,
    batch: Annotated[
        bool,
        typer.Option(
            "--batch",
            help="Check it as a batch file for 'predict --input' (the default when it has no row_id column).",
        ),
    ] = False,
) -> None:
    """Check a dataset or a batch file against the documented schema; errors name the row and column.

    A file with a row_id column is checked as the curated dataset, any other as a batch file.

    Example: renewml data validate shows.csv
    """
    from renewml.data import validate_dataset
    from renewml.data.schema import is_dataset_file

    if batch or not is_dataset_file(path):
        from renewml.batch import validate_batch
        from renewml.table import n_rows

        checked = validate_batch(path)
        if checked.ignored_columns:
            warn(checked.ignored_warning())

        print(f"{path}: {n_rows(checked.frame)} rows are a valid batch file for 'renewml predict --input'")
        return
    frame = validate_dataset(path)
    print(f"{path}: {len(frame)} rows match the schema")
