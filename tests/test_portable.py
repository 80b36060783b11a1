"""The portable model and its numpy scorer reproduce the scikit-learn pipeline, and refuse what they cannot carry."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from renewml import config
from renewml.errors import ModelError
from renewml.export import export_estimator
from renewml.inputs import feature_frame
from renewml.model import load_model, predict_proba, read_model_file, write_model_file
from renewml.portable import PortableEstimator
from renewml.table import as_table

TOLERANCE = 1e-9


@pytest.fixture(scope="session")
def pickled():
    """The joblib copy of the shipped model: the scikit-learn pipeline the portable file must reproduce."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return load_model(config.MODEL_PATH.with_suffix(config.JOBLIB_SUFFIX), allow_pickle=True).model


@pytest.fixture(scope="session")
def portable():
    return load_model(config.MODEL_PATH).model


def test_the_shipped_model_is_portable_and_its_estimator_is_numpy(portable):
    from renewml.smoothing import unsmoothed

    assert isinstance(unsmoothed(portable.estimator), PortableEstimator)
    assert list(portable.classes_) == [0, 1]


def test_every_dataset_row_matches_the_pipeline(pickled, portable, dataset):
    X = feature_frame(dataset)
    expected, got = pickled.estimator.predict_proba(X), portable.estimator.predict_proba(X)
    assert got.shape == expected.shape == (len(dataset), 2)
    assert np.abs(got - expected).max() < TOLERANCE


def test_what_travels_with_the_model_is_the_same(pickled, portable):
    left, right = as_table(portable.background), as_table(pickled.background)
    assert list(left) == list(right)
    for name in left:
        assert left[name].tolist() == right[name].tolist() or np.allclose(left[name], right[name], equal_nan=True), name
    assert portable.out_of_sample == pickled.out_of_sample
    assert portable.training_rows == pickled.training_rows


def _maybe(strategy):
    return st.one_of(st.none(), strategy)


NUMBER = st.one_of(st.floats(min_value=-1e9, max_value=1e10), st.just(float("nan")), st.sampled_from([0.0, 1.0, 5e6, 7.5]))
ROW = st.fixed_dictionaries(
    {
        "format": _maybe(st.sampled_from(config.FORMATS + ("miniseries",))),
        "source_material": _maybe(st.sampled_from(config.SOURCE_MATERIALS + ("novel",))),
        "language": _maybe(st.sampled_from(config.LANGUAGES + ("klingon",))),
        "genre": _maybe(st.sampled_from(config.GENRES)),
        **{name: _maybe(NUMBER) for name in config.NUMERIC_FEATURES},
    }
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(ROW, min_size=1, max_size=12))
def test_generated_rows_with_missing_and_unseen_values_match_the_pipeline(pickled, portable, rows):
    X = feature_frame(pd.DataFrame(rows))
    expected, got = pickled.estimator.predict_proba(X), portable.estimator.predict_proba(X)
    assert np.abs(got - expected).max() < TOLERANCE


class _Recorder:
    """Wraps an estimator and keeps every frame it is asked to score."""

    def __init__(self, estimator):
        self.estimator, self.frames = estimator, []
        self.classes_ = estimator.classes_

    def predict_proba(self, X):
        self.frames.append(X.copy())
        return self.estimator.predict_proba(X)


def test_the_coalitions_shapley_scores_match_the_pipeline(pickled, portable, dataset):
    from renewml.background import shapley, unknown_inputs
    from renewml.predict import find_show

    known = pd.DataFrame([find_show(dataset, "His & Hers")])
    partial = pd.DataFrame([{"show_title": "X", "format": "ongoing", "debut_views": 5e6, "genre": "comedy"}])
    recorder = _Recorder(portable.estimator)
    for frame in (as_table(known), as_table(partial)):
        shapley(recorder, frame, unknown_inputs(frame), portable.background)
    assert sum(len(f) for f in recorder.frames) > 100  # coalitions x background seasons were scored
    for X in recorder.frames:
        assert np.abs(portable.estimator.predict_proba(X) - pickled.estimator.predict_proba(X)).max() < TOLERANCE


def test_large_batches_are_scored_in_chunks_with_the_same_numbers(portable, dataset, monkeypatch):
    import renewml.portable as module

    X = feature_frame(dataset)
    whole = portable.estimator.predict_proba(X)
    monkeypatch.setattr(module, "ROWS_AT_ONCE", 100)
    assert np.array_equal(portable.estimator.predict_proba(X), whole)


