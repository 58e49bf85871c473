"""Saved inbox filters: a user names the inbox's current query string and finds it again as a link.

The query string is stored as given — the inbox reads it (filters and the keyword `q`) — after a check
that it names only the inbox's filters; it is private to its owner: every read and delete names the
owner's login. Saving or deleting one is no change to a case, so no audit event.
"""
from __future__ import annotations

from urllib.parse import parse_qsl

from workflow.definitions.fields import clean_text
from workflow.errors import InvalidInput, NotFound
from workflow.events import format_time
from workflow.ports import Clock, SavedFilterBook
from workflow.read_side import SavedFilter

# The inbox's query-string names (web/inbox.py read_filter, and its tab and keyword).
FILTER_NAMES = frozenset({"tab", "type", "stage", "unit", "light", "source", "q", "campaign"})
NAME_LIMIT, QUERY_LIMIT = 40, 2000


class SavedFilters:
    def __init__(self, book: SavedFilterBook, clock: Clock) -> None:
        self.book, self.clock = book, clock

    def of(self, login: str) -> list[SavedFilter]:
        return self.book.of(login)

    def save(self, login: str, name: str, query: str) -> SavedFilter:
        """Save `query` (an inbox query string, without `?`) under `name`.

        Raises:
            InvalidInput: no name, a name taken, a query naming something else than the inbox's filters.
        """
        text = clean_text(name or "", what="filter name", limit=NAME_LIMIT)
        if not text:
            raise InvalidInput("text.empty", what="filter name")
        query = clean_text(query or "", what="filter", limit=QUERY_LIMIT).lstrip("?")
        unknown = sorted({k for k, _v in parse_qsl(query, keep_blank_values=True)} - FILTER_NAMES)
        if unknown:
            raise InvalidInput("filters.unknown_name", names=", ".join(unknown)[:80])
        if not any(v for _k, v in parse_qsl(query) if _k != "tab"):
            raise InvalidInput("filters.empty")
        if not self.book.add(login, text, query, format_time(self.clock.now())):
            raise InvalidInput("filters.name_taken", name=text)
        return next(f for f in self.book.of(login) if f.name == text)

    def delete(self, login: str, filter_id: int) -> None:
        """Raises NotFound when `login` has no such filter (another user's is "no such filter" too)."""
        if not self.book.remove(login, filter_id):
            raise NotFound("filters.not_found")
