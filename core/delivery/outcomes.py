"""Recording what happened to a claimed send, each write fenced by the attempt (`claims.fenced`),
and what the engine does about provider errors (DESIGN §5, issue "Sending"):

- rate limited → no invitation from that account before its next local day; planned ones move;
- note limit → that account's invitations wait for a human; the sender is told;
- account disconnected → account invalid, its campaigns paused, the sender told;
- already connected / invited / cannot re-invite yet → enrollment updated, no retry;
- transient → back to planned with a back-off (failed after MAX_ATTEMPTS);
- unknown (the action may have happened) → back to planned with a back-off, marked, reconciled
  before anything else; never failed nor sent blindly. Still undecidable UNVERIFIABLE_AFTER after
  the call (and after MAX_ATTEMPTS attempts), the contact's sequence stops and the sender is told."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, func, select, update
from sqlmodel import Session

from core.campaigns import schedule
from core.campaigns.models import STATUS_ACTIVE, STEP_FOLLOWUP, STEP_INVITATION, STEP_WELCOME, Campaign
from core.db import dialect_insert, rowcount
from core.delivery import claims, moves, sequence, slots
from core.delivery.claims import Claim
from core.delivery.conversation import record_message
from core.delivery.linkedin.port import ChatMessage
from core.delivery.models import (
    E_FAILED,
    E_FOLLOWING_UP,
    E_INVITED,
    E_SKIPPED,
    E_STOPPED,
    E_WELCOMED,
    S_CANCELLED,
    S_CLAIMED,
    S_FAILED,
    S_PLANNED,
    S_SENT,
    S_SKIPPED,
    Enrollment,
    Relation,
    Send,
)
from core.i18n import N_, invocation, speaking, t
from core.notify import Alert
from core.sources.models import Contact
from core.workspace.language import language_of_member_id
from core.workspace.models import ACCOUNT_DISCONNECTED_PAUSE, LinkedInAccount

MAX_ATTEMPTS = 6
# How long an action that may have happened can stay undecidable (the provider cannot be read):
# a day of reconciliation attempts, then the sequence stops rather than risk a duplicate.
UNVERIFIABLE_AFTER = timedelta(hours=24)
UNVERIFIABLE = "unverifiable"


_T, _E = Send.__table__, Enrollment.__table__
_AT = bindparam("at_now", type_=_T.c.sent_at.type)
_SENT_AT = bindparam("sent_at", type_=_T.c.sent_at.type)  # when the call that acted left
# The hot path of a sent invitation, built once: the fenced send and its enrollment.
_SENT = (update(_T).where(_T.c.id == bindparam("send_id"), _T.c.attempt == bindparam("mine"), _T.c.status == S_CLAIMED)
         .values(status=S_SENT, lease_until=None, updated_at=_AT, sent_at=_SENT_AT,
                 provider_ref=bindparam("ref"),
                 outcome_unknown=False, reason=bindparam("why")))
_INVITED_VALUES = dict(state=E_INVITED, invited_at=_SENT_AT, invitation_id=bindparam("ref"), updated_at=_AT,
                       last_step_at=_SENT_AT)
_INVITED = update(_E).where(_E.c.id == bindparam("the_enrollment")).values(**_INVITED_VALUES)


def _finish_send(session: Session, claim: Claim, status: str, now: datetime, **values: Any) -> bool:
    return rowcount(session, update(Send.__table__).where(claims.fenced(claim)).values(
        status=status, lease_until=None, updated_at=now, **values)) == 1


def record_sent(*, session: Session, claim: Claim, now: datetime, provider_ref: str | None, chat_id: str | None,
                public_url: str, reconciled: bool = False, called_at: datetime | None = None) -> bool:
    """The action happened: the send is sent, the enrollment moves on, the next step is planned.
    `called_at`: when the provider call that did it left (a reconciled send was sent then, not
    now; the caps' windows count from it). False when the attempt lost its lease to another."""
    ref = provider_ref[:128] if provider_ref else None
    at = min(called_at, now) if called_at is not None else now
    # Exactly each statement's parameters: an extra key naming a column would become a SET of an UPDATE.
    sent = {"send_id": claim.send_id, "mine": claim.attempt, "at_now": now, "ref": ref, "sent_at": at,
            "why": "reconciled with the provider" if reconciled else None}
    invited = {"the_enrollment": claim.enrollment_id, "at_now": now, "ref": ref, "sent_at": at}
    if rowcount(session, _SENT, sent) != 1:
        return False
    if claim.step == STEP_INVITATION:
        session.execute(_INVITED, invited)
        return True
    e = session.get_one(Enrollment, claim.enrollment_id)
    e.updated_at, e.last_step_at = now, at
    if chat_id:
        e.chat_id = chat_id
    if provider_ref:
        record_message(session=session, account_id=claim.account_id, contact_id=claim.contact_id, by_us=True,
                       message=ChatMessage(message_id=provider_ref, chat_id=chat_id or e.chat_id or "",
                                           sender_id=None, is_sender=True, timestamp=at))
    if claim.step == STEP_WELCOME:
        e.state, e.welcomed_at = E_WELCOMED, at
    else:
        e.state = E_FOLLOWING_UP
    session.add(e)
    sequence.plan_next_followup(session=session, enrollment=e,
                                after_position=claim.position if claim.step == STEP_FOLLOWUP else 0,
                                sent_at=at, now=now, public_url=public_url)
    return True


def record_skipped(*, session: Session, claim: Claim, now: datetime, reason: str, enrollment_state: str = E_SKIPPED,
                   connected_provider_id: str | None = None) -> bool:
    """No action and none to come for this send (already connected, stop rule, …)."""
    if not _finish_send(session, claim, S_SKIPPED, now, reason=reason[:200], outcome_unknown=False):
        return False
    e = session.get_one(Enrollment, claim.enrollment_id)
    e.state, e.reason, e.updated_at = enrollment_state, reason[:200], now
    session.add(e)
    if connected_provider_id:
        _relation(session, claim.account_id, connected_provider_id, claim.contact_id, now, "provider")
    return True


def record_failed(*, session: Session, claim: Claim, now: datetime, reason: str) -> bool:
    if not _finish_send(session, claim, S_FAILED, now, reason=reason[:200]):
        return False
    e = session.get_one(Enrollment, claim.enrollment_id)
    e.state, e.reason, e.updated_at = E_FAILED, reason[:200], now
    session.add(e)
    return True


def record_cancelled(*, session: Session, claim: Claim, now: datetime, reason: str) -> bool:
    return _finish_send(session, claim, S_CANCELLED, now, reason=reason[:200], outcome_unknown=False)


def release(*, session: Session, claim: Claim, now: datetime, reason: str, unknown: bool,
            due_at: datetime | None = None, called_at: datetime | None = None) -> str:
    """Give the send back for a later attempt (with back-off), or fail it after MAX_ATTEMPTS.
    `unknown` keeps the mark that the next attempt must reconcile first, and the time of the
    call that may have acted (`called_at`, the first such call kept) in `sent_at`: until it is
    reconciled the send counts under the account's caps from then (invariant 4). A send whose
    outcome is unknown is never failed here: `still_unknown` bounds it."""
    if claim.attempt >= MAX_ATTEMPTS and not unknown:
        record_failed(session=session, claim=claim, now=now, reason=f"gave up after {claim.attempt} attempts: {reason}")
        return "failed"
    due = due_at or now + timedelta(minutes=min(2 ** claim.attempt, 60))
    T = Send.__table__
    session.execute(update(T).where(claims.fenced(claim)).values(
        status=S_PLANNED, lease_until=None, due_at=due.replace(microsecond=0), reason=reason[:200],
        outcome_unknown=unknown, updated_at=now,
        sent_at=func.coalesce(T.c.sent_at, called_at or claim.previous_call_at or now) if unknown else None))
    return "retry"


def still_unknown(*, session: Session, claim: Claim, now: datetime, reason: str, called_at: datetime | None,
                  ) -> tuple[str, Alert | None]:
    """The action may have happened and the provider cannot tell yet: back to planned, marked, so
    the next attempt reconciles before acting. Once it has stayed so UNVERIFIABLE_AFTER since the
    call that may have acted, over at least MAX_ATTEMPTS attempts, the send ends unverified
    (cancelled, still marked), the contact's sequence stops with the reason, and the sender gets
    an alert to check the conversation on LinkedIn."""
    first = (claim.previous_call_at if claim.reconcile else None) or called_at or now
    if claim.attempt < MAX_ATTEMPTS or now - first < UNVERIFIABLE_AFTER:
        return release(session=session, claim=claim, now=now, reason=f"outcome unknown ({reason}): checked before "
                       "any retry", unknown=True, called_at=called_at), None
    names: dict[str, str] = {STEP_INVITATION: "invitation", STEP_WELCOME: "welcome message"}
    what = names.get(claim.step, "follow-up message")  # the send's reason, for the logs and the team
    hours = UNVERIFIABLE_AFTER.total_seconds() / 3600
    why = f"stopped: LinkedIn could not tell for {hours:.0f} h whether the {what} " \
          "went out, so it was not sent again"
    if not _finish_send(session, claim, S_CANCELLED, now, reason=why[:200], outcome_unknown=True):
        return "lease_lost", None
    e = session.get_one(Enrollment, claim.enrollment_id)
    e.state, e.reason, e.updated_at = E_STOPPED, why[:200], now
    session.add(e)
    contact = session.get_one(Contact, claim.contact_id)
    name = " ".join(p for p in (contact.first_name, contact.last_name) if p) or contact.public_identifier
    steps: dict[str, str] = {STEP_INVITATION: N_("alert.unknown.invitation"), STEP_WELCOME: N_("alert.unknown.welcome"),
                             STEP_FOLLOWUP: N_("alert.unknown.followup")}
    with speaking(language_of_member_id(session, claim.sender_id)) as lang:
        message = t(steps.get(claim.step, steps[STEP_FOLLOWUP]))
        return UNVERIFIABLE, Alert(
            workspace_id=claim.workspace_id, member_id=claim.sender_id, kind="outcome_unknown",
            title=t("alert.unknown.title", what=message, name=name),
            text=t("alert.unknown.text", what=message, name=name),
            action_hint=t("alert.unknown.hint", what=message, name=name),
            campaign_id=claim.campaign_id, language=lang.value)


def hold(*, session: Session, claim: Claim, now: datetime, reason: str) -> None:
    """Back to planned, not retried by itself: waits for the account to be fixed."""
    session.execute(update(Send.__table__).where(claims.fenced(claim)).values(
        status=S_PLANNED, lease_until=None, reason=reason[:200], updated_at=now))


def rate_limited(*, session: Session, claim: Claim, now: datetime, retry_after: float | None) -> None:
    """No more invitations from this account before its next local day (or the provider's
    Retry-After, if later); this and every planned invitation before then move on."""
    account = session.get_one(LinkedInAccount, claim.account_id)
    campaign = session.get_one(Campaign, claim.campaign_id)
    until = slots.start_of_next_local_day(now, schedule.zone(campaign.timezone))
    if retry_after:
        until = max(until, now + timedelta(seconds=retry_after))
    if claim.step != STEP_INVITATION:
        release(session=session, claim=claim, now=now, reason="rate limited by the provider", unknown=False,
                due_at=now + timedelta(seconds=retry_after or 3600))
        return
    account.invitations_paused_until = until
    session.add(account)
    hold(session=session, claim=claim, now=now, reason="rate limited by the provider")
    moved = session.execute(select(Send.id, Send.campaign_id).where(
        Send.account_id == account.id, Send.step == STEP_INVITATION, Send.status == S_PLANNED,
        Send.due_at < until)).all()
    for send_id, campaign_id in moved:
        moves.move_to_next_day(session, send_id, session.get_one(Campaign, campaign_id),
                               after=until - timedelta(seconds=1), now=now,
                               reason="rate limited by the provider: moved to the next day")


def note_limit(*, session: Session, claim: Claim, now: datetime, member_id: int, workspace_id: int) -> Alert:
    account = session.get_one(LinkedInAccount, claim.account_id)
    campaign_name = session.execute(select(Campaign.name).where(Campaign.id == claim.campaign_id)).scalar_one()
    account.invitations_paused_reason = "LinkedIn refused the invitation note (note limit reached)"
    session.add(account)
    hold(session=session, claim=claim, now=now, reason="note limit reached: invitations paused")
    with speaking(language_of_member_id(session, member_id)) as lang:
        return Alert(workspace_id=workspace_id, member_id=member_id, kind="note_limit",
                     title=t("alert.note_limit.title"), text=t("alert.note_limit.text"),
                     action_hint=t("alert.note_limit.hint", command=invocation("activate", campaign_name)),
                     campaign_id=claim.campaign_id, language=lang.value)


def disconnected(*, session: Session, claim: Claim, now: datetime, member_id: int, workspace_id: int) -> Alert:
    account = session.get_one(LinkedInAccount, claim.account_id)
    account.status = "invalid"
    session.add(account)
    hold(session=session, claim=claim, now=now, reason="LinkedIn account disconnected")
    session.execute(update(Campaign).where(Campaign.sender_id == member_id, Campaign.status == STATUS_ACTIVE,
                                           Campaign.paused_reason.is_(None))
                    .values(paused_reason=ACCOUNT_DISCONNECTED_PAUSE, updated_at=now))
    with speaking(language_of_member_id(session, member_id)) as lang:
        return Alert(workspace_id=workspace_id, member_id=member_id, kind="account_disconnected",
                     title=t("alert.disconnected.title"), text=t("alert.disconnected.text"),
                     action_hint=t("alert.disconnected.hint_resume", command=invocation("connect")),
                     campaign_id=claim.campaign_id, language=lang.value)


def _relation(session: Session, account_id: int, provider_user_id: str, contact_id: int | None, at: datetime,
              source: str) -> None:
    session.execute(dialect_insert(session, Relation.__table__).values(
        account_id=account_id, provider_user_id=provider_user_id[:128], contact_id=contact_id, connected_at=at,
        source=source).on_conflict_do_nothing(index_elements=["account_id", "provider_user_id"]))