# ---- generic: the exporter reads the fitted ColumnTransformer, not config -----------------------------


def _custom_pipeline(extra_transformer):
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.compose import ColumnTransformer
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder

    columns = ColumnTransformer(
        [
            ("category", OneHotEncoder(categories=[["a", "b", "c"]], handle_unknown="ignore", sparse_output=False), ["kind"]),
            ("new_input", extra_transformer, ["new_number"]),
            ("plain", SimpleImputer(strategy="median"), ["rank"]),
        ]
    ).set_output(transform="pandas")
    classifier = HistGradientBoostingClassifier(max_iter=30, max_depth=4, random_state=0)
    return CalibratedClassifierCV(Pipeline([("features", columns), ("classifier", classifier)]), method="sigmoid", cv=3)


def _synthetic(n=400, seed=0):
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "kind": rng.choice(np.array(["a", "b", "c", "z"], dtype=object), n),
            "new_number": np.where(rng.random(n) < 0.3, np.nan, rng.normal(size=n)),
            "rank": np.where(rng.random(n) < 0.1, np.nan, rng.integers(1, 11, n).astype(float)),
        }
    )
    signal = (frame["kind"] == "a") * 1.0 + np.nan_to_num(frame["new_number"].to_numpy(), nan=1.5)
    y = (signal + rng.normal(scale=0.7, size=n) > 0.8).astype(int)
    return frame, y


def test_a_new_input_passed_through_with_missing_values_is_exported_without_changes(tmp_path):
    frame, y = _synthetic()
    estimator = _custom_pipeline("passthrough").fit(frame, y)
    structure, arrays = export_estimator(estimator)
    assert [p["name"] for p in structure["folds"][0]["columns"]] == ["category", "new_input", "plain"]
    assert any(arrays[f"fold{k}.missing_left"].any() for k in range(3)), "NaN routing must be exercised"
    scorer = PortableEstimator(structure, arrays)
    test, _ = _synthetic(300, seed=1)
    assert np.abs(scorer.predict_proba(test) - estimator.predict_proba(test)).max() < TOLERANCE


def test_a_feature_subset_model_round_trips_through_a_file(tmp_path, dataset):
    from renewml.model import fit_model

    model = fit_model(dataset, features=["format", "debut_views", "week2_to_week1"])
    path = tmp_path / "subset.npz"
    write_model_file(model, path)
    loaded = read_model_file(path)
    assert np.abs(predict_proba(loaded, dataset) - predict_proba(model, dataset)).max() < TOLERANCE


def test_an_unsupported_transformer_is_refused_with_its_name():
    from sklearn.preprocessing import StandardScaler

    frame, y = _synthetic()
    estimator = _custom_pipeline(StandardScaler()).fit(frame.fillna(0.0), y)
    with pytest.raises(ModelError, match="new_input: sklearn.preprocessing._data.StandardScaler is not a supported"):
        export_estimator(estimator)


def test_a_non_portable_model_is_refused_before_anything_is_written(tmp_path, dataset, shipped_model):
    from sklearn.preprocessing import StandardScaler

    from renewml.model import RenewalModel, save_model

    frame, y = _synthetic()
    estimator = _custom_pipeline(StandardScaler()).fit(frame.fillna(0.0), y)
    model = RenewalModel(estimator, shipped_model.model.background)
    with pytest.raises(ModelError, match="not a supported"):
        save_model(model, shipped_model.card, tmp_path / "m.npz")
    assert list(tmp_path.iterdir()) == []


def test_a_loaded_portable_model_can_be_saved_again(tmp_path, portable, dataset):
    path = tmp_path / "again.npz"
    write_model_file(portable, path)
    again = read_model_file(path)
    assert again.estimator.structure == portable.estimator.structure
    assert np.array_equal(predict_proba(again, dataset), predict_proba(portable, dataset))


# ---- the scorer: ties, missing values, a node-by-node reference -----------------------------------------


