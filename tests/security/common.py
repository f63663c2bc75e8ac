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


def campaign_rows(engine) -> list[tuple]:
    """Every campaign and message as stored (a refused request changes none of them)."""
    from core.campaigns.models import Campaign, CampaignMessage

    with engine.connect() as conn:
        campaigns = conn.execute(select(Campaign.__table__).order_by(Campaign.id)).all()
        messages = conn.execute(select(CampaignMessage.__table__).order_by(CampaignMessage.id)).all()
    return [tuple(row) for row in campaigns] + [tuple(row) for row in messages]
