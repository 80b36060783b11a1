"""The portable model format: a fitted model as plain arrays and JSON, and a numpy scorer for it.

A joblib file is code: unpickling it can run anything. The portable file is an `.npz` archive read
with `allow_pickle=False` (numpy refuses object arrays and pickles outright), holding one JSON
document for the structure and plain numeric arrays for the trees. Loading it only ever builds
numbers, strings and dicts, and scoring it needs numpy alone (not scikit-learn).

What it carries, read from the fitted estimator itself rather than from `config`, so new inputs need
no change here:

- per calibration fold, the fitted ColumnTransformer's steps: one-hot categories, imputer values,
  the log-views transform, `RelativeToGroupMedian`'s medians, passthrough columns;
- every tree of the fold's HistGradientBoostingClassifier (node arrays: feature, threshold, where a
  missing value goes, children, leaf values) and its baseline raw prediction;
- the fold's sigmoid calibrator (`a_`, `b_`); the folds' probabilities are averaged, as
  `CalibratedClassifierCV.predict_proba` does;
- beside the estimator, whatever tables and mappings the caller adds to the JSON document (the model
  module adds the background seasons, the out-of-sample probabilities and the training row ids).

Anything else (another transformer, categorical splits, a multiclass model, isotonic calibration)
is refused at export with a message naming it. The scorer follows scikit-learn's own arithmetic
(`_predictor.pyx`, `_SigmoidCalibration.predict`, the fold mean) so probabilities agree to ~1e-15.
This module knows arrays and JSON only: `renewml.model` composes a model from what it reads.
"""

from __future__ import annotations

import json
import math
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from renewml.errors import ModelError
from renewml.table import Table, as_table, n_rows

if TYPE_CHECKING:  # scoring takes DataFrames too, without importing pandas
    import pandas as pd

FORMAT_NAME = "renewml-portable"
FORMAT_VERSION = 1
STRUCTURE_KEY = "structure_json"
NODE_FIELDS = ("feature", "threshold", "missing_left", "left", "right", "is_leaf", "value")
# Rows scored at once, so that a call with a million rows holds a bounded amount of memory.
ROWS_AT_ONCE = 50_000


# --------------------------------------------------------------------------------------------------
# scoring


def _log10p1_clip0(values: np.ndarray) -> np.ndarray:
    # the same operations as renewml.features._log_views, so the same bits
    return np.log10(np.clip(np.asarray(values, dtype=float), 0, None) + 1.0)


def _group_medians(step: dict, groups: np.ndarray) -> np.ndarray:
    text = np.asarray(groups, dtype=object).astype(str)
    medians = np.full(len(text), float(step["overall_median"]))
    for group, median in step["group_medians"].items():
        medians[text == group] = median
    return medians


def _apply_step(step: dict, block: list[np.ndarray]) -> list[np.ndarray]:
    """One transformer step on a block of columns (1-D arrays)."""
    kind = step["kind"]
    if kind == "passthrough":
        return [np.asarray(column, dtype=float) for column in block]
    if kind == "log10p1_clip0":
        return [_log10p1_clip0(column) for column in block]
    if kind == "impute":
        out = []
        for column, fill in zip(block, step["fill"], strict=True):
            values = np.asarray(column, dtype=float)
            out.append(np.where(np.isnan(values), fill, values))
        return out
    if kind == "onehot":
        out = []
        for column, categories in zip(block, step["categories"], strict=True):
            values = np.asarray(column, dtype=object)
            out.extend((values == category).astype(float) for category in categories)
        return out
    if kind == "relative_to_group_median":
        return [_log10p1_clip0(block[0]) - _group_medians(step, block[1])]
    raise ModelError(f"portable model: unknown transformer step {kind!r}")


def _leaf_of(nodes: dict[str, list], node: int, tests: _SplitTests) -> np.ndarray | np.unsignedinteger:
    """The leaf each row reaches from `node` (node numbers of `tests.dtype`).

    Every row takes every split's test of the tree (a depth-3 tree has at most 7), and the side is chosen
    as `right + went_left * (left - right)`: integer arithmetic, exact (modulo 2**bits, as both sides
    are below it) and without the branch per row that `np.where` costs; with it and `_SplitTests`,
    `benchmarks/batch_scoring.py`'s 10,000 new shows (500,000 rows scored) take 2.4 s instead of 4.8 s.
    """
    if nodes["is_leaf"][node]:
        return tests.dtype(node)
    went_left = tests.passed(nodes["feature"][node], nodes["threshold"][node], nodes["missing_left"][node])
    left, right = _leaf_of(nodes, nodes["left"][node], tests), _leaf_of(nodes, nodes["right"][node], tests)
    return right + went_left * (left - right)


