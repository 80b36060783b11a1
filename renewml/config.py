"""Paths, column lists and defaults, in one place.

Importing this module does nothing but define names: no directories are made and no files are read.
Environment variables override the defaults so that a notebook or a CI job can point renewml elsewhere
without editing code.
"""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
REPO_ROOT = PACKAGE_DIR.parent

DATA_DIR = REPO_ROOT / "data"
CURATION_DIR = DATA_DIR / "curation"
MODELS_DIR = REPO_ROOT / "models"
REPORTS_DIR = REPO_ROOT / "reports"
# Scratch folder of the notebooks (git-ignored): models and tables they write go here.
NOTEBOOK_OUTPUT_DIR = REPO_ROOT / "notebooks" / "output"

DATASET_PATH = Path(os.environ.get("RENEWML_DATA", DATA_DIR / "renewals.csv"))
DROPPED_PATH = DATA_DIR / "dropped_seasons.csv"
# The portable model (arrays and JSON, never unpickled); `renewml train` writes a joblib copy beside it.
PORTABLE_SUFFIX = ".npz"
JOBLIB_SUFFIX = ".joblib"
MODEL_PATH = Path(os.environ.get("RENEWML_MODEL", MODELS_DIR / "renewml.npz"))

# Curated, hand-checked tables that the build reads next to the raw sources.
SOURCE_MATERIAL_PATH = CURATION_DIR / "source_material.csv"
SEASON_OVERRIDES_PATH = CURATION_DIR / "season_overrides.csv"
LABEL_OVERRIDES_PATH = CURATION_DIR / "label_overrides.csv"
REVIEW_OVERRIDES_PATH = CURATION_DIR / "review_overrides.csv"

# `renewml data fetch`: Netflix publishes its Top 10 files at this address every Tuesday. They are downloaded
# into FETCHED_RAW_DIR/netflix_top10/ (a user folder, never the repository: Netflix states no reuse licence),
# which the build reads before the raw folder beside the repository.
TOP10_BASE_URL = "https://www.netflix.com/tudum/top10/data/"
TOP10_FETCH_FILES = ("all-weeks-global.tsv", "all-weeks-countries.tsv", "most-popular.tsv")
FETCHED_RAW_DIR = Path(
    os.environ.get("RENEWML_FETCHED")
    or Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share") / "renewml" / "raw"
)
FETCH_TIMEOUT_SECONDS = 60
# The newest Top 10 week whose seasons the bundled sources and the curated tables were checked against. A
# season that debuts later and that no source vouches for as a Netflix original is kept as an unverified row
# (left out of training) rather than dropped: no source could have vouched for it yet.
SOURCES_CHECKED_THROUGH_WEEK = "2026-09-13"
# Downloads at least this large draw a progress bar on stderr (the countries file is tens of MB).
FETCH_PROGRESS_MIN_BYTES = 2_000_000

RAW_DIR_CANDIDATES = (
    Path(os.environ["RENEWML_RAW"]) if os.environ.get("RENEWML_RAW") else None,
    REPO_ROOT.parent / "shared" / "data" / "raw",
    Path.cwd().parent / "shared" / "data" / "raw",
)

RANDOM_STATE = 42

# The model's answer is the mean over debut views scaled by 10**offset for each of these (see
# renewml.smoothing): one tree edge then moves the probability in three small steps instead of one cliff
# (five offsets split it finer but cost five scorings of every row; three keep the largest step on a 25-point
# views grid at 0.06, measured).
VIEWS_SMOOTHING_LOG10 = (-0.1, 0.0, 0.1)

# --- categories -----------------------------------------------------------------------------------
FORMATS = ("limited", "ongoing")
SOURCE_MATERIALS = (
    "original",
    "standalone_book",
    "book_series",
    "comic_manga",
    "true_story",
    "other_ip",
    "unknown",
)
LANGUAGES = ("english", "non_english")
OUTCOMES = (
    "renewed",
    "cancelled",
    "ended",
    "ended_as_planned",
    "limited_concluded",
    "renewed_before_debut",
    "final_season_announced",
    "unknown",
)
# Seasons whose fate was settled before they aired (`renewed` blank): never trained on or scored, and
# answered with their state and evidence instead of a probability.
DECIDED_BEFORE_DEBUT = ("final_season_announced", "renewed_before_debut")
# What each outcome says about the label `renewed` (None: blank).
RENEWED_BY_OUTCOME: dict[str, int | None] = {
    "renewed": 1,
    "cancelled": 0,
    "ended": 0,
    "ended_as_planned": 0,
    "limited_concluded": 0,
    "renewed_before_debut": None,
    "final_season_announced": None,
    "unknown": None,
}
GENRES = (
    "drama",
    "comedy",
    "crime_thriller",
    "sci_fi_fantasy",
    "romance",
    "action",
    "animation",
    "kids_family",
    "documentary",
    "reality",
    "other",
    "unknown",
)

# Renewals become public within this many days of a debut (measured in the datasheet): a season past it
# with no public decision is overdue, and an "Ended" status only counts as a decision after it.
DECISION_WINDOW_DAYS = 365

