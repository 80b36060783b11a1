"""The model's own track record: how its out-of-sample calls held up, in numbers and in plain words.

The model file carries the pooled backtest's out-of-sample probability of every season it predicted
(each scored by a model trained only on earlier debuts). Set against what the current table says
happened, they show how far a "70%" can be trusted: per probability bin, the share renewed with its
95% interval, and ROC AUC and Brier for all seasons and for ongoing ones (limited series are almost
never renewed, so "all" flatters any model). Plain numpy: the board reads this without pandas.

The same module words the short summary `renewml evaluate` prints before its details.
"""

from __future__ import annotations

import numpy as np

from renewml import config
from renewml.model import wilson_interval
from renewml.table import Table, numbers


def roc_auc(y: np.ndarray, p: np.ndarray) -> float | None:
    """Probability that a renewed season scores above a not-renewed one (ties count half); None
    without both classes."""
    y = np.asarray(y, dtype=int)
    positives = int(y.sum())
    negatives = len(y) - positives
    if not positives or not negatives:
        return None
    order = np.argsort(p, kind="mergesort")
    ranks = np.empty(len(p))
    sorted_p = np.asarray(p, dtype=float)[order]
    # average ranks over ties, as the Mann-Whitney statistic needs
    starts = np.flatnonzero(np.r_[True, sorted_p[1:] != sorted_p[:-1]])
    ends = np.r_[starts[1:], len(p)]
    for start, end in zip(starts, ends, strict=True):
        ranks[order[start:end]] = (start + end + 1) / 2
    return float((ranks[y == 1].sum() - positives * (positives + 1) / 2) / (positives * negatives))


def brier(y: np.ndarray, p: np.ndarray) -> float | None:
    """Mean squared distance between the probability and what happened (0 is perfect, 0.25 a coin)."""
    return float(np.mean((np.asarray(p, dtype=float) - np.asarray(y, dtype=float)) ** 2)) if len(y) else None


def reliability_bins(y: np.ndarray, p: np.ndarray, bins: int = config.TRACK_RECORD_BINS) -> list[dict[str, object]]:
    """Equal-width probability bins that hold seasons: count, mean probability, share renewed and its
    95% Wilson interval (`low`, `high`). A calibrated model's mean probability lies inside the interval."""
    edges = np.linspace(0, 1, bins + 1)
    which = np.clip(np.digitize(p, edges[1:-1]), 0, bins - 1)
    out = []
    for b in range(bins):
        mask = which == b
        count = int(mask.sum())
        if not count:
            continue
        renewed = int(np.asarray(y)[mask].sum())
        low, high = wilson_interval(renewed, count)
        out.append(
            {
                "from": round(float(edges[b]), 4),
                "to": round(float(edges[b + 1]), 4),
                "count": count,
                "renewed": renewed,
                "mean_probability": round(float(np.mean(p[mask])), 4),
                "share_renewed": round(renewed / count, 4),
                "low": low,
                "high": high,
            }
        )
    return out


def _bin_text(entry: dict[str, object]) -> str:
    return f"{entry['from'] * 100:.0f}-{entry['to'] * 100:.0f}%"


def track_record(out_of_sample: dict[str, float], dataset: Table) -> dict[str, object]:
    """The out-of-sample probabilities against the outcomes the table has now: bins, scores and a
    plain-language `summary`.

    Seasons the table no longer has, or no longer calls decided, are left out (and counted).
    """
    ids = [str(v) for v in dataset["row_id"].tolist()]
    position = {row_id: at for at, row_id in enumerate(ids)}
    renewed_column = numbers(dataset[config.LABEL])
    kept = [
        (row_id, probability)
        for row_id, probability in sorted(out_of_sample.items())
        if row_id in position and not np.isnan(renewed_column[position[row_id]])
    ]
    at = np.array([position[row_id] for row_id, _ in kept], dtype=int)
    p = np.array([probability for _, probability in kept], dtype=float)
    y = renewed_column[at].astype(int)
    ongoing = np.asarray(dataset["format"], dtype=object)[at] == "ongoing"
    record: dict[str, object] = {
        "source": "the pooled backtest's out-of-sample probabilities carried in the model file, "
        "against the outcomes in the table",
        "seasons": len(kept),
        "left_out": len(out_of_sample) - len(kept),
        "ongoing_seasons": int(ongoing.sum()),
        "roc_auc": _rounded(roc_auc(y, p)),
        "brier": _rounded(brier(y, p)),
        "ongoing_roc_auc": _rounded(roc_auc(y[ongoing], p[ongoing])),
        "ongoing_brier": _rounded(brier(y[ongoing], p[ongoing])),
        "bins": reliability_bins(y, p),
        "ongoing_bins": reliability_bins(y[ongoing], p[ongoing]),
    }
    record["summary"] = track_record_summary(record)
    return record


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def _held(bins: list[dict[str, object]]) -> int:
    """Bins whose 95% interval holds their mean probability: calls that held up as stated."""
    return sum(1 for b in bins if b["low"] <= b["mean_probability"] <= b["high"])


