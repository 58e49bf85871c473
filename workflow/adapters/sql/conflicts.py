"""Database errors that mean "someone else got there first" (or "try again"), as the engine's conflicts."""
from __future__ import annotations

from sqlalchemy import exc

from workflow.errors import ConcurrencyConflict


class StoreBusy(ConcurrencyConflict):
    """The database stayed locked longer than the busy timeout; nothing was written."""


def raise_as_conflict(err: exc.DBAPIError) -> None:
    """A second event for a case version, or a busy database, as the conflict it is; other errors return."""
    if isinstance(err, exc.IntegrityError) and ("case_events" in str(err.orig) or "uq_case_events" in str(err.orig)):
        raise ConcurrencyConflict("case.committed_first") from None
    if isinstance(err, exc.OperationalError) and ("locked" in str(err.orig) or "busy" in str(err.orig)):
        raise StoreBusy("store.busy") from None
