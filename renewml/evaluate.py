"""The evaluation stage: a forward hold-out and a pooled rolling-origin backtest against baselines.

Limited series are almost never renewed, so a model that only reads the format already scores a high
overall ROC AUC. Every table is therefore given per slice, the ongoing slice first. Model choices are
made on the pooled backtest, and a model is called "ahead of" another only when the 95% paired
bootstrap interval of their difference excludes zero; otherwise it is "within noise of" it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import RandomForestClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score, brier_score_loss, log_loss, roc_auc_score
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from renewml import config
from renewml.data import decided, load_dataset
from renewml.features import _log_views, feature_frame, make_preprocessor
from renewml.model import ModelCard, fit_estimator, fit_model, make_card, predict_proba
from renewml.smoothing import smoothed
from renewml.threads import limited_threads

# The ongoing slice comes first: limited series are almost never renewed, so "all" flatters any model.
SLICES: dict[str, Callable[[pd.DataFrame], pd.Series]] = {
    "ongoing": lambda f: f["format"] == "ongoing",
    "all": lambda f: pd.Series(True, index=f.index),
    "limited": lambda f: f["format"] == "limited",
    "first_season": lambda f: f["season_number"] == 1,
    "later_seasons": lambda f: f["season_number"] > 1,
    "english": lambda f: f["language"] == "english",
    "non_english": lambda f: f["language"] == "non_english",
    "new_shows_only": lambda f: ~f["show_seen_in_training"].astype(bool),
}


@dataclass
class Split:
    train: pd.DataFrame
    test: pd.DataFrame
    seen_shows: int  # test seasons whose show has a season in the training side
    description: str


def forward_split(frame: pd.DataFrame, start: str = config.HOLDOUT_START, end: str | None = None) -> Split:
    """Train on decided seasons that debuted before `start`; test on those from `start` (to `end`).

    Later seasons of shows seen in training stay in the test side ("will season 3 be ordered" is a
    question users ask); `show_seen_in_training` marks them, and "new shows only" is a slice.
    """
    rows = decided(frame)
    weeks = pd.to_datetime(rows[config.TIME_COLUMN])
    train = rows[weeks < pd.Timestamp(start)]
    test = rows[weeks >= pd.Timestamp(start)]
    if end is not None:
        test = test[pd.to_datetime(test[config.TIME_COLUMN]) < pd.Timestamp(end)]
    test = test.assign(show_seen_in_training=test[config.GROUP_COLUMN].isin(set(train[config.GROUP_COLUMN])))
    seen = int(test["show_seen_in_training"].sum())
    description = (
        f"train: {len(train)} decided seasons that debuted before {start}; "
        f"test: {len(test)} decided seasons from {start}{' to ' + end if end else ''} "
        f"({seen} of them later seasons of shows seen in training; 'new_shows_only' leaves those out)"
    )
    return Split(train.reset_index(drop=True), test.reset_index(drop=True), seen, description)


# --------------------------------------------------------------------------------------------------
# baselines: each is fit on the training side and returns P(renewed) for the test side


def _prior(train: pd.DataFrame, test: pd.DataFrame) -> np.ndarray:
    return np.full(len(test), train[config.LABEL].astype(float).mean())


def _format_only(train: pd.DataFrame, test: pd.DataFrame) -> np.ndarray:
    rates = train.groupby("format")[config.LABEL].mean()
    prior = train[config.LABEL].astype(float).mean()
    return test["format"].map(rates).astype(float).fillna(prior).to_numpy()


def _views_only(train: pd.DataFrame, test: pd.DataFrame) -> np.ndarray:
    model = Pipeline([("impute", SimpleImputer(strategy="median")), ("logit", LogisticRegression())])
    model.fit(_log_views(train[["debut_views"]]), train[config.LABEL].astype(int))
    return model.predict_proba(_log_views(test[["debut_views"]]))[:, 1]


def _logistic(train: pd.DataFrame, test: pd.DataFrame) -> np.ndarray:
    model = Pipeline(
        [
            ("features", make_preprocessor()),
            ("impute", SimpleImputer(strategy="median", keep_empty_features=True)),
            ("scale", StandardScaler()),
            ("logit", LogisticRegression(C=0.5, max_iter=2000)),
        ]
    )
    model.fit(feature_frame(train), train[config.LABEL].astype(int))
    return model.predict_proba(feature_frame(test))[:, 1]


CONTENT_FEATURES = ("language", "genre", "season_number", "runtime_hours", "years_since_first_season")


def content_frame(rows: pd.DataFrame, table: pd.DataFrame) -> pd.DataFrame:
    """Content attributes only, no viewing data: language, genre, season number, runtime, and years
    since the series' first season in `table` (a first season always debuts before later ones)."""
    first = pd.to_datetime(table[config.TIME_COLUMN]).groupby(table[config.GROUP_COLUMN]).min()
    debut = pd.to_datetime(rows[config.TIME_COLUMN])
    since = (debut - rows[config.GROUP_COLUMN].map(first).fillna(debut)).dt.days / 365.25
    return pd.DataFrame(
        {
            "language": rows["language"].astype(str),
            "genre": rows["genre"].astype(str),
            "season_number": pd.to_numeric(rows["season_number"], errors="coerce"),
            "runtime_hours": pd.to_numeric(rows["runtime_hours"], errors="coerce"),
            "years_since_first_season": since.astype(float),
        },
        index=rows.index,
    )


