"""What the security tests share: counting every row, to prove a refused request wrote nothing."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlmodel import SQLModel

import core.models  # noqa: F401  (every table registered)


def row_counts(engine) -> dict[str, int]:
    """{table: rows} over the whole schema."""
    with engine.connect() as conn:
        return {t.name: conn.execute(select(func.count()).select_from(t)).scalar_one()
                for t in SQLModel.metadata.sorted_tables}
