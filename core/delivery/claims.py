"""Claiming a send (invariants 2–4): one transaction that re-checks the campaign, the account's
caps and spacing, then takes the send with a lease and a new attempt number.

Locks, always in this order: campaign (shared; a stop holds it exclusively while it cancels),
account (exclusive: caps and spacing are read and the action slot reserved under it), send
(`FOR UPDATE SKIP LOCKED`: a racing worker moves on). On SQLite, `BEGIN IMMEDIATE` serialises
every writer, which gives the same guarantees. Later writes are fenced by the attempt number."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select, update
from sqlmodel import Session

from core.campaigns import schedule
from core.campaigns.models import STATUS_ACTIVE, STEP_INVITATION, Campaign
from core.delivery import caps, slots
from core.delivery.models import S_CANCELLED, S_CLAIMED, S_PLANNED, Enrollment, Send
from core.sources.models import Contact
from core.workspace.models import LinkedInAccount

# Why a claim did not happen (for logs and tests; none of these is an error).
NOT_DUE = "not_due"
BUSY = "busy"
CANCELLED = "cancelled"
HELD = "held"
MOVED = "moved"


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


def _is_pg(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def claim_send(*, session: Session, send_id: int, worker: str, now: datetime, settings) -> Claim | str:
    """Take send `send_id` if it is due (or its lease expired) and every rule holds; otherwise
    say why not, having cancelled it (campaign stopped) or moved it (caps, spacing, pause)."""
    row = session.execute(select(Send.campaign_id, Send.account_id, Send.status, Send.due_at, Send.lease_until,
                                 Send.step).where(Send.id == send_id)).first()
    if row is None:
        return NOT_DUE
    reclaim = row.status == S_CLAIMED and row.lease_until is not None and row.lease_until < now
    if not reclaim and not (row.status == S_PLANNED and row.due_at <= now):
        return NOT_DUE
    pg = _is_pg(session)
    campaign_q = select(Campaign.status, Campaign.paused_reason, Campaign.timezone, Campaign.slots).where(
        Campaign.id == row.campaign_id)
    campaign = session.execute(campaign_q.with_for_update(read=True) if pg else campaign_q).one()
    account_q = select(LinkedInAccount).where(LinkedInAccount.id == row.account_id)
    account = session.execute(account_q.with_for_update() if pg else account_q).scalar_one()
    if pg:
        locked = session.execute(select(Send.id).where(Send.id == send_id).with_for_update(skip_locked=True)).first()
        if locked is None:
            return BUSY
    stopped = campaign.status != STATUS_ACTIVE
    if stopped and not reclaim:
        session.execute(update(Send).where(Send.id == send_id, Send.status == S_PLANNED)
                        .values(status=S_CANCELLED, reason="campaign stopped", updated_at=now))
        return CANCELLED
    if not reclaim and (campaign.paused_reason or account.status != "valid"):
        return HELD  # waits, planned, until the account is back (the planner moves it then)
    invitation = row.step == STEP_INVITATION
    if not reclaim:  # a reclaimed send already holds its place under the caps (and its account lock)
        verdict = _hold_or_move(session, send_id, account, campaign, invitation=invitation, now=now, settings=settings)
        if verdict is not None:
            return verdict
    claimed = session.execute(
        update(Send)
        .where(Send.id == send_id, or_(and_(Send.status == S_PLANNED, Send.due_at <= now),
                                       and_(Send.status == S_CLAIMED, Send.lease_until < now)))
        .values(status=S_CLAIMED, attempt=Send.attempt + 1, lease_until=now + timedelta(seconds=settings.lease_seconds),
                claimed_by=worker[:64], updated_at=now)
        .returning(Send.attempt, Send.outcome_unknown, Send.updated_at)
    ).first()
    if claimed is None:
        return BUSY
    if not reclaim:
        account.last_action_at = now
        session.add(account)
    send = session.get(Send, send_id)
    session.refresh(send)
    return Claim(
        send_id=send_id, attempt=claimed.attempt, step=send.step, position=send.position,
        campaign_id=send.campaign_id, enrollment_id=send.enrollment_id, contact_id=send.contact_id,
        account_id=account.id, provider_account_id=account.provider_account_id, text=send.text,
        language=send.language, reconcile=bool(claimed.outcome_unknown),
        previous_call_at=row.lease_until - timedelta(seconds=settings.lease_seconds) if reclaim else None,
        lease_until=send.lease_until, reconcile_only=stopped,
    )


def _hold_or_move(session: Session, send_id: int, account: LinkedInAccount, campaign, *, invitation: bool,
                  now: datetime, settings) -> str | None:
    rng = random.Random(f"{send_id}:{now.isoformat()}")
    if invitation and account.invitations_paused_reason:
        return HELD
    if invitation and account.invitations_paused_until and account.invitations_paused_until > now:
        move_to_next_day(session, send_id, campaign, after=account.invitations_paused_until, now=now)
        return MOVED
    refusal = caps.refusal(session, account, invitation=invitation, now=now)
    if refusal:
        if invitation:
            move_to_next_day(session, send_id, campaign, after=now, now=now, reason=refusal)
        else:
            _set_due(session, send_id, now + timedelta(hours=1), now, reason=refusal)
        return MOVED
    if account.last_action_at is not None:
        earliest = account.last_action_at + timedelta(seconds=settings.min_spacing_seconds)
        if earliest > now:
            _set_due(session, send_id, earliest + timedelta(seconds=rng.uniform(0, settings.spacing_jitter_seconds)), now)
            return MOVED
    return None


def _set_due(session: Session, send_id: int, due: datetime, now: datetime, reason: str | None = None) -> None:
    values = {"due_at": due.replace(microsecond=0), "updated_at": now}
    if reason:
        values["reason"] = reason[:200]
    session.execute(update(Send).where(Send.id == send_id, Send.status == S_PLANNED).values(**values))


def move_to_next_day(session: Session, send_id: int, campaign, *, after: datetime, now: datetime,
                     reason: str | None = None) -> None:
    """Move a planned send to the first slot of a later local day (the same slot if it has one),
    keeping its place within the slot."""
    tz = schedule.zone(campaign.timezone)
    send = session.get(Send, send_id)
    day = max(slots.local_day(after, tz), send.local_date) + timedelta(days=1)
    window = slots.next_window(campaign.slots, tz, on_or_after=day, not_before=after)
    if window is None:
        return
    same = [w for w in slots.windows_on(campaign.slots, window.day, tz) if w.index == send.slot_index]
    target = same[0] if same else window
    rng = random.Random(f"move:{send_id}:{target.day}")
    due = target.start + timedelta(seconds=rng.uniform(0.1, 0.9) * target.seconds)
    session.execute(update(Send).where(Send.id == send_id, Send.status == S_PLANNED).values(
        local_date=target.day, slot_index=target.index, due_at=due.replace(microsecond=0), updated_at=now,
        reason=(reason or "moved to the next day")[:200]))


def mark_calling(*, session: Session, claim: Claim, now: datetime) -> bool:
    """Fence before the provider call: still ours and within the lease. From here on the outcome
    is unknown until recorded, so a later attempt reconciles before acting."""
    result = session.execute(
        update(Send).where(Send.id == claim.send_id, Send.attempt == claim.attempt, Send.status == S_CLAIMED,
                           Send.lease_until > now)
        .values(outcome_unknown=True, updated_at=now))
    return result.rowcount == 1


def fenced(claim: Claim):
    """The WHERE of every write about this attempt: nobody took the send over since."""
    return and_(Send.id == claim.send_id, Send.attempt == claim.attempt, Send.status == S_CLAIMED)


def contact_and_enrollment(session: Session, claim: Claim) -> tuple[Contact, Enrollment]:
    return session.get(Contact, claim.contact_id), session.get(Enrollment, claim.enrollment_id)