def _content_forest(train: pd.DataFrame, test: pd.DataFrame) -> np.ndarray:
    """A random forest on what a show is, not how it was watched: the bar the viewing data must clear."""
    table = pd.concat([train, test])
    model = Pipeline(
        [
            (
                "features",
                ColumnTransformer(
                    [
                        ("category", OneHotEncoder(handle_unknown="ignore"), ["language", "genre"]),
                        (
                            "numeric",
                            SimpleImputer(strategy="median", keep_empty_features=True),
                            ["season_number", "runtime_hours", "years_since_first_season"],
                        ),
                    ]
                ),
            ),
            (
                "forest",
                RandomForestClassifier(
                    n_estimators=300, min_samples_leaf=5, n_jobs=1, random_state=config.RANDOM_STATE
                ),
            ),
        ]
    )
    model.fit(content_frame(train, table), train[config.LABEL].astype(int))
    return model.predict_proba(content_frame(test, table))[:, 1]


def gbm_scorer(
    calibrate: bool = True,
    blank: tuple[str, ...] = (),
    hyperparameters: dict[str, object] | None = None,
    features: object = None,
    monotone: bool = True,
) -> Callable[[pd.DataFrame, pd.DataFrame], np.ndarray]:
    """The gradient-boosting setup as a backtest model (the shipped one by default): `blank` empties
    inputs on both sides (an ablation); `features` may add candidate inputs."""

    def score(train: pd.DataFrame, test: pd.DataFrame) -> np.ndarray:
        if blank:
            train, test = train.assign(**{n: np.nan for n in blank}), test.assign(**{n: np.nan for n in blank})
        estimator = fit_estimator(
            train, calibrate=calibrate, monotone=monotone, hyperparameters=hyperparameters, features=features
        )
        # scored as the shipped model is: averaged over nearby debut views (renewml.smoothing)
        return smoothed(estimator).predict_proba(feature_frame(test))[:, 1]

    return score




BASELINES: dict[str, Callable[[pd.DataFrame, pd.DataFrame], np.ndarray]] = {
    "prior_rate": _prior,
    "format_only": _format_only,
    "views_only": _views_only,
    "logistic": _logistic,
    "content_forest": _content_forest,
    "gbm_uncalibrated": gbm_scorer(False),
    "gbm_calibrated": gbm_scorer(True),
}
HEADLINE_MODEL = "gbm_calibrated"
# The pooled backtest compares the shipped model with every baseline (the uncalibrated variant only
# matters for the reliability plot of the hold-out).
POOLED_MODELS = ("prior_rate", "format_only", "views_only", "logistic", "content_forest", HEADLINE_MODEL)
# Ablations of the review inputs, each blanked on both sides of every backtest fold.
# The shipped model has no review input (config.UNUSED_INPUTS says why), so there is nothing to ablate; a
# notebook that adds one can name it here.
REVIEW_ABLATIONS: dict[str, tuple[str, ...]] = {}
MIN_SLICE_ROWS = 20


