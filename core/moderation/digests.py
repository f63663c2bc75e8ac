"""Getting a moderation digest to its moderator (P-21, P-22), and holding the cohort until then.

A moderated campaign's invitations of a local day are *held* while the digest of that day exists
and has not reached the moderator: the claim refuses them (`claims.HELD`) and the clock does not
enqueue them. Nothing goes out unmoderated because Slack or Teams was down.

An attempt (`deliver_digest`) takes the digest with a lease — one guarded UPDATE moves
`next_try_at` past the attempt, so a duplicated broker message or a second clock finds nothing to
do — builds the view, posts it through the notifier outside any transaction, then records:
- delivered (at least one platform showed every page): `delivered_at`, the references, and the
  held cohort is released (below);
- failed or unreachable (no platform knows the sender): the attempt count, the reason and the next
  try, backing off from 1 to 15 minutes; the cohort keeps waiting. Pages a platform did post are
  kept, so the next attempt posts only the rest.
A crash between the post and the record leaves the lease to run out and the digest is tried again
(the moderator may then get it twice, never not at all).

Release: once the moderator has the digest, the day's invitations due before `delivery + GRACE`
are re-timed to go out from then on — in the slot under way if it is still open then, else in the
campaign's next slot (later that day, or its next slot day) — spread over that slot; the claim
still applies the account's caps and spacing. The moderator always has `GRACE` to decide. The
digest of a late delivery says so (`DigestView.held`) with the new start.

`show_digest` is the `digest` command's way: shown in chat, the digest counts as delivered (the
clock does not post it again) and the same release applies."""

from __future__ import annotations

import logging
import random
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from sqlalchemy import ColumnElement, Row, SQLColumnExpression, and_, exists, or_, select, update
from sqlmodel import Session

from core.campaigns import schedule
from core.campaigns.models import STATUS_ACTIVE, STEP_INVITATION, Campaign
from core.clock import Clock
from core.db import UnitOfWork
from core.delivery import slots
from core.delivery.models import S_PLANNED, Send
from core.i18n import speaking
from core.moderation.decisions import digest_view
from core.moderation.models import Digest
from core.notify import DigestOutcome, DigestView, Notifier
from core.workspace.language import language_of_member_id

log = logging.getLogger("invitebot.digests")

GRACE = timedelta(minutes=30)  # the least time a moderator has between getting a digest and its first send
LEASE = timedelta(minutes=10)  # an attempt under way (Teams may wait out several 429s)
BACKOFF = (1, 2, 5, 10, 15)  # minutes before the next try, by attempt; then every 15 minutes

# What an attempt did (for logs and tests).
DELIVERED = "delivered"
FAILED = "failed"
UNREACHABLE = "unreachable"
EMPTY = "empty"  # nothing to moderate that day: closed without a post
NOT_DUE = "not_due"  # delivered already, another attempt under way, not yet time, or not moderated

_D = Digest.__table__


def held(*, step: SQLColumnExpression[str], moderation: SQLColumnExpression[bool],
         campaign_id: SQLColumnExpression[int], local_date: SQLColumnExpression[date]) -> ColumnElement[bool]:
    """SQL: an invitation of a moderated campaign whose day's digest has not reached the moderator
    (columns of the send and its campaign, so that the claim and the clock's query share the rule)."""
    return and_(step == STEP_INVITATION, moderation.is_(True), exists().where(
        _D.c.campaign_id == campaign_id, _D.c.for_date == local_date, _D.c.delivered_at.is_(None)))


def retry_after(attempts: int) -> timedelta:
    return timedelta(minutes=BACKOFF[min(max(attempts, 1), len(BACKOFF)) - 1])


@dataclass(frozen=True)
class Move:
    send_id: int
    local_date: date
    slot_index: int
    due_at: datetime


def deliver_digest(*, uow: UnitOfWork, digest_id: int, notifier: Notifier, clock: Clock,
                   public_url: str | None = None) -> str:
    """One attempt to get digest `digest_id` to its moderator (see the module). Returns what happened."""
    now = clock.now()
    with uow() as session:
        attempt = _take(session, digest_id, now)
        if attempt is None:
            return NOT_DUE
        digest = session.get_one(Digest, digest_id)
        campaign = session.get_one(Campaign, digest.campaign_id)
        with speaking(language_of_member_id(session, campaign.sender_id)):  # the sender reads it
            view, moves = _view_and_release(session, digest, campaign, now, public_url)
        if not view.items:
            _close(digest, now, {})
            session.add(digest)
            return EMPTY
        posted = dict(digest.delivery or {})
    result = notifier.send_digest(view, posted)
    later = clock.now()
    with uow() as session:
        digest = _locked(session, digest_id)
        if result.delivered:
            if digest.delivered_at is None:  # a slower attempt of an expired lease may have won
                _close(digest, later, {**posted, **result.refs})
                session.add(digest)
                _apply(session, moves, later)
            log.info("digest %s delivered (attempt %d)", digest_id, attempt)
            return DELIVERED
        if digest.delivered_at is not None:  # shown meanwhile (the `digest` command): nothing more to do
            return NOT_DUE
        if digest.attempts == attempt:  # still ours (no later attempt took over): schedule the next try
            digest.next_try_at = later + retry_after(attempt)
            digest.last_error = result.reason or result.outcome.value
            digest.delivery = {**posted, **result.refs}
            session.add(digest)
        log.warning("digest %s not delivered (attempt %d, %s): %s; its invitations wait", digest_id, attempt,
                    result.outcome.value, result.reason)
        return UNREACHABLE if result.outcome == DigestOutcome.UNREACHABLE else FAILED


