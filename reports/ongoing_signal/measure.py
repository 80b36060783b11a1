"""Which inputs decide ongoing shows? The measurements behind the shipped feature set, on the pooled backtest.

For each set of inputs and model family, every half-year from 2023 is predicted by a model trained on
the decided seasons that debuted earlier; the predictions are pooled and scored per slice, with paired
bootstrap intervals of the difference from the shipped setup. Writes `results.md` beside this file.

    python reports/ongoing_signal/measure.py [--bootstrap 500]
"""

from __future__ import annotations

import argparse
from pathlib import Path

from renewml import config
from renewml.data import load_dataset
from renewml.evaluate import BASELINES, SLICES, gbm_scorer, metrics, paired_bootstrap, pooled_backtest

HERE = Path(__file__).resolve().parent
GROUPS = {
    "viewing shape": ["best_rank_first4", "week2_rank", "hours_first4_vs_list"],
    "show history": [
        "prev_season_debut_views",
        "views_vs_prev_season",
        "prev_season_weeks_in_top10_first4",
        "days_since_prev_season",
        "years_since_series_premiere",
    ],
    "creators": ["creator_prior_seasons", "creator_prior_renewed_share"],
    "content": ["original_language", "content_rating", "episode_minutes"],
}
REVIEWS = ["critic_score", "audience_score", "imdb_season_rating"]


def models() -> dict[str, object]:
    shipped = list(config.FEATURES)
    everything = shipped + [c for cols in GROUPS.values() for c in cols]
    out = {"shipped": gbm_scorer(), "shipped + all candidates": gbm_scorer(features=everything)}
    for name, cols in GROUPS.items():
        out[f"shipped + {name}"] = gbm_scorer(features=shipped + cols)
        out[f"all candidates - {name}"] = gbm_scorer(features=[c for c in everything if c not in cols])
    out["no monotone constraints"] = gbm_scorer(monotone=False)
    out["no monotone constraints, no reviews"] = gbm_scorer(
        monotone=False, features=[c for c in shipped if c not in REVIEWS]
    )
    out["shipped, no reviews"] = gbm_scorer(features=[c for c in shipped if c not in REVIEWS])
    out["gbm depth 2, leaf 30"] = gbm_scorer(hyperparameters={"max_depth": 2, "min_samples_leaf": 30})
    for name in ("logistic", "content_forest"):
        out[name] = BASELINES[name]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bootstrap", type=int, default=500)
    args = parser.parse_args()
    frame = load_dataset()
    backtest = pooled_backtest(frame, models())
    y = backtest.rows[config.LABEL].astype(int).to_numpy()
    lines = ["# Which inputs decide ongoing shows", "", f"Pooled rolling-origin backtest, {len(backtest.rows)} "
             f"predictions over {len(backtest.periods)} half-years; {args.bootstrap} paired bootstrap resamples. "
             "Difference is this row minus the shipped setup, with its 95% interval.", ""]
    for slice_name in ("ongoing", "all", "later_seasons"):
        mask = SLICES[slice_name](backtest.rows).to_numpy(dtype=bool)
        predictions = {k: p[mask] for k, p in backtest.predictions.items()}
        boot = paired_bootstrap(y[mask], predictions, args.bootstrap, "shipped")
        lines += [f"## {slice_name} ({int(mask.sum())} seasons, {int(y[mask].sum())} renewed)", "",
                  "| setup | ROC AUC | Brier | log loss | ROC AUC difference | Brier difference |", "|---|---|---|---|---|---|"]
        for name, p in predictions.items():
            m = metrics(y[mask], p)
            versus = boot["versus"].get(name, {})

            def diff(metric: str, versus: dict = versus) -> str:
                if metric not in versus:
                    return ""
                d, (low, high) = versus[metric]["difference"], versus[metric]["interval_95"]
                return f"{-d:+.3f} ({-high:+.3f} to {-low:+.3f})"

            lines.append(f"| {name} | {m['roc_auc']:.3f} | {m['brier']:.3f} | {m['log_loss']:.3f} | "
                         f"{diff('roc_auc')} | {diff('brier')} |")
        lines.append("")
    (HERE / "results.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {HERE / 'results.md'}")


if __name__ == "__main__":
    main()
