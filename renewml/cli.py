"""The `renewml` command line: each command parses its options, calls one library function, and formats.

Results go to stdout (a table for people, --json for scripts); progress goes to stderr. A renewml error
prints one `Error: ...` line to stderr and exits 1; usage errors exit 2; --debug shows tracebacks.
Heavy libraries are imported inside the commands that need them, so `--help` stays instant.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from renewml import config
from renewml.errors import InputError, RenewmlError

app = typer.Typer(
    name="renewml",
    help="How likely is a streaming TV season to be renewed? Calibrated probabilities with reasons.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
data_app = typer.Typer(help="Build and check the curated renewal dataset.", no_args_is_help=True)
app.add_typer(data_app, name="data")

_state = {"debug": False}


def _err(message: str) -> None:
    print(message, file=sys.stderr)


@app.callback()
def _main(
    debug: Annotated[bool, typer.Option("--debug", help="Show full tracebacks on errors.")] = False,
) -> None:
    _state["debug"] = debug


# --------------------------------------------------------------------------------------------------
# data


@data_app.command("build")
def data_build(
    raw: Annotated[
        Path | None, typer.Option(help="Folder of raw public sources (default: ../shared/data/raw).")
    ] = None,
    out: Annotated[Path, typer.Option(help="Where to write the curated CSV.")] = config.DATASET_PATH,
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
    _err(f"building from {raw_dir} ...")
    table, dropped = build_and_write(Path(raw_dir), Path(out))
    decided = int(table["renewed"].notna().sum())
    print(f"wrote {out}: {len(table)} seasons ({decided} decided), {len(dropped)} Top 10 seasons left out with reasons")


@data_app.command("validate")
def data_validate(
    path: Annotated[Path, typer.Argument(help="The CSV to check.")] = config.DATASET_PATH,
) -> None:
    """Check a table against the documented schema; errors name the row and column.

    Example: renewml data validate data/renewals.csv
    """
    from renewml.data import validate_dataset

    frame = validate_dataset(path)
    print(f"{path}: {len(frame)} rows match the schema")


# --------------------------------------------------------------------------------------------------
# train / evaluate


@app.command()
def train(
    data: Annotated[Path, typer.Option(help="Curated dataset to train on.")] = config.DATASET_PATH,
    out: Annotated[Path, typer.Option(help="Where to write the model (its card goes next to it).")] = config.MODEL_PATH,
    force: Annotated[bool, typer.Option(help="Replace an existing model (the old one is kept as .bak).")] = False,
) -> None:
    """Fit the model, score it on a forward hold-out against baselines, and save it with its card.

    Example: renewml train --out models/my-model.joblib
    """
    from renewml.evaluate import train_and_evaluate
    from renewml.model import check_can_write, save_model

    check_can_write(out, force)  # fail before training, not after
    _err(f"training on {data} ...")
    result = train_and_evaluate(data)
    save_model(result.model, result.card, out, force=force)
    pooled = result.card.evaluation["pooled"]
    print(pooled["description"])
    _print_slices({k: v for k, v in pooled["slices"].items() if k in ("ongoing", "all")})
    for line in result.card.evaluation["remarks"]:
        print("- " + line)
    print(f"wrote {out} and its card")


def _fmt_auc(value: float | None) -> str:
    return "  n/a" if value is None else f"{value:.3f}"


def _fmt_interval(scores: dict, metric: str) -> str:
    value = scores.get(metric)
    interval = (scores.get("interval_95") or {}).get(metric)
    if value is None:
        return "n/a".ljust(19)
    return (f"{value:.3f}" + (f" ({interval[0]:.2f}-{interval[1]:.2f})" if interval else "")).ljust(19)


def _print_slices(slices: dict) -> None:
    """Each slice with every model's ROC AUC, Brier and log loss and their 95% intervals."""
    for slice_name, entry in slices.items():
        if entry.get("flagged"):
            print(f"\n{slice_name}: {entry['rows']} seasons: {entry['flagged']}")
            continue
        print(f"\n{slice_name}: {entry['rows']} seasons, {entry['positives']} renewed")
        print(f"  {'model':18s} {'ROC AUC (95%)':19s} {'Brier (95%)':19s} {'log loss (95%)':19s}")
        for name, s in entry["models"].items():
            cells = " ".join(_fmt_interval(s, m) for m in ("roc_auc", "brier", "log_loss"))
            print(f"  {name:18s} {cells}")


