"""Daily planning (P-17…P-20): each active campaign's next local day becomes invitation sends.

The evening before (the workspace's digest hour, in the campaign's timezone) a campaign's
tomorrow is planned once — a `Digest` row per (campaign, day) marks it, so two planners never
plan a day twice — and, with moderation on, frozen for the digest. A campaign whose planning
was missed (clock down) gets its remaining slots of today planned.

Each slot of the day takes up to `cohort_size` contacts; the sender's account caps are shared by
all its campaigns (fair turns between them); due instants are spread over each slot and spaced
per account. Eligibility is SQL over all campaigns at once (`eligibility`); only rendering runs
per contact, in Python."""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from types import SimpleNamespace

from sqlalchemy import Column, Insert, MetaData, Select, Table, and_, case, delete, func, insert, literal, null, select
from sqlalchemy.orm import InstrumentedAttribute
from sqlalchemy.types import Boolean, Date, Integer, String, Text
from sqlmodel import Session

from core.campaigns import schedule
from core.campaigns.models import STATUS_ACTIVE, STEP_INVITATION, Campaign, CampaignMessage
from core.config import Settings
from core.db import UTCDateTime, dialect_insert
from core.delivery import eligibility, slots
from core.delivery.caps import caps_for
from core.delivery.models import E_PLANNED, E_SKIPPED, S_CLAIMED, S_PLANNED, S_SENT, Enrollment, Send
from core.delivery.rendering import MemoRenders, message_language
from core.moderation.models import Digest
from core.sources.models import Finder, Segment
from core.workspace.models import LinkedInAccount, Member, Workspace

CHUNK = 400  # campaigns per round of queries
MARGIN = 1.5  # candidates fetched per free place, for those that fail rendering


@dataclass
class PlanReport:
    campaigns: int = 0
    planned: int = 0
    skipped: int = 0
    digests: list[int] = field(default_factory=list)  # to deliver: moderated campaigns' days
    skipped_reasons: dict[str, int] = field(default_factory=dict)


def due_days(*, session: Session, now: datetime, campaign_ids: list[int] | None = None,
             force_tomorrow: bool = False) -> dict[int, date]:
    """Active campaigns whose next local day is due for planning and not planned yet: tomorrow
    once the digest hour has passed (or at once with `force_tomorrow`), or today when the
    campaign ran yesterday already and today was never planned (a missed evening)."""
    stmt = (select(Campaign.id, Campaign.timezone, Campaign.activated_at, Campaign.slots, Workspace.digest_hour)
            .join(Workspace, Workspace.id == Campaign.workspace_id)
            .where(Campaign.status == STATUS_ACTIVE, Campaign.paused_reason.is_(None)))
    if campaign_ids is not None:
        stmt = stmt.where(Campaign.id.in_(campaign_ids))
    wanted: dict[int, list[date]] = {}
    for cid, tz_name, activated_at, raw_slots, digest_hour in session.execute(stmt):
        try:
            tz = schedule.zone(tz_name)
        except ValueError:
            continue
        local = now.astimezone(tz)
        days = []
        if (activated_at is not None and activated_at.astimezone(tz).date() < local.date()
                and any(w.end > now for w in slots.windows_on(raw_slots, local.date(), tz))):
            days.append(local.date())
        if force_tomorrow or local.hour >= digest_hour:
            days.append(local.date() + timedelta(days=1))
        if days:
            wanted[cid] = days
    if not wanted:
        return {}
    planned: set[tuple[int, date]] = set()
    ids = list(wanted)
    for i in range(0, len(ids), 5000):
        chunk = ids[i:i + 5000]
        planned.update(session.execute(select(Digest.campaign_id, Digest.for_date).where(
            Digest.campaign_id.in_(chunk), Digest.for_date >= now.date() - timedelta(days=1))).tuples())
    out: dict[int, date] = {}
    for cid, days in wanted.items():
        todo = [d for d in days if (cid, d) not in planned]
        if todo:  # the earliest first; the next call plans the other
            out[cid] = todo[0]
    return out


