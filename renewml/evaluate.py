"""The evaluation stage: forward (time-based, show-grouped) hold-outs against simple baselines.

Limited series are almost never renewed, so a model that only reads the format already scores a high
overall ROC AUC. Every table is therefore also given for the ongoing slice, where the real question is.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score, brier_score_loss, log_loss, roc_auc_score
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from renewml import config
from renewml.data import decided, load_dataset
from renewml.features import _log_views, feature_frame, make_preprocessor
from renewml.model import ModelCard, fit_model, make_card, predict_proba

SLICES: dict[str, Callable[[pd.DataFrame], pd.Series]] = {
    "all": lambda f: pd.Series(True, index=f.index),
    "ongoing": lambda f: f["format"] == "ongoing",
    "limited": lambda f: f["format"] == "limited",
    "english": lambda f: f["language"] == "english",
    "non_english": lambda f: f["language"] == "non_english",
    "first_season": lambda f: f["season_number"] == 1,
    "later_seasons": lambda f: f["season_number"] > 1,
}


@dataclass
class Split:
    train: pd.DataFrame
    test: pd.DataFrame
    excluded_shows: int
    description: str


def forward_split(frame: pd.DataFrame, start: str = config.HOLDOUT_START, end: str | None = None) -> Split:
    """Train on decided seasons that debuted before `start`; test on those from `start` (to `end`)
    whose show has no season in the training side."""
    rows = decided(frame)
    weeks = pd.to_datetime(rows[config.TIME_COLUMN])
    train = rows[weeks < pd.Timestamp(start)]
    later = rows[weeks >= pd.Timestamp(start)]
    if end is not None:
        later = later[pd.to_datetime(later[config.TIME_COLUMN]) < pd.Timestamp(end)]
    seen = set(train[config.GROUP_COLUMN])
    test = later[~later[config.GROUP_COLUMN].isin(seen)]
    excluded = int(len(later) - len(test))
    description = (
        f"train: {len(train)} decided seasons that debuted before {start}; "
        f"test: {len(test)} decided seasons from {start}{' to ' + end if end else ''} "
        f"({excluded} later seasons of shows already in training left out, so no show is on both sides)"
    )
    return Split(train.reset_index(drop=True), test.reset_index(drop=True), excluded, description)


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


def _gbm(
    calibrate: bool, hyperparameters: dict[str, object] | None = None, features: object = None
) -> Callable[[pd.DataFrame, pd.DataFrame], np.ndarray]:
    def score(train: pd.DataFrame, test: pd.DataFrame) -> np.ndarray:
        model = fit_model(train, calibrate=calibrate, hyperparameters=hyperparameters, features=features)
        return predict_proba(model, test)

    return score


BASELINES: dict[str, Callable[[pd.DataFrame, pd.DataFrame], np.ndarray]] = {
    "prior_rate": _prior,
    "format_only": _format_only,
    "views_only": _views_only,
    "logistic": _logistic,
    "gbm_uncalibrated": _gbm(False),
    "gbm_calibrated": _gbm(True),
}
HEADLINE_MODEL = "gbm_calibrated"


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


def bootstrap_intervals(
    y: np.ndarray, p: np.ndarray, n_boot: int, random_state: int = config.RANDOM_STATE
) -> dict[str, list[float] | None]:
    """95% percentile intervals of each metric over rows resampled with replacement."""
    rng = np.random.default_rng(random_state)
    y = np.asarray(y, dtype=int)
    p = np.asarray(p, dtype=float)
    draws: dict[str, list[float]] = {}
    for _ in range(n_boot):
        index = rng.integers(0, len(y), len(y))
        for name, value in _fast_metrics(y[index], p[index]).items():
            if value is not None:
                draws.setdefault(name, []).append(value)
    return {
        name: [float(np.percentile(v, 2.5)), float(np.percentile(v, 97.5))] if len(v) >= n_boot // 2 else None
        for name, v in draws.items()
    }


def score_split(split: Split, models: dict[str, Callable] | None = None, n_boot: int = 0) -> dict[str, object]:
    """Fit every model on the training side; score each on every slice of the test side."""
    models = models or BASELINES
    predictions = {name: fn(split.train, split.test) for name, fn in models.items()}
    y = split.test[config.LABEL].astype(int).to_numpy()
    slices: dict[str, object] = {}
    for slice_name, select in SLICES.items():
        mask = select(split.test).to_numpy()
        if mask.sum() == 0:
            continue
        entry: dict[str, object] = {"rows": int(mask.sum()), "positives": int(y[mask].sum()), "models": {}}
        for name, p in predictions.items():
            scores: dict[str, object] = metrics(y[mask], p[mask])
            if n_boot:
                scores["interval_95"] = bootstrap_intervals(y[mask], p[mask], n_boot)
            entry["models"][name] = scores
        slices[slice_name] = entry
    return {"split": split.description, "slices": slices, "predictions": predictions}


def rolling_backtest(
    frame: pd.DataFrame,
    first_cutoff: str = "2023-01-01",
    step_months: int = 6,
    models: dict[str, Callable] | None = None,
) -> list[dict[str, object]]:
    """Rolling origin: for each half-year cutoff, train on everything before it and score the
    decided seasons of the next period (shows already seen in training left out)."""
    models = models or {name: BASELINES[name] for name in ("prior_rate", "format_only", "logistic", HEADLINE_MODEL)}
    last = pd.to_datetime(decided(frame)[config.TIME_COLUMN]).max()
    periods = []
    cutoff = pd.Timestamp(first_cutoff)
    while cutoff <= last:
        end = cutoff + pd.DateOffset(months=step_months)
        split = forward_split(frame, cutoff.date().isoformat(), end.date().isoformat())
        if len(split.test) and split.test[config.LABEL].nunique() == 2:
            result = score_split(split, models)
            periods.append(
                {
                    "period": f"{cutoff.date()} to {(end - pd.Timedelta(days=1)).date()}",
                    "train_rows": len(split.train),
                    "slices": {
                        name: {
                            "rows": entry["rows"],
                            "positives": entry["positives"],
                            "models": entry["models"],
                        }
                        for name, entry in result["slices"].items()
                        if name in ("all", "ongoing")
                    },
                }
            )
        cutoff = end
    return periods


def remarks(result: dict[str, object]) -> list[str]:
    """Plain statements of where the headline model does and does not beat the baselines."""
    notes = []
    for slice_name in ("all", "ongoing"):
        entry = result["slices"].get(slice_name)
        if not entry:
            continue
        models = entry["models"]
        ours = models[HEADLINE_MODEL]
        for other in models:
            if other == HEADLINE_MODEL:
                continue
            theirs = models[other]
            if ours["brier"] > theirs["brier"]:
                notes.append(
                    f"{slice_name}: {HEADLINE_MODEL} does NOT beat {other} on Brier "
                    f"({ours['brier']:.3f} vs {theirs['brier']:.3f})"
                )
            if ours["roc_auc"] is not None and theirs["roc_auc"] is not None and ours["roc_auc"] < theirs["roc_auc"]:
                notes.append(
                    f"{slice_name}: {HEADLINE_MODEL} does NOT beat {other} on ROC AUC "
                    f"({ours['roc_auc']:.3f} vs {theirs['roc_auc']:.3f})"
                )
    if not notes:
        notes.append(f"{HEADLINE_MODEL} beats every baseline on Brier and ROC AUC, overall and on ongoing shows")
    return notes


def card_evaluation(
    frame: pd.DataFrame,
    holdout_start: str = config.HOLDOUT_START,
    hyperparameters: dict[str, object] | None = None,
    features: object = None,
) -> dict[str, object]:
    """The forward hold-out recorded in a model card: the model next to the baselines, no predictions.

    The gbm entries use the given settings; the baselines stay as they are, so a changed model is
    compared with the same yardsticks as the shipped one.
    """
    models = dict(BASELINES)
    if hyperparameters is not None or features is not None:
        models["gbm_uncalibrated"] = _gbm(False, hyperparameters, features)
        models["gbm_calibrated"] = _gbm(True, hyperparameters, features)
    result = score_split(forward_split(frame, start=holdout_start), models)
    summary = {
        "split": result["split"],
        "holdout_start": holdout_start,
        "slices": {
            name: {
                "rows": entry["rows"],
                "positives": entry["positives"],
                "models": {
                    m: {k: (None if v is None else round(v, 4)) for k, v in s.items()}
                    for m, s in entry["models"].items()
                },
            }
            for name, entry in result["slices"].items()
        },
    }
    summary["remarks"] = remarks(result)
    return summary


def evaluate_all(
    frame: pd.DataFrame,
    model_path: Path | None = None,
    n_boot: int = 200,
    backtest: bool = True,
    data_path: Path | None = None,
) -> dict[str, object]:
    """Everything `renewml evaluate` prints: the headline split with intervals, remarks, and the
    rolling backtest; with `model_path`, that saved model is scored on the same hold-out rows too."""
    models = dict(BASELINES)
    note = ""
    if model_path is not None:
        from renewml.io import sha256_file
        from renewml.model import load_model

        loaded = load_model(model_path)
        models["supplied_model"] = lambda train, test: predict_proba(loaded.model, test)
        same_data = loaded.card.training_data_sha256 == sha256_file(data_path or config.DATASET_PATH)
        note = (
            "supplied_model was trained on this very dataset, hold-out seasons included: its scores are not a hold-out"
            if same_data
            else f"supplied_model was trained on other data ({loaded.card.training_data_path}); "
            "check that it excludes the hold-out seasons before comparing"
        )
    result = score_split(forward_split(frame), models, n_boot=n_boot)
    result.pop("predictions")
    result["remarks"] = remarks(result) + ([note] if note else [])
    if backtest:
        result["rolling_backtest"] = rolling_backtest(frame)
    return result


@dataclass
class TrainResult:
    model: object
    card: ModelCard


def train_and_evaluate(
    data_path: Path,
    hyperparameters: dict[str, object] | None = None,
    features: object = None,
    holdout_start: str = config.HOLDOUT_START,
) -> TrainResult:
    """Evaluate on the forward hold-out, then fit the model on every decided season.

    With no settings this is the shipped model; notebook 02 passes a data scientist's choices of
    hyperparameters, features and hold-out date through this same path.
    """
    frame = load_dataset(data_path)
    evaluation = card_evaluation(frame, holdout_start, hyperparameters, features)
    model = fit_model(frame, hyperparameters=hyperparameters, features=features)
    card = make_card(Path(data_path), frame, evaluation, hyperparameters, features)
    return TrainResult(model=model, card=card)
