"""What the commands print: the box table of predictions, the notes under it and the slices of an
evaluation; and the help settings and defaults the command modules share."""

from __future__ import annotations

import json
import sys

from renewml import config
from renewml.io import display_path

# How the app and each group of commands show help. rich_markup_mode=None: click's plain help, where an
# on/off option reads `--json` (not `--json <bool>`) and long defaults wrap instead of being cut off with "…".
GROUP_SETTINGS = {"no_args_is_help": True, "rich_markup_mode": None, "context_settings": {"max_content_width": 100}}
DATASET_DEFAULT = display_path(config.DATASET_PATH)
MODEL_DEFAULT = display_path(config.MODEL_PATH)


def err(message: str) -> None:
    """A line for the user on stderr (progress, warnings, errors)."""
    print(message, file=sys.stderr)


def warn(message: str) -> None:
    """A warning or notice from the library, as `renewml: ...` on stderr."""
    err(f"renewml: {message}")


def fmt_interval(scores: dict, metric: str) -> str:
    value = scores.get(metric)
    interval = (scores.get("interval_95") or {}).get(metric)
    if value is None:
        return "n/a".ljust(19)
    return (f"{value:.3f}" + (f" ({interval[0]:.2f}-{interval[1]:.2f})" if interval else "")).ljust(19)


def print_slices(slices: dict) -> None:
    """Each slice with every model's ROC AUC, Brier and log loss and their 95% intervals."""
    for slice_name, entry in slices.items():
        if entry.get("flagged"):
            print(f"\n{slice_name}: {entry['rows']} seasons: {entry['flagged']}")
            continue
        print(f"\n{slice_name}: {entry['rows']} seasons, {entry['positives']} renewed")
        print(f"  {'model':18s} {'ROC AUC (95%)':19s} {'Brier (95%)':19s} {'log loss (95%)':19s}")
        for name, s in entry["models"].items():
            cells = " ".join(fmt_interval(s, m) for m in ("roc_auc", "brier", "log_loss"))
            print(f"  {name:18s} {cells}")


def print_predictions(predictions: list, as_json: bool, reasons_shown: int = 3, note: str = "") -> None:
    """One show (or a few asked by title): the table, then every line a reader must know under it."""
    if note:
        warn(note)
    if as_json:
        print(json.dumps([p.to_dict() for p in predictions], indent=2, ensure_ascii=False))
        return
    from renewml.predict import percent

    notes = any(p.note for p in predictions)
    headers = ["show", "season", "renewal probability", "band", "top reasons", *(["note"] if notes else [])]
    rows = []
    for p in predictions:
        shown = "no number" if p.probability is None else f"{percent(p.probability)}%"
        season = "" if p.season is None else str(p.season)
        rows.append([p.label, season, shown, p.band, p.reasons_text(reasons_shown), *([p.note] if notes else [])])
    print(box_table(headers, rows, _width()))
    for p in predictions:
        for line in note_lines(p):
            print(f"{p.title}: {line}")


def print_batch(predictions: list, summary: object, as_json: bool, verbose: bool, reasons_shown: int = 3) -> None:
    """A batch: the table with each row's detail in its own columns (actual outcome, note), then the
    summary's few lines on stderr; `verbose` adds every row's lines under the table, as for one show."""
    if as_json:
        print(json.dumps([p.to_dict() for p in predictions], indent=2, ensure_ascii=False))
    else:
        from renewml.predict import percent

        start = next((p.reference["probability"] for p in predictions if p.reference and p.reasons), None)
        reasons = any(p.reasons for p in predictions)
        actual = any(p.actual for p in predictions)
        rows = []
        for p in predictions:
            shown = "no number" if p.probability is None else f"{percent(p.probability)}%"
            row = [p.label, "" if p.season is None else str(p.season), shown, p.band]
            row += [p.reasons_text(reasons_shown)] if reasons else []
            row += [(p.actual or "").replace("_", " ")] if actual else []
            rows.append([*row, batch_note(p)])
        from_text = f" (from the average decided season, {start:.0%})" if start is not None else ""
        headers = ["show", "season", "probability", "band"]
        headers += [f"top reasons{from_text}"] if reasons else []
        headers += ["actual outcome"] if actual else []
        print(box_table([*headers, "note"], rows, _width()))
        if verbose:
            for p in predictions:
                for line in note_lines(p):
                    print(f"{p.title}: {line}")
    for line in summary.lines(verbose_hint=not as_json and not verbose):
        warn(line)


def batch_note(p: object) -> str:
    """A batch row's detail in one short cell (the show, season, band and actual outcome have their own):
    looked up, why too early, how many inputs were assumed, in the training data, inputs not used."""
    note = p.note
    if note.startswith("looked up as "):
        note = "in the data" + ("; given: " + note.split("override: ", 1)[1] if "override: " in note else "")
    parts = [note] if note else []
    if p.probability is None and not p.decided_before_debut:
        keys = [name.replace("_", " ") for name in config.KEY_FEATURES if name in p.missing_inputs]
        rate = p.base_rate or {}
        parts.append(
            f"no {' or '.join(keys) or 'key input'}: {rate.get('rate', 0):.0%} of {rate.get('seasons', 0)} "
            f"decided {rate.get('slice_text', 'seasons')} renewed"
        )
    elif p.assumed and not p.decided_before_debut:
        parts.append(f"{len(p.assumed)} input(s) not given, averaged")
    if p.in_training_data:
        sample = p.out_of_sample_probability
        parts.append("in training data" + (f" ({sample:.0%} out of sample)" if sample is not None else ""))
    parts += [f"{entry['input'].replace('_', ' ')}: not used by the model" for entry in p.unused_inputs]
    return "; ".join(parts)


def _width() -> int:
    import shutil

    return max(shutil.get_terminal_size().columns, 120)


def box_table(headers: list[str], rows: list[list[str]], width: int) -> str:
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


def note_lines(p: object) -> list[str]:
    """What a reader must know besides the number: what-if, too early, in-sample, reference, assumptions."""
    lines = []
    if p.overrides:
        lines.append(f"a what-if, {p.label}")
    if p.decided_before_debut:
        state = "the next season was ordered" if p.decided_before_debut == "renewed_before_debut" else (
            "it was announced as the final season"
        )
        lines.append(f"decided before its debut: {state} before it aired, so no probability; evidence: {p.evidence}")
    elif p.probability is None:
        lines.append(f"too early to tell: {p.too_early_text()}")
    for entry in p.unused_inputs:
        lines.append(f"{entry['input']} {entry['reason']}")
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
