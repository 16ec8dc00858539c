"""Why a use case refused: the web layer turns these into 404, 403, 409 or a form error."""

from __future__ import annotations


class NotFound(Exception):
    """No such record — or none this user may see (never reveal which)."""


class Forbidden(Exception):
    """The user may see the record but not do this."""


class Gone(Exception):
    """The record is there, its stored file is not (lost or removed from the data directory)."""


class Conflict(Exception):
    """The record changed meanwhile (optimistic locking) or the action no longer fits its state."""


class Invalid(Exception):
    """Bad input: ``errors`` maps field names to German messages."""

    def __init__(self, errors: dict[str, str]) -> None:
        self.errors = errors
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
