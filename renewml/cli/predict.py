"""`renewml predict` and `renewml explain`: one show (by title, or by its inputs) or a batch file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from renewml import config
from renewml.cli.render import DATASET_DEFAULT, MODEL_DEFAULT, err, print_batch, print_predictions, warn
from renewml.errors import InputError, UsageError

app = typer.Typer()


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
Critic = Annotated[
    str | None, typer.Option(help="Critic score of the season, 0-100 (accepted; the model does not use it).")
]
Audience = Annotated[
    str | None,
    typer.Option(help="Audience score of the season, 0-100, e.g. 71 for a 7.1 user score (not used by the model)."),
]
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


_CATEGORY_FLAGS = ("format", "source", "language", "genre")
_SCORE_FLAGS = {"critic_score": "--critic-score", "audience_score": "--audience-score"}


def _score(flag: str, text: str | None) -> float | None:
    """A 0-100 review score from a flag: "tbd", blank and Metacritic's user score of 0 ("tbd") are unknown; a
    value of at most 10 written with a decimal (7.1) is a 0-10 user score and is refused, never read as 7."""
    if text is None or text.strip().lower() in ("", "tbd"):
        return None
    try:
        value = float(text)
    except ValueError:
        raise InputError(f"{flag}: expected a score from 0 to 100 or 'tbd', found '{text}'") from None
    if "." in text and value <= 10:
        raise InputError(
            f"{flag}: expected a score on the 0-100 scale, found '{text}', which looks like a 0-10 user score "
            f"(give {value * 10:g} for {text})"
        )
    if not 0 <= value <= 100:
        raise InputError(f"{flag}: expected a score from 0 to 100, found '{text}'")
    return None if value == 0 and flag == "--audience-score" else value


def _inputs_from(arguments: dict[str, object]) -> dict[str, object]:
    """The show inputs among a command's arguments, keyed by dataset column; categories case-insensitive."""
    out = {}
    for flag, column in _FLAG_COLUMNS.items():
        value = arguments[flag]
        if flag in _CATEGORY_FLAGS and isinstance(value, str):
            value = value.strip().lower().replace("-", "_").replace(" ", "_")
        if column in _SCORE_FLAGS:
            value = _score(_SCORE_FLAGS[column], value)
        out[column] = value
    return out


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
            "documented in data/README.md; --template prints them with an example row; common names (title, "
            "views, rank, metascore) are read as them, said in one line. A row whose show_title "
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
    verbose: Annotated[
        bool,
        typer.Option(
            "--verbose", help="With --input: every row's notes under the table, as for one show (default: a summary)."
        ),
    ] = False,
    reasons: Annotated[
        bool,
        typer.Option(
            "--reasons",
            help=f"With --input: the top reasons of every row, also above {config.BATCH_REASONS_MAX_ROWS} rows (slower).",
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
    batch_only = {"--output": output is not None, "--skip-invalid": skip_invalid, "--verbose": verbose, "--reasons": reasons}
    if input is None and any(batch_only.values()):
        raise UsageError(f"{next(flag for flag, on in batch_only.items() if on)} goes with --input FILE")
    from renewml.data import read_table

    dataset = read_table(data)
    if template:
        from renewml.batch import batch_template

        print(batch_template(dataset), end="")
        return
    from renewml.model import load_default_model, load_model

    loaded = load_model(model) if model else load_default_model()
    if input is not None and output is not None:
        from renewml.batch import write_predictions

        written = write_predictions(loaded, Path(input), dataset, Path(output), skip_invalid, warn, reasons)
        print(f"wrote {written} predictions to {output}")
        return
    if input is not None:
        from renewml.batch import batch_predictions

        predictions, summary = batch_predictions(loaded, Path(input), dataset, skip_invalid, warn, reasons)
        print_batch(predictions, summary, as_json, verbose)
        return
    from renewml.predict import predict_rows, show_frame

    frame, _ = show_frame(dataset, show, season, title, flags)
    print_predictions(predict_rows(loaded, frame), as_json, note=loaded.note)


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
        err(f"wrote {plot}")
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
        print("Most similar earlier seasons in the model's terms (scored alike, weighted by what moves this show):")
        for s in result.similar:
            views = "" if s["debut_views"] is None else f", {s['debut_views'] / 1e6:.1f}M debut views"
            print(
                f"  {s['title']} season {s['season']} ({s['debut_week']}{views}): model "
                f"{percent(s['model_probability'])}%, {s['outcome'].replace('_', ' ')}"
            )
        print(result.similar_text)
    if p.actual:
        changed = " (without the what-if changes)" if p.overrides else ""
        print(f"Actual outcome in the data{changed}: {p.actual.replace('_', ' ')}")
    if p.assumed:
        print(p.assumed_text()[0].upper() + p.assumed_text()[1:])
