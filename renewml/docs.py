"""Figures in the documentation, generated from the table and the model card so they cannot drift.

Each generated block sits between `<!-- generated:NAME -->` and `<!-- /generated:NAME -->` in a Markdown
file (the datasheet `data/README.md`, the README). `render_blocks` recomputes them; `update_file` writes
them in place (atomically); the test suite fails when a committed block differs from what the committed
table and card give. Prose around the blocks is hand-written and carries no counts or scores.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from pathlib import Path

import pandas as pd

from renewml import config
from renewml.io import atomic_write_text

# Why each model input's presence is fixed by the decision (about a month after the debut), for the
# presence check: a blank must not mean anything that happened later.
PRESENCE_REASONS: dict[str, str] = {
    "format": "Netflix's 'Limited Series' suffix, printed from the debut week on; never blank",
    "source_material": "a property of the show before it aired (curated with a cite)",
    "language": "the Top 10 list the season debuted on; never blank",
    "genre": "from TMDB, Wikipedia or Metacritic genres that do not change with a show's fate",
    "season_number": "from the season's own title; never blank",
    "debut_rank": "the debut week's Top 10; never blank",
    "debut_views": (
        "reported by Netflix from 2023-06, else hours / runtime; blank only where no runtime is known, "
        "fixed by the debut week"
    ),
    "debut_views_per_day": "needs the release date, found (or not) in sources dated by the release itself",
    "runtime_hours": "Netflix's runtime of the season as released",
    "week2_to_week1": "the first two Top 10 weeks; never blank",
    "weeks_in_top10_first4": "the first four Top 10 weeks; never blank",
    "imdb_season_rating": (
        "the point-in-time copy as of debut + 28 days: present when the season had rated episodes by then"
    ),
}
REVIEW_INPUTS = ("critic_score", "audience_score", "imdb_season_rating")
# A gap in renewal rate between rows where an input is present and where it is blank, above which the
# input needs a stated reason (and a review score is refused among ongoing rows whatever the reason).
PRESENCE_GAP_LIMIT = 0.25


def _present(frame: pd.DataFrame, column: str) -> pd.Series:
    values = frame[column]
    blank = values.isna() | values.astype(str).isin(["", "unknown", "nan"])
    return ~blank


def presence_gaps(frame: pd.DataFrame, inputs: tuple[str, ...] = config.FEATURES) -> pd.DataFrame:
    """Per model input, the renewal rate of decided rows where it is present and where it is blank, for all
    decided rows and for decided ongoing rows: the check that a blank does not carry the label."""
    decided_rows = frame[frame[config.LABEL].notna()]
    records = []
    for column in inputs:
        record: dict[str, object] = {"input": column}
        for name, rows in (("all", decided_rows), ("ongoing", decided_rows[decided_rows["format"] == "ongoing"])):
            present = _present(rows, column)
            renewed = rows[config.LABEL].astype(float)
            record[f"{name}_present"] = int(present.sum())
            record[f"{name}_blank"] = int((~present).sum())
            record[f"{name}_rate_present"] = float(renewed[present].mean()) if present.any() else float("nan")
            record[f"{name}_rate_blank"] = float(renewed[~present].mean()) if (~present).any() else float("nan")
            gap = abs(record[f"{name}_rate_present"] - record[f"{name}_rate_blank"])
            record[f"{name}_gap"] = 0.0 if pd.isna(gap) else float(gap)
        record["reason"] = PRESENCE_REASONS.get(column, "")
        records.append(record)
    return pd.DataFrame(records)


def _rate(count: int, rate: float) -> str:
    return "-" if count == 0 else f"{rate:.0%} of {count}"


def presence_table(frame: pd.DataFrame) -> str:
    """The presence check as a Markdown table."""
    gaps = presence_gaps(frame)
    lines = [
        "| input | decided, present | decided, blank | gap | ongoing, present | ongoing, blank | gap | why presence is known at decision time |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in gaps.itertuples():
        lines.append(
            f"| `{r.input}` | {_rate(r.all_present, r.all_rate_present)} | {_rate(r.all_blank, r.all_rate_blank)} | "
            f"{r.all_gap * 100:.0f} | {_rate(r.ongoing_present, r.ongoing_rate_present)} | "
            f"{_rate(r.ongoing_blank, r.ongoing_rate_blank)} | {r.ongoing_gap * 100:.0f} | {r.reason} |"
        )
    return "\n".join(lines)


def counts_table(frame: pd.DataFrame) -> str:
    """Outcome by debut year, with totals, as a Markdown table."""
    outcomes = [o for o in config.OUTCOMES if o in set(frame["outcome"])]
    year = frame[config.TIME_COLUMN].astype(str).str[:4]
    counts = pd.crosstab(year, frame["outcome"]).reindex(columns=outcomes, fill_value=0)
    lines = ["| debut year | " + " | ".join(outcomes) + " | total |", "|---" * (len(outcomes) + 2) + "|"]
    for y, row in counts.iterrows():
        lines.append(f"| {y} | " + " | ".join(str(int(v)) for v in row) + f" | {int(row.sum())} |")
    total = counts.sum()
    lines.append("| total | " + " | ".join(str(int(v)) for v in total) + f" | {int(total.sum())} |")
    return "\n".join(lines)


def summary_line(frame: pd.DataFrame, dropped: pd.DataFrame | None = None) -> str:
    """Rows, decided rows, seasons decided before their debut, and the left-out count."""
    before = frame["outcome"].isin(config.DECIDED_BEFORE_DEBUT)
    text = (
        f"{len(frame)} seasons: {int(frame[config.LABEL].notna().sum())} decided on their debut "
        f"(the rows a model learns from and is scored on), {int(before.sum())} decided before they aired "
        f"({int((frame['outcome'] == 'final_season_announced').sum())} announced as the final season, "
        f"{int((frame['outcome'] == 'renewed_before_debut').sum())} with the next season already ordered; "
        f"never trained on or scored) and {int((frame['outcome'] == 'unknown').sum())} not decided yet."
    )
    if dropped is not None:
        text += f" {len(dropped)} Top 10 seasons are left out, each with its reason in `dropped_seasons.csv`."
    return text


COUNTRY_BANDS = ((0, 9), (10, 29), (30, 59), (60, 200))


def countries_table(frame: pd.DataFrame) -> str:
    """Renewal rate of the decided seasons by the number of countries whose Top 10 they entered in their debut
    week, over the seasons the per-country file covers; with the rank correlation among ongoing seasons."""
    rows = frame[frame[config.LABEL].notna() & frame["countries_debut_week"].notna()]
    rows = rows[~rows["unverified"].fillna(False).astype(bool)]  # as `renewml.data.decided` (docs sits below it)
    lines = ["| countries in the debut week | decided seasons | renewed | ongoing seasons | renewed |", "|---|---|---|---|---|"]
    for low, high in COUNTRY_BANDS:
        band = rows[rows["countries_debut_week"].between(low, high)]
        ongoing = band[band["format"] == "ongoing"]
        label = f"{low} or more" if high >= 200 else f"{low} to {high}"
        lines.append(
            f"| {label} | {len(band)} | {_rate(len(band), band[config.LABEL].mean())} | {len(ongoing)} | "
            f"{_rate(len(ongoing), ongoing[config.LABEL].mean())} |"
        )
    ongoing = rows[rows["format"] == "ongoing"]
    rho = ongoing["countries_debut_week"].corr(ongoing[config.LABEL].astype(float), method="spearman")
    weeks = pd.to_datetime(rows[config.TIME_COLUMN])
    span = f"{weeks.min().date()} to {weeks.max().date()}" if len(rows) else "none"
    return "\n".join(
        [*lines, "", f"Debut weeks covered: {span}; Spearman correlation with the label among the {len(ongoing)} "
         f"decided ongoing seasons: {rho:.2f}."]
    )


def columns_table() -> str:
    """The table's documented columns (renewml.data.schema), the schema being the one source of truth."""
    from renewml.data.schema import DATASET_COLUMNS

    lines = ["| column | type | unit | meaning | source |", "|---|---|---|---|---|"]
    for c in DATASET_COLUMNS:
        kind = f"{c.kind} ({', '.join(c.allowed)})" if c.allowed else c.kind
        lines.append(f"| `{c.name}` | {kind} | {c.unit} | {c.description} | {c.source} |")
    return "\n".join(lines)


