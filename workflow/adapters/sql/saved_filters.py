"""ports.SavedFilterBook in SQL: the `saved_filters` table (migration filters_0001).

Every statement names the owner's login: a user reaches only their own rows.
"""
from __future__ import annotations

from sqlalchemy import Engine, delete, insert, select
from sqlalchemy.exc import IntegrityError

from workflow.adapters.sql import schema as t
from workflow.read_side import SavedFilter

c = t.saved_filters.c


class SqlSavedFilters:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def of(self, login: str) -> list[SavedFilter]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(t.saved_filters).where(c.login == login).order_by(c.name)).mappings().all()
        return [SavedFilter(int(r["id"]), r["name"], r["query"], r["created_at"]) for r in rows]

    def add(self, login: str, name: str, query: str, at: str) -> bool:
        """False when the user has a filter of that name already (nothing written)."""
        try:
            with self.engine.begin() as conn:
                conn.execute(insert(t.saved_filters).values(login=login, name=name, query=query, created_at=at))
        except IntegrityError:
            return False
        return True

    def remove(self, login: str, filter_id: int) -> bool:
        with self.engine.begin() as conn:
            return bool(conn.execute(delete(t.saved_filters).where(c.login == login, c.id == filter_id)).rowcount)
