"""`renewml train` and `renewml evaluate`: fit and save the model, and score it against baselines."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from renewml import config
from renewml.cli.render import DATASET_DEFAULT, MODEL_DEFAULT, err, print_slices

app = typer.Typer()


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
    err(f"training on {data} ...")
    result = train_and_evaluate(data)
    written = save_model(result.model, result.card, out, force=force)
    pooled = result.card.evaluation["pooled"]
    print(pooled["description"])
    print_slices({k: v for k, v in pooled["slices"].items() if k in ("ongoing", "all")})
    for line in result.card.evaluation["remarks"]:
        print("- " + line)
    print(f"wrote {written}, its card and a joblib copy for notebooks ({result.card.joblib_file})")


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
    versus: Annotated[
        Path | None,
        typer.Option(
            help="Instead: compare the model (--model, else the shipped one) with this saved model, paired, on the "
            "pooled-backtest probabilities both carry."
        ),
    ] = None,
) -> None:
    """Forward hold-out and rolling backtest of the model against baselines, overall and per slice.

    Example: renewml evaluate --report reports/shipped
    """
    from renewml.data import load_dataset
    from renewml.evaluate import evaluate_all

    frame = load_dataset(data)
    if versus is not None:
        from renewml.evaluate import compare_models
        from renewml.model import load_default_model, load_model

        ours = load_model(model) if model else load_default_model()
        names = (versus.stem, (model or config.MODEL_PATH).stem)
        compared = compare_models(load_model(versus).model, ours.model, frame, bootstrap, names)
        print(json.dumps(compared, indent=2, default=float) if as_json else "\n".join(compared["verdicts"]))
        return
    if report is not None:
        from renewml.report import write_report

        err(f"writing the report to {report} ...")
        result = write_report(frame, report, n_boot=bootstrap, data_path=data)
    else:
        result = evaluate_all(frame, model_path=model, n_boot=bootstrap, backtest=backtest, data_path=data)
    if as_json:
        print(json.dumps(result, indent=2, default=float))
        return
    from renewml.track_record import evaluation_summary

    print("\n".join(evaluation_summary(result)) + "\n\nDetails.\nForward hold-out: " + result["split"])
    print_slices(result["slices"])
    pooled = result.get("pooled")
    if pooled:
        print("\n" + pooled["description"] + " (model choices are made here)")
        print_slices(pooled["slices"])
        print("\nVerdicts from paired bootstrap differences (ahead of X only when the 95% interval excludes zero):")
        for line in pooled["verdicts"]:
            print("- " + line)
    for line in result["remarks"]:
        if not pooled or line not in pooled["verdicts"]:
            print("- " + line)
    if report is not None:
        print(f"wrote {Path(report) / 'report.md'}")
