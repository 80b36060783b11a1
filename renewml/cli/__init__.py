"""The `renewml` command line: each command parses its options, calls one library function, and formats.

Results go to stdout (a table for people, --json for scripts); progress goes to stderr. A renewml error
prints one `Error: ...` line to stderr and exits 1; usage errors (no input form, two at once, an unknown
flag) exit 2; --debug shows tracebacks. Help is plain click text: flags read as flags, defaults in full.
Heavy libraries are imported inside the commands that need them, so `--help` stays instant.

The commands live in modules by what they own, each holding a `typer.Typer` named `app` of its own
commands and importing nothing from this package module (so there is no import circle):

- `renewml.cli.modeling`: train, evaluate;
- `renewml.cli.predict`: predict, explain;
- `renewml.cli.board`: board;
- `renewml.cli.data`: the `data` group (build, validate), added under that name, and
  `renewml.cli.current` the group's commands that keep the data current (fetch, decide, diff);
- `renewml.cli.render`: the box table, notes and output helpers the commands share.

A new command module (with `app = typer.Typer()` and its `@app.command()`
functions; a group of commands gives its `typer.Typer` a `name=`) is added by naming it in the one
import line below, which `COMMAND_MODULES` repeats in the order --help lists the commands.
"""

from __future__ import annotations

from typing import Annotated

import typer

from renewml import config
from renewml.cli import board, current, data, modeling, predict
from renewml.cli.render import GROUP_SETTINGS, err
from renewml.errors import RenewmlError, UsageError

COMMAND_MODULES = (modeling, predict, board, data)  # the order of --help

app = typer.Typer(
    name="renewml",
    help="How likely is a streaming TV season to be renewed? Calibrated probabilities with reasons.",
    add_completion=False,
    pretty_exceptions_enable=False,
    **GROUP_SETTINGS,
)
for _module in COMMAND_MODULES:
    app.add_typer(_module.app)
data_app = data.app
current.register(data_app)  # data fetch, decide, diff

_state = {"debug": False}


def _print_version(value: bool) -> None:
    if value:
        from renewml import __version__

        print(f"renewml {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    debug: Annotated[bool, typer.Option("--debug", help="Show full tracebacks on errors.")] = False,
    version: Annotated[
        bool,
        typer.Option("--version", help="Print the installed version and exit.", callback=_print_version, is_eager=True),
    ] = False,
    threads: Annotated[
        int | None,
        typer.Option(
            "--threads",
            min=1,
            help=f"OpenMP/BLAS threads for fitting and scoring (default: ${config.THREADS_ENV}, else "
            f"{config.DEFAULT_THREADS}; more threads only pay off on an idle machine with large batches).",
            show_default=False,
        ),
    ] = None,
) -> None:
    from renewml.threads import set_threads

    _state["debug"] = debug
    set_threads(threads)


def main(argv: list[str] | None = None) -> None:
    """Console entry point: renewml errors become one line on stderr and exit code 1 (2 for usage errors)."""
    _state["debug"] = False
    try:
        result = app(args=argv, standalone_mode=False)
        if isinstance(result, int) and result:
            raise SystemExit(result)
    except RenewmlError as error:
        if _state["debug"]:
            raise
        err(f"Error: {error}")
        raise SystemExit(2 if isinstance(error, UsageError) else 1) from None
    except typer.Abort:
        err("Aborted.")
        raise SystemExit(1) from None
    except Exception as error:  # click's usage errors (vendored by typer) carry their own exit code
        if callable(getattr(error, "show", None)) and isinstance(getattr(error, "exit_code", None), int):
            error.show()
            raise SystemExit(error.exit_code) from None
        if _state["debug"]:
            raise
        err(f"Error: unexpected {error.__class__.__name__}: {error} (run with --debug for details)")
        raise SystemExit(1) from None


if __name__ == "__main__":
    main()
