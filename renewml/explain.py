"""Why this probability: contributions, the renewal bar, similar past seasons, and a views curve.

The renewal bar is the streaming counterpart of a broadcast ratings threshold: the debut-week views
this show would have needed, all else equal, for a 50% renewal probability. The model is monotone in
debut views, so the bar is found by bisection on a log scale; a limited series usually has no bar at all.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from renewml import config
from renewml.background import FEATURE_INDEX, INPUT_GROUPS, averaged_proba, unknown_inputs
from renewml.inputs import estimator_input, feature_columns
from renewml.model import LoadedModel
from renewml.predict import Prediction, describe_group, format_views, one_row, percent, predict_rows
from renewml.table import Table, as_table, blank, is_missing, n_rows, numbers, records, take

VIEWS_RANGE = (1e4, 1e9)  # far beyond any debut ever seen at both ends
BAR_PROBABILITY = 0.5
BISECTION_STEPS = 16


@dataclass
class RenewalBar:
    views: float | None  # None: no level of views in VIEWS_RANGE reaches the bar
    status: str  # "no views would do", "already above", "below", "above at any level", "unknown"
    text: str
    probability_at_bar: float | None = None


@dataclass
class Explanation:
    prediction: Prediction
    reference_probability: float
    bar: RenewalBar
    similar: list[dict[str, object]] = field(default_factory=list)
    reference_text: str = ""

    @property
    def similar_text(self) -> str:
        """How the look-alikes' outcomes square with the probability."""
        return similar_reading(self.prediction.probability, self.similar)

    def to_dict(self) -> dict[str, object]:
        out = self.prediction.to_dict()
        out["reference_probability"] = round(self.reference_probability, 4)
        out["renewal_bar"] = {
            "views": self.bar.views,
            "status": self.bar.status,
            "text": self.bar.text,
            "probability_at_bar": self.bar.probability_at_bar,
        }
        out["similar_seasons"] = self.similar
        out["similar_reading"] = self.similar_text
        return out


def _repeated(row: dict[str, object], times: int) -> Table:
    """The row `times` times, as a table."""
    return take(one_row(dict(row)), np.zeros(times, dtype=int))


def with_views(row: dict[str, object], views: float | np.ndarray) -> Table:
    """The row repeated with other debut views (views per day scaled with them), all else equal."""
    values = np.atleast_1d(np.asarray(views, dtype=float))
    return _views_set(_repeated(row, len(values)), values)


