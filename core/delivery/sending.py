"""Carrying out one send: claim → (reconcile) → stop rules → fence → one provider call → record.

The provider is called at most once per send (invariant 2): a claim whose earlier attempt may
have reached the provider (`outcome_unknown`) first asks the provider whether the action
happened (pending invitations and relations; for a message, the chat's messages — the chats with
the person when no chat is known yet) and only acts when it did not. A failure whose outcome
cannot be known (the gateway's `OutcomeUnknown`) is never retried blindly, and a send that may
have gone out is never failed: it waits, marked, until the provider can tell. Every write after
the call is fenced by the attempt number."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from core.campaigns.models import STEP_INVITATION, STEP_WELCOME
from core.clock import Clock
from core.config import Settings
from core.db import UnitOfWork
from core.delivery import claims, conversation, outcomes
from core.delivery.claims import Claim
from core.delivery.linkedin.port import (
    AccountDisconnected,
    AlreadyConnected,
    AlreadyInvited,
    CannotReinviteYet,
    LinkedInError,
    LinkedInGateway,
    NoteLimitReached,
    NotFound,
    OutcomeUnknown,
    RateLimited,
    Transient,
)
from core.delivery.models import E_DONE, E_REPLIED, Send
from core.links import tracking as links
from core.metrics import NO_METRICS, Metrics, Reconciliation
from core.notify import Alert, Notifier
from core.sources.models import Contact

log = logging.getLogger("invitebot.delivery")
RECONCILE_PAGES = 20
# Outcomes after which the send waits, planned, for a later instant (the worker re-enqueues it then).
RESCHEDULED = frozenset({claims.MOVED, "retry", "rate_limited"})


@dataclass(frozen=True)
class Found:
    provider_ref: str | None
    chat_id: str | None = None


@dataclass(frozen=True)
class Undecidable:
    """The provider could not be read: whether the action happened is still unknown."""

    reason: str


def perform_send(*, uow: UnitOfWork, gateway: LinkedInGateway, clock: Clock, settings: Settings, notifier: Notifier,
                 send_id: int, worker: str, metrics: Metrics = NO_METRICS) -> str:
    """Do send `send_id` if it is due and ours to do; returns what happened (for logs, tests and
    the metrics: `Metrics.send_finished`)."""
    with uow() as session:
        claim = claims.claim_send(session=session, send_id=send_id, worker=worker, now=clock.now(), settings=settings,
                                  metrics=metrics)
    if isinstance(claim, str):
        metrics.send_finished(claim)
        return claim
    alerts: list[Alert] = []
    try:
        outcome = _carry_out(uow, gateway, clock, settings, claim, alerts, metrics)
        metrics.send_finished(outcome)
        return outcome
    finally:
        for alert in alerts:
            try:
                notifier.send_alert(alert)
            except Exception:  # the send's state is recorded; a lost alert must not redo it
                log.exception("alert %s for member %s could not be delivered", alert.kind, alert.member_id)


def _carry_out(uow: UnitOfWork, gateway: LinkedInGateway, clock: Clock, settings: Settings, claim: Claim,
               alerts: list[Alert], metrics: Metrics) -> str:
    public_url = settings.public_url
    chat_id, provider_id, accepted_at = claim.chat_id, claim.provider_id, claim.accepted_at
    rules = (claim.stop_if_ongoings, claim.stop_if_incomings)
    sender_id, workspace_id, identifier = claim.sender_id, claim.workspace_id, claim.identifier
    text = claim.text
    if links.has_links(text):
        with uow() as session:
            text = links.tracked_text(session=session, send=session.get_one(Send, claim.send_id), public_url=public_url)
    called, called_at = False, None
    try:
        if claim.reconcile_only:
            return _after_stop(uow, gateway, clock, claim, provider_id, chat_id, text, public_url, metrics)
        if claim.reconcile:
            found = reconcile(gateway, claim, provider_id=provider_id, chat_id=chat_id, text=text,
                              since=claim.previous_call_at, metrics=metrics)
            if isinstance(found, Undecidable):
                return _still_unknown(uow, clock, claim, alerts, found.reason, claim.previous_call_at)
            if found is not None:
                return _sent(uow, clock, claim, found, public_url, reconciled=True, called_at=claim.previous_call_at)
        if claim.step != STEP_INVITATION:
            stopped = _stop_rules(uow, gateway, clock, claim, chat_id, accepted_at, rules)
            if stopped:
                return stopped
        if provider_id is None:
            profile = gateway.resolve_profile(account_id=claim.provider_account_id, identifier=identifier)
            provider_id = profile.provider_id
            with uow() as session:
                row = session.get_one(Contact, claim.contact_id)
                row.provider_id = provider_id
                session.add(row)
        if claim.fenced_for_call:
            called_at = claim.claimed_at or clock.now()  # the claim was the fence, and the action's time
        else:
            called_at = clock.now()
            with uow() as session:
                fence = claims.mark_calling(session=session, claim=claim, now=called_at, settings=settings)
            if fence is not True:
                return "lease_lost" if fence is False else fence
        called = True
        try:
            if claim.step == STEP_INVITATION:
                invitation = gateway.send_invitation(account_id=claim.provider_account_id, provider_id=provider_id,
                                                     note=text)
                found = Found(invitation.invitation_id)
            else:
                message = gateway.send_message(account_id=claim.provider_account_id, text=text, chat_id=chat_id,
                                               provider_id=None if chat_id else provider_id)
                found = Found(message.message_id, message.chat_id)
        except OutcomeUnknown as exc:
            # The request left and no definitive answer came (a timeout, a 5xx): the action may
            # have happened. Look now; if it does not show yet, the next attempt looks again first.
            found = reconcile(gateway, claim, provider_id=provider_id, chat_id=chat_id, text=text, since=called_at,
                              metrics=metrics)
            if isinstance(found, Found):
                return _sent(uow, clock, claim, found, public_url, reconciled=True, called_at=called_at)
            return _still_unknown(uow, clock, claim, alerts, exc.code, called_at)
        except Transient as exc:
            with uow() as session:  # provably nothing left: retried later as it is
                return outcomes.release(session=session, claim=claim, now=clock.now(), reason=exc.code, unknown=False)
        return _sent(uow, clock, claim, found, public_url, called_at=called_at)
    except LinkedInError as exc:
        return _provider_error(uow, clock, claim, exc, alerts, sender_id, workspace_id, provider_id,
                               maybe_done=claim.reconcile or called,
                               called_at=called_at if called else claim.previous_call_at)


def _still_unknown(uow: UnitOfWork, clock: Clock, claim: Claim, alerts: list[Alert], reason: str,
                   called_at: datetime | None) -> str:
    with uow() as session:
        outcome, alert = outcomes.still_unknown(session=session, claim=claim, now=clock.now(), reason=reason,
                                                called_at=called_at)
    if alert is not None:
        alerts.append(alert)
    return outcome


def _after_stop(uow: UnitOfWork, gateway: LinkedInGateway, clock: Clock, claim: Claim,
                provider_id: str | None, chat_id: str | None, text: str, public_url: str, metrics: Metrics) -> str:
    """A lease that expired across a stop: record what the earlier attempt did, never act again."""
    found = reconcile(gateway, claim, provider_id=provider_id, chat_id=chat_id, text=text,
                      since=claim.previous_call_at, metrics=metrics) if claim.reconcile else None
    if isinstance(found, Found):
        return _sent(uow, clock, claim, found, public_url, reconciled=True, called_at=claim.previous_call_at)
    with uow() as session:
        outcomes.record_cancelled(session=session, claim=claim, now=clock.now(),
                                  reason="campaign stopped" if found is None else
                                  "campaign stopped; the last attempt's outcome could not be verified")
    return "cancelled"


def _sent(uow: UnitOfWork, clock: Clock, claim: Claim, found: Found, public_url: str, *, reconciled: bool = False,
          called_at: datetime | None = None) -> str:
    # An invitation's record is two Core statements (one on PostgreSQL): no ORM session needed.
    with uow() as session:
        ok = outcomes.record_sent(session=session, claim=claim, now=clock.now(), provider_ref=found.provider_ref,
                                  chat_id=found.chat_id, public_url=public_url, reconciled=reconciled,
                                  called_at=called_at)
    if not ok:
        log.warning("send %s attempt %s: lease lost after the call; the next attempt reconciles", claim.send_id,
                    claim.attempt)
        return "lease_lost"
    return "reconciled" if reconciled else "sent"


def _stop_rules(uow: UnitOfWork, gateway: LinkedInGateway, clock: Clock, claim: Claim,
               chat_id: str | None, accepted_at: datetime | None, rules: tuple[bool, bool]) -> str | None:
    """Welcome: stop-if-ongoings / stop-if-incomings; follow-up: any reply. A fresh read of the chat
    is recorded first."""
    if chat_id:
        fresh = gateway.list_messages(account_id=claim.provider_account_id, chat_id=chat_id, after=accepted_at)
        with uow() as session:
            _, enrollment = claims.contact_and_enrollment(session, claim)
            conversation.learn_messages(session=session, enrollment=enrollment, messages=fresh, now=clock.now())
    if accepted_at is None:
        return None
    ongoings, incomings = rules if claim.step == STEP_WELCOME else (False, True)
    with uow() as session:
        _, enrollment = claims.contact_and_enrollment(session, claim)
        reason = conversation.stop_reason(session=session, enrollment=enrollment, since=accepted_at,
                                          ongoings=ongoings, incomings=incomings or claim.step != STEP_WELCOME)
        if reason is None:
            return None
        state = E_REPLIED if "contact wrote" in reason else E_DONE
        outcomes.record_skipped(session=session, claim=claim, now=clock.now(), reason=reason, enrollment_state=state)
    return "stopped"


def _provider_error(uow: UnitOfWork, clock: Clock, claim: Claim, exc: LinkedInError, alerts: list[Alert],
                    sender_id: int, workspace_id: int, provider_id: str | None, *, maybe_done: bool,
                    called_at: datetime | None = None) -> str:
    now = clock.now()
    log.info("send %s attempt %s: provider said %s", claim.send_id, claim.attempt, exc.code)
    with uow() as session:
        if isinstance(exc, RateLimited):
            outcomes.rate_limited(session=session, claim=claim, now=now, retry_after=exc.retry_after)
            return "rate_limited"
        if isinstance(exc, NoteLimitReached):
            alerts.append(outcomes.note_limit(session=session, claim=claim, now=now, member_id=sender_id,
                                              workspace_id=workspace_id))
            return "note_limit"
        if isinstance(exc, AccountDisconnected):
            alerts.append(outcomes.disconnected(session=session, claim=claim, now=now, member_id=sender_id,
                                                workspace_id=workspace_id))
            return "disconnected"
        if isinstance(exc, AlreadyInvited) and claim.reconcile:
            # Our own earlier attempt got through after all: this is the invitation we sent.
            outcomes.record_sent(session=session, claim=claim, now=now, provider_ref=None, chat_id=None,
                                 public_url="", reconciled=True, called_at=claim.previous_call_at)
            return "reconciled"
        if isinstance(exc, (AlreadyConnected, AlreadyInvited, CannotReinviteYet)):
            reason = {"already_connected": "already connected to the sender",
                      "already_invited": "an invitation from this account is already pending",
                      "cannot_reinvite_yet": "withdrawn recently: LinkedIn refuses a new invitation yet"}[exc.code]
            outcomes.record_skipped(session=session, claim=claim, now=now, reason=reason,
                                    connected_provider_id=provider_id if isinstance(exc, AlreadyConnected) else None)
            return "skipped"
        if isinstance(exc, (Transient, OutcomeUnknown)):  # a read failed: try again later
            if not maybe_done:
                return outcomes.release(session=session, claim=claim, now=now, reason=exc.code, unknown=False)
            outcome, alert = outcomes.still_unknown(session=session, claim=claim, now=now, reason=exc.code,
                                                    called_at=called_at)
            if alert is not None:
                alerts.append(alert)
            return outcome
        if isinstance(exc, NotFound):
            outcomes.record_failed(session=session, claim=claim, now=now, reason="LinkedIn profile not found")
            return "failed"
        outcomes.record_failed(session=session, claim=claim, now=now,
                               reason=f"refused by LinkedIn ({exc.code}{f', HTTP {exc.status}' if exc.status else ''})")
        return "failed"


def reconcile(gateway: LinkedInGateway, claim: Claim, *, provider_id: str | None, chat_id: str | None, text: str,
              since: datetime | None, metrics: Metrics = NO_METRICS) -> Found | Undecidable | None:
    """`_reconcile`, counted (`Metrics.reconciled`)."""
    found = _reconcile(gateway, claim, provider_id=provider_id, chat_id=chat_id, text=text, since=since)
    metrics.reconciled(Reconciliation.UNDECIDABLE if isinstance(found, Undecidable)
                       else Reconciliation.FOUND if found is not None else Reconciliation.NOT_FOUND)
    return found


def _reconcile(gateway: LinkedInGateway, claim: Claim, *, provider_id: str | None, chat_id: str | None, text: str,
               since: datetime | None) -> Found | Undecidable | None:
    """Did the action of this send happen at the provider? `Found`, None (it provably did not), or
    `Undecidable` (the provider could not be read). `since`: when the call that may have acted left.

    A message is looked for among the account's own messages of the chat since then (the chats
    with the person when no chat is known: a first message whose answer was lost), its text
    compared once normalised. An account found disconnected on the way is raised, not guessed."""
    try:
        if claim.step == STEP_INVITATION:
            return _invitation_found(gateway, claim, provider_id)
        if chat_id:
            chats = [chat_id]
        elif provider_id:
            chats = gateway.list_chats_with(account_id=claim.provider_account_id, provider_id=provider_id)
        else:
            return None  # never resolved, so never sent
        after = (since or claim.lease_until - timedelta(days=1)) - timedelta(minutes=5)
        wanted = conversation.comparable_text(text)
        for chat in chats:
            for m in gateway.list_messages(account_id=claim.provider_account_id, chat_id=chat, after=after):
                if m.is_sender and conversation.comparable_text(m.text) == wanted:
                    return Found(m.message_id, m.chat_id or chat)
        return None
    except AccountDisconnected:
        raise
    except LinkedInError as exc:
        log.warning("send %s attempt %s: reconciliation could not read the provider (%s)", claim.send_id,
                    claim.attempt, exc.code)
        return Undecidable(exc.code)


def _invitation_found(gateway: LinkedInGateway, claim: Claim, provider_id: str | None) -> Found | None:
    if provider_id is None:
        return None  # never resolved, so never sent
    for listing in (gateway.list_sent_invitations, gateway.list_relations):
        cursor = None
        for _ in range(RECONCILE_PAGES):
            page = listing(account_id=claim.provider_account_id, cursor=cursor, limit=100)
            for item in page.items:
                if item.provider_user_id == provider_id:
                    return Found(getattr(item, "invitation_id", None))
            cursor = page.cursor
            if not cursor:
                break
    return None
