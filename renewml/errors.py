"""renewml's exceptions: one base class so the CLI can catch exactly what it expects."""

from __future__ import annotations


class RenewmlError(Exception):
    """Base class of every error renewml raises on purpose; its message is shown to the user."""


class InputError(RenewmlError):
    """A user-supplied file, flag or value is wrong; the message names where and what was expected."""

    @classmethod
    def at(cls, path: object, row: int | None, column: str | None, message: str) -> InputError:
        """Build an error that names the file, the (1-based, header = row 1) row and the column."""
        where = str(path)
        if row is not None:
            where += f", row {row}"
        if column is not None:
            where += f", column '{column}'"
        return cls(f"{where}: {message}")


class UsageError(RenewmlError):
    """The command line was used wrongly (no input form, two at once); the CLI exits 2, like click's own usage errors."""


class RawDataError(RenewmlError):
    """The raw public sources are missing or not in the format the build expects."""


class ModelError(RenewmlError):
    """A model file or its card is missing, tampered with, or from an incompatible version."""


class NotFoundError(RenewmlError):
    """A show asked for by title is not in the dataset."""
