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
from renewml.inputs import feature_frame
from renewml.model import load_model, predict_proba
from renewml.portable import PortableEstimator, export_estimator, load_portable, write_portable

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
    assert isinstance(portable.estimator, PortableEstimator)
    assert list(portable.classes_) == [0, 1]


def test_every_dataset_row_matches_the_pipeline(pickled, portable, dataset):
    X = feature_frame(dataset)
    expected, got = pickled.estimator.predict_proba(X), portable.estimator.predict_proba(X)
    assert got.shape == expected.shape == (len(dataset), 2)
    assert np.abs(got - expected).max() < TOLERANCE


def test_what_travels_with_the_model_is_the_same(pickled, portable):
    pd.testing.assert_frame_equal(portable.background, pickled.background)
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

    known = find_show(dataset, "His & Hers").to_frame().T
    partial = pd.DataFrame([{"show_title": "X", "format": "ongoing", "debut_views": 5e6, "genre": "comedy"}])
    recorder = _Recorder(portable.estimator)
    for frame in (known, partial):
        shapley(recorder, frame, unknown_inputs(frame), portable.background)
    assert sum(len(f) for f in recorder.frames) > 100  # coalitions x background seasons were scored
    for X in recorder.frames:
        assert np.abs(portable.estimator.predict_proba(X) - pickled.estimator.predict_proba(X)).max() < TOLERANCE


def test_large_batches_are_scored_in_chunks_with_the_same_numbers(portable, dataset, monkeypatch):
    import renewml.portable as module

    X = feature_frame(dataset)
    whole = portable.estimator.predict_proba(X)
    monkeypatch.setattr(module, "CHUNK_ROWS", 100)
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

    model = fit_model(dataset, features=["format", "debut_views", "critic_score"])
    path = tmp_path / "subset.npz"
    write_portable(model, path)
    loaded = load_portable(path)
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
    write_portable(portable, path)
    again = load_portable(path)
    assert again.estimator.structure == portable.estimator.structure
    assert np.array_equal(predict_proba(again, dataset), predict_proba(portable, dataset))