# --------------------------------------------------------------------------------------------------
# metrics


def expected_calibration_error(y: np.ndarray, p: np.ndarray, bins: int = 10) -> float:
    """Mean |observed rate - mean prediction| over equal-width probability bins, weighted by size."""
    edges = np.linspace(0, 1, bins + 1)
    which = np.clip(np.digitize(p, edges[1:-1]), 0, bins - 1)
    total = 0.0
    for b in range(bins):
        mask = which == b
        if mask.any():
            total += mask.sum() * abs(y[mask].mean() - p[mask].mean())
    return float(total / len(y))


def metrics(y: np.ndarray, p: np.ndarray) -> dict[str, float | None]:
    y = np.asarray(y, dtype=int)
    p = np.clip(np.asarray(p, dtype=float), 1e-6, 1 - 1e-6)
    both = len(np.unique(y)) == 2
    return {
        "roc_auc": float(roc_auc_score(y, p)) if both else None,
        "pr_auc": float(average_precision_score(y, p)) if both else None,
        "brier": float(brier_score_loss(y, p)),
        "log_loss": float(log_loss(y, p, labels=[0, 1])),
        "accuracy": float(((p >= 0.5) == y).mean()),
        "ece": expected_calibration_error(y, p),
    }


def _fast_metrics(y: np.ndarray, p: np.ndarray) -> dict[str, float | None]:
    """The same metrics as `metrics`, in plain numpy, for the thousands of bootstrap resamples."""
    from scipy.stats import rankdata

    p = np.clip(p, 1e-6, 1 - 1e-6)
    positives = int(y.sum())
    negatives = len(y) - positives
    out: dict[str, float | None] = {
        "brier": float(np.mean((p - y) ** 2)),
        "log_loss": float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))),
        "accuracy": float(((p >= 0.5) == y).mean()),
        "ece": expected_calibration_error(y, p),
        "roc_auc": None,
        "pr_auc": None,
    }
    if positives and negatives:
        ranks = rankdata(p)
        out["roc_auc"] = float((ranks[y == 1].sum() - positives * (positives + 1) / 2) / (positives * negatives))
        order = np.argsort(-p, kind="mergesort")
        hits = y[order]
        precision = np.cumsum(hits) / np.arange(1, len(hits) + 1)
        out["pr_auc"] = float((precision * hits).sum() / positives)
    return out


def _scored_slices(
    test: pd.DataFrame, predictions: dict[str, np.ndarray], n_boot: int, headline: str | None
) -> dict[str, object]:
    """Metrics per slice (slices under MIN_SLICE_ROWS flagged, not scored), with bootstrap intervals
    and, against `headline`, paired-bootstrap differences and verdicts."""
    y = test[config.LABEL].astype(int).to_numpy()
    slices: dict[str, object] = {}
    for slice_name, select in SLICES.items():
        if slice_name == "new_shows_only" and "show_seen_in_training" not in test:
            continue
        mask = select(test).to_numpy(dtype=bool)
        entry: dict[str, object] = {"rows": int(mask.sum()), "positives": int(y[mask].sum())}
        if mask.sum() < MIN_SLICE_ROWS:
            entry["flagged"] = f"fewer than {MIN_SLICE_ROWS} seasons: not scored"
            slices[slice_name] = entry
            continue
        sliced = {name: p[mask] for name, p in predictions.items()}
        entry["models"] = {name: metrics(y[mask], p) for name, p in sliced.items()}
        if n_boot:
            boot = paired_bootstrap(y[mask], sliced, n_boot, headline)
            for name, interval in boot["intervals"].items():
                entry["models"][name]["interval_95"] = interval
            if headline:
                entry["versus"] = boot["versus"]
        slices[slice_name] = entry
    return slices


def score_split(split: Split, models: dict[str, Callable] | None = None, n_boot: int = 0) -> dict[str, object]:
    """Fit every model on the training side; score each on every slice of the test side."""
    models = models or BASELINES
    predictions = {name: fn(split.train, split.test) for name, fn in models.items()}
    headline = HEADLINE_MODEL if HEADLINE_MODEL in predictions else None
    slices = _scored_slices(split.test, predictions, n_boot, headline)
    return {"split": split.description, "slices": slices, "predictions": predictions}


