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
- the background table, the out-of-sample probabilities and the training row ids.

Anything else (another transformer, categorical splits, a multiclass model, isotonic calibration)
is refused at export with a message naming it. The scorer follows scikit-learn's own arithmetic
(`_predictor.pyx`, `_SigmoidCalibration.predict`, the fold mean) so probabilities agree to ~1e-15.
It does not walk nodes row by row: each distinct split test runs once on a whole column and a tree's
split outcomes index a table of its leaf values (`PortableEstimator._raw`), which scores large
batches ~15x faster than walking all trees with (rows x trees) index arrays did.
"""

from __future__ import annotations

import json
import math
import zipfile
from collections import defaultdict
from pathlib import Path

import numpy as np

from renewml.errors import ModelError

FORMAT_NAME = "renewml-portable"
FORMAT_VERSION = 1
STRUCTURE_KEY = "structure_json"
NODE_FIELDS = ("feature", "threshold", "missing_left", "left", "right", "is_leaf", "value")
# Rows scored at once: bounds the memory of a large batch, and keeps a chunk's transformed columns,
# split tests and (trees x rows) keys (~2 MB) in the CPU caches; on 200,000 rows 5,000 measured ~10%
# faster than 8,192 to 32,768 and than 4,096 (more numpy calls per row), 2,048 ~40% slower.
CHUNK_ROWS = 5_000
# Rows whose keys are assembled at once (see `PortableEstimator._raw`) when more rows than CHUNK_ROWS
# come at once (`decision_folds`): 8,192 rows x 150 trees of uint8 temporaries stay in a 1 MB L2 cache;
# for a 32,768-row call measured 2.5x faster than all rows at once, and faster than 2,048 or 4,096.
KEY_BLOCK_ROWS = 8_192
# A tree with at most this many splits is scored through a lookup table of 2**splits leaf values (a
# depth-3 tree has at most 7 splits); a fold with a larger tree is walked node by node instead.
MAX_TABLE_SPLITS = 10


# --------------------------------------------------------------------------------------------------
# scoring


def _log10p1_clip0(values: np.ndarray) -> np.ndarray:
    # the same operations as renewml.features._log_views, so the same bits
    return np.log10(np.clip(np.asarray(values, dtype=float), 0, None) + 1.0)


def _factorize(column: object) -> tuple[list, np.ndarray] | None:
    """The distinct values of a column in order of appearance and each row's index into them, or None
    for unhashable cells. Equal cells share an index, so comparing the few distinct values replaces
    comparing every cell (object comparisons cost ~10 ns a cell, per category and per fold)."""
    values = np.asarray(column, dtype=object).ravel().tolist()
    index: defaultdict = defaultdict()
    index.default_factory = index.__len__  # a new value gets the next index
    try:
        codes = np.fromiter(map(index.__getitem__, values), dtype=np.intp, count=len(values))
    except TypeError:
        return None
    return list(index), codes


def _exact_text(value: object) -> bool:
    """Whether every cell merged with `value` by `_factorize` (equal to it) has the same str():
    true of strings, None and NaN, not of numbers (1 == 1.0 == True)."""
    return isinstance(value, str) or value is None or (isinstance(value, float) and value != value)


class _Columns:
    """The input columns of one call, with what several folds compute alike kept once: the factorized
    text columns, their one-hot columns and the log views (they do not depend on a fold's fit)."""

    def __init__(self, X: object):
        self.X = X
        self.memo: dict = {}

    def get(self, key: tuple, compute):
        if key not in self.memo:
            self.memo[key] = compute()
        return self.memo[key]

    def input(self, name: str) -> np.ndarray:
        return self.get(("input", name), lambda: np.asarray(self.X[name]))

    def factorized(self, name: str) -> tuple[list, np.ndarray] | None:
        return self.get(("factorize", name), lambda: _factorize(self.input(name)))


def _onehot(column: np.ndarray, factorized: tuple[list, np.ndarray] | None, categories: list) -> list[np.ndarray]:
    if factorized is None:
        values = np.asarray(column, dtype=object)
        return [(values == category).astype(float) for category in categories]
    uniques, codes = factorized
    return [np.array([bool(u == category) for u in uniques], dtype=float)[codes] for category in categories]


def _group_medians(step: dict, groups: np.ndarray, factorized: tuple[list, np.ndarray] | None) -> np.ndarray:
    overall, by_group = float(step["overall_median"]), step["group_medians"]
    if factorized is not None and all(_exact_text(u) for u in factorized[0]):
        uniques, codes = factorized
        return np.array([by_group.get(str(u), overall) for u in uniques], dtype=float)[codes]
    text = np.asarray(groups, dtype=object).astype(str)
    medians = np.full(len(text), overall)
    for group, median in by_group.items():
        medians[text == group] = median
    return medians


def _apply_step(step: dict, block: list[np.ndarray], keys: list, columns: _Columns) -> tuple[list, list]:
    """One transformer step on a block of columns (1-D arrays); `keys` name what each column is computed
    from (a hashable key, or None), so that fold-independent results are computed once per call."""
    kind = step["kind"]
    if kind == "passthrough":
        return [np.asarray(column, dtype=float) for column in block], keys
    if kind == "log10p1_clip0":
        out, out_keys = [], []
        for column, key in zip(block, keys, strict=True):
            out_keys.append(None if key is None else ("log", key))
            if key is None:
                out.append(_log10p1_clip0(column))
            else:
                out.append(columns.get(out_keys[-1], lambda c=column: _log10p1_clip0(c)))
        return out, out_keys
    if kind == "impute":
        out, out_keys = [], []
        for column, key, fill in zip(block, keys, step["fill"], strict=True):
            values = np.asarray(column, dtype=float)
            missing = np.isnan(values)
            if missing.any():  # else the column is used as it is (never written to)
                values = values.copy()
                values[missing] = fill
                key = None
            out.append(values)
            out_keys.append(key)
        return out, out_keys
    if kind == "onehot":
        out = []
        for column, key, categories in zip(block, keys, step["categories"], strict=True):
            if key is None or key[0] != "input":
                out.extend(_onehot(column, None, categories))
            else:
                factorized = columns.factorized(key[1])
                memo_key = ("onehot", key, tuple(categories))
                out.extend(columns.get(memo_key, lambda c=column, f=factorized, cats=categories: _onehot(c, f, cats)))
        return out, [None] * len(out)
    if kind == "relative_to_group_median":
        (logs,), _ = _apply_step({"kind": "log10p1_clip0"}, block[:1], keys[:1], columns)
        factorized = columns.factorized(keys[1][1]) if keys[1] is not None and keys[1][0] == "input" else None
        return [logs - _group_medians(step, block[1], factorized)], [None]
    raise ModelError(f"portable model: unknown transformer step {kind!r}")


def _split_tables(a: dict[str, np.ndarray], roots: np.ndarray, max_depth: int) -> tuple | None:
    """A fold's trees as lookup tables (see `PortableEstimator._raw`), or None if a tree has more than
    MAX_TABLE_SPLITS splits or is deeper than `max_depth` (then the fold is walked node by node).

    Returns the distinct split tests grouped by input column (column, first and end test index, the
    thresholds, whether a missing value goes left), per split position j the trees having a j-th split
    (a prefix of the trees ordered by split count) and the test each reads, each tree's position in that
    order, and each tree's table of leaf values."""
    leaf = a["is_leaf"].astype(bool)
    nodes = np.arange(len(leaf))
    roots = np.asarray(roots, dtype=np.intp)
    # Each tree is a contiguous run of nodes from its root (as export writes them) whose children come
    # after their parent inside the run, so no walk can loop; anything else is walked node by node.
    ends = np.append(roots[1:], len(leaf))
    if len(roots) == 0 or roots[0] != 0 or np.any(ends <= roots):
        return None
    tree_of = np.repeat(np.arange(len(roots)), ends - roots)
    split = ~leaf
    for child in (a["left"], a["right"]):
        if np.any((child[split] <= nodes[split]) | (child[split] >= ends[tree_of[split]])):
            return None
    # A split's number within its tree, in node order: bit j of a tree's key is its j-th split's outcome.
    before = np.cumsum(split) - split
    split_rank = np.where(split, before - before[roots][tree_of], 0)
    counts = np.bincount(tree_of, weights=split, minlength=len(roots)).astype(int).tolist()
    if max(counts, default=0) > MAX_TABLE_SPLITS:
        return None
    # The leaf reached for every combination of split outcomes, all trees at once: a tree with s
    # splits keeps the first 2**s keys; a path longer than max_depth is walked node by node instead.
    key = np.arange(2 ** max(counts, default=0))[None, :]
    node = np.repeat(roots[:, None], key.shape[1], axis=1)
    for _ in range(max_depth):
        go_left = (key >> split_rank[node]) & 1 == 1
        node = np.where(leaf[node], node, np.where(go_left, a["left"][node], a["right"][node]))
    if not leaf[node].all():
        return None
    values = a["value"][node]
    tables = [np.ascontiguousarray(values[tree, : 2**count], dtype=float) for tree, count in enumerate(counts)]
    # The distinct tests (column, threshold, where a missing value goes), numbered by column and threshold
    # so that a column's tests are one broadcast comparison.
    at = nodes[split]
    feature, threshold = a["feature"][at].astype(np.intp), a["threshold"][at].astype(float)
    missing_left = a["missing_left"][at].astype(bool)
    order = np.lexsort((missing_left, threshold, feature))
    keys = np.stack([feature[order].astype(float), threshold[order], missing_left[order].astype(float)], axis=1)
    first = np.ones(len(order), dtype=bool)
    same = (keys[1:] == keys[:-1]) | (np.isnan(keys[1:]) & np.isnan(keys[:-1]))
    first[1:] = ~same.all(axis=1)
    test_of = np.empty(len(order), dtype=np.intp)
    test_of[order] = np.cumsum(first) - 1
    distinct = order[first]
    numbered = list(zip(feature[distinct].tolist(), threshold[distinct].tolist(), missing_left[distinct].tolist(), strict=True))
    splits_of_tree = np.split(test_of, np.cumsum(counts)[:-1]) if counts else []
    splits_of_tree = [part.tolist() for part in splits_of_tree]
    groups = []
    for column in sorted({test[0] for test in numbered}):
        rows = [i for i, test in enumerate(numbered) if test[0] == column]
        missing_left = np.array([numbered[i][2] for i in rows])
        thresholds = np.array([numbered[i][1] for i in rows], dtype=float)[:, None]
        groups.append((column, rows[0], rows[-1] + 1, thresholds, np.flatnonzero(missing_left) + rows[0]))
    by_count = sorted(range(len(roots)), key=lambda t: -len(splits_of_tree[t]))
    position = np.empty(len(roots), dtype=np.intp)
    position[by_count] = np.arange(len(roots))
    key_type = np.uint8 if max((len(s) for s in splits_of_tree), default=0) <= 8 else np.uint16
    slots = []
    for j in range(max((len(s) for s in splits_of_tree), default=0)):
        having = [t for t in by_count if len(splits_of_tree[t]) > j]
        slots.append((len(having), np.array([splits_of_tree[t][j] for t in having], dtype=np.intp), key_type(1 << j)))
    return groups, len(numbered), slots, position, tables, key_type


class PortableEstimator:
    """Scores a portable model with numpy: `predict_proba(feature frame) -> (n, 2)` like the fitted pipeline.

    Drops into `RenewalModel(estimator=...)`, so predictions, averaging over unknown inputs and
    Shapley reasons use it unchanged. `X` is a DataFrame or a dict of column name -> 1-D array.
    """

    uses_threads = False  # numpy elementwise work only: no OpenMP or BLAS pool to cap

    def __init__(self, structure: dict, arrays: dict[str, np.ndarray]):
        self.structure = structure
        self.arrays = arrays
        self.classes_ = np.asarray(structure["classes"])
        self.feature_names_in_ = list(structure["input_columns"])
        self._walks: dict[int, tuple[np.ndarray, ...]] = {}
        self._tables: dict[int, tuple | None] = {}

    def _fold_columns(self, fold: dict, columns: _Columns) -> list[np.ndarray]:
        """A fold's transformed columns (the model's inputs), as 1-D arrays."""
        out: list[np.ndarray] = []
        for part in fold["columns"]:
            block = [columns.input(name) for name in part["columns"]]
            keys: list = [("input", name) for name in part["columns"]]
            for step in part["steps"]:
                block, keys = _apply_step(step, block, keys, columns)
            out.extend(block)
        return out

    def _transform(self, fold: dict, X: object) -> np.ndarray:
        """A fold's transformed inputs as a (rows, inputs) matrix."""
        out = self._fold_columns(fold, _Columns(X))
        return np.column_stack(out) if out else np.empty((_row_count(X), 0))

    def _walk(self, fold_index: int) -> tuple[np.ndarray, ...]:
        """A fold's node arrays arranged for walking: a leaf is its own child on both sides, so every
        row can take the same number of steps, and the two children sit side by side (right, left)."""
        walks = self.__dict__.setdefault("_walks", {})  # also for a copy made without __init__
        if fold_index not in walks:
            a = {name: self.arrays[f"fold{fold_index}.{name}"] for name in NODE_FIELDS}
            leaf = a["is_leaf"].astype(bool)
            nodes = np.arange(len(leaf))
            children = np.stack([np.where(leaf, nodes, a["right"]), np.where(leaf, nodes, a["left"])], axis=1)
            walks[fold_index] = (
                a["feature"].astype(np.intp),
                a["threshold"],
                a["missing_left"].astype(bool),
                children.astype(np.intp).ravel(),
                a["value"],
            )
        return walks[fold_index]

    def _table_plan(self, fold_index: int, fold: dict) -> tuple | None:
        """The fold's lookup tables (`_split_tables`), built on first use and kept."""
        tables = self.__dict__.setdefault("_tables", {})  # also for a copy made without __init__
        if fold_index not in tables:
            a = {name: self.arrays[f"fold{fold_index}.{name}"] for name in NODE_FIELDS}
            tables[fold_index] = _split_tables(a, self.arrays[f"fold{fold_index}.roots"], int(fold["max_depth"]))
        return tables[fold_index]

    def _raw(self, fold_index: int, fold: dict, columns: list[np.ndarray], n: int) -> np.ndarray:
        """Baseline plus every tree's leaf value, added tree by tree in the trees' order as scikit-learn does.

        Walking all trees at once with (rows x trees) index arrays costs a gather per row, tree and
        level. Instead each distinct split test (`x <= threshold`, NaN where `missing_go_to_left` says:
        scikit-learn's rule, on the same float64 values) is evaluated once on a whole contiguous column;
        bit j of a tree's key is its j-th split's outcome, assembled for all trees at once from those
        tests (a uint8 row gather, multiply and or per split position); and the key indexes the tree's
        table of leaf values, one per combination of outcomes (2**7 at most for depth 3).
        """
        plan = self._table_plan(fold_index, fold)
        if plan is None:
            return self._raw_walk(fold_index, fold, np.column_stack(columns) if columns else np.empty((n, 0)))
        groups, test_count, slots, position, tables, key_type = plan
        passed = np.empty((test_count, n), dtype=bool)
        for column, start, stop, thresholds, missing_left in groups:
            values = columns[column]
            np.less_equal(values, thresholds, out=passed[start:stop])
            if len(missing_left):
                nan = np.isnan(values)
                if nan.any():
                    passed[missing_left] |= nan
        bits = passed.view(np.uint8)
        keys = np.zeros((len(tables), n), dtype=key_type)
        for start in range(0, n, KEY_BLOCK_ROWS):  # blocks whose (trees x rows) temporaries stay in cache
            block = slice(start, start + KEY_BLOCK_ROWS)
            for count, test_index, weight in slots:
                bit = bits[test_index, block]
                if weight == 1:
                    keys[:count, block] |= bit
                elif key_type is np.uint8:
                    np.multiply(bit, weight, out=bit)  # numpy shifts uint8 without SIMD, multiplies with it
                    keys[:count, block] |= bit
                else:
                    keys[:count, block] |= bit * weight
        raw = np.zeros(n) + float(fold["baseline"])
        leaf = np.empty(n)
        for tree, table in enumerate(tables):
            table.take(keys[position[tree]], out=leaf, mode="clip")  # keys are < len(table)
            raw += leaf
        return raw

    def _raw_walk(self, fold_index: int, fold: dict, Xt: np.ndarray) -> np.ndarray:
        """`_raw` for a fold with a tree too large for a table: all trees walked at once, a level a step."""
        feature, threshold, missing_left, children, leaf_value = self._walk(fold_index)
        roots = self.arrays[f"fold{fold_index}.roots"]
        raw = np.zeros(len(Xt)) + float(fold["baseline"])
        rows = np.arange(len(Xt))[:, None]
        node = np.broadcast_to(roots, (len(Xt), len(roots))).astype(np.intp)
        for _ in range(int(fold["max_depth"])):
            value = Xt[rows, feature[node]]
            go_left = value <= threshold[node]
            missing = np.isnan(value)
            if missing.any():
                go_left = np.where(missing, missing_left[node], go_left)
            node = children[2 * node + go_left]
        leaves = leaf_value[node]
        for tree in range(leaves.shape[1]):
            raw += leaves[:, tree]
        return raw

    def decision_folds(self, X: object) -> list[np.ndarray]:
        """Each fold's raw (uncalibrated) score of every row."""
        n, columns = _row_count(X), _Columns(X)
        return [self._raw(k, fold, self._fold_columns(fold, columns), n) for k, fold in enumerate(self.structure["folds"])]

    def predict_proba(self, X: object) -> np.ndarray:
        """Probabilities of classes_ for each row of a feature frame (any table indexable by column name)."""
        n = _row_count(X)
        if n > CHUNK_ROWS:
            parts = [self.predict_proba(_rows(X, start, start + CHUNK_ROWS)) for start in range(0, n, CHUNK_ROWS)]
            return np.vstack(parts)
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


def _row_count(X: object) -> int:
    """Rows of a frame, or of a dict of columns (whose len() is its number of columns)."""
    from renewml.table import n_rows

    return n_rows(X) if isinstance(X, dict) else len(X)


def _rows(X: object, start: int, stop: int) -> object:
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


def _table_to_json(table: object) -> dict:
    from renewml.table import as_table

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


def _table_from_json(part: dict) -> dict[str, np.ndarray]:
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


def write_portable(model: object, path: Path) -> None:
    """Write `model` (a RenewalModel) to `path` as a portable `.npz` (call through `atomic_write`)."""
    structure, arrays = export_estimator(model.estimator)
    structure = {
        "format": FORMAT_NAME,
        "version": FORMAT_VERSION,
        **structure,
        "background": _table_to_json(model.background),
        "out_of_sample": {str(k): float(v) for k, v in model.out_of_sample.items()},
        "training_rows": [str(r) for r in model.training_rows],
    }
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


def load_portable(path: Path) -> object:
    """A RenewalModel whose estimator is the numpy scorer of the portable file at `path`."""
    from renewml.model import RenewalModel

    structure, arrays = read_portable(path)
    try:
        background = _table_from_json(structure["background"])
    except (KeyError, TypeError, ValueError) as error:
        raise ModelError(f"{path}: the background table is not valid ({error.__class__.__name__})") from None
    return RenewalModel(
        PortableEstimator(structure, arrays),
        background,
        out_of_sample=structure.get("out_of_sample", {}),
        training_rows=structure.get("training_rows", []),
    )