def _views_set(table: Table, views: np.ndarray) -> Table:
    """The rows with their debut views set to `views` (one per row) and views per day scaled with them."""
    rows = n_rows(table)
    days = numbers(table["days_in_debut_week"]) if "days_in_debut_week" in table else np.full(rows, np.nan)
    changed = dict(table)
    changed["debut_views"] = np.asarray(views, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        changed["debut_views_per_day"] = np.where(days > 0, changed["debut_views"] / days, np.nan)
    return changed


def probability_at_views(loaded: LoadedModel, row: dict[str, object], views: float | np.ndarray) -> np.ndarray:
    """The row's probability at other debut views; inputs not given are averaged over, as in `predict_rows`."""
    values = np.atleast_1d(np.asarray(views, dtype=float))
    return probabilities_at_views(loaded, _repeated(row, len(values)), values)


def renewal_bar(loaded: LoadedModel, row: dict[str, object], target: float = BAR_PROBABILITY) -> RenewalBar:
    """Debut views needed for `target` probability, all else equal (bisection on log views)."""
    return renewal_bars(loaded, one_row(dict(row)), target)[0]


def probabilities_at_views(loaded: LoadedModel, table: Table, views: np.ndarray) -> np.ndarray:
    """Each row's probability with its debut views set to `views` (one per row), views per day moved with
    them, all else equal; inputs not given are averaged over, as in `predict_rows`."""
    changed = _views_set(table, views)
    unknown = unknown_inputs(changed)
    unknown[:, FEATURE_INDEX["debut_views"]] = False
    if "days_in_debut_week" in table:
        unknown[~blank(table["days_in_debut_week"]), FEATURE_INDEX["debut_views_per_day"]] = False
    return averaged_proba(loaded.model.estimator, changed, unknown, loaded.model.background_table)


def renewal_bars(loaded: LoadedModel, frame: object, target: float = BAR_PROBABILITY) -> list[RenewalBar]:
    """`renewal_bar` of every row at once: the bisection steps all rows together, so that the board's
    hundred-odd bars cost 18 scorings of the whole table instead of 18 per row. Sixteen halvings of the five
    decades searched pin the bar to 0.02% of the views, far finer than any debut is measured."""
    table = as_table(frame)
    rows = n_rows(table)
    if not rows:
        return []
    low, high = np.full(rows, math.log10(VIEWS_RANGE[0])), np.full(rows, math.log10(VIEWS_RANGE[1]))
    p_low = probabilities_at_views(loaded, table, 10**low)
    p_high = probabilities_at_views(loaded, table, 10**high)
    for _ in range(BISECTION_STEPS):
        middle = (low + high) / 2
        reached = probabilities_at_views(loaded, table, 10**middle) >= target
        high, low = np.where(reached, middle, high), np.where(reached, low, middle)
    below = probabilities_at_views(loaded, table, 10**low)
    at = probabilities_at_views(loaded, table, 10**high)
    current = numbers(table["debut_views"]) if "debut_views" in table else np.full(rows, np.nan)
    out = []
    for index in range(rows):
        if p_high[index] < target:
            out.append(
                RenewalBar(
                    None,
                    "no views would do",
                    f"no level of debut views reaches {target:.0%} "
                    f"(at {format_views(VIEWS_RANGE[1])} views: {p_high[index]:.0%})",
                )
            )
            continue
        if p_low[index] >= target:
            out.append(RenewalBar(0.0, "above at any level", f"above {target:.0%} at any level of debut views"))
            continue
        bar = float(10 ** high[index])
        step = ""
        if at[index] - below[index] > 0.04:  # the trees make the views response a step function; say where it jumps
            step = f" (the probability steps from {below[index]:.0%} to {at[index]:.0%} there)"
        views = None if np.isnan(current[index]) else float(current[index])
        status, text = _bar_text(bar, views, target)
        out.append(RenewalBar(bar, status, text + step, float(at[index])))
    return out


def _bar_text(bar: float, current: float | None, target: float) -> tuple[str, str]:
    if current is None:
        return "below", f"needs about {format_views(bar)} debut-week views for {target:.0%}"
    if current >= bar:
        return "already above", f"already above the bar of {format_views(bar)} debut-week views"
    return "below", f"needed about {format_views(bar)} debut-week views for {target:.0%}, had {format_views(current)}"


# How far apart two seasons' model probabilities may be and still count as scored alike, in the distance below.
SIMILAR_PROBABILITY_SCALE = 0.05


def similar_seasons(
    loaded: LoadedModel, dataset: object, row: dict[str, object], prediction: Prediction | None = None, n: int = 3
) -> list[dict[str, object]]:
    """The n decided seasons most like this one in the model's own terms: same format, debuted earlier, another
    series; closest first in the model's probability, then in the inputs, each input group weighted by how much
    it moves this show's answer (its Shapley reason). Each comes with the model's probability for it and the
    input group in which it differs most from this show, so that outcomes that disagree with the probability
    can be read (see `similar_reading`)."""
    table = as_table(dataset)
    keep = ~np.isnan(numbers(table[config.LABEL]))
    if row.get("format") in config.FORMATS:
        keep &= table["format"] == row.get("format")
    debut = row.get("debut_week")
    if not is_missing(debut):
        keep &= np.array([str(d) < str(debut)[:10] for d in table["debut_week"]], dtype=bool)
    if not is_missing(row.get("row_id")):
        keep &= table["series_id"] != row.get("series_id")
    if not keep.any():
        return []
    pool = take(table, keep)
    estimator = loaded.model.estimator
    scored = estimator.predict_proba(estimator_input(estimator, feature_columns(pool)))[:, 1]
    prediction = prediction or predict_rows(loaded, one_row(row), reasons=True)[0]
    weights = {r["input"]: abs(float(r["contribution"])) for r in prediction.reasons if r["input"] in INPUT_GROUPS}
    total = sum(weights.values()) or 1.0
    gaps = {group: _group_gap(pool, row, names) for group, names in INPUT_GROUPS.items()}
    distance = ((scored - (prediction.probability or 0.0)) / SIMILAR_PROBABILITY_SCALE) ** 2
    for group, gap in gaps.items():
        distance += weights.get(group, 0.0) / total * gap**2
    nearest = np.argsort(distance, kind="stable")[:n]
    out = []
    for position, r in zip(nearest, records(take(pool, nearest)), strict=True):
        differs = max(gaps, key=lambda g: weights.get(g, 0.0) / total * gaps[g][position] ** 2 + gaps[g][position] * 1e-6)
        out.append(
            {
                "title": r["show_title"],
                "season": int(r["season_number"]),
                "debut_week": str(r["debut_week"])[:10],
                "debut_views": None if is_missing(r["debut_views"]) else float(r["debut_views"]),
                "outcome": r["outcome"],
                "model_probability": round(float(scored[position]), 4),
                "differs_most_in": differs,
                "its_inputs": describe_group(differs, r, loaded.card.reference),
            }
        )
    return out


def _group_gap(pool: Table, row: dict[str, object], names: tuple[str, ...]) -> np.ndarray:
    """Per pool season, how far its inputs of one group are from the row's (standard deviations; a different
    category counts as one); inputs the row does not give count as no gap."""
    gap = np.zeros(n_rows(pool))
    for name in names:
        value = row.get(name)
        if is_missing(value) or value == "":
            continue
        if name in config.CATEGORICAL_FEATURES:
            gap += (pool[name] != value).astype(float) ** 2
            continue
        values = numbers(pool[name])
        target = float(value)
        if name.startswith("debut_views"):
            values, target = np.log10(values + 1), math.log10(target + 1)
        spread = float(np.nanstd(values)) or 1.0
        gap += np.nan_to_num((values - target) / spread, nan=1.0) ** 2
    return np.sqrt(gap)


def similar_reading(probability: float | None, similar: list[dict[str, object]]) -> str:
    """One sentence that reconciles the look-alikes' outcomes with the probability: a probability is a share
    of seasons like this one, and where the look-alikes went the other way it says how they differ."""
    if probability is None or not similar:
        return ""
    renewed = sum(1 for s in similar if s["outcome"] == "renewed")
    low = min(s["model_probability"] for s in similar)
    high = max(s["model_probability"] for s in similar)
    text = (
        f"The model scored these {len(similar)} seasons {percent(low)}-{percent(high)}% (this one {percent(probability)}%); "
        f"{renewed} of {len(similar)} were renewed."
    )
    expected = probability * len(similar)
    if abs(renewed - expected) < 1:
        return text + " That is about what the probability says."
    against = [s for s in similar if (s["outcome"] == "renewed") != (probability >= 0.5)]
    where = "; ".join(f"{s['title']} differs most in {s['differs_most_in']} ({s['its_inputs']})" for s in against)
    odds = round(1 / max(min(probability, 1 - probability), 1e-9))
    minority = "cancelled" if probability >= 0.5 else "renewed"
    return (
        text + f" A probability of {percent(probability)}% still leaves about 1 in {odds} such seasons {minority}: "
        f"these went the other way. {where}."
    )


def explain_row(loaded: LoadedModel, row: dict[str, object], dataset: object) -> Explanation:
    """Probability, band, exact group contributions, the renewal bar and similar past seasons.

    `row` is a dict of cells (as `find_show` gives, or a pandas Series); `dataset` a table or a DataFrame.
    """
    row = _as_dict(row)
    prediction = predict_rows(loaded, one_row(row), reasons=True)[0]
    reference = prediction.reference or {}
    if row.get("format") not in config.FORMATS:  # nothing to compare with: no bar, no look-alikes
        bar = RenewalBar(None, "unknown", "give the format for a renewal bar")
        similar: list[dict[str, object]] = []
    else:
        bar, similar = renewal_bar(loaded, row), similar_seasons(loaded, dataset, row, prediction)
    return Explanation(
        prediction=prediction,
        reference_probability=float(reference.get("probability", float("nan"))),
        bar=bar,
        similar=similar,
        reference_text=str(reference.get("text", "")),
    )


def _as_dict(row: object) -> dict[str, object]:
    """A row given as a dict, a pandas Series or a one-row table, as a dict of plain cells."""
    if isinstance(row, dict) and not all(isinstance(v, np.ndarray) for v in row.values()):
        return dict(row)
    if hasattr(row, "to_dict") and not hasattr(row, "columns"):  # a Series
        return records(as_table({name: [value] for name, value in row.to_dict().items()}))[0]
    return records(as_table(row))[0]


def what_if(loaded: LoadedModel, row: object, name: str, values: list[object]) -> object:
    """The show's probability with one input set to each of `values`, everything else as it is (a DataFrame).

    Debut views also move views per day with them, as `with_views` does; inputs the row does not
    give are averaged over, as in `predict_rows`.
    """
    import pandas as pd

    row = _as_dict(row)
    if name == "debut_views":
        table = with_views(row, np.asarray(values, dtype=float))
    else:
        table = _repeated(row, len(values))
        table[name] = as_table({name: list(values)})[name]
    unknown = unknown_inputs(table)
    unknown[:, FEATURE_INDEX[name]] = False
    probabilities = averaged_proba(loaded.model.estimator, table, unknown, loaded.model.background_table)
    return pd.DataFrame({name: list(values), "probability": probabilities})


def views_curve_plot(loaded: LoadedModel, row: object, bar: RenewalBar, path: Path) -> None:
    """Probability against debut views for this show, with the bar and the show's own views marked."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from renewml.io import atomic_write

    row = _as_dict(row)
    grid = np.logspace(5, 8.5, 200)
    curve = probability_at_views(loaded, row, grid)
    fig, ax = plt.subplots(figsize=(7, 4))
    ax.plot(grid, curve, label="renewal probability")
    ax.axhline(BAR_PROBABILITY, color="grey", linestyle=":", label="50%")
    if bar.views:
        ax.axvline(bar.views, color="tab:green", linestyle="--", label=f"renewal bar ({format_views(bar.views)})")
    current = row.get("debut_views")
    if not is_missing(current):
        ax.axvline(float(current), color="tab:red", label=f"actual debut views ({format_views(float(current))})")
    ax.set_xscale("log")
    ax.set_ylim(0, 1)
    ax.set_xlabel("debut-week views (all else equal)")
    ax.set_ylabel("renewal probability")
    ax.set_title(f"{row.get('show_title')}: {bar.text}", fontsize=9)
    ax.legend(fontsize=8)
    atomic_write(Path(path), lambda tmp: fig.savefig(tmp, format="png", dpi=110, bbox_inches="tight"))
    plt.close(fig)
