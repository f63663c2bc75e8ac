"""Set-based INSERT … ON CONFLICT for SQLite and PostgreSQL: one statement per batch of rows.

SQLite gets a multi-row VALUES (SQLAlchemy's "insertmanyvalues"). PostgreSQL gets one array
parameter per column, unnested into rows by the server: a statement of thousands of rows stays a
short query that the driver does not have to rewrite placeholder by placeholder.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import JSON, Column, ColumnElement, Table, Text, bindparam, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session

Changes = Callable[[Any, str], dict[str, Any]]  # (excluded, dialect name) -> SET clause


def _array_of(column: Column, values: list[Any]) -> ColumnElement[Any]:
    if isinstance(column.type, JSON):
        texts = [None if v is None else json.dumps(v) for v in values]
        return func.unnest(bindparam(f"col_{column.name}", texts, type_=postgresql.ARRAY(Text))).cast(JSON)
    return func.unnest(bindparam(f"col_{column.name}", values, type_=postgresql.ARRAY(column.type)))


def upsert(session: Session, table: Table, records: Sequence[dict[str, Any]], *, conflict: Sequence[str],
           changes: Changes | None = None, returning: Column | None = None) -> list[Any]:
    """Insert `records` (dicts with the same keys); on a conflict on `conflict`, apply `changes`
    (None: keep the existing row). Returns the `returning` column of every inserted or updated row."""
    if not records:
        return []
    dialect = session.get_bind().dialect.name
    names = list(records[0])
    insert: postgresql.Insert | sqlite.Insert
    if dialect == "postgresql":
        rows = select(*(_array_of(table.c[n], [r[n] for r in records]) for n in names))
        insert = postgresql.insert(table).from_select(names, rows)
    else:
        insert = sqlite.insert(table)
    if changes is None:
        insert = insert.on_conflict_do_nothing(index_elements=list(conflict))
    else:
        insert = insert.on_conflict_do_update(index_elements=list(conflict), set_=changes(insert.excluded, dialect))
    stmt = insert.returning(returning) if returning is not None else insert
    result = session.execute(stmt) if dialect == "postgresql" else session.execute(stmt, list(records))
    return list(result.scalars()) if returning is not None else []
