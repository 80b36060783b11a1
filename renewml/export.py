"""From a fitted scikit-learn pipeline to the portable form (`renewml.portable`): its structure as JSON
and its trees as plain arrays, read from the fitted objects themselves rather than from `config`, so
that a new input needs no change here.

Supported: a `CalibratedClassifierCV` (sigmoid, an ensemble of folds) or a plain `Pipeline` of a
`ColumnTransformer` (OneHotEncoder, SimpleImputer, the log-views FunctionTransformer,
`RelativeToGroupMedian`, passthrough, and Pipelines of these) and a binary
`HistGradientBoostingClassifier`. Anything else is refused with its name, before a file is written.
scikit-learn is imported inside these functions only.
"""

from __future__ import annotations

import math

import numpy as np

from renewml.errors import ModelError
from renewml.portable import NODE_FIELDS, PortableEstimator


def _qualified(obj: object) -> str:
    return f"{type(obj).__module__}.{type(obj).__qualname__}"


def _steps_of(transformer: object, where: str) -> list[dict]:
    """The portable steps of one fitted ColumnTransformer entry, or a ModelError naming what is not supported."""
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import FunctionTransformer, OneHotEncoder

    from renewml.features import RelativeToGroupMedian, _log_views

    if isinstance(transformer, str) and transformer == "passthrough":
        return [{"kind": "passthrough"}]
    if isinstance(transformer, Pipeline):
        return [step for name, inner in transformer.steps for step in _steps_of(inner, f"{where}/{name}")]
    if type(transformer) is OneHotEncoder:
        categories = [list(c) for c in transformer.categories_]
        plain = all(isinstance(v, str) for c in categories for v in c)
        if (
            transformer.handle_unknown != "ignore"
            or transformer.drop_idx_ is not None
            or getattr(transformer, "_infrequent_enabled", False)
            or not plain
        ):
            raise ModelError(
                f"cannot export {where}: only a OneHotEncoder with string categories, handle_unknown='ignore', "
                "no drop and no infrequent categories is supported"
            )
        return [{"kind": "onehot", "categories": categories}]
    if type(transformer) is SimpleImputer:
        statistics = np.asarray(transformer.statistics_, dtype=float)
        missing = transformer.missing_values
        if transformer.add_indicator or not (isinstance(missing, float) and math.isnan(missing)):
            raise ModelError(f"cannot export {where}: only a SimpleImputer of NaN without indicator is supported")
        if np.isnan(statistics).any():
            if not transformer.keep_empty_features:
                raise ModelError(f"cannot export {where}: an imputer that drops empty columns is not supported")
            statistics = np.where(np.isnan(statistics), 0.0, statistics)
        return [{"kind": "impute", "fill": [float(v) for v in statistics]}]
    if type(transformer) is FunctionTransformer and transformer.func is None:  # how "passthrough" is fitted
        return [{"kind": "passthrough"}]
    if type(transformer) is FunctionTransformer:
        if transformer.func is not _log_views or transformer.kw_args:
            raise ModelError(f"cannot export {where}: only the log-views FunctionTransformer is supported")
        return [{"kind": "log10p1_clip0"}]
    if type(transformer) is RelativeToGroupMedian:
        return [
            {
                "kind": "relative_to_group_median",
                "overall_median": float(transformer.overall_median_),
                "group_medians": {str(k): float(v) for k, v in transformer.group_medians_.items()},
            }
        ]
    raise ModelError(
        f"cannot export {where}: {_qualified(transformer)} is not a supported transformer "
        "(OneHotEncoder, SimpleImputer, the log-views FunctionTransformer, RelativeToGroupMedian, "
        "passthrough and Pipelines of these)"
    )


def _column_parts(transformer: object) -> list[dict]:
    from sklearn.compose import ColumnTransformer

    if type(transformer) is not ColumnTransformer:
        raise ModelError(f"cannot export: the pipeline's first step is {_qualified(transformer)}, not a ColumnTransformer")
    parts = []
    for name, fitted, columns in transformer.transformers_:
        if isinstance(fitted, str) and fitted == "drop":
            continue
        names = [str(c) for c in (columns if not isinstance(columns, str) else [columns])]
        if len(names) == 0:
            continue
        if not all(isinstance(c, str) for c in columns):
            raise ModelError(f"cannot export {name}: columns must be given by name")
        parts.append({"name": name, "columns": names, "steps": _steps_of(fitted, name)})
    return parts