def plan_due(*, session: Session, now: datetime, settings: Settings, campaign_ids: list[int] | None = None,
             force_tomorrow: bool = False) -> PlanReport:
    """Plan every campaign whose day is due (see `due_days`): a missed today first, then tomorrow."""
    report = PlanReport()
    for _ in range(2):
        targets = due_days(session=session, now=now, campaign_ids=campaign_ids, force_tomorrow=force_tomorrow)
        if not targets:
            break
        plan_days(session=session, targets=targets, now=now, settings=settings, report=report)
    return report


def _claim_days(session: Session, targets: dict[int, date], workspace_of: dict[int, int],
                now: datetime) -> dict[int, int]:
    """Insert the (campaign, day) markers; only the days this planner inserted are planned here."""
    rows = [{"workspace_id": workspace_of[c], "campaign_id": c, "for_date": d, "frozen_at": now, "delivery": {}}
            for c, d in targets.items()]
    if not rows:
        return {}
    stmt = (dialect_insert(session, Digest.__table__)
            .on_conflict_do_nothing(index_elements=["campaign_id", "for_date"])
            .returning(Digest.__table__.c.id, Digest.__table__.c.campaign_id))
    return {cid: did for did, cid in session.execute(stmt, rows)}


def plan_days(*, session: Session, targets: dict[int, date], now: datetime, settings: Settings,
              report: PlanReport | None = None) -> PlanReport:
    """Plan the given local day of each campaign. Idempotent: a day already planned is left alone."""
    report = report if report is not None else PlanReport()
    ids = sorted(targets)
    for i in range(0, len(ids), CHUNK):
        _plan_chunk(session, {c: targets[c] for c in ids[i:i + CHUNK]}, now, settings, report)
    return report


def _load(session: Session, ids: list[int]) -> dict[int, SimpleNamespace]:
    rows = session.execute(
        select(Campaign, LinkedInAccount, Member.name)
        .join(Member, Member.id == Campaign.sender_id)
        .outerjoin(LinkedInAccount, LinkedInAccount.member_id == Campaign.sender_id)
        .where(Campaign.id.in_(ids), Campaign.status == STATUS_ACTIVE)
    ).all()
    return {c.id: SimpleNamespace(campaign=c, account=a, sender_name=n) for c, a, n in rows}


def _used(session: Session, column: InstrumentedAttribute[int], keys: list[int], since: date,
          until: date) -> dict[tuple[int, date], int]:
    """Invitations planned or done per (key, local day) between two days."""
    # `status || ''` keeps the status out of index choice: without statistics SQLite would walk
    # the (status, due_at) index over every planned send instead of the key's own rows.
    stmt = (select(column, Send.local_date, func.count()).where(
        column.in_(keys), Send.step == STEP_INVITATION, (Send.status + "").in_((S_PLANNED, S_CLAIMED, S_SENT)),
        Send.local_date >= since, Send.local_date <= until).group_by(column, Send.local_date))
    return {(k, d): n for k, d, n in session.execute(stmt)}


def _plain_sources(session: Session, camps: dict) -> set[int]:
    """Campaigns whose source is a list segment without criteria (one query for the chunk)."""
    ids = list(camps)
    seg_of = dict(session.execute(select(Campaign.id, Segment.id).join(Segment, Segment.id == Campaign.source_id)
                                  .where(Campaign.id.in_(ids), Campaign.source_kind == "segment")).all())
    seg_of.update(session.execute(select(Campaign.id, Finder.segment_id).join(Finder, Finder.id == Campaign.source_id)
                                  .where(Campaign.id.in_(ids), Campaign.source_kind == "finder")).all())
    segments = {sid: (is_list, criteria) for sid, is_list, criteria in session.execute(
        select(Segment.id, Segment.is_list, Segment.criteria).where(Segment.id.in_(set(seg_of.values()) - {None})))}
    plain = set()
    for cid, sid in seg_of.items():
        is_list, criteria = segments.get(sid, (False, {"?": True}))
        if is_list and not any((criteria or {}).values()):
            plain.add(cid)
    return plain


