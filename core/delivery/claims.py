"""Claiming a send (invariants 2–4): one transaction that re-checks the campaign, the account's
caps and spacing, then takes the send with a lease and a new attempt number.

Locks, always in this order: campaign (shared; a stop holds it exclusively while it cancels),
account (exclusive: caps and spacing are read and the action slot reserved under it), send
(`FOR UPDATE SKIP LOCKED`: a racing worker moves on). On SQLite, `BEGIN IMMEDIATE` serialises
every writer, which gives the same guarantees. Later writes are fenced by the attempt number."""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from types import SimpleNamespace
from typing import Any

from sqlalchemy import BindParameter, Column, ColumnElement, Row, and_, bindparam, or_, select, true, update
from sqlmodel import Session

from core.campaigns.models import STATUS_ACTIVE, STEP_INVITATION, Campaign
from core.config import Settings
from core.db import rowcount
from core.delivery import caps, moves
from core.delivery.models import S_CANCELLED, S_CLAIMED, S_PLANNED, Enrollment, Send
from core.metrics import NO_METRICS, Metrics
from core.moderation.digests import held
from core.sources.models import Contact
from core.workspace.models import LinkedInAccount


# Why a claim did not happen (for logs and tests; none of these is an error).
class Refusal(StrEnum):
    NOT_DUE = "not_due"  # not due yet, or done already (a duplicate or early message)
    BUSY = "busy"  # another worker holds it
    CANCELLED = "cancelled"  # its campaign stopped
    HELD = "held"  # waits, planned: the account paused, or the day's digest not with its moderator yet
    MOVED = "moved"  # a cap, the spacing or its slot moved it to later


NOT_DUE, BUSY, CANCELLED, HELD, MOVED = Refusal.NOT_DUE, Refusal.BUSY, Refusal.CANCELLED, Refusal.HELD, Refusal.MOVED


@dataclass(frozen=True)
class Claim:
    send_id: int
    attempt: int
    step: str
    position: int
    campaign_id: int
    enrollment_id: int
    contact_id: int
    account_id: int
    provider_account_id: str
    text: str
    language: str
    reconcile: bool  # an earlier attempt may have reached the provider
    previous_call_at: datetime | None
    lease_until: datetime
    reconcile_only: bool = False  # the campaign stopped since the lease was taken: never act again
    # What the attempt needs, read in the claim's transaction.
    provider_id: str | None = None
    identifier: str = ""
    chat_id: str | None = None
    accepted_at: datetime | None = None
    stop_if_ongoings: bool = True
    stop_if_incomings: bool = True
    sender_id: int = 0
    workspace_id: int = 0
    fenced_for_call: bool = False  # the claim already marked the call as under way
    claimed_at: datetime | None = None  # when the claim reserved the account's action slot


T = Send.__table__
C, A = Campaign.__table__, LinkedInAccount.__table__
CT, ET = Contact.__table__, Enrollment.__table__
_NOW: BindParameter[datetime] = bindparam("at_now", type_=T.c.due_at.type)
_ID: BindParameter[int] = bindparam("send_id")
# The hot statements, built once from the tables (Core: no ORM compilation per call), bind
# parameters only. What can change under the claim (the send's state and text) is read once the
# send is ours; the contact's and enrollment's fields are not locked by the claim either way.
_SEND_STATE = (T.c.status, T.c.due_at, T.c.lease_until, T.c.outcome_unknown, T.c.sent_at, T.c.step, T.c.position,
               T.c.text, T.c.language)
_SEND_REST = (T.c.campaign_id, T.c.account_id, T.c.enrollment_id, T.c.contact_id, CT.c.provider_id,
              CT.c.public_identifier, ET.c.chat_id, ET.c.accepted_at)
_CAMPAIGN_COLS = (C.c.status, C.c.paused_reason, C.c.timezone, C.c.slots, C.c.stop_if_ongoings, C.c.stop_if_incomings,
                  C.c.sender_id, C.c.workspace_id)
# Moderation: an invitation whose day's digest has not reached the moderator waits (`digests`).
_HELD = held(step=T.c.step, moderation=C.c.moderation, campaign_id=T.c.campaign_id,
             local_date=T.c.local_date).label("held_by_digest")
_ACCOUNT_COLS = (A.c.id, A.c.status, A.c.provider_account_id, A.c.kind, A.c.daily_invite_cap, A.c.weekly_invite_cap,
                 A.c.daily_message_cap, A.c.invitations_paused_until, A.c.invitations_paused_reason, A.c.last_action_at)
