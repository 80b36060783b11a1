"""`renewml data build` and `renewml data validate`: the curated dataset's group of commands."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from renewml import config
from renewml.cli.render import DATASET_DEFAULT, GROUP_SETTINGS, err, warn

app = typer.Typer(name="data", help="Build and check the curated renewal dataset.", **GROUP_SETTINGS)


@app.command("build", short_help="Build the curated table from the raw public sources.")
def data_build(
    raw: Annotated[
        Path | None, typer.Option(help="Folder of raw public sources (default: ../shared/data/raw).")
    ] = None,
    out: Annotated[
        Path, typer.Option(help=f"Where to write the curated CSV (default: {DATASET_DEFAULT}).", show_default=False)
    ] = config.DATASET_PATH,
) -> None:
    """Build the curated table from the raw sources (one row per show season).

    Example: renewml data build --raw ../shared/data/raw --out data/renewals.csv
    """
    from renewml.data import build_and_write
    from renewml.data.raw import default_raw_dir
    from renewml.errors import RawDataError

    raw_dir = raw or default_raw_dir()
    if raw_dir is None:
        raise RawDataError(
            "no raw data folder found; pass --raw DIR pointing at the raw public sources "
            "(netflix_top10/, tmdb_tv/, metacritic_tv/, ... each with a PROVENANCE.md)"
        )
    err(f"building from {raw_dir} ...")
    table, dropped = build_and_write(Path(raw_dir), Path(out))
    if Path(out).resolve() == config.DATASET_PATH.resolve():
        # The shipped table's datasheet quotes its counts: regenerated with it, never by hand.
        from renewml.docs import update_datasheet

        update_datasheet(Path(out), dropped_path=Path(out).with_name("dropped_seasons.csv"))
    decided = int(table["renewed"].notna().sum())
    print(f"wrote {out}: {len(table)} seasons ({decided} decided), {len(dropped)} Top 10 seasons left out with reasons")


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