def _branches(session: Session, camps: dict, now: datetime, plain: set[int]) -> list:
    by_kind: dict[str, list[int]] = defaultdict(list)
    branches = []
    for cid, info in camps.items():
        c = info.campaign
        if cid in plain:
            by_kind[c.source_kind].append(cid)
            continue
        from core.sources.segments import source_contacts

        contacts = source_contacts(session=session, workspace_id=c.workspace_id, kind=c.source_kind,
                                   source_id=c.source_id, sender_id=c.sender_id, now=now)
        branches.append(eligibility.query_branch(cid, c.workspace_id, info.account.id, contacts))
    for kind, cids in by_kind.items():
        branches.append(eligibility.list_segment_branch(cids, kind))
    return branches


def _plan_chunk(session: Session, targets: dict[int, date], now: datetime, settings: Settings,
                report: PlanReport) -> None:
    camps = _load(session, list(targets))
    day_ids = _claim_days(session, {c: targets[c] for c in camps},
                          {c: i.campaign.workspace_id for c, i in camps.items()}, now)
    camps = {c: i for c, i in camps.items() if c in day_ids}
    report.campaigns += len(camps)
    report.digests += [day_ids[c] for c, i in camps.items() if i.campaign.moderation]
    # Capacity: slots of the day (not yet over) × cohort, minus what was planned there already.
    for cid, info in list(camps.items()):
        c, a = info.campaign, info.account
        tz = schedule.zone(c.timezone)
        info.day = targets[cid]
        info.filled = 0
        info.windows = [slots.SlotWindow(w.day, w.index, max(w.start, now), w.end)
                        for w in slots.windows_on(c.slots, info.day, tz) if w.end > now]
        # A slot takes its cohort, but no more than fit in it at the minimum spacing (P-19).
        info.rooms = [min(max(c.cohort_size, 0), slots.fit(w, settings.min_spacing_seconds)) for w in info.windows]
        usable = a is not None and a.status == "valid" and not a.invitations_paused_reason and (
            a.invitations_paused_until is None
            or a.invitations_paused_until <= (info.windows[0].start if info.windows else now))
        info.capacity = sum(info.rooms) if usable else 0
        if info.capacity <= 0:
            del camps[cid]
    if not camps:
        return
    days = [i.day for i in camps.values()]
    by_campaign = _used(session, Send.campaign_id, list(camps), min(days), max(days))
    accounts = {i.account.id: i.account for i in camps.values()}
    by_account = _used(session, Send.account_id, list(accounts), min(days) - timedelta(days=6), max(days))
    left_campaign = {c: max(i.capacity - by_campaign.get((c, i.day), 0), 0) for c, i in camps.items()}
    week_used: dict[int, list[tuple[date, int]]] = defaultdict(list)
    for (acc, day), n in by_account.items():
        week_used[acc].append((day, n))
    left_day: dict[int, int] = {}
    left_week: dict[int, int] = {}
    for info in camps.values():
        a, d = info.account, info.day
        if a.id in left_day:
            continue
        caps = caps_for(a)
        left_day[a.id] = max(caps.daily_invitations - by_account.get((a.id, d), 0), 0)
        week = sum(n for day, n in week_used[a.id] if d - timedelta(days=6) <= day <= d)
        left_week[a.id] = max(caps.weekly_invitations - week, 0)
    templates = _templates(session, list(camps))
    renders = MemoRenders(settings.public_url)
    chosen: dict[int, list] = defaultdict(list)
    pending = {c for c in camps if left_campaign[c] > 0}
    plain = _plain_sources(session, camps)
    while pending:
        active = {c: camps[c] for c in pending}
        per = max(int(max(left_campaign[c] for c in pending) * MARGIN) + 1, 2)
        branches = _branches(session, active, now, plain)
        session.execute(_skip_insert(session, branches, now))
        rows = session.execute(eligibility.eligible_rows(branches, now, per_campaign=per)).all()
        got: dict[int, int] = defaultdict(int)
        taken: set[int] = set()
        skipped = []
        for r in rows:
            got[r.campaign_id] += 1
            info = camps[r.campaign_id]
            if r.contact_id in taken or left_campaign[r.campaign_id] <= 0:
                continue
            if left_day[r.account_id] <= 0 or left_week[r.account_id] <= 0:
                continue
            c = info.campaign
            lang = message_language(r.language, c.languages, c.default_language)
            rendered = renders.get(templates.get((c.id, lang)), r, info.sender_name, info.account.note_limit)
            taken.add(r.contact_id)
            if rendered.problem:
                skipped.append((r, rendered.problem))
                continue
            chosen[r.campaign_id].append((r, lang, rendered.text))
            left_campaign[r.campaign_id] -= 1
            left_day[r.account_id] -= 1
            left_week[r.account_id] -= 1
        _write(session, camps, chosen, skipped, now, settings, report)
        chosen.clear()
        # Another round only for campaigns short of places whose candidate list was cut.
        pending = {c for c in pending if left_campaign[c] > 0 and got[c] >= per
                   and left_day[camps[c].account.id] > 0 and left_week[camps[c].account.id] > 0}


