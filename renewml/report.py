"""The evaluation report: Markdown tables and PNG plots written to a folder, each file atomically.

matplotlib is imported here only, so predicting never pays for it.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from renewml import config
from renewml.card import slice_tables
from renewml.data import decided
from renewml.evaluate import (
    HEADLINE_MODEL,
    forward_split,
    per_period,
    pooled_backtest,
    remarks,
    score_backtest,
    score_split,
)
from renewml.io import atomic_write, atomic_write_text, display_path, sha256_file
from renewml.model import fit_model, predict_proba

PLOT_MODELS = ("prior_rate", "format_only", "views_only", "logistic", "content_forest", HEADLINE_MODEL)


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _save(fig: object, path: Path) -> None:
    atomic_write(path, lambda tmp: fig.savefig(tmp, format="png", dpi=110, bbox_inches="tight"))
    _pyplot().close(fig)


def reliability_plot(y: np.ndarray, predictions: dict[str, np.ndarray], path: Path, bins: int = 8) -> None:
    """Observed renewal rate against mean predicted probability, per model, on the hold-out."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(5.5, 5))
    ax.plot([0, 1], [0, 1], color="grey", linestyle=":", label="perfectly calibrated")
    edges = np.linspace(0, 1, bins + 1)
    for name in ("logistic", "gbm_uncalibrated", HEADLINE_MODEL):
        p = predictions[name]
        which = np.clip(np.digitize(p, edges[1:-1]), 0, bins - 1)
        xs, ys, ns = [], [], []
        for b in range(bins):
            mask = which == b
            if mask.sum():
                xs.append(p[mask].mean())
                ys.append(y[mask].mean())
                ns.append(mask.sum())
        ax.plot(xs, ys, marker="o", label=name)
    ax.set_xlabel("predicted renewal probability")
    ax.set_ylabel("observed renewal rate")
    ax.set_title("Reliability on the forward hold-out")
    ax.legend(loc="upper left", fontsize=8)
    _save(fig, path)


def backtest_plot(periods: list[dict[str, object]], path: Path) -> None:
    """ROC AUC per half-year of the rolling backtest, overall and on ongoing shows."""
    plt = _pyplot()
    fig, axes = plt.subplots(1, 2, figsize=(11, 4), sharey=True)
    labels = [p["period"][:7] for p in periods]
    for ax, slice_name in zip(axes, ("all", "ongoing"), strict=True):
        for name in periods[0]["slices"][slice_name]["models"]:
            values = [p["slices"][slice_name]["models"][name]["roc_auc"] for p in periods]
            ax.plot(labels, [np.nan if v is None else v for v in values], marker="o", label=name)
        ax.set_title(f"rolling backtest, {slice_name} seasons")
        ax.set_xlabel("test half-year starting")
        ax.axhline(0.5, color="grey", linestyle=":")
    axes[0].set_ylabel("ROC AUC")
    axes[1].legend(fontsize=8)
    _save(fig, path)


def importance_and_dependence(
    frame: pd.DataFrame, out_dir: Path, shuffles: int = 10, grid_points: int = 40
) -> dict[str, float]:
    """Permutation importance (Brier loss increase) of each input on the hold-out, and partial
    dependence of debut views, week-2 staying power and debut rank, for the model trained on the training side."""
    plt = _pyplot()
    split = forward_split(frame)
    model = fit_model(split.train)
    y = split.test[config.LABEL].astype(int).to_numpy()
    base = np.mean((predict_proba(model, split.test) - y) ** 2)
    rng = np.random.default_rng(config.RANDOM_STATE)
    importance = {}
    for name in config.FEATURES:
        losses = []
        for _ in range(shuffles):
            shuffled = split.test.copy()
            shuffled[name] = rng.permutation(shuffled[name].to_numpy())
            losses.append(np.mean((predict_proba(model, shuffled) - y) ** 2) - base)
        importance[name] = float(np.mean(losses))
    order = sorted(importance, key=importance.get)
    fig, ax = plt.subplots(figsize=(6, 5))
    ax.barh(order, [importance[n] for n in order])
    ax.set_xlabel("increase in Brier score when the input is shuffled")
    ax.set_title("Permutation importance on the forward hold-out")
    _save(fig, out_dir / "permutation_importance.png")

    rows = decided(frame)
    ongoing = rows[rows["format"] == "ongoing"]
    fig, axes = plt.subplots(1, 3, figsize=(14, 4), sharey=True)
    grids = {
        "debut_views": np.logspace(5.5, 8, grid_points),
        "week2_to_week1": np.linspace(0.2, 3.0, grid_points),
        "debut_rank": np.linspace(1, 10, grid_points),
    }
    for ax, (name, grid) in zip(axes, grids.items(), strict=True):
        for label, subset in (("ongoing", ongoing), ("limited", rows[rows["format"] == "limited"])):
            curve = []
            for value in grid:
                varied = subset.copy()
                varied[name] = value
                curve.append(predict_proba(model, varied).mean())
            ax.plot(grid, curve, label=f"{label} seasons")
        if name == "debut_views":
            ax.set_xscale("log")
        ax.set_xlabel(name)
        ax.set_title(f"partial dependence: {name}")
    axes[0].set_ylabel("mean predicted renewal probability")
    axes[0].legend(fontsize=8)
    _save(fig, out_dir / "partial_dependence.png")
    return importance