def datasheet_blocks(frame: pd.DataFrame, dropped: pd.DataFrame | None = None) -> dict[str, str]:
    """Every generated block of the datasheet."""
    return {
        "columns": columns_table(),
        "summary": summary_line(frame, dropped),
        "counts": counts_table(frame),
        "presence": presence_table(frame),
        "countries": countries_table(frame),
    }


_BLOCK = re.compile(r"(<!-- generated:(?P<name>[\w-]+) -->)(?P<body>.*?)(<!-- /generated:(?P=name) -->)", re.DOTALL)


def render_blocks(text: str, blocks: Mapping[str, str]) -> str:
    """`text` with each generated block's body replaced by `blocks[name]` (blocks not named are kept)."""

    def replace(match: re.Match) -> str:
        name = match.group("name")
        if name not in blocks:
            return match.group(0)
        return match.group(1) + "\n" + blocks[name].strip("\n") + "\n" + match.group(4)

    return _BLOCK.sub(replace, text)


def block_names(text: str) -> list[str]:
    """The generated blocks a file has, in order."""
    return [m.group("name") for m in _BLOCK.finditer(text)]


def update_file(path: Path, blocks: Mapping[str, str]) -> bool:
    """Rewrite the generated blocks of a Markdown file in place; True when anything changed."""
    text = Path(path).read_text(encoding="utf-8")
    new = render_blocks(text, blocks)
    if new != text:
        atomic_write_text(Path(path), new)
    return new != text