_JOINED = T.join(CT, CT.c.id == T.c.contact_id).join(ET, ET.c.id == T.c.enrollment_id)
_C_LABELLED = tuple(c.label(f"c_{c.name}") for c in _CAMPAIGN_COLS)
# The send's whereabouts with its campaign locked (shared) in one read, then the account
# (exclusive), then the send (skip locked), always in this order. SQLite renders no FOR UPDATE:
# its `BEGIN IMMEDIATE` already serialises every writer, which gives the same guarantees.
_DETAILS = (select(*_SEND_STATE, *_SEND_REST, *_C_LABELLED, _HELD)
            .select_from(_JOINED.join(C, C.c.id == T.c.campaign_id)).where(T.c.id == _ID)
            .with_for_update(read=True, of=C))
_ACCOUNT = select(*_ACCOUNT_COLS).where(A.c.id == bindparam("account_id")).with_for_update()
# The send, skipped if a racing worker holds it, with the account's cap counts (read now that the
# account is locked: no other claim of it can commit in between).
_LOCK_SEND = (select(*_SEND_STATE, caps.WINDOW_COUNTS).select_from(T.join(caps.WINDOW_COUNTS, true()))
              .where(T.c.id == _ID).with_for_update(skip_locked=True, of=T))
_TAKE = (
    update(T)
    .where(T.c.id == _ID, or_(and_(T.c.status == S_PLANNED, T.c.due_at <= _NOW),
                              and_(T.c.status == S_CLAIMED, T.c.lease_until < _NOW)))
    .values(status=S_CLAIMED, attempt=T.c.attempt + 1, lease_until=bindparam("new_lease", type_=T.c.lease_until.type),
            claimed_by=bindparam("by_worker"), updated_at=_NOW,
            outcome_unknown=T.c.outcome_unknown | bindparam("calling", type_=T.c.outcome_unknown.type))
    .returning(T.c.attempt)
)
_ACTED_AT = bindparam("acted_at", type_=A.c.last_action_at.type)
_ACTED = update(A).where(A.c.id == bindparam("account_id")).values(last_action_at=_ACTED_AT)
_MARK = (
    update(T)
    .where(T.c.id == _ID, T.c.attempt == bindparam("mine"), T.c.status == S_CLAIMED, T.c.lease_until > _NOW)
    .values(outcome_unknown=True, updated_at=_NOW)
)
# The fence's look at the account: its last action, locked until the fence commits.
_LAST_ACTION = select(A.c.last_action_at).where(A.c.id == bindparam("account_id")).with_for_update()


def links_in(text: str) -> bool:
    from core.links.tracking import has_links

    return has_links(text)


def _due(row: Any, now: datetime) -> tuple[bool, bool]:
    """(claimable now, a reclaim of an attempt whose lease expired)."""
    reclaim = row.status == S_CLAIMED and row.lease_until is not None and row.lease_until < now
    return reclaim or (row.status == S_PLANNED and row.due_at <= now), reclaim


def _split(row: Row, prefix: str, cols: Iterable[Column[Any]]) -> SimpleNamespace:
    m = row._mapping
    return SimpleNamespace(**{c.name: m[f"{prefix}{c.name}"] for c in cols})


def _read(session: Session, send_id: int, now: datetime) -> Refusal | tuple[SimpleNamespace, SimpleNamespace, Row]:
    """(send, campaign, account) under the claim's locks, or NOT_DUE / BUSY."""
    before = session.execute(_DETAILS, {"send_id": send_id}).first()
    if before is None or not _due(before, now)[0]:
        return NOT_DUE  # a duplicate or early message: one read, no lock kept for long
    account = session.execute(_ACCOUNT, {"account_id": before.account_id}).one()
    locked = session.execute(_LOCK_SEND, {"send_id": send_id, **caps.window_params(before.account_id, now)}).first()
    if locked is None:
        return BUSY
    return SimpleNamespace(**{**before._mapping, **locked._mapping}), _split(before, "c_", _CAMPAIGN_COLS), account


def _take(session: Session, *, send_id: int, account_id: int, now: datetime, worker: str, calling: bool,
          lease: datetime, acting: bool) -> Row | None:
    """The claim's UPDATE … RETURNING attempt (None: another took it), reserving the account's
    action slot (`last_action_at`) when this attempt will act."""
    # Exactly the statement's parameters: an extra key naming a column would become a SET of an UPDATE.
    params = {"send_id": send_id, "at_now": now, "by_worker": worker[:64], "calling": calling, "new_lease": lease}
    claimed = session.execute(_TAKE, params).first()
    if claimed is not None and acting:
        session.execute(_ACTED, {"account_id": account_id, "acted_at": now})
    return claimed