# --- model inputs ---------------------------------------------------------------------------------
# Each is knowable within about four weeks of the debut. Lifetime totals and status fields are not.
CATEGORICAL_FEATURES = ("format", "source_material", "language", "genre")
NUMERIC_FEATURES = (
    "season_number",
    "debut_rank",
    "debut_views",
    "debut_views_per_day",
    "runtime_hours",
    "week2_to_week1",
    "weeks_in_top10_first4",
)
FEATURES = CATEGORICAL_FEATURES + NUMERIC_FEATURES
# Inputs a user may give (flags, batch columns) that the model does not learn from, with the reason the
# answer states (see the datasheet's presence check). No source gives a season's own critic or audience score fixed near its release for every
# season: Metacritic's are series-level and scraped years later, and whether a show has one at all depends
# on its later seasons (a listing needs 7 critic reviews), so in training their presence carried the label.
UNUSED_INPUTS = {
    "imdb_season_rating": (
        "not used by the model: which seasons have an IMDb rating at all depends on the show's later "
        "popularity (the rating archive keeps the most-voted shows as of 2026), so among decided ongoing "
        "seasons its presence alone separated renewals by more than 25 points"
    ),
    "critic_score": (
        "not used by the model: no source gives every season's own critic score as of its release "
        "(Metacritic's are series-level, scraped years later, and present mostly for shows that ended)"
    ),
    "audience_score": (
        "not used by the model: no source gives every season's own audience score as of its release "
        "(Metacritic's are series-level, scraped years later, and present mostly for shows that ended)"
    ),
}
# Candidate inputs for ongoing shows, in the table and usable through `features=` (notebook 02), but not in
# the shipped model: on the pooled backtest none moved ongoing ROC AUC or Brier by more than noise.
CANDIDATE_CATEGORICAL_FEATURES = ("original_language", "content_rating")
CANDIDATE_NUMERIC_FEATURES = (
    "best_rank_first4",
    "week2_rank",
    "hours_first4_vs_list",
    "prev_season_debut_views",
    "views_vs_prev_season",
    "prev_season_weeks_in_top10_first4",
    "days_since_prev_season",
    "years_since_series_premiere",
    "episode_minutes",
    "creator_prior_seasons",
    "creator_prior_renewed_share",
)
CANDIDATE_FEATURES = CANDIDATE_CATEGORICAL_FEATURES + CANDIDATE_NUMERIC_FEATURES
# Original languages and US content ratings with their own model input; the rest share "other".
ORIGINAL_LANGUAGES = ("en", "es", "ko", "ja", "hi", "fr", "de", "pt", "it", "other", "unknown")
CONTENT_RATINGS = ("TV-MA", "TV-14", "TV-PG", "TV-Y7", "TV-Y", "TV-G", "other", "unknown")
# Inputs without which a prediction is "too early to tell".
KEY_FEATURES = ("format", "debut_views")
LABEL = "renewed"
ID_COLUMNS = ("row_id", "show_title", "season_number")
TIME_COLUMN = "debut_week"
GROUP_COLUMN = "series_id"

# The season whose inputs fill the example row of `renewml predict --template`.
TEMPLATE_EXAMPLE_SHOW = "His & Hers"

# Headline forward split: train on debuts before this date, test on debuts from it on.
HOLDOUT_START = "2025-01-01"
# Pooled rolling-origin backtest: one fold per half-year from this date to the last decided season.
BACKTEST_START = "2023-01-01"
CALIBRATION_FOLDS = 5

# Background: decided training seasons the model averages over for inputs a user did not give, and
# the reference of its reasons. Per format; a fixed sample stored inside the model file.
BACKGROUND_PER_FORMAT = 200
# With the language given, unknown inputs are averaged over the seasons of the same Top 10 list when the
# sample has at least this many of them (else over both lists).
BACKGROUND_MIN_SAME_LIST = 50
# OpenMP/BLAS threads while fitting and scoring. HistGradientBoosting's OpenMP threads spin-wait:
# on a few hundred rows they buy nothing, and beside other busy processes they thrash. Raised with
# the environment variable or `renewml --threads N`; read when a fit or score starts, not on import.
THREADS_ENV = "RENEWML_THREADS"
DEFAULT_THREADS = 1

# Batch scoring gives reasons (32 coalitions x the background per row) only for files up to this size.
BATCH_REASONS_MAX_ROWS = 100
# Rows read, checked and scored at a time by a batch written to a file: bounds its memory (measured on
# `benchmarks/batch_scoring.py`'s 200,000 rows: 10,000 a chunk 3.5 to 3.6 s and 171 MB; 5,000 3.9 s and
# 153 MB; 50,000 3.5 to 3.7 s and 335 MB; the whole file at once 3.9 to 4.0 s and 465 MB).
BATCH_CHUNK_ROWS = 10_000

# --- the board ------------------------------------------------------------------------------------
# A season still undecided inside `DECISION_WINDOW_DAYS` is awaiting a decision, one past it is overdue.
# Probability bins of the track record (equal width, from 0 to 1).
TRACK_RECORD_BINS = 10