def update_datasheet(
    table_path: Path = config.DATASET_PATH,
    datasheet: Path = config.DATA_DIR / "README.md",
    dropped_path: Path = config.DROPPED_PATH,
    reader: Callable[[Path], pd.DataFrame] | None = None,
) -> bool:
    """Regenerate the datasheet's figures from the table (and the dropped list) on disk."""
    read = reader or (lambda p: pd.read_csv(p, keep_default_na=False, na_values=[""]))
    frame = read(table_path)
    dropped = read(dropped_path) if Path(dropped_path).is_file() else None
    return update_file(datasheet, datasheet_blocks(frame, dropped))


def _metric(scores: Mapping[str, object], metric: str) -> str:
    low, high = (scores.get("interval_95") or {}).get(metric, (None, None))
    text = f"{scores[metric]:.3f}"
    return text + (f" ({low:.3f} to {high:.3f})" if low is not None else "")


def evaluation_summary(card: Mapping[str, object]) -> str:
    """The README's evaluation paragraph, from the card of the shipped model: the pooled backtest's ongoing
    and overall scores of the shipped model and of every baseline, and which verdicts hold."""
    evaluation = card["evaluation"]
    pooled = evaluation["pooled"]
    slices = pooled["slices"]
    headline = "gbm_calibrated"
    lines = [
        f"On the shipped data ({slices['all']['rows']} pooled predictions, {slices['ongoing']['rows']} of them "
        f"ongoing), the pooled backtest gives, ongoing first (ROC AUC and Brier, 95% bootstrap intervals):",
        "",
        "| model | ongoing ROC AUC | ongoing Brier | all ROC AUC | all Brier |",
        "|---|---|---|---|---|",
    ]
    for name in slices["ongoing"]["models"]:
        if name not in slices["all"]["models"]:
            continue
        ong, every = slices["ongoing"]["models"][name], slices["all"]["models"][name]
        label = f"**{name}** (shipped)" if name == headline else name
        lines.append(
            f"| {label} | {_metric(ong, 'roc_auc')} | {_metric(ong, 'brier')} | "
            f"{_metric(every, 'roc_auc')} | {_metric(every, 'brier')} |"
        )
    lines.append("")
    for slice_name in ("ongoing", "all"):
        versus = slices[slice_name].get("versus", {})
        ahead = sorted(b for b, s in versus.items() if any(v["verdict"].startswith("ahead") for v in s.values()))
        behind = sorted(b for b, s in versus.items() if any(v["verdict"].startswith("behind") for v in s.values()))
        noise = sorted(set(versus) - set(ahead) - set(behind))
        parts = []
        if ahead:
            parts.append("ahead of " + ", ".join(ahead) + " on at least one of ROC AUC, Brier and log loss")
        if noise:
            parts.append("within noise of " + ", ".join(noise) + " on all three")
        if behind:
            parts.append("behind " + ", ".join(behind) + " on at least one")
        lines.append(f"- {slice_name}: the shipped model is " + "; ".join(parts) + ".")
    lines.append(f"- Forward hold-out: {evaluation['split']}.")
    return "\n".join(lines)


def update_readme(readme: Path = config.REPO_ROOT / "README.md", card_path: Path | None = None) -> bool:
    """Regenerate the README's evaluation figures from the shipped model's card."""
    import json

    card_path = card_path or config.MODEL_PATH.with_suffix(".card.json")
    from renewml.data import load_dataset
    from renewml.model import load_model

    card = json.loads(Path(card_path).read_text(encoding="utf-8"))
    loaded = load_model(Path(card_path).with_name(Path(card_path).name.replace(".card.json", ".npz")))
    shift = leave_out_shift(loaded, load_dataset(config.DATASET_PATH))
    return update_file(readme, {"evaluation": evaluation_summary(card), "leave-out": leave_out_text(shift)})


def leave_out_shift(loaded: object, frame: pd.DataFrame) -> dict[str, float]:
    """How much leaving out every input but format, source material and debut views moves the probability of
    the decided ongoing seasons: a missing input must be unknown, not a signal, so the mean must stay near 0."""
    import numpy as np

    from renewml.predict import predict_rows

    kept = ("show_title", "format", "source_material", "debut_views")
    rows = frame[(frame["format"] == "ongoing") & frame[config.LABEL].notna() & frame["debut_views"].notna()]
    full = np.array([p.probability for p in predict_rows(loaded, rows, reasons=False)])
    partial = np.array([p.probability for p in predict_rows(loaded, rows[list(kept)].reset_index(drop=True), reasons=False)])
    shift = partial - full
    return {
        "rows": int(len(rows)),
        "mean": float(shift.mean()),
        "median": float(np.median(shift)),
        "q1": float(np.percentile(shift, 25)),
        "q3": float(np.percentile(shift, 75)),
    }


def leave_out_text(shift: Mapping[str, float]) -> str:
    """The README's sentence on what leaving inputs out does, from `leave_out_shift`."""
    return (
        f"Scored with all their inputs and with only format, source material and debut views, the "
        f"{shift['rows']} decided ongoing seasons move by {shift['mean']:+.3f} on average (median "
        f"{shift['median']:+.3f}, quartiles {shift['q1']:+.3f} and {shift['q3']:+.3f}): single shows move, the "
        f"average does not."
    )