# --------------------------------------------------------------------------------------------------
# paired bootstrap and verdicts

HIGHER_IS_BETTER = {"roc_auc": True, "brier": False, "log_loss": False}


def verdict(metric: str, interval: list[float], other: str) -> str:
    """'ahead of X' only when the 95% interval of the difference excludes zero in the better direction."""
    low, high = interval
    better = low > 0 if HIGHER_IS_BETTER[metric] else high < 0
    worse = high < 0 if HIGHER_IS_BETTER[metric] else low > 0
    return f"ahead of {other}" if better else f"behind {other}" if worse else f"within noise of {other}"


def paired_bootstrap(
    y: np.ndarray,
    predictions: dict[str, np.ndarray],
    n_boot: int,
    headline: str | None = None,
    random_state: int = config.RANDOM_STATE,
) -> dict[str, object]:
    """95% intervals of each model's metrics and of `headline` minus each other model, on the same
    resampled rows for every model (paired), so shared noise cancels out of the differences."""
    rng = np.random.default_rng(random_state)
    y = np.asarray(y, dtype=int)
    draws: dict[str, dict[str, list[float]]] = {name: {} for name in predictions}
    for _ in range(n_boot):
        index = rng.integers(0, len(y), len(y))
        for name, p in predictions.items():
            for metric, value in _fast_metrics(y[index], np.asarray(p)[index]).items():
                draws[name].setdefault(metric, []).append(np.nan if value is None else value)

    def interval(values: np.ndarray) -> list[float] | None:
        values = values[~np.isnan(values)]
        if len(values) < n_boot // 2:
            return None
        return [float(np.percentile(values, 2.5)), float(np.percentile(values, 97.5))]

    out: dict[str, object] = {
        "intervals": {name: {m: interval(np.array(v)) for m, v in d.items()} for name, d in draws.items()},
        "versus": {},
    }
    if headline:
        full = {name: metrics(y, p) for name, p in predictions.items()}
        for other in predictions:
            if other == headline:
                continue
            entry = {}
            for metric in HIGHER_IS_BETTER:
                ours, theirs = full[headline][metric], full[other][metric]
                diff = interval(np.array(draws[headline][metric]) - np.array(draws[other][metric]))
                if ours is None or theirs is None or diff is None:
                    continue
                entry[metric] = {
                    "difference": float(ours - theirs),
                    "interval_95": diff,
                    "verdict": verdict(metric, diff, other),
                }
            out["versus"][other] = entry
    return out


def verdict_lines(slices: dict[str, object], headline: str = HEADLINE_MODEL, where: str = "") -> list[str]:
    """One plain sentence per slice and baseline, worded only from the paired intervals."""
    names = {"roc_auc": "ROC AUC", "brier": "Brier", "log_loss": "log loss"}
    lines = []
    for slice_name, entry in slices.items():
        if entry.get("flagged"):
            lines.append(f"{where}{slice_name}: {entry['rows']} seasons, {entry['flagged']}")
            continue
        for scores in entry.get("versus", {}).values():
            parts = [  # each verdict names the baseline
                f"{v['verdict']} on {names[m]} (difference {v['difference']:+.3f}, "
                f"95% interval {v['interval_95'][0]:+.3f} to {v['interval_95'][1]:+.3f})"
                for m, v in scores.items()
            ]
            if parts:
                lines.append(f"{where}{slice_name}: {headline} is " + "; ".join(parts))
    return lines


# --------------------------------------------------------------------------------------------------
# the pooled rolling-origin backtest


@dataclass
class Backtest:
    rows: pd.DataFrame  # every predicted season, with its `period` and `show_seen_in_training`
    predictions: dict[str, np.ndarray]
    periods: list[dict[str, object]]


def backtest_cutoffs(frame: pd.DataFrame, first: str = config.BACKTEST_START, step_months: int = 6) -> list:
    """Half-year starts from `first` to the last half-year with decided seasons."""
    last = pd.to_datetime(decided(frame)[config.TIME_COLUMN]).max()
    cutoffs, cutoff = [], pd.Timestamp(first)
    while cutoff <= last:
        cutoffs.append(cutoff)
        cutoff = cutoff + pd.DateOffset(months=step_months)
    return cutoffs