def _templates(session: Session, ids: list[int]) -> dict[tuple[int, str], str]:
    rows = session.execute(select(CampaignMessage.campaign_id, CampaignMessage.language, CampaignMessage.template)
                           .where(CampaignMessage.campaign_id.in_(ids), CampaignMessage.step == STEP_INVITATION))
    return {(c, lang): t for c, lang, t in rows}


def _skip_insert(session: Session, branches: list[Select], now: datetime) -> Insert:
    """INSERT … SELECT of the enrollments that are ineligible for good, with their reason."""
    rows = eligibility.ineligible_rows(branches, now).subquery()
    cols = ["workspace_id", "campaign_id", "contact_id", "account_id", "reason", "state", "created_at", "updated_at"]
    sel = select(rows.c.workspace_id, rows.c.campaign_id, rows.c.contact_id, rows.c.account_id, rows.c.reason,
                 literal(E_SKIPPED), literal(now, type_=Enrollment.__table__.c.created_at.type),
                 literal(now, type_=Enrollment.__table__.c.updated_at.type)
                 ).where(rows.c.campaign_id.is_not(None))  # SQLite needs a WHERE before ON CONFLICT
    return (dialect_insert(session, Enrollment.__table__).from_select(cols, sel)
            .on_conflict_do_nothing(index_elements=["campaign_id", "contact_id"]))


# The rows of one write, staged in a temporary table: one light executemany, then enrollments
# and sends each made by one INSERT … SELECT (no per-row round trip, no id read back).
_STAGE = Table(
    "plan_stage", MetaData(),
    Column("workspace_id", Integer), Column("campaign_id", Integer), Column("contact_id", Integer),
    Column("account_id", Integer), Column("state", String(16)), Column("reason", String(200)),
    Column("language", String(8)), Column("text", Text), Column("local_date", Date), Column("slot_index", Integer),
    Column("due_at", UTCDateTime), Column("frozen", Boolean), Column("send_reason", String(200)),
    prefixes=["TEMPORARY"],
)
_ENROLLMENT_COLUMNS = ["workspace_id", "campaign_id", "contact_id", "account_id", "state", "reason", "language",
                       "created_at", "updated_at"]
_SEND_COLUMNS = ["workspace_id", "campaign_id", "enrollment_id", "account_id", "contact_id", "step", "position",
                 "language", "text", "edited", "local_date", "slot_index", "due_at", "status", "reason", "frozen_at",
                 "attempt", "outcome_unknown", "created_at", "updated_at"]


def _write(session: Session, camps: dict, chosen: dict[int, list], skipped: list, now: datetime, settings: Settings,
           report: PlanReport) -> None:
    rows = []
    for r, problem in skipped:
        rows.append(dict(workspace_id=r.workspace_id, campaign_id=r.campaign_id, contact_id=r.contact_id,
                         account_id=r.account_id, state=E_SKIPPED, reason=problem[:200], language=None, text=None,
                         local_date=None, slot_index=None, due_at=None, frozen=False, send_reason=None))
        report.skipped += 1
        key = problem.split(":")[0]
        report.skipped_reasons[key] = report.skipped_reasons.get(key, 0) + 1
    planned = _timed_sends(camps, chosen, now, settings)
    rows += planned
    if not rows:
        return
    stage, E, S = _STAGE, Enrollment.__table__, Send.__table__
    stage.create(session.connection(), checkfirst=True)
    session.execute(delete(stage))
    session.execute(insert(stage), rows)
    at = literal(now, type_=UTCDateTime())
    session.execute(insert(E).from_select(_ENROLLMENT_COLUMNS, select(
        stage.c.workspace_id, stage.c.campaign_id, stage.c.contact_id, stage.c.account_id, stage.c.state,
        stage.c.reason, stage.c.language, at, at)))
    if planned:
        session.execute(insert(S).from_select(_SEND_COLUMNS, select(
            stage.c.workspace_id, stage.c.campaign_id, E.c.id, stage.c.account_id, stage.c.contact_id,
            literal(STEP_INVITATION), literal(0), stage.c.language, stage.c.text, literal(False), stage.c.local_date,
            stage.c.slot_index, stage.c.due_at, literal(S_PLANNED), stage.c.send_reason,
            case((stage.c.frozen, at), else_=null()),
            literal(0), literal(False), at, at,
        ).join(E, and_(E.c.campaign_id == stage.c.campaign_id, E.c.contact_id == stage.c.contact_id))
         .where(stage.c.state == E_PLANNED)))
    session.execute(delete(stage))
    report.planned += len(planned)