def _reference_raw(estimator, X):
    """Each fold's raw score by walking every tree node by node, one row at a time (scikit-learn's rule:
    left if value <= threshold, a missing value where missing_go_to_left says), trees added in order."""
    out = []
    for k, fold in enumerate(estimator.structure["folds"]):
        a = {name: estimator.arrays[f"fold{k}.{name}"] for name in ("feature", "threshold", "missing_left", "left", "right", "is_leaf", "value")}
        Xt = np.column_stack(estimator._fold_columns(fold, X))  # the fold's inputs, rows x columns
        raw = np.zeros(len(Xt))
        for row in range(len(Xt)):
            total = fold["baseline"]
            for root in estimator.arrays[f"fold{k}.roots"]:
                node = int(root)
                while not a["is_leaf"][node]:
                    value = Xt[row, a["feature"][node]]
                    left = a["missing_left"][node] if np.isnan(value) else value <= a["threshold"][node]
                    node = int(a["left"][node] if left else a["right"][node])
                total += a["value"][node]
            raw[row] = total
        out.append(raw)
    return out


def _plain_inputs(estimator, fold_index=0):
    """Model input index -> the input column it is, for inputs that only pass through or get imputed."""
    plain, index = {}, 0
    for part in estimator.structure["folds"][fold_index]["columns"]:
        from renewml.portable import _part_width

        if all(step["kind"] in ("passthrough", "impute") for step in part["steps"]):
            plain.update({index + i: name for i, name in enumerate(part["columns"])})
        index += _part_width(part)
    return plain


def _rows_at_thresholds(estimator, base, rng):
    """Rows of `base` (resampled) with one plain input set exactly on, just below or just above one of the
    trees' thresholds, or missing."""
    cells = set()
    for k in range(len(estimator.structure["folds"])):
        plain = _plain_inputs(estimator, k)
        internal = ~estimator.arrays[f"fold{k}.is_leaf"].astype(bool)
        features, thresholds = estimator.arrays[f"fold{k}.feature"], estimator.arrays[f"fold{k}.threshold"]
        for feature, threshold in zip(features[internal], thresholds[internal], strict=True):
            if int(feature) in plain:
                for value in (threshold, np.nextafter(threshold, -np.inf), np.nextafter(threshold, np.inf), np.nan):
                    cells.add((plain[int(feature)], float(value)))
    cells = sorted(cells, key=str)
    rows = base.iloc[rng.integers(0, len(base), len(cells))].reset_index(drop=True).copy()
    for name in {name for name, _ in cells}:
        chosen = [i for i, (cell_name, _) in enumerate(cells) if cell_name == name]
        values = rows[name].to_numpy(dtype=float, copy=True)
        values[chosen] = [cells[i][1] for i in chosen]
        rows[name] = values
    return rows


def test_values_equal_to_a_threshold_go_left_and_missing_values_follow_the_tree(pickled, portable, dataset):
    X = feature_frame(dataset)
    ties = _rows_at_thresholds(portable.estimator, X, np.random.default_rng(0))
    assert len(ties) > 250  # every threshold of every tree, four values each (16 bins: few thresholds)
    expected, got = pickled.estimator.predict_proba(ties), portable.estimator.predict_proba(ties)
    assert np.abs(got - expected).max() < TOLERANCE
    some = ties.iloc[np.random.default_rng(1).choice(len(ties), 120, replace=False)]
    for ours, reference in zip(portable.estimator.decision_folds(some), _reference_raw(portable.estimator, some), strict=True):
        assert np.array_equal(ours, reference)


def test_ties_and_missing_values_match_scikit_learn_on_a_model_that_routes_nan_both_ways():
    frame, y = _synthetic()
    estimator = _custom_pipeline("passthrough").fit(frame, y)
    scorer = PortableEstimator(*export_estimator(estimator))
    ties = _rows_at_thresholds(scorer, frame, np.random.default_rng(1))
    assert ties["new_number"].isna().any() and len(ties) > 100
    assert np.abs(scorer.predict_proba(ties) - estimator.predict_proba(ties)).max() < TOLERANCE
    for k, fold in enumerate(estimator.calibrated_classifiers_):  # each fold's raw score, to the bit
        assert np.array_equal(scorer.decision_folds(ties)[k], fold.estimator.decision_function(ties))


