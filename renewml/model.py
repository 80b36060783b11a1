"""The model stage: the pipeline, training, the model card, and saving and loading safely.

A model never travels without its card (JSON next to the joblib file, plus a Markdown copy for people).
The card records the training data's sha256, the library versions, the features, the hyperparameters,
the hold-out scores next to baselines, and the model file's own sha256. `load_model` checks the hash
before unpickling: a joblib file is code, so only a file the card vouches for is ever loaded.
"""

from __future__ import annotations

import json
import platform
import shutil
import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import joblib
import numpy as np
import pandas as pd
import sklearn
from sklearn.calibration import CalibratedClassifierCV
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.model_selection import StratifiedGroupKFold
from sklearn.pipeline import Pipeline

from renewml import config
from renewml.card import CARD_STATEMENTS, render_card_markdown
from renewml.data import decided
from renewml.errors import ModelError
from renewml.features import check_features, feature_frame, make_preprocessor, monotone_constraints
from renewml.io import atomic_write, atomic_write_text, display_path, sha256_file
from renewml.threads import limited_threads

CARD_SUFFIX = ".card.json"
HYPERPARAMETERS = {
    "learning_rate": 0.05,
    "max_iter": 150,
    "max_depth": 3,
    "min_samples_leaf": 15,
    "l2_regularization": 1.0,
    "early_stopping": False,
}


def make_classifier(
    random_state: int = config.RANDOM_STATE,
    monotone: bool = True,
    hyperparameters: dict[str, object] | None = None,
    features: object = None,
) -> Pipeline:
    """Unfitted pipeline: the feature preprocessor and a gradient-boosting classifier.

    `hyperparameters` update the shipped `HYPERPARAMETERS`; `features` picks a subset of
    `config.FEATURES`. Both default to the shipped configuration, so a notebook can try others
    through the same code path as `renewml train`.
    """
    return Pipeline(
        [
            ("features", make_preprocessor(features)),
            (
                "classifier",
                HistGradientBoostingClassifier(
                    **settings(hyperparameters),
                    monotonic_cst=monotone_constraints(features) if monotone else None,
                    random_state=random_state,
                ),
            ),
        ]
    )


def settings(hyperparameters: dict[str, object] | None = None) -> dict[str, object]:
    """The shipped hyperparameters updated with `hyperparameters`; unknown names are refused, not ignored."""
    given = dict(hyperparameters or {})
    known = set(HistGradientBoostingClassifier().get_params()) - {"monotonic_cst", "random_state"}
    unknown = sorted(set(given) - known)
    if unknown:
        raise ModelError(f"unknown hyperparameter {unknown[0]!r}; expected some of: {', '.join(sorted(known))}")
    return {**HYPERPARAMETERS, **given}


class RenewalModel:
    """A fitted estimator with what it travels with: the background seasons it averages unknown inputs
    over (and explains against), and the out-of-sample backtest probability of each training row.

    Both sit inside the model file, so the card's sha256 vouches for them too.
    """

    def __init__(
        self,
        estimator: object,
        background: pd.DataFrame,
        out_of_sample: dict[str, float] | None = None,
        training_rows: list[str] | None = None,
    ):
        self.estimator = estimator
        self.background = background
        self.out_of_sample = dict(out_of_sample or {})
        self.training_rows = list(training_rows or [])

    @property
    def classes_(self) -> np.ndarray:
        return self.estimator.classes_

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        """The estimator's probabilities for model inputs as given (see `renewml.background` for unknown inputs)."""
        with limited_threads():
            return self.estimator.predict_proba(X)


