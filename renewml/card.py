"""What a model card says in words: intended use, limitations, leakage decisions, and the evaluation
tables rendered as Markdown for people (the JSON card is the one the code trusts)."""

from __future__ import annotations

from renewml import config

CARD_STATEMENTS: dict[str, object] = {
    "intended_use": (
        "A calibrated probability, with reasons, that a Netflix TV season that debuted in the global weekly "
        "Top 10 is renewed, from what is known about four weeks after its debut. For readers, analysts and "
        "journalists weighing one season against its peers; not for decisions about people or money."
    ),
    "limitations": [
        "Trained on a few hundred decided seasons of one service; the intervals in this card are wide "
        "and the ongoing slice is where the question is hard.",
        "Limited series are almost never renewed; any model that reads the format scores well overall.",
        "Labels come from public announcements; unknown fates are left out of training, which can bias "
        "towards shows whose fate was news.",
        "Predictions for seasons the model trained on are in-sample; predict and explain say so and show "
        "the pooled-backtest (out-of-sample) probability where one exists.",
        "Inputs a user leaves out are averaged over decided training seasons of the same format: the "
        "answer is an average over shows like it, "
        "not knowledge of this show.",
    ],
    "leakage_decisions": [
        "Only decisions on the debut teach: seasons whose next season was ordered before they aired "
        "(renewed_before_debut) or that were announced as the last before they aired "
        "(final_season_announced) have no label, so they are neither trained on nor scored.",
        "No review score is an input. Metacritic's critic and user scores are series-level and were scraped "
        "years later; blanking them where later seasons exist blanked exactly the renewed shows, and "
        "keeping them does not help because a listing itself depends on later seasons' reviews. The IMDb "
        "season rating as of debut + 28 days is point in time in value, but which seasons have one depends "
        "on the show's later popularity: among decided ongoing seasons its presence alone separated "
        "renewals by more than the 25-point limit of the datasheet's presence check. critic_score, "
        "audience_score and imdb_season_rating are accepted and answered as unused, with this reason.",
        "No input is blanked, filled or picked by what happened after the debut; the datasheet shows, for "
        "every input, the renewal rate where it is present and where it is blank, and a test holds the gaps.",
        "Inputs not given by a user are unknown, not a signal: they never reach the trees as NaN, they "
        "are averaged over the background seasons stored in the model file (hashed here).",
        "The few remaining gaps in training rows (views per day where the release date is unknown, a few "
        "runtimes) are imputed with the training median, without a missing-indicator, so the trees learn no "
        "'missing' branch.",
        "Lifetime totals, status fields and anything published after the decision are not inputs.",
    ],
    "missing_inputs_method": (
        "Inputs a user leaves out are averaged over the model's background seasons of the same format "
        "(and of the same Top 10 list when the language is given), a fixed sample that does not depend on "
        "the inputs given, so a typed input moves the answer the way the model does: monotone where the "
        "model is constrained, with no jump from the sample changing under it."
    ),
    "model_choice": (
        "Chosen on the pooled rolling-origin backtest; a model is 'ahead of' a baseline only when the 95% "
        "paired bootstrap interval of the difference excludes zero, otherwise 'within noise of' it. Without "
        "review inputs the gradient-boosted trees are within noise of the logistic regression and of the "
        "content-only forest on ongoing seasons (the tables below; the logistic regression scores higher, "
        "within noise); coarse bins (16) were the best of the tree settings tried. Candidate inputs for "
        "ongoing shows stay in the table; notebook 02 and `renewml evaluate --versus` compare a model that "
        "uses them with this one, paired, on the same backtest."
    ),
}

_METRICS = (("roc_auc", "ROC AUC"), ("brier", "Brier"), ("log_loss", "log loss"))


def _cell(scores: dict[str, object], metric: str) -> str:
    value = scores.get(metric)
    if value is None:
        return "n/a"
    text = f"{value:.3f}"
    interval = (scores.get("interval_95") or {}).get(metric)
    if interval:
        text += f" ({interval[0]:.3f}-{interval[1]:.3f})"
    return text


def slice_tables(slices: dict[str, object]) -> list[str]:
    """One Markdown table per slice (metrics with 95% intervals), flagged slices named, not scored."""
    lines: list[str] = []
    for slice_name, entry in slices.items():
        title = f"### {slice_name} ({entry.get('rows', '?')} seasons, {entry.get('positives', '?')} renewed)"
        if entry.get("flagged"):
            lines += [title, "", f"{entry['flagged']}.", ""]
            continue
        lines += [title, "", "| model | " + " | ".join(n for _, n in _METRICS) + " |", "|---" * 4 + "|"]
        for name, scores in entry.get("models", {}).items():
            lines.append(f"| {name} | " + " | ".join(_cell(scores, m) for m, _ in _METRICS) + " |")
        lines.append("")
    return lines