@app.command()
def evaluate(
    data: Annotated[Path, typer.Option(help="Curated dataset.")] = config.DATASET_PATH,
    model: Annotated[Path | None, typer.Option(help="Also score this saved model on the hold-out rows.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")] = False,
    report: Annotated[Path | None, typer.Option(help="Write report.md, report.json and PNG plots here.")] = None,
    bootstrap: Annotated[int, typer.Option(help="Bootstrap resamples for 95% intervals (0 = none).")] = 200,
    backtest: Annotated[bool, typer.Option(help="Also run the rolling-origin backtest.")] = True,
) -> None:
    """Forward hold-out and rolling backtest of the model against baselines, overall and per slice.

    Example: renewml evaluate --report reports/shipped
    """
    from renewml.data import load_dataset
    from renewml.evaluate import evaluate_all

    frame = load_dataset(data)
    if report is not None:
        from renewml.report import write_report

        _err(f"writing the report to {report} ...")
        result = write_report(frame, report, n_boot=bootstrap, data_path=data)
    else:
        result = evaluate_all(frame, model_path=model, n_boot=bootstrap, backtest=backtest, data_path=data)
    if as_json:
        print(json.dumps(result, indent=2, default=float))
        return
    print("Forward hold-out: " + result["split"])
    _print_slices(result["slices"])
    pooled = result.get("pooled")
    if pooled:
        print("\n" + pooled["description"] + " (model choices are made here)")
        _print_slices(pooled["slices"])
        print("\nVerdicts from paired bootstrap differences (ahead of X only when the 95% interval excludes zero):")
        for line in pooled["verdicts"]:
            print("- " + line)
    for line in result["remarks"]:
        if not pooled or line not in pooled["verdicts"]:
            print("- " + line)
    if report is not None:
        print(f"wrote {Path(report) / 'report.md'}")


# --------------------------------------------------------------------------------------------------
# predict


def _render(predictions: list, as_json: bool, reasons_shown: int = 3, note: str = "") -> None:
    if note:
        _err(f"renewml: {note}")
    if as_json:
        print(json.dumps([p.to_dict() for p in predictions], indent=2, ensure_ascii=False))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(show_lines=False)
    for column in ("show", "season", "renewal probability", "band", "top reasons"):
        table.add_column(column, overflow="fold")
    for p in predictions:
        reasons = "; ".join(f"{r['value']}: {r['contribution']:+.2f}" for r in p.reasons[:reasons_shown])
        shown = "no number" if p.probability is None else f"{p.probability:.0%}"
        table.add_row(p.title, "" if p.season is None else str(p.season), shown, p.band, reasons)
    console = Console(width=max(Console().width, 120))
    console.print(table)
    for p in predictions:
        for line in _notes(p):
            console.print(f"{p.title}: {line}", highlight=False)


def _notes(p: object) -> list[str]:
    """What a reader must know besides the number: too early, in-sample, reference, assumptions."""
    lines = []
    if p.probability is None:
        lines.append(f"too early to tell: {p.too_early_text()}")
    if p.in_training_data:
        lines.append(p.training_text())
    if p.reference and p.probability is not None:
        lines.append(f"reasons compare it with the average decided season of its format: {p.reference['text']}")
    if p.actual:
        lines.append(f"actual outcome in the data: {p.actual.replace('_', ' ')}")
    if p.assumed:
        lines.append(p.assumed_text())
    return lines


Title = Annotated[str | None, typer.Option(help="Title of a show that is not in the data.")]
Format = Annotated[str | None, typer.Option("--format", help="limited or ongoing.")]
Source = Annotated[str | None, typer.Option(help="Source material: " + ", ".join(config.SOURCE_MATERIALS))]
Views = Annotated[str | None, typer.Option(help="Debut-week views, e.g. 19.9M.")]
Rank = Annotated[int | None, typer.Option(help="Rank in the debut week (1-10).")]
Days = Annotated[float | None, typer.Option(help="Days available in the debut week (1-7).")]
Ratio = Annotated[float | None, typer.Option(help="Week-2 hours over week-1 hours.")]
Weeks = Annotated[int | None, typer.Option(help="Weeks in the Top 10 among the first four.")]
Critic = Annotated[float | None, typer.Option(help="Metacritic metascore, 0-100.")]
Audience = Annotated[float | None, typer.Option(help="Audience (user) score, 0-100.")]
Imdb = Annotated[float | None, typer.Option(help="Mean IMDb rating of the season's episodes, 0-10.")]
Language = Annotated[str | None, typer.Option(help="english or non_english.")]
Genre = Annotated[str | None, typer.Option(help="Genre: " + ", ".join(config.GENRES))]
Runtime = Annotated[float | None, typer.Option(help="Runtime of the whole season in hours.")]
Season = Annotated[int | None, typer.Option(help="Season to score (default: the latest in the data).")]
ModelPath = Annotated[Path | None, typer.Option(help="Model file (its card must sit next to it).")]
DataPath = Annotated[Path, typer.Option(help="Dataset to look titles up in.")]
Json = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]