def claim_send(*, session: Session, send_id: int, worker: str, now: datetime, settings: Settings,
               metrics: Metrics = NO_METRICS) -> Claim | Refusal:
    """Take send `send_id` if it is due (or its lease expired) and every rule holds; otherwise
    say why not, having cancelled it (campaign stopped) or moved it (caps, spacing, pause)."""
    read = _read(session, send_id, now)
    if isinstance(read, str):
        return read
    send = row = read[0]  # as it is now that it is ours
    campaign, account = read[1], read[2]
    due, reclaim = _due(row, now)
    if not due:
        return NOT_DUE
    stopped = campaign.status != STATUS_ACTIVE
    if stopped and not reclaim:
        session.execute(update(Send).where(Send.id == send_id, Send.status == S_PLANNED)
                        .values(status=S_CANCELLED, reason="campaign stopped", updated_at=now))
        return CANCELLED
    counted = None if getattr(row, "used_day", None) is None else (row.used_day, row.used_week, row.used_messages)
    if reclaim and not stopped:
        # An attempt whose lease expired is given back, then claimed like any planned send: the
        # same slot, caps and spacing checks, and it is recorded as an action of the account
        # (invariant 4 holds for every action, reclaimed or not).
        if not row.outcome_unknown:
            counted = None  # it was counted as in flight; it no longer is
        send = row = _expired_to_planned(session, send_id, row, now, settings)
        reclaim = False
    if not reclaim and (campaign.paused_reason or account.status != "valid"):
        return HELD  # waits, planned, until the account is back (the planner moves it then)
    if not reclaim and row.held_by_digest:
        return HELD  # waits, planned, for its digest to reach the moderator (then re-timed)
    invitation = row.step == STEP_INVITATION
    if not reclaim:  # a stopped campaign's expired attempt is only reconciled: it never acts
        if not moves.in_a_slot(session, send_id, campaign, now):
            return MOVED
        verdict = _hold_or_move(session, send_id, account, campaign, invitation=invitation, now=now, settings=settings,
                                holds_place=bool(row.outcome_unknown), counted=counted, metrics=metrics)
        if verdict is not None:
            return verdict
    # The fast path of an invitation needs nothing between the claim and the call, so the claim
    # is also the fence before the call: one transaction less.
    calling = (invitation and not reclaim and not row.outcome_unknown and send.provider_id is not None
               and not links_in(send.text))
    claimed = _take(session, send_id=send_id, account_id=account.id, now=now, worker=worker, calling=calling,
                    lease=now + timedelta(seconds=settings.lease_seconds), acting=not reclaim)
    if claimed is None:
        return BUSY
    return Claim(
        send_id=send_id, attempt=claimed.attempt, step=send.step, position=send.position,
        campaign_id=row.campaign_id, enrollment_id=send.enrollment_id, contact_id=send.contact_id,
        account_id=account.id, provider_account_id=account.provider_account_id, text=send.text,
        language=send.language, reconcile=bool(row.outcome_unknown), fenced_for_call=calling,
        previous_call_at=_previous_call(row, reclaim, settings),
        lease_until=now + timedelta(seconds=settings.lease_seconds), reconcile_only=stopped,
        provider_id=send.provider_id,
        identifier=send.public_identifier, chat_id=send.chat_id, accepted_at=send.accepted_at,
        stop_if_ongoings=campaign.stop_if_ongoings, stop_if_incomings=campaign.stop_if_incomings,
        sender_id=campaign.sender_id, workspace_id=campaign.workspace_id, claimed_at=now,
    )


def _expired_to_planned(session: Session, send_id: int, row: Any, now: datetime, settings: Settings) -> SimpleNamespace:
    """Give back an attempt whose lease expired (the send is locked by the claim): planned again,
    still marked if its call may have acted, with that call's time (its claim) kept for the caps
    and for the reconciliation."""
    called = (row.sent_at or row.lease_until - timedelta(seconds=settings.lease_seconds)) if row.outcome_unknown \
        else None
    session.execute(update(T).where(T.c.id == send_id, T.c.status == S_CLAIMED)
                    .values(status=S_PLANNED, lease_until=None, sent_at=called, updated_at=now))
    fields = dict(row._mapping) if hasattr(row, "_mapping") else dict(vars(row))
    return SimpleNamespace(**{**fields, "status": S_PLANNED, "lease_until": None, "sent_at": called})


