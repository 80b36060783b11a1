"""The commands that keep the data current: `renewml data fetch`, `data decide` and `data diff`.

Each parses its options, calls one library function (`renewml.data.fetch`, `.decide`, `.diff`) and formats the
result; results go to stdout, progress and warnings to stderr, and renewml errors reach the CLI's one-line
`Error:` handler. The library modules are imported inside the commands, so `renewml --help` stays instant.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from renewml import config
from renewml.io import display_path


def register(data_app: typer.Typer) -> None:
    """Add the three commands to the `renewml data` group."""
    data_app.command(
        "fetch", short_help="Download Netflix's newest Top 10 files, checked before they replace anything."
    )(data_fetch)
    data_app.command("decide", short_help="Record a renewal decision with its date and cite for the next build.")(
        data_decide
    )
    data_app.command("diff", short_help="What changed between two builds of the table, by show and season.")(data_diff)


def _path_option(what: str, default: Path) -> typer.models.OptionInfo:
    """A path option whose help names its default relative to the repository (never a machine path)."""
    return typer.Option(help=f"{what} (default: {display_path(default)}).", show_default=False)


def data_fetch(
    raw: Annotated[
        Path,
        typer.Option(
            help="Raw folder to fetch into; files go to DIR/netflix_top10/ (default: $RENEWML_FETCHED, else"
            " renewml/raw under the user's data folder).",
            show_default=False,
        ),
    ] = config.FETCHED_RAW_DIR,
    base_url: Annotated[
        str, typer.Option("--base-url", help="Address of the folder that serves the Top 10 files.")
    ] = config.TOP10_BASE_URL,
    engagement: Annotated[
        str | None,
        typer.Option(
            "--engagement",
            metavar="URL",
            help="Also fetch this engagement report (.xlsx; its file name gives its half-year) into DIR/netflix_engagement/.",
        ),
    ] = None,
) -> None:
    """Download Netflix's public Top 10 files (global weekly, per country, most popular) into a raw folder.

    Each download is checked (header, complete lists of ranks 1 to 10, weeks newest first with no gap, no week
    of the copy it replaces missing) before any file is replaced; old copies are kept as NAME.prev and
    MANIFEST.json records the address, fetch time, bytes, sha256 and newest week of each file. If any download
    fails, nothing is changed.

    Example: renewml data fetch --raw ~/renewml-raw
    """
    from renewml.data.fetch import fetch

    for result in fetch(Path(raw), base_url, engagement, progress=sys.stderr):
        check = result.check
        what = f"{check.rows:,} rows"
        if check.newest_week:
            added = f"{len(result.new_weeks)} week(s) newer than the copy it replaced" if result.replaced else "new"
            what += f", {len(check.weeks)} weeks, newest {check.newest_week} ({added})"
        elif check.period:
            what += f", {check.period}"
        print(f"{result.path}: {result.bytes:,} bytes, {what}")


def data_decide(
    title: Annotated[
        str,
        typer.Argument(
            metavar="TITLE", help="The show, as in the table or the Top 10 (case and punctuation do not count)."
        ),
    ],
    season: Annotated[int, typer.Option(min=1, help="The season the decision is about.")],
    date: Annotated[str, typer.Option("--date", metavar="YYYY-MM-DD", help="The day the decision was announced.")],
    cite: Annotated[str, typer.Option("--cite", metavar="URL", help="The http(s) address of a page that reports it.")],
    renewed: Annotated[bool, typer.Option("--renewed", help="Another season was ordered.")] = False,
    cancelled: Annotated[bool, typer.Option("--cancelled", help="The show was cancelled after this season.")] = False,
    final: Annotated[bool, typer.Option("--final", help="This season was announced as the last.")] = False,
    note: Annotated[str, typer.Option(help="A sentence to keep with the decision.")] = "",
    force: Annotated[
        bool, typer.Option("--force", help="Record it even if it contradicts the table's label or an earlier override.")
    ] = False,
    overrides: Annotated[Path, _path_option("The curated label overrides", config.LABEL_OVERRIDES_PATH)] = (
        config.LABEL_OVERRIDES_PATH
    ),
    data: Annotated[
        Path, _path_option("The table the season is looked up in", config.DATASET_PATH)
    ] = config.DATASET_PATH,
    raw: Annotated[
        Path | None,
        typer.Option(
            help="Raw folder whose newest Top 10 names seasons not in the table yet (default: the fetched one)."
        ),
    ] = None,
) -> None:
    """Record a renewal decision, with its date and cite, in the curated label overrides; the next build uses it.

    The date decides the state: --renewed before the season's debut is renewed_before_debut and --final before it
    final_season_announced (both left out of training); after the debut they are renewed and ended_as_planned.

    Example: renewml data decide "House of Guinness" --season 1 --renewed --date 2025-11-20 --cite https://example.org/news
    """
    from renewml.data.decide import record_decision
    from renewml.errors import UsageError

    chosen = [name for name, on in (("renewed", renewed), ("cancelled", cancelled), ("final", final)) if on]
    if len(chosen) != 1:
        raise UsageError(f"give exactly one of --renewed, --cancelled, --final (found {len(chosen)})")
    decision = record_decision(
        title,
        season,
        chosen[0],
        date,
        cite,
        note=note,
        force=force,
        overrides_path=overrides,
        dataset_path=data,
        raw_dirs=[raw] if raw else None,
    )
    if decision.contradicts:
        print(f"renewml: recorded with --force although it contradicts {decision.contradicts}", file=sys.stderr)
    renewed_text = "blank" if decision.renewed is None else decision.renewed
    print(
        f"recorded in {decision.overrides_path}: {decision.season.series_title} season {decision.season.season_number}"
        f" {decision.outcome} (renewed {renewed_text}), decided {decision.decision_date}, debut {decision.season.debut}"
        f" ({decision.season.debut_source}); the next 'renewml data build' uses it"
    )


def data_diff(
    old: Annotated[
        Path, typer.Argument(metavar="OLD.csv", help="The table before (e.g. the shipped data/renewals.csv).")
    ],
    new: Annotated[
        Path, typer.Argument(metavar="NEW.csv", help="The table after (e.g. the output of 'renewml data build --out').")
    ],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")] = False,
) -> None:
    """List what changed between two builds of the table: new seasons, seasons newly decided (with their
    evidence), labels that changed and inputs that changed, each named by show and season.

    Example: renewml data diff data/renewals.csv new.csv
    """
    from renewml.data.diff import diff_tables

    result = diff_tables(old, new)
    if as_json:
        print(json.dumps(result.to_json(), indent=2, ensure_ascii=False))
    else:
        print("\n".join(result.lines()))