def fit_estimator(
    frame: pd.DataFrame,
    calibrate: bool = True,
    random_state: int = config.RANDOM_STATE,
    monotone: bool = True,
    hyperparameters: dict[str, object] | None = None,
    features: object = None,
) -> object:
    """The bare scikit-learn estimator fitted on the decided rows (what backtests refit many times).

    `hyperparameters` and `features` change the model as in `make_classifier`; left out, they give the
    shipped configuration.
    """
    try:
        check_features(features)
    except ValueError as error:
        raise ModelError(str(error)) from None
    train = decided(frame)
    X, y = feature_frame(train), train[config.LABEL].astype(int).to_numpy()
    if len(np.unique(y)) < 2:
        raise ModelError("training data must contain both renewed and not-renewed seasons")
    classifier = make_classifier(random_state, monotone, hyperparameters, features)
    with limited_threads():
        if not calibrate:
            return classifier.fit(X, y)
        folds = StratifiedGroupKFold(n_splits=config.CALIBRATION_FOLDS, shuffle=True, random_state=random_state)
        splits = list(folds.split(X, y, groups=train[config.GROUP_COLUMN]))
        model = CalibratedClassifierCV(classifier, method="sigmoid", cv=splits)
        return model.fit(X, y)


def fit_model(
    frame: pd.DataFrame,
    calibrate: bool = True,
    random_state: int = config.RANDOM_STATE,
    monotone: bool = True,
    hyperparameters: dict[str, object] | None = None,
    features: object = None,
) -> RenewalModel:
    """Fit on the decided rows of `frame`; calibrate with Platt scaling over show-grouped folds.

    Sigmoid (Platt) calibration has two parameters, which suits a few hundred rows where isotonic
    regression would overfit. Folds keep every season of a show together. The returned model carries
    a fixed-seed background sample of the training seasons (see `renewml.background`). `hyperparameters`
    and `features` change the model as in `make_classifier`; left out, they give the shipped model.
    """
    from renewml.background import sample_background

    estimator = fit_estimator(frame, calibrate, random_state, monotone, hyperparameters, features)
    train = decided(frame)
    rows = train["row_id"].astype(str).tolist() if "row_id" in train else []
    return RenewalModel(estimator, sample_background(frame, random_state=random_state), training_rows=rows)


def predict_proba(model: object, frame: pd.DataFrame) -> np.ndarray:
    """Renewal probability for each row of `frame` (any table with the feature columns), values as given.

    `model` is a fitted model or what `load_model`/`load_default_model` return, so that
    `predict_proba(load_default_model(), frame)` works as one would guess. Blank inputs are read as the
    data reads them; `renewml.predict_rows` averages inputs a user did not give over the background instead.
    """
    estimator = model.model if isinstance(model, LoadedModel) else model
    with limited_threads():
        return estimator.predict_proba(feature_frame(frame))[:, 1]


# --------------------------------------------------------------------------------------------------
# cards


def library_versions() -> dict[str, str]:
    import joblib as _joblib

    return {
        "python": platform.python_version(),
        "scikit-learn": sklearn.__version__,
        "pandas": pd.__version__,
        "numpy": np.__version__,
        "joblib": _joblib.__version__,
    }


@dataclass
class ModelCard:
    created: str
    training_data_path: str
    training_data_sha256: str
    training_rows: int
    training_positive_rate: float
    features: list[str]
    categorical_features: list[str]
    monotone_constraints: dict[str, int]
    hyperparameters: dict[str, object]
    calibration: str
    random_state: int
    versions: dict[str, str]
    evaluation: dict[str, object] = field(default_factory=dict)
    reference: dict[str, object] = field(default_factory=dict)
    carried: dict[str, object] = field(default_factory=dict)
    statements: dict[str, object] = field(default_factory=dict)
    model_sha256: str = ""
    model_file: str = ""

    def to_json(self) -> str:
        return json.dumps(self.__dict__, indent=2, sort_keys=True, default=str) + "\n"

    @classmethod
    def from_json(cls, text: str) -> ModelCard:
        data = json.loads(text)
        return cls(**{k: data[k] for k in cls.__dataclass_fields__ if k in data})


def wilson_interval(successes: int, trials: int, z: float = 1.96) -> list[float]:
    """95% Wilson score interval of a proportion: honest at the small counts of a slice."""
    if trials == 0:
        return [0.0, 1.0]
    rate = successes / trials
    centre = (rate + z * z / (2 * trials)) / (1 + z * z / trials)
    half = z * np.sqrt(rate * (1 - rate) / trials + z * z / (4 * trials * trials)) / (1 + z * z / trials)
    return [round(float(centre - half), 4), round(float(centre + half), 4)]


