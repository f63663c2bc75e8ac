"""The weekly summary: on Monday morning (from 08:00 local, the workspace's timezone), each active
member who sends campaigns — and each admin, with the workspace's figures — gets what their
campaigns did last week against the week before, and what needs them (a campaign paused or in
error, a low acceptance rate, pending invitations piling up). Members turn it off with
`summary off`. It goes out through the notifier as an alert, at most once a week: the member's
Monday is claimed (a conditional write) before it is sent, so two workers never both send it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import insert, or_, select, update
from sqlmodel import Session

from core.analytics import queries, rollup
from core.analytics import summary_texts as texts
from core.analytics.models import WeeklySummaryPreference
from core.campaigns.health import GOOD_CONVERSION, campaigns_health
from core.campaigns.models import STATUS_ACTIVE, Campaign
from core.clock import Clock
from core.db import UnitOfWork, rowcount
from core.notify import Alert, Notifier
from core.workspace.models import Member, Workspace

FROM_HOUR, UNTIL_HOUR = 8, 12  # the local morning it may go out (the clock's job runs hourly)
LOW_ACCEPTANCE_AFTER = 20  # invitations before a campaign's acceptance rate means something
PENDING_WEEKS = 3
KIND = "weekly_summary"


@dataclass(frozen=True)
class Summary:
    member_id: int
    workspace_id: int
    title: str
    text: str


def _monday(now: datetime, timezone: str) -> date | None:
    """The member's local Monday when it is Monday morning for them, else None."""
    local = now.astimezone(queries.zone(timezone))
    if local.weekday() != 0 or not FROM_HOUR <= local.hour < UNTIL_HOUR:
        return None
    return local.date()


def due(session: Session, now: datetime) -> list[tuple[int, date]]:
    """(member id, their Monday) of the active members whose summary is due and not yet sent."""
    p = WeeklySummaryPreference
    rows = session.execute(
        select(Member.id, Workspace.timezone, p.last_sent_on)
        .join(Workspace, Workspace.id == Member.workspace_id)
        .outerjoin(p, p.member_id == Member.id)
        .where(Member.active.is_(True), or_(p.enabled.is_(None), p.enabled.is_(True)))).tuples().all()
    out = []
    for member_id, timezone, last in rows:
        monday = _monday(now, timezone)
        if monday is not None and last != monday:
            out.append((member_id, monday))
    return out


def _week(report: queries.Report, start: date) -> queries.Counts:
    return queries.totals(p.counts for p in report.days if start <= p.start < start + timedelta(days=7))


def build(session: Session, member: Member, monday: date, now: datetime) -> Summary | None:
    """The summary of `member` for the week before `monday`, or None when they have nothing to hear."""
    workspace = session.get(Workspace, member.workspace_id)
    timezone = workspace.timezone if workspace is not None else "UTC"
    campaigns = list(session.execute(select(Campaign).where(Campaign.workspace_id == member.workspace_id,
                                                            Campaign.sender_id == member.id)).scalars())
    if not campaigns and not member.is_admin:
        return None
    last, before = monday - timedelta(days=7), monday - timedelta(days=14)
    lines = []
    if campaigns:
        report = queries.report(session, queries.Scope(member.workspace_id, sender_id=member.id), timezone=timezone,
                                by_campaign=True)
        week, previous = _week(report, last), _week(report, before)
        if week.invited or week.accepted or week.replied:
            delta = week.invited - previous.invited
            lines.append(texts.YOURS.format(invited=week.invited, invited_delta=f"{delta:+d}", accepted=week.accepted,
                                            replied=week.replied, positive=week.positive, clicked=week.clicked,
                                            pending=report.total.pending))
        else:
            lines.append(texts.NOTHING)
        lines += needs_you(session, campaigns, report, now)
    if member.is_admin:
        ws = rollup.workspace_report(session, member.workspace_id, timezone=timezone)
        week = _week(ws, last)
        if ws.as_of is not None:
            lines.append(texts.WORKSPACE.format(invited=week.invited, acceptance=_percent(week.acceptance),
                                                replied=week.replied, campaigns=len(ws.by_campaign), as_of=ws.as_of))
    return Summary(member.id, member.workspace_id, texts.TITLE.format(start=last, end=monday - timedelta(days=1)),
                   "\n".join(lines))


def needs_you(session: Session, campaigns: list[Campaign], report: queries.Report, now: datetime) -> list[str]:
    active = [c for c in campaigns if c.status == STATUS_ACTIVE]
    healths = campaigns_health(session=session, campaigns=active, now=now)
    problems = []
    for c in active:
        health, counts = healths[c.id], report.by_campaign.get(c.id, queries.Counts())
        if health.label in ("paused", "fatal", "errors"):
            problems.append(texts.HEALTH.format(name=c.name, detail=health.detail))
        if counts.invited >= LOW_ACCEPTANCE_AFTER and (counts.acceptance or 0) < GOOD_CONVERSION:
            problems.append(texts.LOW_ACCEPTANCE.format(name=c.name, rate=_percent(counts.acceptance),
                                                        good=_percent(GOOD_CONVERSION)))
        weekly = max(c.cohort_size * max(len(c.slots), 1), 1)
        if counts.pending > PENDING_WEEKS * weekly:
            problems.append(texts.PENDING.format(name=c.name, pending=counts.pending, weeks=PENDING_WEEKS))
    if not problems:
        return [texts.ALL_GOOD] if active else []
    return [texts.NEEDS_YOU] + [f"• {p}" for p in problems]


def _percent(rate: float | None) -> str:
    return "–" if rate is None else f"{rate:.0%}"


def _claim(session: Session, member_id: int, monday: date) -> bool:
    """Mark the member's Monday as sent, unless another worker did: True when this one did."""
    p = WeeklySummaryPreference
    taken = rowcount(session, update(p).where(p.member_id == member_id,
                                              or_(p.last_sent_on.is_(None), p.last_sent_on != monday))
                     .values(last_sent_on=monday))
    if taken:
        return True
    if session.get(p, member_id) is not None:
        return False  # already sent this Monday
    session.execute(insert(p).values(member_id=member_id, enabled=True, last_sent_on=monday))
    return True


def send_due(*, uow: UnitOfWork, clock: Clock, notifier: Notifier) -> int:
    """Send every summary due now; how many went out."""
    now = clock.now()
    with uow(read_only=True) as session:
        members = due(session, now)
    sent = 0
    for member_id, monday in members:
        with uow(read_only=True) as session:
            member = session.get(Member, member_id)
            summary = build(session, member, monday, now) if member is not None else None
        with uow() as session:
            if not _claim(session, member_id, monday):
                continue
        if summary is not None:
            notifier.send_alert(Alert(workspace_id=summary.workspace_id, member_id=summary.member_id, kind=KIND,
                                      title=summary.title, text=summary.text, action_hint=texts.HINT))
            sent += 1
    return sent


def set_enabled(session: Session, member: Member, enabled: bool) -> None:
    pref = session.get(WeeklySummaryPreference, member.id)
    if pref is None:
        session.add(WeeklySummaryPreference(member_id=member.id, enabled=enabled))
    else:
        pref.enabled = enabled
        session.add(pref)
    session.flush()