def track_record_summary(record: dict[str, object]) -> str:
    """One paragraph a reader can act on: what the model's past calls of ongoing seasons turned into."""
    ongoing = record["ongoing_bins"]
    if not ongoing:
        return (
            "No season the model scored out of sample (the pooled backtest) is a decided ongoing season of this "
            "table: it has no track record here."
        )
    busiest = sorted(ongoing, key=lambda b: (-b["count"], b["from"]))[:3]
    parts = [
        f"at {_bin_text(b)}, {b['renewed']} of {b['count']} were renewed"
        for b in sorted(busiest, key=lambda b: b["from"])
    ]
    top = max(ongoing, key=lambda b: b["from"])
    bottom = min(ongoing, key=lambda b: b["from"])
    auc = record["ongoing_roc_auc"]
    auc_text = "" if auc is None else f" Its ROC AUC on them is {auc:.2f}"
    auc_text += "" if auc is None else f" and its Brier score {record['ongoing_brier']:.3f} (0.25 is a coin toss)."
    return (
        f"Scored before it knew the outcome (the pooled backtest), the model called {record['ongoing_seasons']} "
        f"ongoing seasons that have since been decided. Of the ongoing seasons it put {parts[0]}"
        + "".join(f"; {part}" for part in parts[1:])
        + f". Its highest calls ({_bin_text(top)}) came true for {top['renewed']} of {top['count']}, "
        f"its lowest ({_bin_text(bottom)}) for {bottom['renewed']} of {bottom['count']}."
        + auc_text
        + f" In {_held(ongoing)} of {len(ongoing)} probability bins the share renewed is within its 95% interval "
        f"of what the model said; across all {record['seasons']} seasons, limited series included, "
        f"{_held(record['bins'])} of {len(record['bins'])} bins."
    )


def evaluation_summary(result: dict[str, object]) -> list[str]:
    """The lines `renewml evaluate` prints first: the pooled backtest (where model choices are made),
    ongoing seasons first, with ROC AUC, Brier and their 95% intervals, then only the verdicts that hold
    (the model ahead of a baseline, the interval of the difference excluding zero)."""
    pooled = result.get("pooled") or {}
    slices = pooled.get("slices") or result.get("slices") or {}
    where = "pooled backtest" if pooled else "forward hold-out"
    lines = [f"Summary ({where}; the details follow):"]
    for name in ("ongoing", "all"):
        entry = slices.get(name)
        if not entry:
            continue
        if entry.get("flagged"):
            lines.append(f"  {name}: {entry['rows']} seasons, {entry['flagged']}")
            continue
        scores = entry["models"].get("gbm_calibrated") or next(iter(entry["models"].values()))
        intervals = scores.get("interval_95") or {}
        cells = []
        for metric, label in (("roc_auc", "ROC AUC"), ("brier", "Brier")):
            if scores.get(metric) is None:
                continue
            span = intervals.get(metric)
            cells.append(f"{label} {scores[metric]:.3f}" + (f" ({span[0]:.2f}-{span[1]:.2f})" if span else ""))
        lines.append(f"  {name}: {entry['rows']} seasons, {entry['positives']} renewed; " + ", ".join(cells))
    verdicts = [line for line in (_verdict_line(name, slices.get(name) or {}) for name in ("ongoing", "all")) if line]
    if verdicts:
        lines.append("  Verdicts that hold (the 95% paired interval of the difference excludes zero):")
        lines.extend(verdicts)
    return lines


def _verdict_line(name: str, entry: dict[str, object]) -> str:
    """'ongoing: ahead of format_only (ROC AUC, Brier), ...; within noise of logistic', from the paired verdicts."""
    metric_names = {"roc_auc": "ROC AUC", "brier": "Brier", "log_loss": "log loss"}
    versus = entry.get("versus") or {}
    if not versus:
        return ""
    held, noise = [], []
    for baseline, scores in versus.items():
        ahead = [
            label
            for metric, label in metric_names.items()
            if scores.get(metric, {}).get("verdict", "").startswith("ahead")
        ]
        if ahead:
            held.append(f"{baseline} ({', '.join(ahead)})")
        else:
            noise.append(baseline)
    text = f"  {name}: ahead of " + ", ".join(held) if held else f"  {name}: ahead of no baseline"
    return text + (f"; within noise of {', '.join(noise)}" if noise else "")
