"""Model behaviour (His & Hers, a big renewed hit), the card, and loading safely."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from renewml import config
from renewml.errors import ModelError
from renewml.model import card_path, load_model, predict_proba
from renewml.predict import find_show


def probability(loaded, dataset, title, season=None):
    row = find_show(dataset, title, season)
    return float(predict_proba(loaded.model, pd.DataFrame([row]))[0])


def test_his_and_hers_is_essentially_cancelled(shipped_model, dataset):
    assert probability(shipped_model, dataset, "His & Hers") <= 0.10


def test_a_views_only_rule_would_get_his_and_hers_wrong(dataset):
    # the reason this product exists: a #1 debut with 19.9M views looks like a hit on views alone
    row = find_show(dataset, "His & Hers")
    ongoing = dataset[(dataset["format"] == "ongoing") & dataset["renewed"].notna()]
    big = ongoing[ongoing["debut_views"] >= 0.8 * row["debut_views"]]
    assert big["renewed"].mean() >= 0.5


def test_wednesday_season_1_is_a_safe_bet(shipped_model, dataset):
    assert probability(shipped_model, dataset, "Wednesday", 1) >= 0.7


def test_card_records_provenance_and_holdout(shipped_model):
    card = shipped_model.card
    assert len(card.training_data_sha256) == 64 and len(card.model_sha256) == 64
    assert card.features == list(config.FEATURES)
    assert {"scikit-learn", "pandas", "numpy", "python"} <= set(card.versions)
    slices = card.evaluation["slices"]
    for name in ("all", "ongoing"):
        models = slices[name]["models"]
        assert {"prior_rate", "format_only", "gbm_calibrated"} <= set(models)
        assert models["gbm_calibrated"]["roc_auc"] > models["prior_rate"]["roc_auc"]
        assert models["gbm_calibrated"]["brier"] < models["prior_rate"]["brier"]


def test_tampered_model_is_refused(model_copy):
    target = model_copy
    with open(target, "ab") as handle:
        handle.write(b"\0")
    with pytest.raises(ModelError, match="does not match the card"):
        load_model(target)


def test_model_without_card_is_refused(model_copy):
    target = model_copy
    card_path(target).unlink()
    with pytest.raises(ModelError, match="no model card"):
        load_model(target)


def test_portable_model_from_another_sklearn_version_loads_without_retraining(model_copy, dataset):
    target = model_copy
    before = predict_proba(load_model(target).model, dataset)
    card = json.loads(card_path(target).read_text())
    card["versions"]["scikit-learn"] = "0.24.2"
    card_path(target).write_text(json.dumps(card))
    loaded = load_model(target)  # numpy scores it: the version is a record, not a condition
    assert loaded.note == ""
    assert np.array_equal(predict_proba(loaded.model, dataset), before)


def test_joblib_copy_from_another_sklearn_version_is_refused(tmp_path):
    import shutil

    target = tmp_path / "renewml.joblib"
    shutil.copy(config.MODEL_PATH.with_suffix(".joblib"), target)
    card = json.loads(card_path(config.MODEL_PATH).read_text())
    card["versions"]["scikit-learn"] = "0.24.2"
    card_path(target).write_text(json.dumps(card))
    with pytest.raises(ModelError, match="retrain"):
        load_model(target, allow_pickle=True)


@pytest.mark.slow
@settings(max_examples=80, deadline=None)
@given(
    views=st.floats(min_value=0, max_value=2e8, allow_nan=False),
    factor=st.floats(min_value=1.0, max_value=50.0),
    form=st.sampled_from(config.FORMATS),
    source=st.sampled_from(config.SOURCE_MATERIALS),
    language=st.sampled_from(config.LANGUAGES),
    genre=st.sampled_from(config.GENRES),
    season=st.integers(min_value=1, max_value=12),
    rank=st.integers(min_value=1, max_value=10),
    days=st.one_of(st.none(), st.integers(min_value=1, max_value=7)),
    ratio=st.one_of(st.none(), st.floats(min_value=0, max_value=10)),
    weeks=st.integers(min_value=1, max_value=4),
    critic=st.one_of(st.none(), st.floats(min_value=0, max_value=100)),
    audience=st.one_of(st.none(), st.floats(min_value=0, max_value=100)),
    imdb=st.one_of(st.none(), st.floats(min_value=1, max_value=10)),
    runtime=st.one_of(st.none(), st.floats(min_value=0.5, max_value=30)),
)
def test_probability_is_bounded_monotone_in_views_and_deterministic(
    shipped_model,
    views,
    factor,
    form,
    source,
    language,
    genre,
    season,
    rank,
    days,
    ratio,
    weeks,
    critic,
    audience,
    imdb,
    runtime,
):
    """Any valid row: a probability in [0, 1]; more debut views never lower it; same input, same output."""
    base = {
        "format": form,
        "source_material": source,
        "language": language,
        "genre": genre,
        "season_number": season,
        "debut_rank": rank,
        "runtime_hours": runtime,
        "week2_to_week1": ratio,
        "weeks_in_top10_first4": weeks,
        "critic_score": critic,
        "audience_score": audience,
        "imdb_season_rating": imdb,
    }
    more = views * factor
    rows = pd.DataFrame(
        [
            {**base, "debut_views": views, "debut_views_per_day": views / days if days else np.nan},
            {**base, "debut_views": more, "debut_views_per_day": more / days if days else np.nan},
        ]
    )
    first = predict_proba(shipped_model.model, rows)
    again = predict_proba(shipped_model.model, rows)
    assert np.all((first >= 0) & (first <= 1))
    assert first[1] >= first[0] - 1e-12
    assert np.array_equal(first, again)


def test_shipped_model_from_another_sklearn_is_used_as_is(model_copy, tmp_path, monkeypatch, dataset):
    from renewml import model as model_module

    shipped = model_copy
    card = json.loads(card_path(shipped).read_text())
    card["versions"]["scikit-learn"] = "0.24.2"
    card_path(shipped).write_text(json.dumps(card))
    monkeypatch.setattr(model_module.config, "MODEL_PATH", shipped)
    loaded = model_module.load_default_model()
    assert loaded.path == shipped and loaded.note == ""
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([shipped.name, card_path(shipped).name])
    assert np.array_equal(predict_proba(loaded.model, dataset), predict_proba(load_model(config.MODEL_PATH).model, dataset))


# ---- settings a data scientist changes: hyperparameters, features ------------------------------------


def test_default_settings_reproduce_the_shipped_model(shipped_model, dataset):
    from renewml.model import fit_model

    refit = predict_proba(fit_model(dataset), dataset)
    assert np.allclose(refit, predict_proba(shipped_model, dataset), atol=1e-9)


def test_a_feature_subset_is_all_the_model_sees(dataset):
    from renewml.model import fit_model

    chosen = ["format", "debut_views", "language", "week2_to_week1"]
    model = fit_model(dataset, calibrate=False, hyperparameters={"max_iter": 30}, features=chosen)
    pipeline = model.estimator
    assert pipeline.named_steps["classifier"].max_iter == 30
    assert set(pipeline.named_steps["classifier"].monotonic_cst) == {
        "views__log_debut_views",
        "relative__debut_views_vs_list_median",
    }
    row = pd.DataFrame([find_show(dataset, "Kaos")])
    other = row.assign(genre="documentary", weeks_in_top10_first4=1, imdb_season_rating=2.0)
    assert predict_proba(model, row)[0] == predict_proba(model, other)[0]


@pytest.mark.parametrize(
    ("settings", "expected"),
    [
        ({"hyperparameters": {"max_deph": 3}}, "unknown hyperparameter 'max_deph'"),
        ({"features": ["views"]}, "unknown feature 'views'"),
    ],
)
def test_unknown_settings_are_refused(dataset, settings, expected):
    from renewml.model import fit_model

    with pytest.raises(ModelError, match=expected):
        fit_model(dataset, **settings)


@pytest.mark.slow
def test_train_and_evaluate_records_the_settings_in_the_card():
    from renewml.evaluate import train_and_evaluate

    result = train_and_evaluate(
        config.DATASET_PATH,
        hyperparameters={"max_iter": 40},
        features=["format", "debut_views"],
        holdout_start="2024-07-01",
    )
    card = result.card
    assert card.features == ["format", "debut_views"] and card.categorical_features == ["format"]
    assert card.hyperparameters["max_iter"] == 40 and card.hyperparameters["max_depth"] == 3
    assert card.evaluation["holdout_start"] == "2024-07-01" and "2024-07-01" in card.evaluation["split"]


# ---- the portable file and its joblib copy ------------------------------------------------------------


def test_save_writes_the_portable_file_a_joblib_copy_and_a_card_vouching_for_both(tmp_path, dataset):
    import warnings

    from renewml.io import sha256_file
    from renewml.model import read_card, save_model

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        pickled = load_model(config.MODEL_PATH.with_suffix(".joblib"), allow_pickle=True)
    written = save_model(pickled.model, pickled.card, tmp_path / "m.joblib")  # any suffix names the pair
    assert written == tmp_path / "m.npz"
    card = read_card(written)
    assert card.model_file == "m.npz" and card.model_sha256 == sha256_file(tmp_path / "m.npz")
    assert card.joblib_file == "m.joblib" and card.joblib_sha256 == sha256_file(tmp_path / "m.joblib")
    assert "m.joblib" in (tmp_path / "m.card.md").read_text()
    with pytest.raises(ModelError, match="a joblib file is code"):
        load_model(tmp_path / "m.joblib")
    with pytest.warns(UserWarning, match="runs code"):
        copy = load_model(tmp_path / "m.joblib", allow_pickle=True)
    portable = load_model(written)
    assert np.abs(predict_proba(copy.model, dataset) - predict_proba(portable.model, dataset)).max() < 1e-9


@pytest.mark.parametrize("existing", ["m.npz", "m.joblib"])
def test_an_existing_portable_file_or_joblib_copy_is_not_overwritten_without_force(tmp_path, shipped_model, existing):
    from renewml.model import save_model

    (tmp_path / existing).write_bytes(b"precious")
    with pytest.raises(ModelError, match="--force"):
        save_model(shipped_model.model, shipped_model.card, tmp_path / "m.npz")
    assert (tmp_path / existing).read_bytes() == b"precious"
    assert sorted(p.name for p in tmp_path.iterdir()) == [existing]


def test_the_card_s_format_averages_are_what_the_model_gives(shipped_model):
    """predict reads where reasons start from the card; recomputed from the model file they agree."""
    from renewml.background import format_references

    cached = shipped_model.card.reference["format_averages"]
    fresh = format_references(shipped_model.model.estimator, shipped_model.model.background_table, shipped_model.card.reference)
    assert set(cached) == set(fresh) == {"limited", "ongoing", "all"}
    assert all(abs(cached[k] - fresh[k]) < 1e-5 for k in fresh)