def _previous_call(row: Any, reclaim: bool, settings: Settings) -> datetime | None:
    """When the earlier attempt whose outcome is unknown called the provider: recorded when it
    was given back, else (a lease that expired) about when that attempt was claimed."""
    sent_at: datetime | None = row.sent_at
    if row.outcome_unknown and sent_at is not None:
        return sent_at
    return row.lease_until - timedelta(seconds=settings.lease_seconds) if reclaim else None


def _hold_or_move(session: Session, send_id: int, account: Row, campaign: moves.Scheduled, *, invitation: bool,
                  now: datetime, settings: Settings, holds_place: bool = False,
                  counted: tuple[int, int, int] | None = None, metrics: Metrics = NO_METRICS) -> Refusal | None:
    """HELD or MOVED when a rule says not now, else None. `holds_place`: a send whose earlier call
    may have acted is already counted under the caps (it is not refused for its own place)."""
    rng = random.Random(f"{send_id}:{now.isoformat()}")
    if invitation and account.invitations_paused_reason:
        return HELD
    if invitation and account.invitations_paused_until and account.invitations_paused_until > now:
        moves.move_to_next_day(session, send_id, campaign, after=account.invitations_paused_until, now=now)
        return MOVED
    reached = None if holds_place else caps.cap_reached(session, account, invitation=invitation, now=now,
                                                        counted=counted)
    if reached:
        cap, refusal = reached
        metrics.cap_reached(cap)
        if invitation:
            moves.move_to_next_day(session, send_id, campaign, after=now, now=now, reason=refusal)
        else:
            moves.set_due(session, send_id, campaign, now + timedelta(hours=1), now, reason=refusal)
        return MOVED
    if account.last_action_at is not None:
        earliest = account.last_action_at + timedelta(seconds=settings.min_spacing_seconds)
        if earliest > now:
            moves.set_due(session, send_id, campaign,
                          earliest + timedelta(seconds=rng.uniform(0, settings.spacing_jitter_seconds)), now,
                          earliest=earliest)
            return MOVED
    return None


def mark_calling(*, session: Session, claim: Claim, now: datetime, settings: Settings) -> bool | Refusal:
    """Fence before the provider call: still ours and within the lease, and still spaced from the
    account's other actions — an attempt slowed by its reads (a reconciliation, the stop rules)
    may have let another action of the account go since its claim; then the send is given back
    for when the spacing allows (MOVED). Otherwise the account's last action becomes `now` (the
    call leaves now) and, from here on, the outcome is unknown until recorded, so a later attempt
    reconciles before acting. True, False (the lease was lost) or MOVED."""
    acted = session.execute(_LAST_ACTION, {"account_id": claim.account_id}).scalar()
    if acted is not None and claim.claimed_at is not None and acted > claim.claimed_at:
        earliest = acted + timedelta(seconds=settings.min_spacing_seconds)
        if earliest > now:
            return _give_back_for_spacing(session, claim, earliest, now, settings)
    if rowcount(session, _MARK, {"send_id": claim.send_id, "mine": claim.attempt, "at_now": now}) != 1:
        return False
    session.execute(_ACTED, {"account_id": claim.account_id, "acted_at": now})  # never earlier: checked above
    return True


def _give_back_for_spacing(session: Session, claim: Claim, earliest: datetime, now: datetime,
                           settings: Settings) -> bool | Refusal:
    given = rowcount(session, update(T).where(fenced(claim), T.c.lease_until > now)
                     .values(status=S_PLANNED, lease_until=None, updated_at=now))
    if given != 1:
        return False
    campaign = session.execute(select(C.c.timezone, C.c.slots).where(C.c.id == claim.campaign_id)).one()
    rng = random.Random(f"{claim.send_id}:{now.isoformat()}")
    moves.set_due(session, claim.send_id, campaign,
                  earliest + timedelta(seconds=rng.uniform(0, settings.spacing_jitter_seconds)), now, earliest=earliest)
    return MOVED


def fenced(claim: Claim) -> ColumnElement[bool]:
    """The WHERE of every write about this attempt: nobody took the send over since."""
    return and_(T.c.id == claim.send_id, T.c.attempt == claim.attempt, T.c.status == S_CLAIMED)


def contact_and_enrollment(session: Session, claim: Claim) -> tuple[Contact, Enrollment]:
    return session.get_one(Contact, claim.contact_id), session.get_one(Enrollment, claim.enrollment_id)