def reference_profile(frame: pd.DataFrame) -> dict[str, object]:
    """What explanations and "too early to tell" answers quote: renewal base rates of the decided
    seasons, overall and per format, with 95% intervals, and the percentiles of debut views."""
    rows = frame[frame[config.LABEL].notna()]
    profile: dict[str, object] = {"base_rates": {}}
    for name, subset in [("all", rows)] + [(f, rows[rows["format"] == f]) for f in config.FORMATS]:
        renewed, seasons = int(subset[config.LABEL].sum()), int(len(subset))
        profile["base_rates"][name] = {
            "seasons": seasons,
            "renewed": renewed,
            "rate": round(renewed / seasons, 4) if seasons else None,
            "interval_95": wilson_interval(renewed, seasons),
        }
    views = pd.to_numeric(rows["debut_views"], errors="coerce").dropna()
    profile["_debut_views_quantiles"] = [float(q) for q in np.quantile(views, np.linspace(0, 1, 101))]
    return profile


def card_path(model_path: Path) -> Path:
    return Path(model_path).with_name(Path(model_path).stem + CARD_SUFFIX)


def markdown_card_path(model_path: Path) -> Path:
    return Path(model_path).with_name(Path(model_path).stem + ".card.md")


def _table_sha256(table: pd.DataFrame) -> str:
    import hashlib

    return hashlib.sha256(table.to_csv(index=False).encode()).hexdigest()


def travelling_tables(model: object) -> dict[str, object]:
    """What the model file carries besides the estimator, described and hashed for the card."""
    background = getattr(model, "background", None)
    out_of_sample = getattr(model, "out_of_sample", {}) or {}
    if background is None:
        return {}
    oos = pd.DataFrame(sorted(out_of_sample.items()), columns=["row_id", "probability"])
    return {
        "background": {
            "rows": int(len(background)),
            "per_format": {f: int((background["format"] == f).sum()) for f in config.FORMATS},
            "sampled_with_random_state": config.RANDOM_STATE,
            "neighbours_when_views_given": config.BACKGROUND_NEIGHBOURS,
            "sha256": _table_sha256(background),
        },
        "out_of_sample": {"rows": int(len(oos)), "sha256": _table_sha256(oos)},
    }


def make_card(
    data_path: Path,
    frame: pd.DataFrame,
    evaluation: dict[str, object],
    model: object = None,
    hyperparameters: dict[str, object] | None = None,
    features: object = None,
) -> ModelCard:
    """The card for a model trained on `frame` with these settings (the shipped ones by default); the
    model's background and backtest tables are hashed in it."""
    train = decided(frame)
    chosen = check_features(features)
    return ModelCard(
        created=datetime.now(UTC).replace(microsecond=0).isoformat(),
        training_data_path=display_path(data_path),
        training_data_sha256=sha256_file(data_path),
        training_rows=int(len(train)),
        training_positive_rate=round(float(train[config.LABEL].mean()), 4),
        features=list(chosen),
        categorical_features=[name for name in config.CATEGORICAL_FEATURES if name in chosen],
        monotone_constraints=monotone_constraints(chosen),
        hyperparameters=settings(hyperparameters),
        calibration=f"sigmoid (Platt), {config.CALIBRATION_FOLDS} show-grouped folds",
        random_state=config.RANDOM_STATE,
        versions=library_versions(),
        evaluation=evaluation,
        reference=reference_profile(frame),
        carried=travelling_tables(model),
        statements=dict(CARD_STATEMENTS),
    )


def check_can_write(path: Path, force: bool) -> None:
    """An existing model is replaced only when asked to; checked before training, and again on save."""
    if Path(path).exists() and not force:
        raise ModelError(f"{path} already exists; pass --force to replace it (the old one is kept as a .bak)")


def save_model(model: object, card: ModelCard, path: Path, force: bool = False) -> Path:
    """Write model, card and Markdown card atomically; keep the previous model as `.bak` when forced."""
    path = Path(path)
    check_can_write(path, force)
    if path.exists():
        for source in (path, card_path(path)):
            if source.exists():
                atomic_write(backup_path(source), lambda tmp, source=source: shutil.copy2(source, tmp))
    # Model first, card second: a crash in between leaves a new model under the old card, which
    # `load_model` detects by hash and answers with the backup the old card still vouches for.
    atomic_write(path, lambda tmp: joblib.dump(model, tmp, compress=3))
    card.model_sha256 = sha256_file(path)
    card.model_file = path.name
    atomic_write_text(card_path(path), card.to_json())
    atomic_write_text(markdown_card_path(path), render_card_markdown(card))
    return path


