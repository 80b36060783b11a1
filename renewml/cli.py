"""The `renewml` command line: each command parses its options, calls one library function, and formats.

Results go to stdout (a table for people, --json for scripts); progress goes to stderr. A renewml error
prints one `Error: ...` line to stderr and exits 1; usage errors (no input form, two at once, an unknown
flag) exit 2; --debug shows tracebacks. Help is plain click text: flags read as flags, defaults in full.
Heavy libraries are imported inside the commands that need them, so `--help` stays instant.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from renewml import cli_data_current, config
from renewml.errors import RenewmlError, UsageError
from renewml.io import display_path

# rich_markup_mode=None: click's plain help, where an on/off option reads `--json` (not `--json <bool>`)
# and long defaults wrap instead of being cut off with "…".
_HELP = {"max_content_width": 100}
app = typer.Typer(
    name="renewml",
    help="How likely is a streaming TV season to be renewed? Calibrated probabilities with reasons.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings=_HELP,
)
data_app = typer.Typer(
    help="Build and check the curated renewal dataset.",
    no_args_is_help=True,
    rich_markup_mode=None,
    context_settings=_HELP,
)
app.add_typer(data_app, name="data")

DATASET_DEFAULT = display_path(config.DATASET_PATH)
MODEL_DEFAULT = display_path(config.MODEL_PATH)

_state = {"debug": False}


def _err(message: str) -> None:
    print(message, file=sys.stderr)


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


# --------------------------------------------------------------------------------------------------
# data


@data_app.command("build", short_help="Build the curated table from the raw public sources.")
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
    _err(f"building from {raw_dir} ...")
    table, dropped = build_and_write(Path(raw_dir), Path(out))
    decided = int(table["renewed"].notna().sum())
    print(f"wrote {out}: {len(table)} seasons ({decided} decided), {len(dropped)} Top 10 seasons left out with reasons")


@data_app.command("validate", short_help="Check a dataset or a batch file against the schema.")
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
        from renewml.predict import validate_batch

        checked = validate_batch(path)
        if checked.ignored_columns:
            _err(f"renewml: {checked.ignored_warning()}")
        from renewml.table import n_rows

        print(f"{path}: {n_rows(checked.frame)} rows are a valid batch file for 'renewml predict --input'")
        return
    frame = validate_dataset(path)
    print(f"{path}: {len(frame)} rows match the schema")


cli_data_current.register(data_app)  # data fetch, decide, diff


# --------------------------------------------------------------------------------------------------
# train / evaluate


@app.command(short_help="Fit, score on the forward hold-out and save the model with its card.")
def train(
    data: Annotated[
        Path, typer.Option(help=f"Curated dataset to train on (default: {DATASET_DEFAULT}).", show_default=False)
    ] = config.DATASET_PATH,
    out: Annotated[
        Path,
        typer.Option(
            help=f"Where to write the portable model; a joblib copy for notebooks and the card go next to it "
            f"(default: {MODEL_DEFAULT}).",
            show_default=False,
        ),
    ] = config.MODEL_PATH,
    force: Annotated[
        bool, typer.Option("--force", help="Replace an existing model (the old one is kept as .bak).")
    ] = False,
) -> None:
    """Fit the model, score it on a forward hold-out against baselines, and save it with its card.

    The portable .npz is what predict and explain load (it cannot run code); the .joblib copy beside it
    is for notebooks, loaded only with renewml.load_model(path, allow_pickle=True).

    Example: renewml train --out models/my-model.npz
    """
    from renewml.evaluate import train_and_evaluate
    from renewml.model import check_can_write, save_model

    check_can_write(out, force)  # fail before training, not after
    _err(f"training on {data} ...")
    result = train_and_evaluate(data)
    written = save_model(result.model, result.card, out, force=force)
    pooled = result.card.evaluation["pooled"]
    print(pooled["description"])
    _print_slices({k: v for k, v in pooled["slices"].items() if k in ("ongoing", "all")})
    for line in result.card.evaluation["remarks"]:
        print("- " + line)
    print(f"wrote {written}, its card and a joblib copy for notebooks ({result.card.joblib_file})")


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


@app.command(short_help="Forward hold-out and rolling backtest against baselines, per slice.")
def evaluate(
    data: Annotated[Path, typer.Option(help=f"Curated dataset (default: {DATASET_DEFAULT}).", show_default=False)] = config.DATASET_PATH,
    model: Annotated[Path | None, typer.Option(help="Also score this saved model on the hold-out rows.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")] = False,
    report: Annotated[Path | None, typer.Option(help="Write report.md, report.json and PNG plots here.")] = None,
    bootstrap: Annotated[int, typer.Option(help="Bootstrap resamples for 95% intervals (0 = none).")] = 200,
    backtest: Annotated[
        bool, typer.Option("--backtest/--no-backtest", help="Also run the rolling-origin backtest.")
    ] = True,
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
    import shutil

    from renewml.predict import percent

    notes = any(p.note for p in predictions)
    headers = ["show", "season", "renewal probability", "band", "top reasons", *(["note"] if notes else [])]
    rows = []
    for p in predictions:
        shown = "no number" if p.probability is None else f"{percent(p.probability)}%"
        season = "" if p.season is None else str(p.season)
        rows.append([p.label, season, shown, p.band, p.reasons_text(reasons_shown), *([p.note] if notes else [])])
    print(_box_table(headers, rows, max(shutil.get_terminal_size().columns, 120)))
    for p in predictions:
        for line in _notes(p):
            print(f"{p.title}: {line}")


def _box_table(headers: list[str], rows: list[list[str]], width: int) -> str:
    """A boxed table (heavy header, light body) that fits `width`: the widest columns wrap at spaces.

    Written here rather than drawn with rich, whose import alone costs a cold `predict` a tenth of its time.
    """
    import textwrap

    natural = [max([len(h), *(len(row[i]) for row in rows)]) for i, h in enumerate(headers)]
    narrowest = [max(len(word) for word in h.split()) for h in headers]  # a header word is never broken
    widths = list(natural)
    while sum(widths) + 3 * len(widths) + 1 > width:
        # the widest column gives way first; between equals, the one with the longer text
        column = max(range(len(widths)), key=lambda i: (widths[i] > narrowest[i], widths[i], natural[i]))
        if widths[column] <= max(narrowest[column], 8):
            break
        widths[column] -= 1

    def lines(cells: list[str]) -> list[list[str]]:
        wrapped = [textwrap.wrap(cell, w, break_on_hyphens=False) or [""] for cell, w in zip(cells, widths, strict=True)]
        height = max(map(len, wrapped))
        return [[(part[k] if k < len(part) else "").ljust(w) for part, w in zip(wrapped, widths, strict=True)] for k in range(height)]

    def rule(left: str, fill: str, middle: str, right: str) -> str:
        return left + middle.join(fill * (w + 2) for w in widths) + right

    out = [rule("┏", "━", "┳", "┓")]
    out += ["┃ " + " ┃ ".join(line) + " ┃" for line in lines(headers)]
    out.append(rule("┡", "━", "╇", "┩"))
    for row in rows:
        out += ["│ " + " │ ".join(line) + " │" for line in lines(row)]
    out.append(rule("└", "─", "┴", "┘"))
    return "\n".join(out)


def _notes(p: object) -> list[str]:
    """What a reader must know besides the number: what-if, too early, in-sample, reference, assumptions."""
    lines = []
    if p.overrides:
        lines.append(f"a what-if, {p.label}")
    if p.probability is None:
        lines.append(f"too early to tell: {p.too_early_text()}")
    if p.in_training_data:
        lines.append(p.training_text())
    if p.reference and p.probability is not None:
        lines.append(f"reasons start from here: {p.reference['text']}")
    if p.actual:
        changed = " (without the what-if changes)" if p.overrides else ""
        lines.append(f"actual outcome in the data{changed}: {p.actual.replace('_', ' ')}")
    if p.assumed:
        lines.append(p.assumed_text())
    return lines


Title = Annotated[str | None, typer.Option(help="Title of a show that is not in the data.")]
Format = Annotated[str | None, typer.Option("--format", help="limited or ongoing.")]
Source = Annotated[
    str | None, typer.Option(help="Source material: " + ", ".join(config.SOURCE_MATERIALS))
]
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
Season = Annotated[
    int | None,
    typer.Option(
        help="Season number. With a TITLE in the data: which season to score (default: the latest there). "
        "With --title: the new show's season number."
    ),
]
ModelPath = Annotated[
    Path | None, typer.Option(help=f"Model file, its card next to it (default: {MODEL_DEFAULT}).", show_default=False)
]
DataPath = Annotated[Path, typer.Option(help=f"Dataset to look titles up in (default: {DATASET_DEFAULT}).", show_default=False)]
Json = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]


# Flag name -> dataset column, for the inputs of a new show or the what-if changes to a show in the data.
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


def _flag(name: str) -> str:
    return "--" + name.replace("_", "-")


def _one_form(forms: dict[str, object]) -> None:
    """Exactly one way of naming what to score, or a usage error (exit 2)."""
    given = [name for name, value in forms.items() if value not in (None, False)]
    if len(given) != 1:
        found = " and ".join(given) if given else "none"
        raise UsageError(f"give exactly one of: {', '.join(forms)} (found {found})")


@app.command(short_help="Renewal probability, band and reasons for one show or a CSV of shows.")
def predict(
    show: Annotated[str | None, typer.Argument(metavar="TITLE", help="Title of a show in the shipped data.")] = None,
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
    input: Annotated[
        Path | None,
        typer.Option(
            "--input",
            help="CSV of shows to score, one row per show season. The columns are the dataset's input columns, "
            "documented in data/README.md; --template prints them with an example row. A row whose show_title "
            "(and season_number) is in the data is looked up there, its given cells overriding.",
        ),
    ] = None,
    output: Annotated[Path | None, typer.Option(help="With --input: write predictions to this CSV.")] = None,
    skip_invalid: Annotated[
        bool,
        typer.Option(
            "--skip-invalid", help="With --input: score the valid rows, write the others to FILE.rejects.csv."
        ),
    ] = False,
    template: Annotated[
        bool, typer.Option("--template", help="Print a CSV header of the batch input columns and an example row.")
    ] = False,
    model: ModelPath = None,
    data: DataPath = config.DATASET_PATH,
    as_json: Json = False,
) -> None:
    """Renewal probability, band and reasons for a show in the data, a new show, or a CSV of shows.

    Input flags (--format ... --runtime-hours) describe a show that is not in the data, with --title.
    Given with a TITLE in the data they make a what-if, labelled as such ("KAOS with debut views set
    to 50.0M"; in JSON, "what_if" and "overridden_inputs").

    \b
    Examples:
      renewml predict "His & Hers"
      renewml predict "Kaos" --debut-views 50M
      renewml predict --title "X" --format limited --debut-views 19.9M
      renewml predict --template > shows.csv && renewml predict --input shows.csv
    """
    _one_form({"a TITLE in the data": show, "--title": title, "--input FILE": input, "--template": template})
    flags = _inputs_from(locals())
    given = [_flag(name) for name, value in flags.items() if value is not None]
    if (input is not None or template) and (given or season is not None):
        raise UsageError(f"{(given or ['--season'])[0]} describes one show; a batch file gives it as a column")
    if input is None and (output is not None or skip_invalid):
        raise UsageError(f"{'--output' if output is not None else '--skip-invalid'} goes with --input FILE")
    from renewml.data import read_table

    dataset = read_table(data)
    if template:
        from renewml.predict import batch_template

        print(batch_template(dataset), end="")
        return
    from renewml.model import load_default_model, load_model
    from renewml.predict import predict_rows, show_frame

    loaded = load_model(model) if model else load_default_model()
    if input is not None:
        _predict_batch(loaded, Path(input), dataset, output, skip_invalid, as_json)
        return
    frame, _ = show_frame(dataset, show, season, title, flags)
    _render(predict_rows(loaded, frame), as_json, note=loaded.note)


@app.command(short_help="Each input's contribution, the renewal bar and similar past seasons.")
def explain(
    show: Annotated[str | None, typer.Argument(metavar="TITLE", help="Title of a show in the shipped data.")] = None,
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

    Input flags describe a new show with --title; with a TITLE in the data they make a labelled
    what-if, as for predict.

    \b
    Examples:
      renewml explain "His & Hers" --plot his-and-hers.png
      renewml explain "Kaos" --critic-score 80
    """
    _one_form({"a TITLE in the data": show, "--title": title})
    from renewml.data import read_table
    from renewml.explain import explain_row, views_curve_plot
    from renewml.model import load_default_model, load_model
    from renewml.predict import percent, show_frame
    from renewml.table import records

    loaded = load_model(model) if model else load_default_model()
    flags = _inputs_from(locals())
    dataset = read_table(data)
    frame, _ = show_frame(dataset, show, season, title, flags)
    row = records(frame)[0]
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
        print(f"{p.label}{season_text}: too early to tell: {p.too_early_text()}")
    else:
        print(f"{p.label}{season_text}: {percent(p.probability)}% renewal probability ({p.band})")
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
        changed = " (without the what-if changes)" if p.overrides else ""
        print(f"Actual outcome in the data{changed}: {p.actual.replace('_', ' ')}")
    if p.assumed:
        print(p.assumed_text()[0].upper() + p.assumed_text()[1:])


def _predict_batch(
    loaded: object, path: Path, dataset: object, output: Path | None, skip_invalid: bool, as_json: bool
) -> None:
    from renewml.predict import predict_rows, read_batch
    from renewml.table import n_rows

    if output is not None:
        _predict_batch_to_file(loaded, path, dataset, Path(output), skip_invalid)
        return
    batch = read_batch(path, dataset)
    if batch.ignored_columns:
        _err(f"renewml: {batch.ignored_warning()}")
    if batch.problems and not skip_invalid:
        raise _bad_rows_error(path, batch.problems)
    frame = batch.frame
    if batch.problems:
        _write_rejects(path, [batch.rejects()])
        frame = batch.valid_rows()
    _say_looked_up(_looked_up(frame))
    _render(predict_rows(loaded, frame, reasons=n_rows(frame) <= config.BATCH_REASONS_MAX_ROWS), as_json)


def _predict_batch_to_file(loaded: object, path: Path, dataset: object, output: Path, skip_invalid: bool) -> None:
    """Score a batch file into `output` a chunk of rows at a time, so that memory stays bounded.

    The output is written atomically: after a bad row without --skip-invalid, the remaining chunks
    are only checked (the error counts every bad row) and nothing is written.
    """
    from renewml.io import atomic_write
    from renewml.predict import PREDICTION_COLUMNS, predict_rows, predict_table, prediction_table, read_batches
    from renewml.table import append_csv, n_rows

    problems: list = []
    rejects: list = []
    counts = {"written": 0, "looked_up": 0}

    def write(tmp: Path) -> None:
        with open(tmp, "w", newline="", encoding="utf-8") as handle:
            handle.write(",".join(PREDICTION_COLUMNS) + "\n")
            for number, batch in enumerate(read_batches(path, dataset)):
                if number == 0 and batch.ignored_columns:
                    _err(f"renewml: {batch.ignored_warning()}")
                if batch.problems:
                    problems.extend(batch.problems)
                    rejects.append(batch.rejects())
                if problems and not skip_invalid:
                    continue  # the rest is only checked, for the error's count of bad rows
                frame = batch.valid_rows() if batch.problems else batch.frame
                counts["looked_up"] += _looked_up(frame)
                if batch.rows_in_file <= config.BATCH_REASONS_MAX_ROWS:  # a small file: with reasons
                    table = prediction_table(predict_rows(loaded, frame, reasons=True))
                else:
                    table = predict_table(loaded, frame)
                append_csv(table, handle, whole_numbers=("season_number",))
                counts["written"] += n_rows(table)
        if problems and not skip_invalid:
            raise _bad_rows_error(path, problems)

    atomic_write(output, write)
    if rejects:
        _write_rejects(path, rejects)
    _say_looked_up(counts["looked_up"])
    print(f"wrote {counts['written']} predictions to {output}")


def _bad_rows_error(path: Path, problems: list) -> Exception:
    """One error naming the first bad cell and counting the bad rows."""
    from renewml.errors import InputError

    bad_rows = sorted({p.row for p in problems if p.row is not None})
    first = problems[0]
    return InputError(
        f"{path}, row {first.row}, column '{first.column}': {first.message}"
        f" ({len(bad_rows)} bad row(s): {', '.join(map(str, bad_rows[:5]))}{', ...' if len(bad_rows) > 5 else ''};"
        " fix them or pass --skip-invalid)"
    )


def _write_rejects(path: Path, tables: list) -> None:
    """The skipped rows with their problems, in FILE.rejects.csv beside the input."""
    from renewml.io import atomic_write
    from renewml.table import from_records, records, write_csv

    lines = [line for table in tables for line in records(table)]
    rejects = path.with_name(path.stem + ".rejects.csv")
    table = from_records(lines)
    atomic_write(rejects, lambda tmp: write_csv(table, tmp, whole_numbers=("row",)))
    _err(f"renewml: skipped {len(lines)} invalid row(s); they and the reasons are in {rejects}")


def _looked_up(frame: dict) -> int:
    """How many rows named a season in the data and were looked up there."""
    return sum(isinstance(note, str) and note.startswith("looked up") for note in frame.get("_note", []) if note)


def _say_looked_up(count: int) -> None:
    if count:
        _err(f"renewml: {count} row(s) name a show in the data and were looked up there (see the note column)")


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
        _err(f"Error: {error}")
        raise SystemExit(2 if isinstance(error, UsageError) else 1) from None
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
