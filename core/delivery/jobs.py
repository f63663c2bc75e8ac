"""What the clock finds to enqueue, as queries: due and overdue sends, expired leases, events
not yet processed, accounts to poll and to clean up. The clock only enqueues; every job is
idempotent, so finding something twice is harmless."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import and_, delete, or_, select
from sqlmodel import Session

from core.campaigns.models import STATUS_ACTIVE, STEP_INVITATION, Campaign
from core.db import rowcount
from core.delivery import moves
from core.delivery.models import (
    E_ACCEPTED,
    E_FOLLOWING_UP,
    E_INVITED,
    E_WELCOMED,
    S_CLAIMED,
    S_PLANNED,
    Enrollment,
    Send,
    WebhookEvent,
)
from core.moderation import digests
from core.moderation.models import Digest
from core.workspace.models import LinkedInAccount

OVERDUE = timedelta(hours=3)  # an invitation this late moves to its next slot day instead
KEEP_EVENTS = timedelta(days=30)
# A send moved to a later instant within this horizon is re-enqueued for then by the worker
# (a delayed broker message); later ones are found by the clock's sweep within a minute of due.
REDELIVER_WITHIN = timedelta(hours=1)


def due_sends(*, session: Session, now: datetime, limit: int = 5000) -> list[int]:
    """Planned sends whose time has come (accounts and campaigns able to act, not held for their
    digest), and claimed ones whose lease expired (their worker died or stalled), oldest first."""
    stmt = (
        select(Send.id)
        .join(Campaign, Campaign.id == Send.campaign_id)
        .join(LinkedInAccount, LinkedInAccount.id == Send.account_id)
        .where(or_(
            and_(Send.status == S_PLANNED, Send.due_at <= now, Campaign.paused_reason.is_(None),
                 LinkedInAccount.status == "valid",
                 or_(Send.step != STEP_INVITATION, LinkedInAccount.invitations_paused_reason.is_(None)),
                 ~digests.held(step=Send.step, moderation=Campaign.moderation, campaign_id=Send.campaign_id,
                               local_date=Send.local_date)),
            and_(Send.status == S_CLAIMED, Send.lease_until < now),
            and_(Send.status == S_PLANNED, Campaign.status != STATUS_ACTIVE),  # to be cancelled by the claim
        ))
        .order_by(Send.due_at).limit(limit)
    )
    return list(session.execute(stmt).scalars())


def redelivery_delay(*, session: Session, send_id: int, now: datetime) -> timedelta | None:
    """How long until send `send_id`, planned, is due again — when that is within REDELIVER_WITHIN
    (a send moved by the spacing or a cap, or given back with a back-off); None otherwise."""
    due: datetime | None = session.execute(select(Send.due_at).where(Send.id == send_id,
                                                                     Send.status == S_PLANNED)).scalar()
    if due is None or due - now > REDELIVER_WITHIN:
        return None
    return max(due - now, timedelta(0))


def move_overdue_invitations(*, session: Session, now: datetime) -> int:
    """Invitations left far behind their slot (an account paused, the clock down) move to their
    next slot day rather than going out in a burst at the wrong time."""
    rows = session.execute(select(Send.id, Send.campaign_id).join(Campaign, Campaign.id == Send.campaign_id).where(
        Send.status == S_PLANNED, Send.step == STEP_INVITATION, Send.due_at < now - OVERDUE,
        Campaign.status == STATUS_ACTIVE)).all()
    for send_id, campaign_id in rows:
        moves.move_to_next_day(session, send_id, session.get_one(Campaign, campaign_id), after=now, now=now,
                                reason="overdue: moved to the next day")
    return len(rows)


def pending_events(*, session: Session, limit: int = 1000) -> list[int]:
    return list(session.execute(select(WebhookEvent.id).where(WebhookEvent.processed_at.is_(None))
                                .order_by(WebhookEvent.id).limit(limit)).scalars())


def undelivered_digests(*, session: Session, now: datetime) -> list[int]:
    """Digests of moderated days not yet with their moderator whose next try has come (never tried,
    a platform failed, an attempt's lease ran out), from yesterday on."""
    return list(session.execute(
        select(Digest.id).join(Campaign, Campaign.id == Digest.campaign_id)
        .where(Digest.delivered_at.is_(None), Campaign.moderation.is_(True), Campaign.status == STATUS_ACTIVE,
               Digest.for_date >= (now - timedelta(days=1)).date(),
               or_(Digest.next_try_at.is_(None), Digest.next_try_at <= now))
        .order_by(Digest.for_date, Digest.id)).scalars())


def accounts_to_poll(*, session: Session) -> list[int]:
    """Valid accounts with sequences still waiting for an acceptance or a reply, and invalid ones
    (the poll re-reads their status: a missed "OK" webhook must not leave them disconnected)."""
    live = select(Enrollment.account_id).where(Enrollment.state.in_((E_INVITED, E_ACCEPTED, E_WELCOMED,
                                                                     E_FOLLOWING_UP)))
    return list(session.execute(
        select(LinkedInAccount.id).where(or_(and_(LinkedInAccount.status == "valid", LinkedInAccount.id.in_(live)),
                                             LinkedInAccount.status == "invalid"))
        .order_by(LinkedInAccount.id)).scalars())


def accounts_with_stale_invitations(*, session: Session, now: datetime, days: int) -> list[int]:
    return list(session.execute(
        select(Enrollment.account_id).where(Enrollment.state == E_INVITED,
                                            Enrollment.invited_at < now - timedelta(days=days)).distinct()).scalars())


def clean_up(*, session: Session, now: datetime) -> int:
    """Forget processed webhook events after 30 days; lift rate-limit pauses that are over."""
    removed = rowcount(session, delete(WebhookEvent).where(WebhookEvent.processed_at.is_not(None),
                                                           WebhookEvent.received_at < now - KEEP_EVENTS))
    for account in session.execute(select(LinkedInAccount).where(
            LinkedInAccount.invitations_paused_until.is_not(None),
            LinkedInAccount.invitations_paused_until <= now)).scalars():
        account.invitations_paused_until = None
        session.add(account)
    return removed