def _show_frame(show: str | None, season: int | None, title: str | None, data: Path, inputs: dict):
    """The one-row table to score: a dataset row by title, or a new show built from flags."""
    from renewml.data import load_dataset
    from renewml.predict import adhoc_row, find_show, parse_human_number

    dataset = load_dataset(data)
    if show is not None:
        return find_show(dataset, show, season).to_frame().T.reset_index(drop=True), dataset
    inputs = dict(inputs, debut_views=parse_human_number(inputs.get("debut_views"), "debut_views"))
    return adhoc_row(title, {**inputs, "season_number": season}), dataset


# Flag name -> dataset column, for the inputs of a show that is not in the data.
_FLAG_COLUMNS = {
    "format": "format",
    "source": "source_material",
    "debut_views": "debut_views",
    "debut_rank": "debut_rank",
    "days_in_debut_week": "days_in_debut_week",
    "week2_to_week1": "week2_to_week1",
    "weeks_in_top10": "weeks_in_top10_first4",
    "critic_score": "critic_score",
    "audience_score": "audience_score",
    "imdb_rating": "imdb_season_rating",
    "language": "language",
    "genre": "genre",
    "runtime_hours": "runtime_hours",
}


def _inputs_from(arguments: dict[str, object]) -> dict[str, object]:
    """The show inputs among a command's arguments, keyed by dataset column."""
    return {column: arguments[flag] for flag, column in _FLAG_COLUMNS.items()}


@app.command()
def predict(
    show: Annotated[str | None, typer.Argument(help="Title of a show in the shipped data.")] = None,
    season: Season = None,
    title: Title = None,
    format: Format = None,
    source: Source = None,
    debut_views: Views = None,
    debut_rank: Rank = None,
    days_in_debut_week: Days = None,
    week2_to_week1: Ratio = None,
    weeks_in_top10: Weeks = None,
    critic_score: Critic = None,
    audience_score: Audience = None,
    imdb_rating: Imdb = None,
    language: Language = None,
    genre: Genre = None,
    runtime_hours: Runtime = None,
    input: Annotated[Path | None, typer.Option("--input", help="CSV of shows (dataset columns) to score.")] = None,
    output: Annotated[Path | None, typer.Option(help="With --input: write predictions to this CSV.")] = None,
    skip_invalid: Annotated[
        bool, typer.Option(help="With --input: score valid rows, write rejects to a file.")
    ] = False,
    model: ModelPath = None,
    data: DataPath = config.DATASET_PATH,
    as_json: Json = False,
) -> None:
    """Renewal probability, band and reasons for a show in the data, a new show, or a CSV of shows.

    Examples: renewml predict "His & Hers";  renewml predict --title "X" --format limited --debut-views 19.9M
    """
    forms = sum(x is not None for x in (show, title, input))
    if forms != 1:
        raise InputError("give exactly one of: a TITLE in the data, --title for a new show, or --input FILE")
    from renewml.model import load_default_model, load_model
    from renewml.predict import predict_rows

    loaded = load_model(model) if model else load_default_model()
    if input is not None:
        _predict_batch(loaded, Path(input), output, skip_invalid, as_json)
        return
    flags = _inputs_from(locals())
    frame, _ = _show_frame(show, season, title, data, flags)
    _render(predict_rows(loaded, frame), as_json, note=loaded.note)


