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

`renewml.export` writes a fitted pipeline in this form and refuses anything else (another
transformer, categorical splits, a multiclass model, isotonic calibration) with a message naming it.
The scorer follows scikit-learn's own arithmetic (`_predictor.pyx`, `_SigmoidCalibration.predict`, the
fold mean) so probabilities agree to ~1e-15. This module knows arrays and JSON only: `renewml.model`
composes a model from what it reads.
"""

from __future__ import annotations

import json
import math
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from renewml.errors import ModelError
from renewml.table import Table, row_classes, row_count, value_codes

if TYPE_CHECKING:  # scoring takes DataFrames too, without importing pandas
    import pandas as pd

FORMAT_NAME = "renewml-portable"
FORMAT_VERSION = 1
STRUCTURE_KEY = "structure_json"
NODE_FIELDS = ("feature", "threshold", "missing_left", "left", "right", "is_leaf", "value")
# Rows scored at once, so that a call with a million rows holds a bounded amount of memory.
ROWS_AT_ONCE = 50_000
# Columns put in place of a table's own for one copy of it (see `PortableEstimator.predict_proba_copies`).
Copy = dict[str, np.ndarray]


# --------------------------------------------------------------------------------------------------
# scoring


def _log10p1_clip0(values: np.ndarray) -> np.ndarray:
    # the same operations as renewml.features._log_views, so the same bits
    return np.log10(np.clip(np.asarray(values, dtype=float), 0, None) + 1.0)


def _group_medians(step: dict, groups: np.ndarray) -> np.ndarray:
    """Each row's group median; a group without one (or a blank) takes the overall median. The groups are
    text, so comparing the cells as they are gives what `RelativeToGroupMedian` gives with `str()` of every
    cell, without converting the hundreds of thousands of rows an average over the background mixes."""
    values = np.asarray(groups, dtype=object)
    medians = np.full(len(values), float(step["overall_median"]))
    for group, median in step["group_medians"].items():
        medians[values == group] = median
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


def _leaf_of(nodes: dict[str, list], node: int, tests: _SplitTests, root: int) -> np.ndarray | np.unsignedinteger:
    """The leaf each row reaches from `node`, numbered from the tree's `root` (in `tests.dtype`: a byte for
    trees of up to 255 nodes, which halves the memory each step moves).

    Every row takes every split's test of the tree (a depth-3 tree has at most 7), and the side is chosen
    as `right + went_left * (left - right)`: integer arithmetic, exact (modulo 2**bits, as both sides
    are below it) and without the branch per row that `np.where` takes (several times slower when sides are mixed).
    """
    if nodes["is_leaf"][node]:
        return tests.dtype(node - root)
    went_left = tests.passed(nodes["feature"][node], nodes["threshold"][node], nodes["missing_left"][node])
    left, right = _leaf_of(nodes, nodes["left"][node], tests, root), _leaf_of(nodes, nodes["right"][node], tests, root)
    return right + went_left * (left - right)


class _SplitTests(dict):
    """A fold's split tests, each run once: its ~650 splits hold ~100 distinct tests (the trees reuse a
    feature's histogram bins as thresholds). Over the rows of several copies of a table one below the other:
    `columns[j]` holds each copy's column j, one array where copies share it, which is tested once and the
    result repeated (rather than concatenating every column of every copy, most of which they share)."""

    def __init__(self, columns: list[tuple[np.ndarray, ...]], nodes: int):
        super().__init__()
        self.columns = columns
        self.dtype = np.min_scalar_type(nodes).type  # holds every node number of a tree

    def passed(self, feature: int, threshold: float, missing_left: bool) -> np.ndarray:
        """Which rows go left, as 0 or 1 of `dtype`: `x <= threshold`, a missing value where
        `missing_go_to_left` says (scikit-learn's rule, on the same float64 values)."""
        key = (feature, threshold, missing_left)
        if key not in self:
            copies = self.columns[feature]
            tested = {id(values): self._test(values, threshold, missing_left) for values in copies}
            parts = [tested[id(values)] for values in copies]
            self[key] = parts[0] if len(parts) == 1 else np.concatenate(parts)
        return self[key]

    def _test(self, values: np.ndarray, threshold: float, missing_left: bool) -> np.ndarray:
        left = values <= threshold
        return (left | np.isnan(values) if missing_left else left).view(np.uint8).astype(self.dtype, copy=False)


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
        self._reads: dict[int, list[set[int]]] = {}

    def input_codes(self, X: Table | pd.DataFrame) -> dict[str, np.ndarray]:
        """Per input column, a code per row such that rows with equal codes on some columns take the same side
        of every split of every tree when their other columns are given the same values (whatever those are).

        What averaging over the background needs: a row's given inputs are mixed with each background season's
        others, so rows alike on their given inputs have the same average, and `renewml.background` scores
        one of them. A number's code is its bin among the thresholds its transformed column is split at, in
        every fold (NaN a bin of its own); the debut views are binned under every language's median, as the
        column relative to that median reads both; a category (and any column of a step not listed here) is
        coded by its value. 10,000 new shows with four inputs fall into about 1,500 such classes.
        """
        n = row_count(X)
        codes: dict[str, list[np.ndarray]] = {name: [] for name in self.feature_names_in_}
        done: dict[str, dict[str, list[np.ndarray]]] = {}  # folds often share a part and its thresholds
        for index, fold in enumerate(self.structure["folds"]):
            thresholds = self._thresholds(index)
            at = 0
            for part in fold["columns"]:
                cuts = thresholds[at : at + _part_width(part)]
                key = json.dumps([part, [c.tolist() for c in cuts]], sort_keys=True)
                if key not in done:
                    done[key] = _part_codes(part, [np.asarray(X[name]) for name in part["columns"]], cuts)
                    for name, part_codes in done[key].items():
                        codes[name].extend(part_codes)
                at += len(cuts)
        return {name: row_classes(columns, n) for name, columns in codes.items()}

    def _thresholds(self, fold_index: int) -> list[np.ndarray]:
        """Per transformed column of a fold, the sorted distinct thresholds its trees split it at."""
        feature = self.arrays[f"fold{fold_index}.feature"]
        threshold = self.arrays[f"fold{fold_index}.threshold"]
        split = ~self.arrays[f"fold{fold_index}.is_leaf"].astype(bool)
        width = sum(_part_width(part) for part in self.structure["folds"][fold_index]["columns"])
        return [np.unique(threshold[split & (feature == column)]) for column in range(width)]

    def _fold_columns(
        self, fold: dict, X: Table | pd.DataFrame, done: dict | None = None, copy: Copy | None = None, tag: int = 0
    ) -> list[np.ndarray]:
        """A fold's transformed columns (the model's inputs), as 1-D arrays, of `X` with `copy`'s columns put in.
        `done` holds the parts already transformed for another fold or copy of the same call: folds fitted on
        the same categories share them, and copies share the parts that read none of their columns (`tag`
        tells copies apart)."""
        done = {} if done is None else done
        copy = copy or {}
        out: list[np.ndarray] = []
        for part in fold["columns"]:
            reads_copy = any(name in copy for name in part["columns"])
            key = json.dumps([part, tag if reads_copy else None], sort_keys=True)
            if key not in done:
                block = [np.asarray(copy[name] if name in copy else X[name]) for name in part["columns"]]
                done[key] = _apply_steps(part["steps"], block)
            out.extend(done[key])
        return out

    def _raws(self, fold_index: int, fold: dict, X: Table | pd.DataFrame, copies: list[Copy], done: dict) -> list[np.ndarray]:
        """Per copy, baseline plus every tree's leaf value, added tree by tree in the trees' order as scikit-learn
        does. A tree that reads a column some copy replaces is walked once over the copies' rows one below the
        other; any other tree once over the rows of `X`, its leaf values added to every copy."""
        nodes = {name: self.arrays[f"fold{fold_index}.{name}"].tolist() for name in NODE_FIELDS}
        values = self.arrays[f"fold{fold_index}.value"]
        columns = [self._fold_columns(fold, X, done, copy, tag) for tag, copy in enumerate(copies)]
        by_column = list(zip(*columns, strict=True))  # per transformed column, each copy's (shared: one array)
        changed = {j for j, parts in enumerate(by_column) if any(column is not parts[0] for column in parts)}
        roots = self.arrays[f"fold{fold_index}.roots"].tolist()
        ends = [*roots[1:], len(values)]  # `renewml.export` writes each tree's nodes in a block of their own
        size = max((end - root for root, end in zip(roots, ends, strict=True)), default=1)
        tests, stacked = _SplitTests([parts[:1] for parts in by_column], size), _SplitTests(by_column, size)
        raws = np.zeros((len(copies), row_count(X))) + float(fold["baseline"])
        with np.errstate(over="ignore"):  # `_leaf_of`'s differences of node numbers wrap around, on purpose
            for root, end, reads in zip(roots, ends, self._tree_reads(fold_index), strict=True):
                if reads & changed:
                    raws += values[root:end].take(_leaf_of(nodes, root, stacked, root).astype(np.intp)).reshape(raws.shape)
                else:
                    raws += values[root:end].take(_leaf_of(nodes, root, tests, root).astype(np.intp))
        return list(raws)

    def _tree_reads(self, fold_index: int) -> list[set[int]]:
        """Per tree of a fold, the transformed columns its splits read."""
        if fold_index not in self._reads:
            feature, left, right = (self.arrays[f"fold{fold_index}.{name}"].tolist() for name in ("feature", "left", "right"))
            is_leaf = self.arrays[f"fold{fold_index}.is_leaf"].tolist()
            reads = []
            for root in self.arrays[f"fold{fold_index}.roots"].tolist():
                nodes, columns = [root], set()
                while nodes:
                    node = nodes.pop()
                    if not is_leaf[node]:
                        columns.add(feature[node])
                        nodes += [left[node], right[node]]
                reads.append(columns)
            self._reads[fold_index] = reads
        return self._reads[fold_index]

    def decision_folds(self, X: object) -> list[np.ndarray]:
        """Each fold's raw (uncalibrated) score of every row."""
        done: dict = {}
        return [self._raws(k, fold, X, [{}], done)[0] for k, fold in enumerate(self.structure["folds"])]

    def predict_proba(self, X: object) -> np.ndarray:
        """Probabilities of classes_ for each row of a feature table (or DataFrame)."""
        return self.predict_proba_copies(X, [{}])[0]

    def predict_proba_copies(self, X: object, copies: list[Copy]) -> list[np.ndarray]:
        """`predict_proba` of `X` with each copy's columns put in, one array per copy, in one walk of the trees:
        a tree that reads none of the replaced columns is walked once. What `renewml.smoothing` scores (debut
        views scaled three ways, read by 3 trees in 5); with the byte-sized leaves it took the library figure
        of `benchmarks/batch_scoring.py` (200,000 rows) from 1.8 s to 1.2 s."""
        n = row_count(X)
        if n > ROWS_AT_ONCE:
            parts = [
                self.predict_proba_copies(_rows(X, start, start + ROWS_AT_ONCE), [_rows(c, start, start + ROWS_AT_ONCE) for c in copies])
                for start in range(0, n, ROWS_AT_ONCE)
            ]
            return [np.vstack([part[k] for part in parts]) for k in range(len(copies))]
        folds, done = self.structure["folds"], {}
        means = [np.zeros((n, 2)) for _ in copies]
        for index, fold in enumerate(folds):
            for mean, raw in zip(means, self._raws(index, fold, X, copies, done), strict=True):
                mean += _probabilities(raw, fold.get("calibrator"))
        return [mean / len(folds) for mean in means]


def _probabilities(raw: np.ndarray, calibrator: dict | None) -> np.ndarray:
    """(n, 2) class probabilities of a fold's raw scores: its sigmoid calibration, or the binomial loss's link."""
    proba = np.zeros((len(raw), 2))
    if calibrator is None:  # an uncalibrated classifier
        proba[:, 1] = 1.0 / (1.0 + np.exp(-raw))
    else:
        proba[:, 1] = 1.0 / (1.0 + np.exp(calibrator["a"] * raw + calibrator["b"]))
    proba[:, 0] = 1.0 - proba[:, 1]
    return proba


def _part_codes(part: dict, block: list[np.ndarray], thresholds: list[np.ndarray]) -> dict[str, list[np.ndarray]]:
    """`PortableEstimator.input_codes` of one transformer part's input columns (a list of codes per column)."""
    names, steps = part["columns"], part["steps"]
    kinds = [step["kind"] for step in steps]
    if kinds and kinds[0] == "relative_to_group_median" and set(kinds[1:]) <= {"impute"}:
        values, groups = block
        under_each = []
        for group in [None, *steps[0]["group_medians"]]:  # None: a group without a median of its own
            (column,) = _apply_steps(steps, [values, np.full(len(values), group, dtype=object)])
            under_each.append(_bins(column, thresholds[0]))
        return {names[0]: under_each, names[1]: [value_codes(groups)]}
    if set(kinds) <= {"passthrough", "log10p1_clip0", "impute"}:  # column j of the output reads input j alone
        output = _apply_steps(steps, block)
        return {name: [_bins(column, cuts)] for name, column, cuts in zip(names, output, thresholds, strict=True)}
    return {name: [value_codes(values)] for name, values in zip(names, block, strict=True)}


def _bins(values: np.ndarray, thresholds: np.ndarray) -> np.ndarray:
    """How many thresholds lie below each value (a split `x <= t` sends equal counts the same way); NaN apart."""
    return np.where(np.isnan(values), len(thresholds) + 1, np.searchsorted(thresholds, values))


def _apply_steps(steps: list[dict], block: list[np.ndarray]) -> list[np.ndarray]:
    for step in steps:
        block = _apply_step(step, block)
    return block


def _rows(X: Table | pd.DataFrame, start: int, stop: int) -> Table | pd.DataFrame:
    if hasattr(X, "iloc"):
        return X.iloc[start:stop]
    return {name: np.asarray(values)[start:stop] for name, values in X.items()}


def write_portable(structure: dict, arrays: dict[str, np.ndarray], path: Path) -> None:
    """Write a structure (JSON-able: an estimator's as `renewml.export` gives it, and whatever travels with
    it) and its arrays to `path` as a portable `.npz` (call through `atomic_write`)."""
    structure = {"format": FORMAT_NAME, "version": FORMAT_VERSION, **structure}
    text = json.dumps(structure, sort_keys=True, allow_nan=False)
    arrays = {**arrays, STRUCTURE_KEY: np.frombuffer(text.encode("utf-8"), dtype=np.uint8)}
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
            if not _trees_in_blocks(arrays[prefix + "roots"], arrays[prefix + "left"], arrays[prefix + "right"], arrays[prefix + "is_leaf"]):
                raise ModelError(f"{path}: fold {index}: a tree's nodes are not a block of their own")
            if arrays[prefix + "feature"].size and arrays[prefix + "feature"].max() >= width:
                raise ModelError(f"{path}: fold {index}: a tree reads input {arrays[prefix + 'feature'].max()} of {width}")
            if not math.isfinite(float(fold["baseline"])) or int(fold["max_depth"]) < 0:
                raise ModelError(f"{path}: fold {index}: baseline or depth out of range")
    except ModelError:
        raise
    except (AttributeError, KeyError, TypeError, ValueError) as error:
        raise ModelError(f"{path}: not a valid portable model ({error.__class__.__name__}: {error})") from None


def _trees_in_blocks(roots: np.ndarray, left: np.ndarray, right: np.ndarray, is_leaf: np.ndarray) -> bool:
    """Whether each tree's nodes run from its root to the next tree's root, as the scorer counts them."""
    if not roots.size:
        return True
    if roots[0] != 0 or (np.diff(roots) <= 0).any():
        return False
    tree = np.searchsorted(roots, np.arange(len(left)), side="right") - 1
    split = ~is_leaf.astype(bool)
    return bool((tree[left[split]] == tree[split]).all() and (tree[right[split]] == tree[split]).all())


def _part_width(part: dict) -> int:
    """How many model inputs a ColumnTransformer part produces."""
    width = len(part["columns"])
    for step in part["steps"]:
        if step["kind"] == "onehot":
            width = sum(len(c) for c in step["categories"])
        elif step["kind"] == "relative_to_group_median":
            width = 1
    return width
