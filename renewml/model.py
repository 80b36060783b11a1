"""The model stage: the pipeline, training, the model card, and saving and loading safely.

A model never travels without its card (JSON next to the model file, plus a Markdown copy for people).
The card records the training data's sha256, the library versions, the features, the hyperparameters,
the hold-out scores next to baselines, and the model files' own sha256.

The model is saved twice: as a portable `.npz` (see `renewml.portable`: plain arrays and JSON, read
with `allow_pickle=False`, scored with numpy), which the CLI and `load_default_model` use, and as a
joblib copy for notebooks. A joblib file is code: it is loaded only on explicit request
(`load_model(path, allow_pickle=True)`), with a warning, and only when the card vouches for it.

scikit-learn is imported inside the functions that fit, so loading and scoring a portable model never
imports it.
"""

from __future__ import annotations

import json
import platform
import shutil
import warnings
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from renewml import config
from renewml.data import decided
from renewml.errors import ModelError
from renewml.inputs import ALL_CATEGORICAL, feature_frame
from renewml.io import atomic_write, atomic_write_text, display_path, sha256_file
from renewml.smoothing import smoothed, unsmoothed
from renewml.threads import limited_threads

if TYPE_CHECKING:
    import pandas as pd

    from renewml.table import Table

CARD_SUFFIX = ".card.json"
HYPERPARAMETERS = {
    "learning_rate": 0.05,
    "max_iter": 150,
    "max_depth": 3,
    "min_samples_leaf": 15,
    "l2_regularization": 1.0,
    # Coarse bins smooth the step functions on a few hundred rows: on the pooled backtest 16 bins gave
    # ongoing ROC AUC 0.672 against 0.662 with the default 255 (Brier 0.222 against 0.226).
    "max_bins": 16,
    "early_stopping": False,
}


