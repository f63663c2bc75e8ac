"""What the security tests share: the Teams app's credentials, a victim's active campaign with its
digest, and counting every row, to prove a refused request wrote nothing."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlmodel import SQLModel

import core.models  # noqa: F401  (every table registered)
from core.db import UnitOfWork
from core.moderation.decisions import build_digest_now
from core.workspace.models import Member
from tests import factories as f

# The Teams app of the tests that run with Bot Framework credentials (the password must never be logged).
APP_ID = "00000000-0000-0000-0000-0000000000aa"
APP_PASSWORD = "app-password-not-to-be-logged"


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


def active_campaign_with_digest(ctx, member_id: int, segment_id: int, name: str) -> tuple[int, int, list[int]]:
    """(campaign id, digest id, send ids) of an active moderated campaign of the member over their
    segment, with tomorrow planned."""
    with UnitOfWork(ctx.engine)() as s:
        sender = s.get(Member, member_id)
        campaign = f.running_campaign(s, sender, segment_id, now=ctx.clock.now(), name=name,
                                      invitation={"en": "Hi {{firstName}}, connect?"})
        view = build_digest_now(session=s, actor=sender, campaign_id=campaign.id, now=ctx.clock.now(),
                                settings=ctx.settings)
        return campaign.id, view.digest_id, [i.send_id for i in view.items]
