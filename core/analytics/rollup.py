"""The analytics rollup: each campaign's results computed by the live queries
(`core.analytics.queries`) and kept in four small tables (`core.analytics.models`), so that a
workspace's summary is a few GROUP BYs over thousands of rows rather than over every enrollment,
send and click of the workspace.

`refresh` recomputes the campaigns due — never rolled up, active, changed since their last roll-up,
or stopped less than `WINDOW` ago (replies and clicks still come) — in batches: each batch is read
in a read-only unit, then written in one short unit (replace the campaign's rows), so that a
refresh never holds the writers of the embedded SQLite for long. The worker's hourly clean-up runs
it; a campaign's card and a sender's results stay live."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import asdict
from datetime import datetime, timedelta

from sqlalchemy import delete, func, insert, or_, select
from sqlmodel import Session

from core.analytics import queries
from core.analytics.models import CampaignStatsDay, CampaignStatsFunnel, CampaignStatsMessage, CampaignStatsRefresh
from core.campaigns.models import STATUS_ACTIVE, Campaign
from core.clock import Clock
from core.db import UnitOfWork

WINDOW = timedelta(days=30)
BATCH = 50
_TABLES = (CampaignStatsDay, CampaignStatsMessage, CampaignStatsFunnel, CampaignStatsRefresh)


def due_campaigns(session: Session, now: datetime, *, workspace_id: int | None = None) -> list[int]:
    r = CampaignStatsRefresh
    stmt = (select(Campaign.id).outerjoin(r, r.campaign_id == Campaign.id)
            .where(or_(r.refreshed_at.is_(None), Campaign.status == STATUS_ACTIVE, Campaign.updated_at > r.refreshed_at,
                       Campaign.stopped_at > now - WINDOW))
            .order_by(Campaign.id))
    if workspace_id is not None:
        stmt = stmt.where(Campaign.workspace_id == workspace_id)
    return list(session.execute(stmt).scalars().all())


def _rows(session: Session, campaign: Campaign) -> tuple[list[dict], list[dict], list[dict]]:
    scope = queries.Scope(campaign.workspace_id, campaign_id=campaign.id)
    days = [dict(campaign_id=campaign.id, day=day, language=lang, **_events(counts))
            for (day, lang), counts in queries.day_rows(session, scope, timezone=campaign.timezone).items()]
    messages = [dict(campaign_id=campaign.id, step=m.step, position=m.position, language=m.language, sent=m.sent,
                     replied=m.replied, positive=m.positive, clicked=m.clicked)
                for m in queries.messages(session, scope)]
    funnel = [dict(campaign_id=campaign.id, language=lang, **asdict(counts))
              for (_, lang), counts in queries.funnel_rows(session, scope).items()]
    return days, messages, funnel


def _events(counts: queries.Counts) -> dict[str, int]:
    return {k: v for k, v in asdict(counts).items() if k != "pending"}


def refresh(*, uow: UnitOfWork, clock: Clock, campaign_ids: Sequence[int] | None = None,
            workspace_id: int | None = None, batch: int = BATCH) -> int:
    """Recompute the rollup of `campaign_ids` (default: the campaigns due); how many were."""
    if campaign_ids is None:
        with uow(read_only=True) as session:
            campaign_ids = due_campaigns(session, clock.now(), workspace_id=workspace_id)
    for start in range(0, len(campaign_ids), batch):
        chunk = list(campaign_ids[start:start + batch])
        now = clock.now()
        with uow(read_only=True) as session:
            campaigns = session.execute(select(Campaign).where(Campaign.id.in_(chunk))).scalars().all()
            computed = [_rows(session, c) for c in campaigns]
        with uow() as session:
            for table in _TABLES:
                session.execute(delete(table).where(table.campaign_id.in_(chunk)))
            for table, index in ((CampaignStatsDay, 0), (CampaignStatsMessage, 1), (CampaignStatsFunnel, 2)):
                rows = [row for rows in computed for row in rows[index]]
                if rows:
                    session.execute(insert(table), rows)
            session.execute(insert(CampaignStatsRefresh), [dict(campaign_id=c.id, refreshed_at=now) for c in campaigns])
    return len(campaign_ids)


def workspace_report(session: Session, workspace_id: int, *, timezone: str = "UTC") -> queries.Report:
    """The workspace's results from the rollup: funnel by campaign, sender and language, messages,
    and days (each campaign's own local days). `as_of`: the oldest refresh of its campaigns."""
    ids = select(Campaign.id).where(Campaign.workspace_id == workspace_id).scalar_subquery()
    f, m, d = CampaignStatsFunnel, CampaignStatsMessage, CampaignStatsDay
    by_campaign: dict[int, queries.Counts] = defaultdict(queries.Counts)
    by_language: dict[str, queries.Counts] = defaultdict(queries.Counts)
    for campaign_id, language, *values in session.execute(
            select(f.campaign_id, f.language, f.invited, f.accepted, f.welcomed, f.replied, f.positive, f.clicked,
                   f.pending, f.withdrawn).where(f.campaign_id.in_(ids))).tuples():
        counts = queries.Counts(*values)
        by_campaign[campaign_id] += counts
        by_language[language] += counts
    sender_of = dict(session.execute(select(Campaign.id, Campaign.sender_id)
                                     .where(Campaign.workspace_id == workspace_id)).tuples().all())
    by_sender: dict[int, queries.Counts] = defaultdict(queries.Counts)
    for campaign_id, counts in by_campaign.items():
        by_sender[sender_of.get(campaign_id, 0)] += counts
    messages = tuple(sorted((queries.MessageStats(step, pos, lang, sent=s, replied=r, positive=p, clicked=c)
                             for step, pos, lang, s, r, p, c in session.execute(
                                 select(m.step, m.position, m.language, func.sum(m.sent), func.sum(m.replied),
                                        func.sum(m.positive), func.sum(m.clicked))
                                 .where(m.campaign_id.in_(ids)).group_by(m.step, m.position, m.language)).tuples()),
                            key=lambda x: x.key))
    per_day = {day: queries.Counts(invited=i, accepted=a, welcomed=w, replied=r, positive=p, clicked=c, withdrawn=x)
               for day, i, a, w, r, p, c, x in session.execute(
                   select(d.day, func.sum(d.invited), func.sum(d.accepted), func.sum(d.welcomed), func.sum(d.replied),
                          func.sum(d.positive), func.sum(d.clicked), func.sum(d.withdrawn))
                   .where(d.campaign_id.in_(ids)).group_by(d.day)).tuples()}
    as_of = session.execute(select(func.min(CampaignStatsRefresh.refreshed_at))
                            .where(CampaignStatsRefresh.campaign_id.in_(ids))).scalar_one_or_none()
    return queries.Report(timezone=timezone, total=queries.totals(by_campaign.values()),
                          by_language=dict(sorted(by_language.items())), by_message=messages,
                          days=queries.fill_days(per_day), by_campaign=dict(by_campaign), by_sender=dict(by_sender),
                          as_of=as_of)