def pooled_backtest(
    frame: pd.DataFrame,
    models: dict[str, Callable] | None = None,
    first: str = config.BACKTEST_START,
    step_months: int = 6,
) -> Backtest:
    """For each half-year from `first`, train on decided seasons that debuted earlier and predict the
    decided seasons of that half-year (later seasons of known shows included); pool every prediction."""
    models = models or {name: BASELINES[name] for name in POOLED_MODELS}
    parts, periods = [], []
    predictions: dict[str, list[np.ndarray]] = {name: [] for name in models}
    for cutoff in backtest_cutoffs(frame, first, step_months):
        end = cutoff + pd.DateOffset(months=step_months)
        split = forward_split(frame, cutoff.date().isoformat(), end.date().isoformat())
        if split.test.empty or split.train[config.LABEL].nunique() < 2:
            continue
        label = f"{cutoff.date()} to {(end - pd.Timedelta(days=1)).date()}"
        parts.append(split.test.assign(period=label))
        periods.append({"period": label, "train_rows": len(split.train), "test_rows": len(split.test)})
        for name, fn in models.items():
            predictions[name].append(np.asarray(fn(split.train, split.test), dtype=float))
    rows = pd.concat(parts, ignore_index=True)
    return Backtest(rows, {name: np.concatenate(p) for name, p in predictions.items()}, periods)


def score_backtest(backtest: Backtest, n_boot: int = 200) -> dict[str, object]:
    """The pooled backtest per slice: metrics with 95% intervals and paired verdicts against the headline."""
    headline = HEADLINE_MODEL if HEADLINE_MODEL in backtest.predictions else None
    slices = _scored_slices(backtest.rows, backtest.predictions, n_boot, headline)
    first, last = backtest.periods[0]["period"][:10], backtest.periods[-1]["period"][-10:]
    return {
        "description": (
            f"pooled rolling-origin backtest: for each of {len(backtest.periods)} half-years from {first} to {last}, "
            f"every model is trained on the decided seasons that debuted earlier and predicts that half-year; "
            f"{len(backtest.rows)} predictions pooled"
        ),
        "periods": backtest.periods,
        "bootstrap_resamples": n_boot,
        "slices": slices,
        "verdicts": verdict_lines(slices) if n_boot else [],
    }


def per_period(backtest: Backtest, slice_names: tuple[str, ...] = ("all", "ongoing")) -> list[dict[str, object]]:
    """ROC AUC and Brier of each model per half-year, from the pooled predictions (for plots)."""
    out = []
    y = backtest.rows[config.LABEL].astype(int).to_numpy()
    for period in backtest.periods:
        in_period = (backtest.rows["period"] == period["period"]).to_numpy()
        entry = {"period": period["period"], "train_rows": period["train_rows"], "slices": {}}
        for slice_name in slice_names:
            mask = in_period & SLICES[slice_name](backtest.rows).to_numpy(dtype=bool)
            if not mask.any():
                continue
            entry["slices"][slice_name] = {
                "rows": int(mask.sum()),
                "positives": int(y[mask].sum()),
                "models": {name: metrics(y[mask], p[mask]) for name, p in backtest.predictions.items()},
            }
        out.append(entry)
    return out


def rolling_backtest(frame: pd.DataFrame, models: dict[str, Callable] | None = None) -> list[dict[str, object]]:
    """Per-half-year scores of the pooled backtest (kept for scripts that read the periods one by one)."""
    return per_period(pooled_backtest(frame, models))


