"""`renewml board`: every season still waiting for a decision, scored, with the model's track record.

Parses, calls `renewml.board`, and formats; no logic of its own.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from renewml import config
from renewml.io import display_path

app = typer.Typer()


@app.command(short_help="Every undecided season, scored, with the model's track record.")
def board(
    out: Annotated[
        Path | None, typer.Option(help="Write board.html, board.json and board.csv into this folder.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the board as one JSON object.")] = False,
    score: Annotated[
        Path | None,
        typer.Option(help="Score an earlier board.json against the current data: the calls decided since."),
    ] = None,
    as_of: Annotated[
        str | None,
        typer.Option("--date", help="Count days since the debut to this date, YYYY-MM-DD (default: today)."),
    ] = None,
    data: Annotated[
        Path, typer.Option(help=f"Curated dataset (default: {display_path(config.DATASET_PATH)}).", show_default=False)
    ] = config.DATASET_PATH,
    model: Annotated[
        Path | None,
        typer.Option(
            help=f"Model file, its card next to it (default: {display_path(config.MODEL_PATH)}).", show_default=False
        ),
    ] = None,
) -> None:
    """Every season still undecided in the data, scored, with the model's own track record.

    Awaiting: inside the decision window the datasheet measures (the days after a debut within which
    renewals become public). Overdue: past it with no public decision. --score OLD.json compares an
    earlier board with the current data.

    \b
    Examples:
      renewml board
      renewml board --out site/ && renewml board --score site/board.json
    """
    import sys

    from renewml.data import read_table
    from renewml.io import sha256_file

    dataset = read_table(data)
    data_sha256 = sha256_file(data)
    if score is not None:
        from renewml.board import read_board, score_board

        scored = score_board(read_board(score), dataset, data_sha256)
        if as_json:
            print(json.dumps(scored.to_dict(), indent=2, ensure_ascii=False))
        else:
            print("\n".join(scored.lines()))
        return
    from renewml.board import board_lines, build_board, parse_date, write_board
    from renewml.model import load_default_model, load_model

    loaded = load_model(model) if model else load_default_model()
    if loaded.note:
        print(f"renewml: {loaded.note}", file=sys.stderr)
    result = build_board(loaded, dataset, data_sha256, today=parse_date(as_of) if as_of else None)
    if out is not None:
        for path in write_board(result, out):
            print(f"wrote {path}", file=sys.stderr)
    if as_json:
        print(json.dumps(result.to_dict(), indent=2, ensure_ascii=False))
    else:
        print("\n".join(board_lines(result)))
