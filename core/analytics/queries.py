"""The numbers behind a campaign's results: the funnel invited → accepted → welcomed → replied →
replied positively → clicked, with pending invitations and withdrawals, per campaign, per sender
or per workspace, split by language and by message, and over time (per local day and week).

Every figure is a set-based aggregate (GROUP BY) over the indexed rows of the scope — a handful
of statements whatever the number of contacts, campaigns or days — each read from an index led by
the campaign that holds every column it needs (a workspace or a sender is its campaigns):

- enrollments (`ix_enrollment_campaign_funnel`): the funnel by campaign and language, the events
  of each day;
- sends (`ix_send_campaign_message`): what went out per message (step, follow-up number,
  language), and which message a reply answered (the last one sent before it);
- clicks (`ix_click_campaign_contact`): the contacts who clicked a tracked link.

Days are the scope's local days (the campaign's timezone; the workspace's for a sender or the
workspace). PostgreSQL converts each instant to the local date itself; SQLite, which knows no
timezones, groups by UTC hour and the hours are folded into local days here (exact for zones
whose offset is a whole number of hours, within the half hour otherwise).

Who may read what is `core.analytics.commands`' question; these functions trust their caller."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, fields, replace
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import Date, and_, case, cast, func, literal, literal_column, select, union_all
from sqlalchemy.orm import InstrumentedAttribute
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session

from core.campaigns.models import Campaign
from core.delivery.models import E_INVITED, E_WITHDRAWN, S_SENT, Enrollment, Send
from core.links.models import Click, TrackedLink

POSITIVE = "positive"
NO_LANGUAGE = ""  # an enrollment not yet given a language (queued, never planned)


class Stage(StrEnum):
    """The stages of the funnel, in order; each is a subset of the one before (but clicks)."""

    INVITED = "invited"
    ACCEPTED = "accepted"
    WELCOMED = "welcomed"
    REPLIED = "replied"
    POSITIVE = "positive"
    CLICKED = "clicked"


FUNNEL = tuple(Stage)


@dataclass(frozen=True)
class Counts:
    """How many contacts reached each stage, plus the invitations still pending and withdrawn."""

    invited: int = 0
    accepted: int = 0
    welcomed: int = 0
    replied: int = 0
    positive: int = 0
    clicked: int = 0
    pending: int = 0
    withdrawn: int = 0

    def __add__(self, other: Counts) -> Counts:
        return Counts(**{f.name: getattr(self, f.name) + getattr(other, f.name) for f in fields(self)})

    def stage(self, stage: Stage) -> int:
        count: int = getattr(self, stage.value)
        return count

    def rate(self, stage: Stage) -> float | None:
        """The share of invited contacts who reached `stage`; None before any invitation."""
        return self.stage(stage) / self.invited if self.invited else None

    @property
    def acceptance(self) -> float | None:
        return self.rate(Stage.ACCEPTED)

    @property
    def reply_rate(self) -> float | None:
        """Replies per accepted invitation (only a connection can reply)."""
        return self.replied / self.accepted if self.accepted else None


@dataclass(frozen=True)
class MessageStats:
    """One message of the sequence in one language: how many went out, how many contacts replied
    to it (it was the last message sent before their reply), positively, and clicked its links."""

    step: str  # invitation | welcome | followup
    position: int  # the follow-up's number, 0 otherwise
    language: str
    sent: int = 0
    replied: int = 0
    positive: int = 0
    clicked: int = 0

    @property
    def key(self) -> tuple[int, int, str]:
        return (_STEP_ORDER.get(self.step, 9), self.position, self.language)


@dataclass(frozen=True)
class Period:
    """The events of one local day (or of the week starting that Monday)."""

    start: date
    counts: Counts


@dataclass(frozen=True)
class Report:
    """The analytics of one scope (a campaign, a sender's campaigns, a workspace)."""

    timezone: str
    total: Counts
    by_language: dict[str, Counts]
    by_message: tuple[MessageStats, ...]
    days: tuple[Period, ...]  # every local day from the first event to the last, empty ones too
    by_campaign: dict[int, Counts] = field(default_factory=dict)
    by_sender: dict[int, Counts] = field(default_factory=dict)
    as_of: datetime | None = None  # a rollup's oldest refresh (`core.analytics.rollup`); None: live

    @property
    def weeks(self) -> tuple[Period, ...]:
        """The days summed per week (weeks start on Monday)."""
        sums: dict[date, Counts] = {}
        for day in self.days:
            monday = day.start - timedelta(days=day.start.weekday())
            sums[monday] = sums.get(monday, Counts()) + day.counts
        return tuple(Period(start, counts) for start, counts in sorted(sums.items()))


_STEP_ORDER = {"invitation": 0, "welcome": 1, "followup": 2}
_Column = ColumnElement[int] | InstrumentedAttribute[int]


@dataclass(frozen=True)
class Scope:
    """Which enrollments, sends and clicks a report reads: one campaign, the campaigns of one
    sender, or every campaign of a workspace."""

    workspace_id: int
    campaign_id: int | None = None
    sender_id: int | None = None

    def on(self, column: _Column) -> ColumnElement[bool]:
        """The scope as a condition on a table's campaign column."""
        if self.campaign_id is not None:
            return column == self.campaign_id
        if self.sender_id is not None:
            return column.in_(select(Campaign.id).where(Campaign.workspace_id == self.workspace_id,
                                                        Campaign.sender_id == self.sender_id))
        # The workspace's campaigns, not its `workspace_id` column: the campaign-led analytics
        # indexes then serve every scope, index-only.
        return column.in_(select(Campaign.id).where(Campaign.workspace_id == self.workspace_id))


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def report(session: Session, scope: Scope, *, timezone: str = "UTC", by_campaign: bool = False,
           with_days: bool = True) -> Report:
    """The whole report of `scope`: the funnel (by language, and by campaign and sender when
    `by_campaign`), the messages and the days (unless not `with_days`: a card draws no days).
    Five statements; one when the scope has no enrollment (then no send, reply or click either)."""
    per = funnel_rows(session, scope)
    if not per:
        return Report(timezone=timezone, total=Counts(), by_language={}, by_message=(), days=())
    total = sum(per.values(), Counts())
    languages: dict[str, Counts] = defaultdict(Counts)
    campaigns: dict[int, Counts] = defaultdict(Counts)
    for (campaign_id, language), counts in per.items():
        languages[language] += counts
        campaigns[campaign_id] += counts
    senders: dict[int, Counts] = {}
    if by_campaign and campaigns:
        sender_of = dict(session.execute(select(Campaign.id, Campaign.sender_id)
                                         .where(Campaign.workspace_id == scope.workspace_id)).tuples().all())
        totals: dict[int, Counts] = defaultdict(Counts)
        for campaign_id, counts in campaigns.items():
            totals[sender_of.get(campaign_id, 0)] += counts
        senders = dict(totals)
    return Report(timezone=timezone, total=total, by_language=dict(sorted(languages.items())),
                  by_message=messages(session, scope),
                  days=days(session, scope, timezone=timezone) if with_days else (),
                  by_campaign=dict(campaigns) if by_campaign else {}, by_sender=senders)


def funnel(session: Session, scope: Scope) -> Counts:
    return sum(funnel_rows(session, scope).values(), Counts())


def funnel_rows(session: Session, scope: Scope) -> dict[tuple[int, str], Counts]:
    """The funnel of each (campaign, language) of the scope: one GROUP BY over its enrollments,
    one over its clicks."""
    e = Enrollment
    language = func.coalesce(e.language, literal_column("''"))
    rows = session.execute(
        select(e.campaign_id, language, func.count(e.invited_at), func.count(e.accepted_at),
               func.count(e.welcomed_at), func.count(e.replied_at),
               func.count(case((e.reply_sentiment == POSITIVE, 1))),
               func.count(case((e.state == E_INVITED, 1))), func.count(case((e.state == E_WITHDRAWN, 1))))
        .where(scope.on(e.campaign_id))
        .group_by(e.campaign_id, language)).tuples().all()
    found = {(c, lang): Counts(invited=i, accepted=a, welcomed=w, replied=r, positive=p, pending=n, withdrawn=x)
             for c, lang, i, a, w, r, p, n, x in rows}
    if not found:  # a click is an enrolled contact's
        return found
    clicked_by = func.count(func.distinct(Click.contact_id))
    for campaign_id, lang, clicked in session.execute(
            select(Click.campaign_id, language, clicked_by)
            .join(e, and_(e.campaign_id == Click.campaign_id, e.contact_id == Click.contact_id))
            .where(scope.on(Click.campaign_id))
            .group_by(Click.campaign_id, language)).tuples().all():
        key = (campaign_id, lang)
        found[key] = replace(found.get(key, Counts()), clicked=clicked)
    return found


def messages(session: Session, scope: Scope) -> tuple[MessageStats, ...]:
    """Each message (step, follow-up number, language): sent, replied to, positively, clicked."""
    s, e = Send, Enrollment
    sent = session.execute(
        select(s.step, s.position, s.language, func.count())
        .where(scope.on(s.campaign_id), s.status == S_SENT)
        .group_by(s.step, s.position, s.language)).tuples().all()
    stats = {(step, pos, lang): MessageStats(step, pos, lang, sent=n) for step, pos, lang, n in sent}
    # The message a reply answers: the enrollment's last one sent before the reply.
    last = (select(s.enrollment_id, func.max(s.sent_at).label("at"))
            .join(e, e.id == s.enrollment_id)
            .where(scope.on(e.campaign_id), e.replied_at.is_not(None), s.status == S_SENT,
                   s.sent_at <= e.replied_at)
            .group_by(s.enrollment_id).subquery())
    answered = session.execute(
        select(s.step, s.position, s.language, func.count(),
               func.count(case((e.reply_sentiment == POSITIVE, 1))))
        .join(last, and_(last.c.enrollment_id == s.enrollment_id, last.c.at == s.sent_at))
        .join(e, e.id == s.enrollment_id)
        .where(s.status == S_SENT)
        .group_by(s.step, s.position, s.language)).tuples().all()
    for step, pos, lang, replied, positive in answered:
        key = (step, pos, lang)
        stats[key] = replace(stats.get(key, MessageStats(step, pos, lang)), replied=replied, positive=positive)
    clicked = session.execute(
        select(s.step, s.position, s.language, func.count(func.distinct(Click.contact_id)))
        .select_from(Click).join(TrackedLink, TrackedLink.id == Click.link_id).join(s, s.id == TrackedLink.send_id)
        .where(scope.on(Click.campaign_id))
        .group_by(s.step, s.position, s.language)).tuples().all()
    for step, pos, lang, n in clicked:
        key = (step, pos, lang)
        stats[key] = replace(stats.get(key, MessageStats(step, pos, lang)), clicked=n)
    return tuple(sorted(stats.values(), key=lambda m: m.key))


# The events counted per day: the stage, the enrollment column of its instant, an extra condition.
_EVENTS: tuple[tuple[str, str], ...] = (
    ("invited", "invited_at"), ("accepted", "accepted_at"), ("welcomed", "welcomed_at"),
    ("replied", "replied_at"), ("positive", "replied_at"), ("withdrawn", "withdrawn_at"),
)


def days(session: Session, scope: Scope, *, timezone: str = "UTC") -> tuple[Period, ...]:
    """The events of each local day of the scope (one UNION ALL of GROUP BYs), every day from the
    first event to the last (days without any event are there, with zeros)."""
    per_day: dict[date, Counts] = defaultdict(Counts)
    for (day, _language), counts in day_rows(session, scope, timezone=timezone).items():
        per_day[day] += counts
    return fill_days(per_day)


def fill_days(per_day: dict[date, Counts]) -> tuple[Period, ...]:
    """Every day from the first to the last of `per_day`, with zeros for the days it lacks."""
    if not per_day:
        return ()
    first_day, last_day = min(per_day), max(per_day)
    out = []
    day = first_day
    while day <= last_day:
        out.append(Period(day, per_day.get(day, Counts())))
        day += timedelta(days=1)
    return tuple(out)


def day_rows(session: Session, scope: Scope, *, timezone: str = "UTC") -> dict[tuple[date, str], Counts]:
    """The events of each (local day, contact language) of the scope."""
    e = Enrollment
    dialect = session.get_bind().dialect.name
    tz = zone(timezone)
    language = func.coalesce(e.language, literal_column("''"))

    def bucket(column: ColumnElement[datetime]) -> ColumnElement[object]:
        if dialect == "postgresql":
            return cast(func.timezone(tz.key, column), Date)
        # SQLite keeps a UTC instant as text, "YYYY-MM-DD HH:MM:SS.ffffff": its hour is a prefix.
        return func.substr(column, 1, 13)

    parts = []
    for name, column_name in _EVENTS:
        column = getattr(e, column_name)
        where = [scope.on(e.campaign_id), column.is_not(None)]
        if name == "positive":
            where.append(e.reply_sentiment == POSITIVE)
        if name == "withdrawn":
            where.append(e.state == E_WITHDRAWN)
        parts.append(select(literal(name).label("event"), bucket(column).label("bucket"), language.label("lang"),
                            func.count().label("n"))
                     .where(*where).group_by(literal_column("bucket"), literal_column("lang")))
    # A contact's first click only: the day they clicked, once.
    first = (select(Click.campaign_id, Click.contact_id, func.min(Click.clicked_at).label("at"))
             .where(scope.on(Click.campaign_id)).group_by(Click.campaign_id, Click.contact_id).subquery())
    parts.append(select(literal("clicked").label("event"), bucket(first.c.at).label("bucket"),
                        language.label("lang"), func.count().label("n"))
                 .select_from(first)
                 .join(e, and_(e.campaign_id == first.c.campaign_id, e.contact_id == first.c.contact_id))
                 .group_by(literal_column("bucket"), literal_column("lang")))
    found: dict[tuple[date, str], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    local: dict[object, date] = {}  # each bucket comes back once per event: converted once
    for event, raw, lang, n in session.execute(union_all(*parts)).tuples().all():
        day = local.get(raw)
        if day is None:
            day = local[raw] = _local_day(raw, tz)
        found[(day, lang)][event] += n
    return {key: Counts(**events) for key, events in found.items()}


def _local_day(raw: object, tz: ZoneInfo) -> date:
    """A bucket as the local date: PostgreSQL's (already local) date, or SQLite's UTC hour."""
    if isinstance(raw, datetime):
        return raw.astimezone(tz).date()
    if isinstance(raw, date):
        return raw
    text = str(raw)
    hour = datetime(int(text[0:4]), int(text[5:7]), int(text[8:10]), int(text[11:13]), tzinfo=UTC)
    return hour.astimezone(tz).date()


def last_days(periods: Sequence[Period], count: int, today: date) -> tuple[Period, ...]:
    """The `count` days up to `today`, with zeros for the days without events."""
    known = {p.start: p.counts for p in periods}
    start = today - timedelta(days=count - 1)
    wanted = [start + timedelta(days=i) for i in range(count)]
    return tuple(Period(day, known.get(day, Counts())) for day in wanted)


def totals(rows: Iterable[Counts]) -> Counts:
    return sum(rows, Counts())
