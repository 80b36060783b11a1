"""The feature stage: one ColumnTransformer that turns show attributes into model inputs.

Debut views are put on a log scale and made relative to the median debut of the same Top 10 list
(English and non-English lists have different audiences). Every gap is imputed with the training median
and no missing-indicator, so the trees never learn a "missing" branch: review scores because being
reviewed at all goes with success ("has a score" must not become a signal), and the few gaps in views
per day and runtime because the seasons that have them were renewed twice as often as the rest, an
artefact of how premiere dates were found, not of the shows. Inputs a user does not give never get
here as gaps at all: they are averaged over (see `renewml.background`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer, OneHotEncoder
from sklearn.utils.validation import check_is_fitted

from renewml import config
from renewml.inputs import ALL_CATEGORICAL, OPEN_CATEGORIES, feature_frame  # noqa: F401  (feature_frame re-exported)

VIEW_COLUMNS = ("debut_views", "debut_views_per_day", "prev_season_debut_views")
SCORE_COLUMNS = ("critic_score", "audience_score", "imdb_season_rating")
PLAIN_COLUMNS = (
    "season_number",
    "debut_rank",
    "runtime_hours",
    "week2_to_week1",
    "weeks_in_top10_first4",
    *(c for c in config.CANDIDATE_NUMERIC_FEATURES if c != "prev_season_debut_views"),
)


# +1: more never lowers the probability; -1: more never raises it (rank 1 is the best).
MONOTONE = {
    "views__log_debut_views": 1,
    "views__log_debut_views_per_day": 1,
    "relative__debut_views_vs_list_median": 1,
    "plain__debut_rank": -1,
    "plain__weeks_in_top10_first4": 1,
    "plain__best_rank_first4": -1,
    "plain__week2_rank": -1,
    "plain__hours_first4_vs_list": 1,
    "scores__critic_score": 1,
    "scores__audience_score": 1,
    "scores__imdb_season_rating": 1,
}


def _log_views(values: np.ndarray) -> np.ndarray:
    return np.log10(np.clip(np.asarray(values, dtype=float), 0, None) + 1.0)


def _log_names(transformer: object, names: list[str]) -> list[str]:
    return [f"log_{name}" for name in names]


class RelativeToGroupMedian(BaseEstimator, TransformerMixin):
    """log10(value) minus the median log10(value) of its group (e.g. the Top 10 list) in training data.

    Groups unseen in training use the overall median. Missing values stay missing.
    """

    def __init__(self, value_column: str = "debut_views", group_column: str = "language"):
        self.value_column = value_column
        self.group_column = group_column

    def fit(self, X: pd.DataFrame, y: object = None) -> RelativeToGroupMedian:
        frame = self._frame(X)
        logs = _log_views(frame[self.value_column])
        groups = frame[self.group_column].astype(str).to_numpy()
        valid = ~np.isnan(logs)
        if not valid.any():
            raise ValueError(f"{self.value_column} has no values to learn a median from")
        self.overall_median_ = float(np.median(logs[valid]))
        self.group_medians_ = {str(g): float(np.median(logs[valid & (groups == g)])) for g in np.unique(groups[valid])}
        self.n_features_in_ = frame.shape[1]
        return self

    def transform(self, X: pd.DataFrame) -> np.ndarray:
        check_is_fitted(self, "group_medians_")
        frame = self._frame(X)
        logs = _log_views(frame[self.value_column])
        medians = np.array(
            [self.group_medians_.get(str(g), self.overall_median_) for g in frame[self.group_column]],
            dtype=float,
        )
        return (logs - medians).reshape(-1, 1)

    def get_feature_names_out(self, input_features: object = None) -> np.ndarray:
        return np.array([f"{self.value_column}_vs_list_median"], dtype=object)

    def _frame(self, X: object) -> pd.DataFrame:
        if isinstance(X, pd.DataFrame):
            return X
        return pd.DataFrame(np.asarray(X, dtype=object), columns=[self.value_column, self.group_column])


# The show attribute each constrained model input is computed from.
MONOTONE_SOURCES = {
    "views__log_debut_views": "debut_views",
    "views__log_debut_views_per_day": "debut_views_per_day",
    "relative__debut_views_vs_list_median": "debut_views",
    "plain__debut_rank": "debut_rank",
    "plain__weeks_in_top10_first4": "weeks_in_top10_first4",
    "plain__best_rank_first4": "best_rank_first4",
    "plain__week2_rank": "week2_rank",
    "plain__hours_first4_vs_list": "hours_first4_vs_list",
    "scores__critic_score": "critic_score",
    "scores__audience_score": "audience_score",
    "scores__imdb_season_rating": "imdb_season_rating",
}


def check_features(features: object = None) -> tuple[str, ...]:
    """The chosen inputs in their usual order: `config.FEATURES` by default, or any of those and of
    `config.CANDIDATE_FEATURES`."""
    if features is None:
        return config.FEATURES
    chosen = list(features)
    known = config.FEATURES + config.CANDIDATE_FEATURES
    unknown = [name for name in chosen if name not in known]
    if unknown:
        raise ValueError(f"unknown feature {unknown[0]!r}; expected some of: {', '.join(known)}")
    if not chosen:
        raise ValueError("expected at least one feature")
    return tuple(name for name in known if name in chosen)


def monotone_constraints(features: object = None) -> dict[str, int]:
    """The monotone constraints that apply to the model inputs made from `features`."""
    chosen = check_features(features)
    relative_ok = "debut_views" in chosen and "language" in chosen
    return {
        name: sign
        for name, sign in MONOTONE.items()
        if MONOTONE_SOURCES[name] in chosen and (relative_ok or not name.startswith("relative__"))
    }


def _median() -> SimpleImputer:
    return SimpleImputer(strategy="median", keep_empty_features=True)


def make_preprocessor(features: object = None) -> ColumnTransformer:
    """An unfitted ColumnTransformer over the show attributes in `features` (default: `config.FEATURES`).

    A subset lets a data scientist try fewer inputs with the same transformations; the views of the
    same Top 10 list are only compared when both debut views and language are chosen.
    """
    chosen = check_features(features)
    categories = {
        "format": list(config.FORMATS),
        "source_material": list(config.SOURCE_MATERIALS),
        "language": list(config.LANGUAGES),
        "genre": list(config.GENRES),
        **{name: list(values) for name, values in OPEN_CATEGORIES.items()},
    }
    categorical = [name for name in ALL_CATEGORICAL if name in chosen]
    parts = [
        (
            "category",
            OneHotEncoder(
                categories=[categories[name] for name in categorical], handle_unknown="ignore", sparse_output=False
            ),
            categorical,
        ),
        (
            "views",
            Pipeline([("log", FunctionTransformer(_log_views, feature_names_out=_log_names)), ("impute", _median())]),
            [c for c in VIEW_COLUMNS if c in chosen],
        ),
        (
            "relative",
            Pipeline([("ratio", RelativeToGroupMedian("debut_views", "language")), ("impute", _median())]),
            ["debut_views", "language"] if {"debut_views", "language"} <= set(chosen) else [],
        ),
        ("scores", _median(), [c for c in SCORE_COLUMNS if c in chosen]),
        ("plain", _median(), [c for c in PLAIN_COLUMNS if c in chosen]),
    ]
    transformer = ColumnTransformer(
        [part for part in parts if part[2]],
        remainder="drop",
        verbose_feature_names_out=True,
    )
    return transformer.set_output(transform="pandas")


def make_feature_pipeline() -> Pipeline:
    """The preprocessor alone as a Pipeline step, for inspection in notebooks."""
    return Pipeline([("features", make_preprocessor())])
