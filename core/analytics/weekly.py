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
from core.analytics.models import WeeklySummaryPreference
from core.campaigns.health import GOOD_CONVERSION, campaigns_health
from core.campaigns.models import STATUS_ACTIVE, Campaign
from core.clock import Clock
from core.db import UnitOfWork, rowcount
from core.i18n import date_range_text, invocation, number, percent, skeleton_text, speaking, t, tn
from core.notify import Alert, Notifier
from core.workspace.language import language_of_member
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
    """The summary of `member` for the week before `monday`, or None when they have nothing to hear;
    in the language being spoken (`send_due` speaks the member's)."""
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
            # Each count its own plural text (hoisted: Babel extracts no id written inside another t()).
            invited, accepted = tn("summary.invited", week.invited), tn("summary.accepted", week.accepted)
            replied, positive = tn("summary.replied", week.replied), tn("summary.positive", week.positive)
            clicked, pending = tn("summary.clicked", week.clicked), tn("summary.pending", report.total.pending)
            lines.append(t("summary.yours", invited=invited, delta=("+" if delta >= 0 else "-") + number(abs(delta)),
                           accepted=accepted, replied=replied, positive=positive, clicked=clicked, pending=pending))
        else:
            lines.append(t("summary.nothing_sent"))
        lines += needs_you(session, campaigns, report, now)
    if member.is_admin:
        ws = rollup.workspace_report(session, member.workspace_id, timezone=timezone)
        week = _week(ws, last)
        if ws.as_of is not None:
            invited, replied = tn("summary.invited", week.invited), tn("summary.replied", week.replied)
            campaigns_text = tn("summary.campaigns", len(ws.by_campaign))
            lines.append(t("summary.workspace", invited=invited, acceptance=_percent(week.acceptance), replied=replied,
                           campaigns=campaigns_text, as_of=skeleton_text(ws.as_of, "EHm")))
    return Summary(member.id, member.workspace_id,
                   t("summary.title", dates=date_range_text(last, monday - timedelta(days=1))), "\n".join(lines))


def hint() -> str:
    """Where to go from a summary, and how to stop it."""
    name = t("command.show.args")
    return t("summary.hint", show=invocation("show", name), off=invocation("summary", "off"))


def needs_you(session: Session, campaigns: list[Campaign], report: queries.Report, now: datetime) -> list[str]:
    active = [c for c in campaigns if c.status == STATUS_ACTIVE]
    healths = campaigns_health(session=session, campaigns=active, now=now)
    problems = []
    for c in active:
        health, counts = healths[c.id], report.by_campaign.get(c.id, queries.Counts())
        if health.label in ("paused", "fatal", "errors"):
            problems.append(t("summary.health", name=c.name, detail=health.detail))
        if counts.invited >= LOW_ACCEPTANCE_AFTER and (counts.acceptance or 0) < GOOD_CONVERSION:
            problems.append(t("summary.low_acceptance", name=c.name, rate=_percent(counts.acceptance),
                              good=_percent(GOOD_CONVERSION)))
        weekly = max(c.cohort_size * max(len(c.slots), 1), 1)
        if counts.pending > PENDING_WEEKS * weekly:
            problems.append(t("summary.pending_piling", name=c.name, pending=counts.pending, weeks=PENDING_WEEKS))
    if not problems:
        return [t("summary.all_good")] if active else []
    return [t("summary.needs_you")] + [f"• {p}" for p in problems]


def _percent(rate: float | None) -> str:
    return "–" if rate is None else percent(rate)


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
        summary, alert = None, None
        with uow(read_only=True) as session:
            member = session.get(Member, member_id)
            if member is not None:
                with speaking(language_of_member(session, member)) as lang:  # the member's own language
                    summary = build(session, member, monday, now)
                    if summary is not None:
                        alert = Alert(workspace_id=summary.workspace_id, member_id=summary.member_id, kind=KIND,
                                      title=summary.title, text=summary.text, action_hint=hint(),
                                      language=lang.value)
        with uow() as session:
            if not _claim(session, member_id, monday):
                continue
        if alert is not None:
            notifier.send_alert(alert)
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