def _random_rows(X, rng, n):
    """Rows resampled from X with numbers jittered, some blanked, and some text replaced."""
    rows = X.iloc[rng.integers(0, len(X), n)].reset_index(drop=True).copy()
    for name in rows.columns:
        if pd.api.types.is_numeric_dtype(rows[name]):
            values = rows[name].to_numpy(dtype=float) * rng.uniform(0.5, 1.5, n)
            values[rng.random(n) < 0.2] = np.nan
            rows[name] = values
        else:
            values = np.array(rows[name].to_numpy(), dtype=object)
            values[rng.random(n) < 0.1] = None
            values[rng.random(n) < 0.05] = "unseen"
            rows[name] = values
    return rows


def test_the_scorer_equals_a_row_by_row_node_walk_on_random_rows(portable, dataset):
    rows = _random_rows(feature_frame(dataset), np.random.default_rng(2), 60)
    for ours, reference in zip(portable.estimator.decision_folds(rows), _reference_raw(portable.estimator, rows), strict=True):
        assert np.array_equal(ours, reference)


def test_a_dict_of_columns_scores_like_the_frame(portable, dataset, monkeypatch):
    import renewml.portable as module

    X = _random_rows(feature_frame(dataset), np.random.default_rng(4), 300)
    as_dict = {name: X[name].to_numpy() for name in X.columns}
    whole = portable.estimator.predict_proba(X)
    assert np.array_equal(portable.estimator.predict_proba(as_dict), whole)
    monkeypatch.setattr(module, "ROWS_AT_ONCE", 64)
    assert np.array_equal(portable.estimator.predict_proba(as_dict), whole)




def test_copies_score_like_each_copy_alone_to_the_bit(portable, dataset, monkeypatch):
    """`predict_proba_copies` walks a tree that reads no replaced column once for all copies; each copy's
    probabilities are still those of scoring it alone."""
    import renewml.portable as module

    scorer = portable.estimator.estimator
    X = _random_rows(feature_frame(dataset), np.random.default_rng(5), 300)
    table = {name: X[name].to_numpy() for name in X.columns}
    views = table["debut_views"].astype(float)
    copies = [{"debut_views": views * 0.5}, {}, {"debut_views": views * 2.0, "debut_views_per_day": views}]
    alone = [scorer.predict_proba({**table, **copy}) for copy in copies]
    assert not np.array_equal(alone[0], alone[1])
    for rows_at_once in (module.ROWS_AT_ONCE, 64):
        monkeypatch.setattr(module, "ROWS_AT_ONCE", rows_at_once)
        for together, expected in zip(scorer.predict_proba_copies(table, copies), alone, strict=True):
            assert np.array_equal(together, expected)


def test_a_file_whose_trees_share_nodes_is_refused(tmp_path, portable):
    """The scorer numbers a tree's nodes from its root: a child in another tree's block is refused on reading."""
    from renewml.portable import read_portable, write_portable

    structure, arrays = read_portable(config.MODEL_PATH)
    arrays = dict(arrays)
    left, roots = arrays["fold0.left"].copy(), arrays["fold0.roots"]
    split = np.flatnonzero(~arrays["fold0.is_leaf"].astype(bool))
    node = split[split >= roots[1]][0]  # a split of the second tree
    left[node] = roots[0] + 1  # sends its rows into the first tree
    arrays["fold0.left"] = left
    path = tmp_path / "shared.npz"
    write_portable({k: v for k, v in structure.items() if k not in ("format", "version")}, arrays, path)
    with pytest.raises(ModelError, match="fold 0: a tree's nodes are not a block of their own"):
        read_portable(path)


def test_the_smoothed_model_scores_copies_only_through_its_own_smoothing(portable, dataset):
    """The smoothing hands the portable scorer its three copies; the scorer's own `predict_proba_copies` is not
    reachable through the smoothed model, whose answers are the mean over the three views."""
    from renewml.smoothing import ViewsSmoothed

    smoothed = portable.estimator
    assert isinstance(smoothed, ViewsSmoothed) and not hasattr(smoothed, "predict_proba_copies")
    X = {name: values[:50] for name, values in as_table(feature_frame(dataset)).items()}
    scorer = smoothed.estimator
    views = X["debut_views"].astype(float)
    per_day = X["debut_views_per_day"].astype(float)
    one_by_one = [
        scorer.predict_proba({**X, "debut_views": views * 10.0**o, "debut_views_per_day": per_day * 10.0**o})
        for o in smoothed.offsets
    ]
    assert np.abs(smoothed.predict_proba(X) - sum(one_by_one) / 3).max() < 1e-15