def ablation_table(ablation: dict[str, object]) -> list[str]:
    """The review-input ablation: each variant's pooled scores and its paired difference from the shipped model."""
    lines: list[str] = []
    for slice_name, entry in ablation.items():
        lines += [
            f"### {slice_name} ({entry['rows']} seasons)",
            "",
            "| variant | ROC AUC | Brier | log loss | ROC AUC change (95% interval) | Brier change (95% interval) |",
            "|---|---|---|---|---|---|",
        ]
        for name, scores in entry["models"].items():
            changes = []
            for metric in ("roc_auc", "brier"):
                v = (scores.get("versus_shipped") or {}).get(metric)
                changes.append(
                    ""
                    if not v
                    else f"{v['difference']:+.3f} ({v['interval_95'][0]:+.3f} to {v['interval_95'][1]:+.3f})"
                )
            cells = ["n/a" if scores.get(m) is None else f"{scores[m]:.3f}" for m, _ in _METRICS]
            lines.append(f"| {name} | " + " | ".join(cells + changes) + " |")
        lines.append("")
    return lines


def render_card_markdown(card: object) -> str:
    """The card as Markdown for people; the JSON card is the one the code trusts."""
    statements = card.statements or CARD_STATEMENTS
    lines = [
        "# renewml model card",
        "",
        f"- Created: {card.created}",
        f"- Model file: `{card.model_file}` (sha256 `{card.model_sha256}`)"
        + (f", {card.model_format}" if getattr(card, "model_format", "") else ""),
        *(
            [f"- Joblib copy for notebooks (code: loaded only on request): `{card.joblib_file}` (sha256 `{card.joblib_sha256}`)"]
            if getattr(card, "joblib_file", "")
            else []
        ),
        f"- Training data: `{card.training_data_path}` (sha256 `{card.training_data_sha256}`), "
        f"{card.training_rows} decided seasons, {card.training_positive_rate:.1%} renewed",
        f"- Calibration: {card.calibration}; random_state {card.random_state}",
        "- Versions: " + ", ".join(f"{k} {v}" for k, v in card.versions.items()),
        "",
        "## Intended use",
        "",
        str(statements.get("intended_use", "")),
        "",
        "## Limitations",
        "",
        *[f"- {line}" for line in statements.get("limitations", [])],
        "",
        "## Leakage decisions and missing inputs",
        "",
        *[f"- {line}" for line in statements.get("leakage_decisions", [])],
        "",
        str(statements.get("missing_inputs_method", "")),
        "",
    ]
    carried = card.carried or {}
    if carried:
        background, oos = carried.get("background", {}), carried.get("out_of_sample", {})
        lines += [
            "## Tables inside the model file",
            "",
            f"- Background: {background.get('rows')} decided training seasons "
            f"({', '.join(f'{k} {v}' for k, v in background.get('per_format', {}).items())}), sampled with "
            f"random_state {background.get('sampled_with_random_state')}; unknown inputs are averaged over the "
            f"seasons of the same format (of the same Top 10 list when the language is given and the sample has "
            f"at least {background.get('min_same_list')} of them), whatever the other inputs; "
            f"sha256 `{background.get('sha256')}`.",
            f"- Out-of-sample probabilities from the pooled backtest: {oos.get('rows')} seasons; "
            f"sha256 `{oos.get('sha256')}`.",
            "",
        ]
    lines += [
        "## Features",
        "",
        ", ".join(f"`{f}`" for f in card.features),
        "",
        "Monotone constraints: " + ", ".join(f"`{k}` {v:+d}" for k, v in card.monotone_constraints.items()),
        "",
        "## Hyperparameters",
        "",
        ", ".join(f"{k}={v}" for k, v in card.hyperparameters.items()),
        "",
        "Every probability (backtest, hold-out, CLI) is the mean over debut views scaled by 10**offset for "
        f"offsets {', '.join(f'{o:+.2f}' for o in config.VIEWS_SMOOTHING_LOG10)} (renewml.smoothing): one tree "
        "edge moves the answer in small steps instead of one cliff.",
        "",
    ]
    evaluation = card.evaluation or {}
    pooled = evaluation.get("pooled")
    if pooled:
        lines += [
            "## Pooled rolling-origin backtest (model choices are made here)",
            "",
            str(pooled.get("description", "")) + ".",
            "",
            str(statements.get("model_choice", "")),
            "Intervals are 95% bootstrap intervals; slices under 20 seasons are flagged, not scored.",
            "",
            *slice_tables(pooled.get("slices", {})),
            "### Verdicts (paired bootstrap)",
            "",
            *[f"- {line}" for line in pooled.get("verdicts", [])],
            "",
        ]
    if evaluation.get("review_ablation"):
        lines += [
            "## Review-input ablation (pooled backtest)",
            "",
            "Each review input, and all of them, blanked on both sides of every fold; change is variant minus",
            "shipped on the same rows (a negative ROC AUC change or a positive Brier change means the input helps).",
            "",
            *ablation_table(evaluation["review_ablation"]),
        ]
    if evaluation.get("slices"):
        lines += ["## Forward hold-out", "", str(evaluation.get("split", "")) + ".", ""]
        lines += slice_tables(evaluation["slices"])
    return "\n".join(lines) + "\n"