@app.command()
def explain(
    show: Annotated[str | None, typer.Argument(help="Title of a show in the shipped data.")] = None,
    season: Season = None,
    title: Title = None,
    format: Format = None,
    source: Source = None,
    debut_views: Views = None,
    debut_rank: Rank = None,
    days_in_debut_week: Days = None,
    week2_to_week1: Ratio = None,
    weeks_in_top10: Weeks = None,
    critic_score: Critic = None,
    audience_score: Audience = None,
    imdb_rating: Imdb = None,
    language: Language = None,
    genre: Genre = None,
    runtime_hours: Runtime = None,
    plot: Annotated[Path | None, typer.Option(help="Write a PNG of probability against debut views here.")] = None,
    model: ModelPath = None,
    data: DataPath = config.DATASET_PATH,
    as_json: Json = False,
) -> None:
    """Why this probability: each input's contribution, the renewal bar, and similar past seasons.

    Example: renewml explain "His & Hers" --plot his-and-hers.png
    """
    if (show is None) == (title is None):
        raise InputError("give exactly one of: a TITLE in the data, or --title for a new show")
    from renewml.explain import explain_row, views_curve_plot
    from renewml.model import load_default_model, load_model

    loaded = load_model(model) if model else load_default_model()
    flags = _inputs_from(locals())
    frame, dataset = _show_frame(show, season, title, data, flags)
    row = frame.iloc[0]
    result = explain_row(loaded, row, dataset)
    if plot is not None:
        views_curve_plot(loaded, row, result.bar, plot)
        _err(f"wrote {plot}")
    if as_json:
        print(json.dumps(result.to_dict(), indent=2, ensure_ascii=False, default=str))
        return
    p = result.prediction
    season_text = f", season {p.season}" if p.season else ""
    if p.probability is None:
        print(f"{p.title}{season_text}: too early to tell: {p.too_early_text()}")
    else:
        print(f"{p.title}{season_text}: {p.probability:.0%} renewal probability ({p.band})")
        print(f"{result.reference_text}; what moves this show away from it:")
        for reason in p.reasons:
            print(f"  {reason['contribution']:+.2f}  {reason['input']}: {reason['value']}")
    if p.in_training_data:
        print(p.training_text()[0].upper() + p.training_text()[1:] + ".")
    print(f"Renewal bar: {result.bar.text}")
    if result.similar:
        print("Most similar earlier seasons:")
        for s in result.similar:
            views = "" if s["debut_views"] is None else f", {s['debut_views'] / 1e6:.1f}M debut views"
            print(f"  {s['title']} season {s['season']} ({s['debut_week']}{views}): {s['outcome'].replace('_', ' ')}")
    if p.actual:
        print(f"Actual outcome in the data: {p.actual.replace('_', ' ')}")
    if p.assumed:
        print(p.assumed_text()[0].upper() + p.assumed_text()[1:])


def _predict_batch(loaded: object, path: Path, output: Path | None, skip_invalid: bool, as_json: bool) -> None:
    import pandas as pd

    from renewml.io import atomic_write
    from renewml.predict import predict_rows, read_batch

    frame, problems = read_batch(path)
    bad_rows = sorted({p.row for p in problems})
    if problems and not skip_invalid:
        first = problems[0]
        raise InputError(
            f"{path}, row {first.row}, column '{first.column}': {first.message}"
            f" ({len(bad_rows)} bad row(s): {', '.join(map(str, bad_rows[:5]))}{', ...' if len(bad_rows) > 5 else ''};"
            " fix them or pass --skip-invalid)"
        )
    if problems:
        rejects = path.with_name(path.stem + ".rejects.csv")
        reasons = pd.DataFrame([{"row": p.row, "column": p.column, "problem": p.message} for p in problems])
        atomic_write(rejects, lambda tmp: reasons.to_csv(tmp, index=False))
        _err(f"renewml: skipped {len(bad_rows)} invalid row(s); reasons written to {rejects}")
        frame = frame.drop(index=[r - 2 for r in bad_rows])
    predictions = predict_rows(loaded, frame, reasons=len(frame) <= config.BATCH_REASONS_MAX_ROWS)
    if output is not None:
        table = pd.DataFrame(
            {
                "show_title": [p.title for p in predictions],
                "season_number": [p.season for p in predictions],
                "probability": [None if p.probability is None else round(p.probability, 4) for p in predictions],
                "band": [p.band for p in predictions],
                "top_reasons": [
                    "; ".join(f"{r['value']}: {r['contribution']:+.2f}" for r in p.reasons[:3]) for p in predictions
                ],
            }
        )
        atomic_write(Path(output), lambda tmp: table.to_csv(tmp, index=False))
        print(f"wrote {len(table)} predictions to {output}")
        return
    _render(predictions, as_json)


def main(argv: list[str] | None = None) -> None:
    """Console entry point: renewml errors become one line on stderr and exit code 1."""
    _state["debug"] = False
    try:
        result = app(args=argv, standalone_mode=False)
        if isinstance(result, int) and result:
            raise SystemExit(result)
    except RenewmlError as error:
        if _state["debug"]:
            raise
        _err(f"Error: {error}")
        raise SystemExit(1) from None
    except typer.Abort:
        _err("Aborted.")
        raise SystemExit(1) from None
    except Exception as error:  # click's usage errors (vendored by typer) carry their own exit code
        if callable(getattr(error, "show", None)) and isinstance(getattr(error, "exit_code", None), int):
            error.show()
            raise SystemExit(error.exit_code) from None
        if _state["debug"]:
            raise
        _err(f"Error: unexpected {error.__class__.__name__}: {error} (run with --debug for details)")
        raise SystemExit(1) from None


if __name__ == "__main__":
    main()
