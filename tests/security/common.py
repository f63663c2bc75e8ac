"""What the security tests share: counting every row, to prove a refused request wrote nothing."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlmodel import SQLModel

import core.models  # noqa: F401  (every table registered)


def row_counts(engine) -> dict[str, int]:
    """{table: rows} over the whole schema (one statement: the fuzz tests count before and after each request)."""
    tables = SQLModel.metadata.sorted_tables
    counts = select(*(select(func.count()).select_from(t).scalar_subquery().label(t.name) for t in tables))
    with engine.connect() as conn:
        row = conn.execute(counts).one()
    return {t.name: row[i] for i, t in enumerate(tables)}