def review_ablation(
    frame: pd.DataFrame,
    backtest: Backtest,
    n_boot: int = 200,
    slice_names: tuple[str, ...] = ("ongoing", "all"),
    hyperparameters: dict[str, object] | None = None,
    features: object = None,
) -> dict[str, object]:
    """Each review input (and all of them) blanked on both sides of every backtest fold, scored on the
    same pooled rows as the headline setup, with paired differences (variant minus headline)."""
    if not REVIEW_ABLATIONS:
        return {}
    variants = {
        label: gbm_scorer(True, blank, hyperparameters, features) for label, blank in REVIEW_ABLATIONS.items()
    }
    ablated = pooled_backtest(frame, variants)
    y = backtest.rows[config.LABEL].astype(int).to_numpy()
    out: dict[str, object] = {}
    for slice_name in slice_names:
        mask = SLICES[slice_name](backtest.rows).to_numpy(dtype=bool)
        predictions = {HEADLINE_MODEL: backtest.predictions[HEADLINE_MODEL][mask]}
        predictions.update({label: p[mask] for label, p in ablated.predictions.items()})
        entry: dict[str, object] = {"rows": int(mask.sum()), "models": {}}
        boot = paired_bootstrap(y[mask], predictions, n_boot, HEADLINE_MODEL) if n_boot else None
        for label, p in predictions.items():
            scores = {k: v for k, v in metrics(y[mask], p).items() if k in HIGHER_IS_BETTER}
            if boot and label != HEADLINE_MODEL:
                # reported as variant minus shipped: flip the sign of shipped minus variant
                scores["versus_shipped"] = {
                    m: {
                        "difference": -v["difference"],
                        "interval_95": [-v["interval_95"][1], -v["interval_95"][0]],
                        "shipped_is": v["verdict"].replace(label, "this variant"),
                    }
                    for m, v in boot["versus"][label].items()
                }
            entry["models"][label] = scores
        out[slice_name] = entry
    return out


def _rounded(value: object) -> object:
    if isinstance(value, float):
        return round(value, 4)
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_rounded(v) for v in value]
    return value


def card_evaluation(
    frame: pd.DataFrame,
    n_boot: int = 200,
    holdout_start: str = config.HOLDOUT_START,
    hyperparameters: dict[str, object] | None = None,
    features: object = None,
) -> tuple[dict[str, object], dict[str, float]]:
    """What a model card records: the forward hold-out, the pooled backtest with verdicts, and the
    review-input ablation; plus the out-of-sample backtest probability of each row (by row_id).

    The headline model uses the given settings; the baselines stay as they are, so a changed model is
    compared with the same yardsticks as the shipped one.
    """
    models = {name: BASELINES[name] for name in POOLED_MODELS}
    if hyperparameters is not None or features is not None:
        models[HEADLINE_MODEL] = gbm_scorer(True, hyperparameters=hyperparameters, features=features)
    holdout = score_split(forward_split(frame, start=holdout_start), models, n_boot=n_boot)
    holdout.pop("predictions")
    backtest = pooled_backtest(frame, models)
    pooled = score_backtest(backtest, n_boot)
    summary = {
        "split": holdout["split"],
        "holdout_start": holdout_start,
        "slices": holdout["slices"],
        "pooled": pooled,
        "review_ablation": review_ablation(frame, backtest, n_boot, hyperparameters=hyperparameters, features=features),
        "remarks": remarks(pooled),
    }
    out_of_sample = dict(
        zip(backtest.rows["row_id"].astype(str), backtest.predictions[HEADLINE_MODEL].astype(float), strict=True)
    )
    return _rounded(summary), out_of_sample


def remarks(pooled: dict[str, object]) -> list[str]:
    """Plain statements from the pooled backtest's paired verdicts, the ongoing slice first."""
    lines = [line for line in pooled.get("verdicts", []) if line.startswith(("ongoing", "all"))]
    return lines or ["no verdicts: the pooled backtest was scored without bootstrap resamples"]


def evaluate_all(
    frame: pd.DataFrame,
    model_path: Path | None = None,
    n_boot: int = 200,
    backtest: bool = True,
    data_path: Path | None = None,
) -> dict[str, object]:
    """Everything `renewml evaluate` prints: the forward hold-out with intervals and the pooled
    backtest with paired verdicts; with `model_path`, that saved model is scored on the hold-out too.
    Runs with OpenMP/BLAS capped (see `renewml.threads`)."""
    with limited_threads():
        return _evaluate_all(frame, model_path, n_boot, backtest, data_path)