class _SplitTests(dict):
    """A fold's split tests on its transformed columns, each run once: its ~650 splits hold ~100
    distinct tests (the trees reuse a feature's histogram bins as thresholds)."""

    def __init__(self, columns: list[np.ndarray], nodes: int):
        super().__init__()
        self.columns = columns
        self.dtype = np.min_scalar_type(nodes).type  # holds every node number of the fold

    def passed(self, feature: int, threshold: float, missing_left: bool) -> np.ndarray:
        """Which rows go left, as 0 or 1 of `dtype`: `x <= threshold`, a missing value where
        `missing_go_to_left` says (scikit-learn's rule, on the same float64 values)."""
        key = (feature, threshold, missing_left)
        if key not in self:
            values = self.columns[feature]
            left = values <= threshold
            self[key] = (left | np.isnan(values) if missing_left else left).astype(self.dtype)
        return self[key]


class PortableEstimator:
    """Scores a portable model with numpy: `predict_proba(feature table) -> (n, 2)` like the fitted pipeline.

    Drops into `RenewalModel(estimator=...)`, so predictions, averaging over unknown inputs and
    Shapley reasons use it unchanged. `X` is a plain table (a dict of column name -> 1-D array) or a
    DataFrame.
    """

    uses_threads = False  # numpy elementwise work only: no OpenMP or BLAS pool to cap
    reads_tables = True  # takes the plain feature table itself, no DataFrame needed

    def __init__(self, structure: dict, arrays: dict[str, np.ndarray]):
        self.structure = structure
        self.arrays = arrays
        self.classes_ = np.asarray(structure["classes"])
        self.feature_names_in_ = list(structure["input_columns"])

    def _fold_columns(self, fold: dict, X: Table | pd.DataFrame, done: dict | None = None) -> list[np.ndarray]:
        """A fold's transformed columns (the model's inputs), as 1-D arrays. `done` holds the parts already
        transformed for another fold of the same call: folds fitted on the same categories share them."""
        done = {} if done is None else done
        out: list[np.ndarray] = []
        for part in fold["columns"]:
            key = json.dumps(part, sort_keys=True)
            if key not in done:
                block = [np.asarray(X[name]) for name in part["columns"]]
                for step in part["steps"]:
                    block = _apply_step(step, block)
                done[key] = block
            out.extend(done[key])
        return out

    def _transform(self, fold: dict, X: Table | pd.DataFrame) -> np.ndarray:
        """A fold's transformed inputs as a (rows, inputs) matrix."""
        out = self._fold_columns(fold, X)
        return np.column_stack(out) if out else np.empty((_row_count(X), 0))

    def _raw(self, fold_index: int, fold: dict, columns: list[np.ndarray], n: int) -> np.ndarray:
        """Baseline plus every tree's leaf value, added tree by tree in the trees' order as scikit-learn does."""
        nodes = {name: self.arrays[f"fold{fold_index}.{name}"].tolist() for name in NODE_FIELDS}
        values = self.arrays[f"fold{fold_index}.value"]
        tests = _SplitTests(columns, len(values))
        raw = np.zeros(n) + float(fold["baseline"])
        with np.errstate(over="ignore"):  # `_leaf_of`'s differences of node numbers wrap around, on purpose
            for root in self.arrays[f"fold{fold_index}.roots"].tolist():
                raw += values.take(_leaf_of(nodes, root, tests))
        return raw

    def decision_folds(self, X: object) -> list[np.ndarray]:
        """Each fold's raw (uncalibrated) score of every row."""
        n, done = _row_count(X), {}
        return [self._raw(k, fold, self._fold_columns(fold, X, done), n) for k, fold in enumerate(self.structure["folds"])]

    def predict_proba(self, X: object) -> np.ndarray:
        """Probabilities of classes_ for each row of a feature table (or DataFrame)."""
        n = _row_count(X)
        if n > ROWS_AT_ONCE:
            return np.vstack([self.predict_proba(_rows(X, start, start + ROWS_AT_ONCE)) for start in range(0, n, ROWS_AT_ONCE)])
        folds = self.structure["folds"]
        mean = np.zeros((n, 2))
        for raw, fold in zip(self.decision_folds(X), folds, strict=True):
            proba = np.zeros((n, 2))
            calibrator = fold.get("calibrator")
            if calibrator is None:  # an uncalibrated classifier: the binomial loss's link
                proba[:, 1] = 1.0 / (1.0 + np.exp(-raw))
            else:
                proba[:, 1] = 1.0 / (1.0 + np.exp(calibrator["a"] * raw + calibrator["b"]))
            proba[:, 0] = 1.0 - proba[:, 1]
            mean += proba
        mean /= len(folds)
        return mean


def _row_count(X: Table | pd.DataFrame) -> int:
    """Rows of a DataFrame, or of a dict of columns (whose len() is its number of columns)."""
    return n_rows(X) if isinstance(X, dict) else len(X)