def _table(slices: dict[str, object], with_intervals: bool) -> list[str]:
    lines = []
    for slice_name, entry in slices.items():
        lines += [f"### {slice_name}: {entry['rows']} seasons, {entry['positives']} renewed", ""]
        if entry.get("flagged"):
            lines += [f"{entry['flagged']}.", ""]
            continue
        lines += ["| model | ROC AUC | PR AUC | Brier | log loss | accuracy | ECE |", "|---|---|---|---|---|---|---|"]
        for name, s in entry["models"].items():
            cells = []
            for metric in ("roc_auc", "pr_auc", "brier", "log_loss", "accuracy", "ece"):
                value = s[metric]
                text = "n/a" if value is None else f"{value:.3f}"
                interval = (s.get("interval_95") or {}).get(metric) if with_intervals else None
                if interval:
                    text += f" ({interval[0]:.2f}-{interval[1]:.2f})"
                cells.append(text)
            lines.append(f"| {name} | " + " | ".join(cells) + " |")
        lines.append("")
    return lines


def write_report(
    frame: pd.DataFrame,
    out_dir: Path,
    n_boot: int = 200,
    data_path: Path | None = None,
    shuffles: int = 10,
    grid_points: int = 40,
) -> dict[str, object]:
    """Evaluate, plot, and write `report.md` (+ `report.json` and PNGs) into `out_dir`."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    data_path = Path(data_path or config.DATASET_PATH)
    split = forward_split(frame)
    result = score_split(split, n_boot=n_boot)
    predictions = result.pop("predictions")
    y = split.test[config.LABEL].astype(int).to_numpy()
    reliability_plot(y, predictions, out_dir / "reliability.png")
    pooled_run = pooled_backtest(frame)
    result["pooled"] = score_backtest(pooled_run, n_boot)
    result["remarks"] = remarks(result["pooled"])
    periods = per_period(pooled_run)
    backtest_plot(periods, out_dir / "backtest.png")
    importance = importance_and_dependence(frame, out_dir, shuffles, grid_points)
    result["rolling_backtest"] = periods
    result["permutation_importance"] = importance

    lines = [
        "# renewml evaluation report",
        "",
        f"Data: `{display_path(data_path)}` (sha256 `{sha256_file(data_path)[:16]}...`), "
        f"{int(frame[config.LABEL].notna().sum())} decided seasons.",
        "",
        "## Pooled rolling-origin backtest (model choices are made here)",
        "",
        result["pooled"]["description"] + ".",
        "",
        "Limited series are almost never renewed, so any model that reads the format gets a high overall ROC AUC.",
        "The **ongoing** slice is where the question is hard; it comes first. Intervals are 95% bootstrap",
        f"intervals over the pooled rows ({n_boot} resamples); slices under 20 seasons are flagged, not scored.",
        "",
        *slice_tables(result["pooled"]["slices"]),
        "### Verdicts",
        "",
        f"From paired bootstrap differences ({HEADLINE_MODEL} minus each baseline on the same resampled rows):",
        '"ahead of X" only when the 95% interval of the difference excludes zero, otherwise "within noise of X".',
        "",
        *[f"- {r}" for r in result["pooled"]["verdicts"]],
        "",
        "## Forward hold-out",
        "",
        result["split"] + ".",
        "",
        *_table(result["slices"], with_intervals=n_boot > 0),
        "![reliability](reliability.png)",
        "",
        "## The backtest half-year by half-year",
        "",
        "Each half-year's share of the pooled predictions, scored alone (small samples: read the pooled table).",
        "",
        "| test half-year | train rows | slice | rows | renewed | "
        + " | ".join(f"{m} AUC / Brier" for m in periods[0]["slices"]["all"]["models"])
        + " |",
        "|---|---|---|---|---|" + "---|" * len(periods[0]["slices"]["all"]["models"]),
    ]
    for p in periods:
        for slice_name, entry in p["slices"].items():
            cells = []
            for s in entry["models"].values():
                auc = "n/a" if s["roc_auc"] is None else f"{s['roc_auc']:.3f}"
                cells.append(f"{auc} / {s['brier']:.3f}")
            lines.append(
                f"| {p['period']} | {p['train_rows']} | {slice_name} | {entry['rows']} | {entry['positives']} | "
                + " | ".join(cells)
                + " |"
            )
    lines += [
        "",
        "![backtest](backtest.png)",
        "",
        "## Feature effects",
        "",
        "Permutation importance: how much the hold-out Brier score worsens when one input is shuffled",
        f"(mean of {shuffles} shuffles; near zero or negative means the model does not rely on it there).",
        "",
        "| input | Brier increase |",
        "|---|---|",
        *[f"| {n} | {v:+.4f} |" for n, v in sorted(importance.items(), key=lambda kv: -kv[1])],
        "",
        "![permutation importance](permutation_importance.png)",
        "",
        "Partial dependence: the mean predicted probability over the decided seasons when one input is set to",
        "each value, for ongoing and limited seasons separately.",
        "",
        "![partial dependence](partial_dependence.png)",
        "",
    ]
    atomic_write_text(out_dir / "report.md", "\n".join(lines))
    atomic_write_text(out_dir / "report.json", json.dumps(result, indent=2, default=float) + "\n")
    return result