def show_digest(*, session: Session, digest_id: int, now: datetime, public_url: str | None = None) -> DigestView:
    """The digest as the `digest` command shows it in chat. Shown, it counts as delivered: the clock
    does not post it again, and its cohort is released as after any delivery. One already delivered
    is shown as it is now."""
    digest = _locked(session, digest_id)
    if digest.delivered_at is not None:
        return digest_view(session=session, digest_id=digest_id, public_url=public_url)
    campaign = session.get_one(Campaign, digest.campaign_id)
    view, moves = _view_and_release(session, digest, campaign, now, public_url)
    _close(digest, now, {**(digest.delivery or {}), "command": {"shown_at": now.isoformat()}})
    session.add(digest)
    _apply(session, moves, now)
    return view


def _take(session: Session, digest_id: int, now: datetime) -> int | None:
    """The attempt number if this attempt may go ahead (and its lease is taken), else None."""
    moderated = select(Campaign.id).where(Campaign.id == _D.c.campaign_id, Campaign.status == STATUS_ACTIVE,
                                          Campaign.moderation.is_(True))
    row = session.execute(
        update(_D).where(_D.c.id == digest_id, _D.c.delivered_at.is_(None),
                         or_(_D.c.next_try_at.is_(None), _D.c.next_try_at <= now), moderated.exists())
        .values(attempts=_D.c.attempts + 1, next_try_at=now + LEASE).returning(_D.c.attempts)).first()
    return None if row is None else row.attempts


def _locked(session: Session, digest_id: int) -> Digest:
    digest: Digest = session.execute(select(Digest).where(Digest.id == digest_id).with_for_update()
                                     .execution_options(populate_existing=True)).scalar_one()
    return digest


def _close(digest: Digest, now: datetime, refs: dict) -> None:
    digest.delivered_at, digest.delivery = now, refs
    digest.next_try_at = digest.last_error = None


def _view_and_release(session: Session, digest: Digest, campaign: Campaign, now: datetime,
                      public_url: str | None) -> tuple[DigestView, list[Move]]:
    """The view to show now, with the start its release gives, and that release's moves."""
    view = digest_view(session=session, digest_id=digest.id, public_url=public_url)
    rows = session.execute(
        select(Send.id, Send.local_date, Send.slot_index, Send.due_at)
        .where(Send.campaign_id == campaign.id, Send.local_date == digest.for_date, Send.step == STEP_INVITATION,
               Send.status == S_PLANNED, Send.due_at < now + GRACE)
        .order_by(Send.due_at, Send.id)).all()
    moves = release_plan(rows, campaign, ready_at=now + GRACE)
    if not moves:
        return view, moves
    moved = {m.send_id for m in moves}
    starts = [m.due_at for m in moves] + [d for (d,) in session.execute(
        select(Send.due_at).where(Send.campaign_id == campaign.id, Send.local_date == digest.for_date,
                                  Send.step == STEP_INVITATION, Send.status == S_PLANNED)) if d >= now + GRACE]
    was_held = any(r.due_at <= now for r in rows if r.id in moved)
    return replace(view, starts_at=min(starts), held=was_held), moves


def release_plan(rows: Sequence[Row], campaign: Campaign, *, ready_at: datetime) -> list[Move]:
    """New places for planned invitations `rows` (id, local_date, slot_index, due_at) due before
    `ready_at`: the first of the campaign's slots still open at `ready_at` (from the invitation's
    own day on), spread over what is left of it. None where the schedule has no slot at all."""
    try:
        tz = schedule.zone(campaign.timezone)
    except ValueError:
        return []
    groups: dict[slots.SlotWindow, list[int]] = defaultdict(list)
    for send_id, local_date, _index, _due in rows:
        target = slots.next_window(campaign.slots, tz, on_or_after=local_date, not_before=ready_at)
        if target is not None:
            groups[target].append(send_id)
    moves: list[Move] = []
    for target, ids in groups.items():
        rest = slots.SlotWindow(target.day, target.index, max(target.start, ready_at), target.end)
        rng = random.Random(f"release:{campaign.id}:{target.day}:{target.index}")
        for send_id, due in zip(ids, slots.spread(rest, len(ids), rng), strict=True):
            moves.append(Move(send_id, target.day, target.index, min(due.replace(microsecond=0),
                                                                     slots.last_instant(rest))))
    return moves


def _apply(session: Session, moves: list[Move], now: datetime) -> None:
    for m in moves:
        session.execute(update(Send).where(Send.id == m.send_id, Send.status == S_PLANNED).values(
            local_date=m.local_date, slot_index=m.slot_index, due_at=m.due_at, updated_at=now))