def _rows(X: Table | pd.DataFrame, start: int, stop: int) -> Table | pd.DataFrame:
    if hasattr(X, "iloc"):
        return X.iloc[start:stop]
    return {name: np.asarray(values)[start:stop] for name, values in X.items()}


# --------------------------------------------------------------------------------------------------
# export (needs scikit-learn, imported here only)


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


def table_to_json(table: object) -> dict:
    """A table (or DataFrame) as JSON: text with null, numbers with null for NaN."""
    columns = {}
    table = as_table(table)
    for name, column in table.items():
        if column.dtype.kind != "f":
            columns[name] = {"kind": "text", "values": [None if _missing(v) else str(v) for v in column]}
        else:
            columns[name] = {"kind": "number", "values": [None if _missing(v) else float(v) for v in column]}
    return {"columns": list(table), "data": columns}


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or str(value) in ("nan", "<NA>")


def table_from_json(part: dict) -> dict[str, np.ndarray]:
    """The stored table as a plain table (see `renewml.table`): text with None, numbers with NaN."""
    data = {}
    for name in part["columns"]:
        column = part["data"][name]
        if column["kind"] == "text":
            values = np.empty(len(column["values"]), dtype=object)
            values[:] = [None if v is None else str(v) for v in column["values"]]
            data[name] = values
        else:
            data[name] = np.array([np.nan if v is None else float(v) for v in column["values"]], dtype=float)
    return data


def write_portable(estimator: object, extra: dict, path: Path) -> None:
    """Write a fitted estimator and the JSON-able `extra` entries to `path` as a portable `.npz`
    (call through `atomic_write`)."""
    structure, arrays = export_estimator(estimator)
    structure = {"format": FORMAT_NAME, "version": FORMAT_VERSION, **structure, **extra}
    text = json.dumps(structure, sort_keys=True, allow_nan=False)
    arrays[STRUCTURE_KEY] = np.frombuffer(text.encode("utf-8"), dtype=np.uint8)
    with open(path, "wb") as handle:
        np.savez_compressed(handle, **arrays)


def read_portable(path: Path) -> tuple[dict, dict[str, np.ndarray]]:
    """Structure and arrays of a portable file, checked; never unpickles (`allow_pickle=False`)."""
    try:
        with np.load(Path(path), allow_pickle=False) as archive:
            arrays = {name: archive[name] for name in archive.files}
        structure = json.loads(arrays.pop(STRUCTURE_KEY).tobytes().decode("utf-8"))
    except (ValueError, OSError, KeyError, zipfile.BadZipFile, UnicodeDecodeError, EOFError) as error:
        raise ModelError(f"{path}: not a readable portable model ({error.__class__.__name__})") from None
    _check(structure, arrays, path)
    return structure, arrays


def _check(structure: object, arrays: dict[str, np.ndarray], path: Path) -> None:
    """Refuse a structurally broken file now rather than with an IndexError at scoring time."""
    try:
        if structure.get("format") != FORMAT_NAME or structure.get("version") != FORMAT_VERSION:
            raise ModelError(
                f"{path}: format {structure.get('format')!r} version {structure.get('version')!r}; "
                f"this renewml reads {FORMAT_NAME!r} version {FORMAT_VERSION}"
            )
        for index, fold in enumerate(structure["folds"]):
            width = sum(_part_width(part) for part in fold["columns"])
            prefix = f"fold{index}."
            nodes = len(arrays[prefix + "value"])
            if any(len(arrays[prefix + name]) != nodes for name in NODE_FIELDS):
                raise ModelError(f"{path}: fold {index}: node arrays of different lengths")
            for name in ("left", "right", "roots"):
                if arrays[prefix + name].size and not (0 <= arrays[prefix + name].min() and arrays[prefix + name].max() < nodes):
                    raise ModelError(f"{path}: fold {index}: node index out of range")
            if arrays[prefix + "feature"].size and arrays[prefix + "feature"].max() >= width:
                raise ModelError(f"{path}: fold {index}: a tree reads input {arrays[prefix + 'feature'].max()} of {width}")
            if not math.isfinite(float(fold["baseline"])) or int(fold["max_depth"]) < 0:
                raise ModelError(f"{path}: fold {index}: baseline or depth out of range")
    except ModelError:
        raise
    except (AttributeError, KeyError, TypeError, ValueError) as error:
        raise ModelError(f"{path}: not a valid portable model ({error.__class__.__name__}: {error})") from None


def _part_width(part: dict) -> int:
    """How many model inputs a ColumnTransformer part produces."""
    width = len(part["columns"])
    for step in part["steps"]:
        if step["kind"] == "onehot":
            width = sum(len(c) for c in step["categories"])
        elif step["kind"] == "relative_to_group_median":
            width = 1
    return width