def make_classifier(
    random_state: int = config.RANDOM_STATE,
    monotone: bool = True,
    hyperparameters: dict[str, object] | None = None,
    features: object = None,
) -> object:
    """Unfitted pipeline: the feature preprocessor and a gradient-boosting classifier.

    `hyperparameters` update the shipped `HYPERPARAMETERS`; `features` picks a subset of
    `config.FEATURES`. Both default to the shipped configuration, so a notebook can try others
    through the same code path as `renewml train`.
    """
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.pipeline import Pipeline

    from renewml.features import make_preprocessor, monotone_constraints

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
    from sklearn.ensemble import HistGradientBoostingClassifier

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
        self.estimator = smoothed(estimator)  # every score averages over nearby debut views
        self.background = background
        self.out_of_sample = dict(out_of_sample or {})
        self.training_rows = list(training_rows or [])

    @property
    def classes_(self) -> np.ndarray:
        return self.estimator.classes_

    @property
    def background_table(self) -> Table:
        """The background as a plain table (it is one when read from a portable file, a DataFrame when fitted)."""
        from renewml.table import as_table

        return as_table(self.background)

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
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.model_selection import StratifiedGroupKFold

    from renewml.features import check_features

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
    import joblib
    import pandas as pd
    import sklearn

    return {
        "python": platform.python_version(),
        "scikit-learn": sklearn.__version__,
        "pandas": pd.__version__,
        "numpy": np.__version__,
        "joblib": joblib.__version__,
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
    model_format: str = ""
    joblib_sha256: str = ""
    joblib_file: str = ""

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
    import pandas as pd

    views = pd.to_numeric(rows["debut_views"], errors="coerce").dropna()
    profile["_debut_views_quantiles"] = [float(q) for q in np.quantile(views, np.linspace(0, 1, 101))]
    return profile


def card_path(model_path: Path) -> Path:
    return Path(model_path).with_name(Path(model_path).stem + CARD_SUFFIX)


def markdown_card_path(model_path: Path) -> Path:
    return Path(model_path).with_name(Path(model_path).stem + ".card.md")


def _table_sha256(table: pd.DataFrame) -> str:
    import hashlib

    from renewml.table import as_table, to_frame

    if not hasattr(table, "to_csv"):  # a model read from a portable file carries plain tables
        table = to_frame(as_table(table))
    return hashlib.sha256(table.to_csv(index=False).encode()).hexdigest()


def travelling_tables(model: object) -> dict[str, object]:
    """What the model file carries besides the estimator, described and hashed for the card."""
    background = getattr(model, "background", None)
    out_of_sample = getattr(model, "out_of_sample", {}) or {}
    if background is None:
        return {}
    import pandas as pd

    oos = pd.DataFrame(sorted(out_of_sample.items()), columns=["row_id", "probability"])
    return {
        "background": {
            "rows": int(len(background["format"])),
            "per_format": {f: int((background["format"] == f).sum()) for f in config.FORMATS},
            "sampled_with_random_state": config.RANDOM_STATE,
            "min_same_list": config.BACKGROUND_MIN_SAME_LIST,
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
    from renewml.card import CARD_STATEMENTS
    from renewml.features import check_features, monotone_constraints

    train = decided(frame)
    chosen = check_features(features)
    return ModelCard(
        created=datetime.now(UTC).replace(microsecond=0).isoformat(),
        training_data_path=display_path(data_path),
        training_data_sha256=sha256_file(data_path),
        training_rows=int(len(train)),
        training_positive_rate=round(float(train[config.LABEL].mean()), 4),
        features=list(chosen),
        categorical_features=[name for name in ALL_CATEGORICAL if name in chosen],
        monotone_constraints=monotone_constraints(chosen),
        hyperparameters=settings(hyperparameters),
        calibration=f"sigmoid (Platt), {config.CALIBRATION_FOLDS} show-grouped folds",
        random_state=config.RANDOM_STATE,
        versions=library_versions(),
        evaluation=evaluation,
        reference=_with_format_averages(reference_profile(frame), model),
        carried=travelling_tables(model),
        statements=dict(CARD_STATEMENTS),
    )


def _with_format_averages(profile: dict[str, object], model: RenewalModel) -> dict[str, object]:
    """The profile with the model's average over its background seasons of each format (where reasons start),
    computed once here so that a cold `predict` need not score the whole background again."""
    from renewml.background import format_references

    averages = format_references(model.estimator, model.background_table, profile)
    return {**profile, "format_averages": {k: round(v, 6) for k, v in averages.items()}}


def portable_path(path: Path) -> Path:
    """The portable model file for a model path given with any suffix (`.npz`)."""
    return Path(path).with_suffix(config.PORTABLE_SUFFIX)


def joblib_path(path: Path) -> Path:
    """The joblib copy (for notebooks) beside the portable file of `path`."""
    return Path(path).with_suffix(config.JOBLIB_SUFFIX)


def check_can_write(path: Path, force: bool) -> None:
    """An existing model is replaced only when asked to; checked before training, and again on save."""
    for target in (portable_path(path), joblib_path(path)):
        if target.exists() and not force:
            raise ModelError(f"{target} already exists; pass --force to replace it (the old one is kept as a .bak)")


def save_model(model: object, card: ModelCard, path: Path, force: bool = False) -> Path:
    """Write the portable model, its joblib copy, the card and the Markdown card, each atomically.

    `path` names the model with any suffix: `NAME.npz` and `NAME.joblib` are written, and the card
    records both hashes. With `force` the previous files are kept as `.bak`. Returns the portable path.
    """
    import joblib

    from renewml.export import export_estimator

    portable, pickled = portable_path(path), joblib_path(path)
    check_can_write(portable, force)
    export_estimator(unsmoothed(model.estimator))  # refuses an estimator the portable format cannot carry, before writing
    for source in (portable, pickled, card_path(portable)):
        if source.exists():
            atomic_write(backup_path(source), lambda tmp, source=source: shutil.copy2(source, tmp))
    # Models first, card last: a crash in between leaves a new model under the old card, which
    # `load_model` detects by hash and answers with the backup the old card still vouches for.
    atomic_write(portable, lambda tmp: write_model_file(model, tmp))
    atomic_write(pickled, lambda tmp: joblib.dump(model, tmp, compress=3))
    card.model_sha256 = sha256_file(portable)
    card.model_file = portable.name
    card.model_format = "renewml-portable npz (numpy arrays and JSON, read with allow_pickle=False)"
    card.joblib_sha256 = sha256_file(pickled)
    card.joblib_file = pickled.name
    atomic_write_text(card_path(portable), card.to_json())
    from renewml.card import render_card_markdown

    atomic_write_text(markdown_card_path(portable), render_card_markdown(card))
    return portable


def write_model_file(model: RenewalModel, path: Path) -> None:
    """`model` as a portable file: its estimator, with the background seasons, the out-of-sample
    probabilities and the training row ids in the JSON document (call through `atomic_write`)."""
    from renewml.export import export_estimator
    from renewml.portable import write_portable
    from renewml.table import table_to_json

    structure, arrays = export_estimator(unsmoothed(model.estimator))
    structure.update(
        background=table_to_json(model.background),
        out_of_sample={str(k): float(v) for k, v in model.out_of_sample.items()},
        training_rows=[str(r) for r in model.training_rows],
    )
    write_portable(structure, arrays, path)


def read_model_file(path: Path) -> RenewalModel:
    """A RenewalModel whose estimator is the numpy scorer of the portable file at `path`."""
    from renewml.portable import PortableEstimator, read_portable
    from renewml.table import table_from_json

    structure, arrays = read_portable(path)
    try:
        background = table_from_json(structure["background"])
    except (KeyError, TypeError, ValueError) as error:
        raise ModelError(f"{path}: the background table is not valid ({error.__class__.__name__})") from None
    return RenewalModel(
        PortableEstimator(structure, arrays),
        background,
        out_of_sample=structure.get("out_of_sample", {}),
        training_rows=structure.get("training_rows", []),
    )


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


def _is_joblib(path: Path) -> bool:
    return Path(path).suffix == config.JOBLIB_SUFFIX


def _vouched_sha256(model_path: Path, card: ModelCard) -> str:
    """The hash the card gives for this file: the joblib copy's for a `.joblib`, the model's otherwise."""
    if _is_joblib(model_path) and card.joblib_file:
        return card.joblib_sha256
    return card.model_sha256


def check_card(model_path: Path, card: ModelCard) -> None:
    """Refuse a model file that does not match its card; refuse a joblib copy from another scikit-learn.

    The portable file does not depend on scikit-learn (numpy scores it), so its scikit-learn version
    is a record, not a condition: no retrain is needed when the installed one differs.
    """
    model_path = Path(model_path)
    if not model_path.is_file():
        raise ModelError(f"{model_path}: model file not found; train one with 'renewml train'")
    actual = sha256_file(model_path)
    expected = _vouched_sha256(model_path, card)
    if not expected or actual != expected:
        raise ModelError(
            f"{model_path}: sha256 {actual[:12]}... does not match the card's {expected[:12] or 'none'}...; "
            "refusing to load a file the card does not vouch for"
        )
    if _is_joblib(model_path):
        import sklearn

        made_with = card.versions.get("scikit-learn", "?")
        if _major_minor(made_with) != _major_minor(sklearn.__version__):
            raise ModelError(
                f"{model_path}: made with scikit-learn {made_with}, this is {sklearn.__version__}; "
                f"use the portable {portable_path(model_path).name} or retrain with 'renewml train --out PATH'"
            )


@dataclass
class LoadedModel:
    model: object
    card: ModelCard
    path: Path
    note: str = ""


def load_model(path: Path | None = None, allow_pickle: bool = False) -> LoadedModel:
    """Load a model after checking it against its card.

    A portable file (any name not ending in `.joblib`) is read as arrays and JSON, never unpickled. A
    `.joblib` copy is code: it is refused unless `allow_pickle=True`, and then loaded with a warning.
    If the last save was interrupted, the `.bak` the card still vouches for is used, with a note.
    """
    path = Path(path or config.MODEL_PATH)
    if _is_joblib(path) and not allow_pickle:
        raise ModelError(
            f"{path}: a joblib file is code and is not loaded unless asked for "
            f"(renewml.load_model(path, allow_pickle=True) in a notebook); use the portable "
            f"{portable_path(path).name} beside it"
        )
    card = read_card(path)
    note = ""
    try:
        check_card(path, card)
        source = path
    except ModelError:
        backup = backup_path(path)
        expected = _vouched_sha256(path, card)
        if not (backup.is_file() and expected and sha256_file(backup) == expected):
            raise
        source = backup
        note = f"the last save of {path.name} was interrupted; using the previous model its card vouches for"
    if not _is_joblib(path):
        return LoadedModel(model=read_model_file(source), card=card, path=path, note=note)
    warnings.warn(
        f"{source} is a joblib file: loading it runs code. Only load files you made or trust; "
        "the portable .npz beside it holds the same model without that risk.",
        UserWarning,
        stacklevel=2,
    )
    import joblib

    try:
        model = joblib.load(source)
    except Exception as error:  # a file the card vouches for but that cannot be read
        raise ModelError(f"{source}: cannot be unpickled ({error.__class__.__name__})") from None
    if not isinstance(model, RenewalModel):
        raise ModelError(f"{source}: holds a {type(model).__name__}, not a renewml model")
    return LoadedModel(model=model, card=card, path=path, note=note)


def load_default_model() -> LoadedModel:
    """The shipped portable model (`config.MODEL_PATH`, `RENEWML_MODEL` overrides it); never unpickles.

    The portable file is scored with numpy, so a scikit-learn other than the one that trained it needs
    no retrain: the probabilities are the same numbers.
    """
    return load_model(config.MODEL_PATH)