MOVED_BY_SPACING = "slot full at the minimum spacing: moved to a later slot"


def _timed_sends(camps: dict, chosen: dict[int, list], now: datetime, settings: Settings) -> list[dict]:
    """Fill each campaign's slots in order (each up to its room), spread instants over each slot,
    then space the account's actions across all its campaigns, each inside its slot."""
    rows: list[dict] = []
    windows: list[slots.SlotWindow] = []
    by_account: dict[int, list[int]] = defaultdict(list)
    for cid, picked in chosen.items():
        info = camps[cid]
        c = info.campaign
        rng = random.Random(f"{cid}:{info.day.isoformat()}")
        offset = info.filled  # places used by an earlier round of this run
        info.filled += len(picked)
        queue = list(picked)
        for window, room in zip(info.windows, info.rooms, strict=True):
            free = room - max(offset, 0)
            offset -= room
            if free <= 0 or not queue:
                continue
            batch, queue = queue[:free], queue[free:]
            for (r, lang, text), due in zip(batch, slots.spread(window, len(batch), rng), strict=True):
                by_account[r.account_id].append(len(rows))
                windows.append(window)
                rows.append(dict(
                    workspace_id=r.workspace_id, campaign_id=cid, contact_id=r.contact_id, account_id=r.account_id,
                    state=E_PLANNED, reason=None, language=lang, text=text, local_date=info.day,
                    slot_index=window.index,
                    due_at=due, frozen=bool(c.moderation), send_reason=None,
                ))
    for account_id, idx in by_account.items():
        rng = random.Random(f"space:{account_id}:{now.date().isoformat()}")
        _place(camps, rows, windows, idx, rng, settings)
    return [r for r in rows if r["due_at"] is not None]


def _place(camps: dict, rows: list[dict], windows: list, idx: list[int], rng: random.Random,
           settings: Settings) -> None:
    """Space one account's sends inside their slots; a send its slot has no room for (campaigns of
    one account sharing the hours) moves to its campaign's next slot, saying so, or is dropped
    from this plan when there is none (the contact waits for another day)."""
    for moves in range(MAX_MOVES + 1):
        placed = slots.within_slots([rows[i]["due_at"] for i in idx], [windows[i] for i in idx],
                                    min_seconds=settings.min_spacing_seconds,
                                    jitter_seconds=settings.spacing_jitter_seconds, rng=rng)
        late = [i for i, due in zip(idx, placed, strict=True) if due is None]
        for i, due in zip(idx, placed, strict=True):
            rows[i]["due_at"] = due  # None: dropped unless moved below
        if not late or moves == MAX_MOVES:
            return
        for i in late:
            c = camps[rows[i]["campaign_id"]].campaign
            nxt = slots.next_window(c.slots, schedule.zone(c.timezone), on_or_after=windows[i].day,
                                    not_before=windows[i].end)
            if nxt is not None:
                windows[i] = nxt
                rows[i].update(local_date=nxt.day, slot_index=nxt.index, due_at=slots.spread(nxt, 1, rng)[0],
                               send_reason=MOVED_BY_SPACING)
        idx = [i for i in idx if rows[i]["due_at"] is not None]


MAX_MOVES = 8