def _trees(classifier: object, prefix: str, arrays: dict[str, np.ndarray]) -> dict:
    """The classifier's trees as concatenated node arrays under `prefix`; returns its JSON part."""
    from sklearn.ensemble import HistGradientBoostingClassifier

    if type(classifier) is not HistGradientBoostingClassifier:
        raise ModelError(f"cannot export: the classifier is {_qualified(classifier)}, not HistGradientBoostingClassifier")
    if classifier.n_trees_per_iteration_ != 1 or len(classifier.classes_) != 2:
        raise ModelError("cannot export: only a binary HistGradientBoostingClassifier is supported")
    if classifier.is_categorical_ is not None and np.any(classifier.is_categorical_):
        raise ModelError("cannot export: native categorical features of HistGradientBoosting are not supported")
    columns: dict[str, list[np.ndarray]] = {name: [] for name in NODE_FIELDS}
    roots, offset, depth = [], 0, 0
    for iteration in classifier._predictors:
        nodes = iteration[0].nodes
        if nodes["is_categorical"].any():
            raise ModelError("cannot export: a tree has a categorical split")
        roots.append(offset)
        leaf = nodes["is_leaf"].astype(bool)
        columns["feature"].append(np.where(leaf, 0, nodes["feature_idx"]).astype(np.int64))
        columns["threshold"].append(nodes["num_threshold"].astype(np.float64))
        columns["missing_left"].append(nodes["missing_go_to_left"].astype(bool))
        columns["left"].append(np.where(leaf, 0, nodes["left"].astype(np.int64) + offset))
        columns["right"].append(np.where(leaf, 0, nodes["right"].astype(np.int64) + offset))
        columns["is_leaf"].append(leaf)
        columns["value"].append(nodes["value"].astype(np.float64))
        depth = max(depth, int(nodes["depth"].max()))
        offset += len(nodes)
    for name, parts in columns.items():
        arrays[prefix + name] = np.concatenate(parts)
    arrays[prefix + "roots"] = np.asarray(roots, dtype=np.int64)
    baseline = np.asarray(classifier._baseline_prediction, dtype=float).ravel()
    return {"baseline": float(baseline[0]), "max_depth": depth, "trees": len(roots)}


def _fold(pipeline: object, calibrator: object | None, index: int, arrays: dict[str, np.ndarray]) -> dict:
    from sklearn.pipeline import Pipeline

    if type(pipeline) is not Pipeline or len(pipeline.steps) != 2:
        raise ModelError("cannot export: expected a Pipeline of a ColumnTransformer and a classifier")
    fold = {"columns": _column_parts(pipeline.steps[0][1])}
    fold.update(_trees(pipeline.steps[1][1], f"fold{index}.", arrays))
    if calibrator is not None:
        fold["calibrator"] = {"a": float(calibrator.a_), "b": float(calibrator.b_)}
    return fold


def export_estimator(estimator: object) -> tuple[dict, dict[str, np.ndarray]]:
    """The structure (JSON-able) and arrays of a fitted calibrated (or plain) pipeline.

    A model loaded from a portable file exports as it was read, so it can be saved again.
    """
    if isinstance(estimator, PortableEstimator):
        keys = ("classes", "input_columns", "folds")
        return {key: estimator.structure[key] for key in keys}, dict(estimator.arrays)
    from sklearn.calibration import CalibratedClassifierCV

    arrays: dict[str, np.ndarray] = {}
    if type(estimator) is CalibratedClassifierCV:
        if estimator.method != "sigmoid" or not estimator.ensemble:
            raise ModelError("cannot export: only sigmoid calibration over an ensemble of folds is supported")
        folds = []
        for index, fold in enumerate(estimator.calibrated_classifiers_):
            (calibrator,) = fold.calibrators
            folds.append(_fold(fold.estimator, calibrator, index, arrays))
        inputs = list(estimator.feature_names_in_)
    else:
        folds = [_fold(estimator, None, 0, arrays)]
        inputs = list(estimator.feature_names_in_)
    structure = {"classes": [int(c) for c in estimator.classes_], "input_columns": inputs, "folds": folds}
    return structure, arrays