def _evaluate_all(
    frame: pd.DataFrame, model_path: Path | None, n_boot: int, backtest: bool, data_path: Path | None
) -> dict[str, object]:
    models = dict(BASELINES)
    note = ""
    if model_path is not None:
        from renewml.io import sha256_file
        from renewml.model import load_model

        loaded = load_model(model_path)
        models["supplied_model"] = lambda train, test: predict_proba(loaded.model, test)
        from renewml.io import display_path

        data_file = data_path or config.DATASET_PATH
        # The same bytes, or the same table file (a rebuild may add columns the model does not read): erring
        # towards "not a hold-out" is the safe side of this warning.
        same_data = loaded.card.training_data_sha256 == sha256_file(data_file) or (
            loaded.card.training_data_path == display_path(data_file)
        )
        note = (
            "supplied_model was trained on this very dataset, hold-out seasons included: its scores are not a hold-out"
            if same_data
            else f"supplied_model was trained on other data ({loaded.card.training_data_path}); "
            "check that it excludes the hold-out seasons before comparing"
        )
    result = score_split(forward_split(frame), models, n_boot=n_boot)
    result.pop("predictions")
    result["remarks"] = [note] if note else []
    if backtest:
        pooled_run = pooled_backtest(frame)
        result["pooled"] = score_backtest(pooled_run, n_boot)
        result["rolling_backtest"] = per_period(pooled_run)
        result["remarks"] = remarks(result["pooled"]) + result["remarks"]
    return result


@dataclass
class TrainResult:
    model: object
    card: ModelCard


def train_and_evaluate(
    data_path: Path,
    n_boot: int = 200,
    hyperparameters: dict[str, object] | None = None,
    features: object = None,
    holdout_start: str = config.HOLDOUT_START,
) -> TrainResult:
    """Evaluate (hold-out, pooled backtest, review ablation), then fit the model on every decided season;
    the model keeps each row's out-of-sample backtest probability for `predict`.

    With no settings this is the shipped model; notebook 02 passes a data scientist's choices of
    hyperparameters, features and hold-out date through this same path. Runs with OpenMP/BLAS capped
    (see `renewml.threads`).
    """
    with limited_threads():
        return _train_and_evaluate(data_path, n_boot, hyperparameters, features, holdout_start)


def _train_and_evaluate(
    data_path: Path,
    n_boot: int,
    hyperparameters: dict[str, object] | None,
    features: object,
    holdout_start: str,
) -> TrainResult:
    frame = load_dataset(data_path)
    evaluation, out_of_sample = card_evaluation(frame, n_boot, holdout_start, hyperparameters, features)
    model = fit_model(frame, hyperparameters=hyperparameters, features=features)
    model.out_of_sample = out_of_sample
    card = make_card(Path(data_path), frame, evaluation, model, hyperparameters, features)
    return TrainResult(model=model, card=card)


def compare_models(
    candidate: object,
    reference: object,
    frame: pd.DataFrame,
    n_boot: int = 200,
    names: tuple[str, str] = ("candidate", "shipped"),
) -> dict[str, object]:
    """Two fitted models compared on the pooled backtest, paired: each carries the out-of-sample probability of
    every season it was backtested on (`out_of_sample`), and the seasons both scored are resampled together,
    so the interval of the difference is the honest answer to "did this change help?" (notebook 02, and
    `renewml evaluate --versus`)."""
    first, second = names
    shared = set(candidate.out_of_sample) & set(reference.out_of_sample)
    rows = decided(frame)
    rows = rows[rows["row_id"].isin(shared)].reset_index(drop=True)
    if rows.empty:
        raise ValueError("the two models share no backtested season: were they trained on the same table?")
    slices: dict[str, object] = {}
    for slice_name in ("ongoing", "all"):
        part = rows[SLICES[slice_name](rows).to_numpy(dtype=bool)]
        y = part[config.LABEL].astype(int).to_numpy()
        predictions = {
            first: part["row_id"].map(candidate.out_of_sample).to_numpy(dtype=float),
            second: part["row_id"].map(reference.out_of_sample).to_numpy(dtype=float),
        }
        boot = paired_bootstrap(y, predictions, n_boot, first) if n_boot else {"versus": {}}
        slices[slice_name] = {
            "rows": int(len(part)),
            "models": {name: metrics(y, p) for name, p in predictions.items()},
            "versus": boot["versus"],
        }
    return {"rows": int(len(rows)), "slices": slices, "verdicts": verdict_lines(slices, headline=first)}
