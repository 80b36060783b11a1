"""renewml: calibrated renewal probabilities for streaming TV seasons, with the reasons behind them.

The public API is imported lazily so that `import renewml` and `renewml --help` stay fast.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_EXPORTS = {
    "load_dataset": "renewml.data",
    "read_table": "renewml.data",
    "validate_dataset": "renewml.data",
    "build_and_write": "renewml.data",
    "decided": "renewml.data",
    "make_preprocessor": "renewml.features",
    "make_classifier": "renewml.model",
    "fit_model": "renewml.model",
    "predict_proba": "renewml.model",
    "save_model": "renewml.model",
    "load_model": "renewml.model",
    "load_default_model": "renewml.model",
    "forward_split": "renewml.evaluate",
    "score_split": "renewml.evaluate",
    "train_and_evaluate": "renewml.evaluate",
    "compare_models": "renewml.evaluate",
    "find_show": "renewml.predict",
    "adhoc_row": "renewml.predict",
    "predict_rows": "renewml.predict",
    "explain_row": "renewml.explain",
    "renewal_bar": "renewml.explain",
    "what_if": "renewml.explain",
    "evaluate_all": "renewml.evaluate",
    "rolling_backtest": "renewml.evaluate",
    "pooled_backtest": "renewml.evaluate",
    "score_backtest": "renewml.evaluate",
    "write_report": "renewml.report",
    "RenewmlError": "renewml.errors",
    "InputError": "renewml.errors",
    "ModelError": "renewml.errors",
    "UsageError": "renewml.errors",
}

__all__ = sorted(_EXPORTS) + ["__version__"]


def _version() -> str:
    """One source of truth: the version in pyproject.toml, as installed (read on first use: it costs a
    scan of the installed packages, which a cold `renewml predict` does not need)."""
    from importlib import metadata

    try:
        return metadata.version("renewml")
    except metadata.PackageNotFoundError:  # a source tree that was never installed
        return "0+unknown"


def __getattr__(name: str) -> Any:
    if name == "__version__":
        globals()["__version__"] = _version()
        return globals()["__version__"]
    if name in _EXPORTS:
        return getattr(import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'renewml' has no attribute {name!r}")