def backup_path(path: Path) -> Path:
    return Path(path).with_name(Path(path).name + ".bak")


def read_card(model_path: Path) -> ModelCard:
    path = card_path(model_path)
    if not path.is_file():
        raise ModelError(f"{model_path}: no model card ({path.name}) next to it; a model is only loaded with its card")
    try:
        return ModelCard.from_json(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, TypeError, UnicodeDecodeError) as error:
        raise ModelError(f"{path}: the model card is not valid JSON ({error.__class__.__name__})") from None


def _major_minor(version: str) -> tuple[str, ...]:
    return tuple(version.split(".")[:2])


def check_card(model_path: Path, card: ModelCard) -> None:
    """Refuse a model whose file does not match its card or whose scikit-learn version differs."""
    model_path = Path(model_path)
    if not model_path.is_file():
        raise ModelError(f"{model_path}: model file not found; train one with 'renewml train'")
    actual = sha256_file(model_path)
    if not card.model_sha256 or actual != card.model_sha256:
        raise ModelError(
            f"{model_path}: sha256 {actual[:12]}... does not match the card's {card.model_sha256[:12] or 'none'}...; "
            "refusing to load a file the card does not vouch for"
        )
    made_with = card.versions.get("scikit-learn", "?")
    if _major_minor(made_with) != _major_minor(sklearn.__version__):
        raise ModelError(
            f"{model_path}: made with scikit-learn {made_with}, this is {sklearn.__version__}; "
            "retrain with 'renewml train --out PATH'"
        )


@dataclass
class LoadedModel:
    model: object
    card: ModelCard
    path: Path
    note: str = ""


def load_model(path: Path | None = None) -> LoadedModel:
    """Load a model after checking its card; see `load_default_model` for the shipped-model fallback."""
    path = Path(path or config.MODEL_PATH)
    card = read_card(path)
    note = ""
    try:
        check_card(path, card)
        source = path
    except ModelError:
        backup = backup_path(path)
        if not (backup.is_file() and card.model_sha256 and sha256_file(backup) == card.model_sha256):
            raise
        check_card(backup, card)
        source = backup
        note = f"the last save of {path.name} was interrupted; using the previous model its card vouches for"
    try:
        model = joblib.load(source)
    except Exception as error:  # a file the card vouches for but that cannot be read
        raise ModelError(f"{source}: cannot be unpickled ({error.__class__.__name__})") from None
    return LoadedModel(model=model, card=card, path=path, note=note)


def load_default_model() -> LoadedModel:
    """The shipped model; if this scikit-learn cannot load it, a retrained copy in the user cache.

    Retraining takes about half a minute on the shipped data (backtest included) and gives the same
    pipeline, so a version mismatch never means a failure or a prediction from a mismatched pickle.
    """
    shipped = config.MODEL_PATH
    card = read_card(shipped)
    if _major_minor(card.versions.get("scikit-learn", "?")) == _major_minor(sklearn.__version__):
        return load_model(shipped)
    cached = config.CACHE_DIR / f"renewml-sklearn{sklearn.__version__}.joblib"
    if cached.is_file() and card_path(cached).is_file():
        loaded = load_model(cached)
        loaded.note = f"using a model retrained for scikit-learn {sklearn.__version__} ({cached})"
        return loaded
    from renewml.evaluate import train_and_evaluate

    print(
        f"renewml: the shipped model was made with scikit-learn {card.versions.get('scikit-learn')}; "
        f"retraining it for {sklearn.__version__} into {cached} (once)",
        file=sys.stderr,
    )
    result = train_and_evaluate(config.DATASET_PATH)
    save_model(result.model, result.card, cached, force=True)
    loaded = load_model(cached)
    loaded.note = f"using a model retrained for scikit-learn {sklearn.__version__} ({cached})"
    return loaded
