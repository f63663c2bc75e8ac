"""Messages exactly once (invariant 2), like invitations: an outcome we cannot know is reconciled —
for a first message, through the chats with the person — and never retried blindly; a welcome
that may have gone out is never marked failed; how long it may stay undecidable is bounded.
And the account's spacing is checked again at the call, for an attempt slowed by its reads."""

from __future__ import annotations

import dataclasses
import unicodedata
from datetime import datetime, timedelta, timezone

import pytest
from sqlmodel import Session, select

from core.campaigns.models import STEP_FOLLOWUP, STEP_WELCOME
from core.clock import FrozenClock
from core.db import UnitOfWork
from core.delivery import claims
from core.delivery.linkedin.port import OutcomeUnknown, Transient
from core.delivery.models import (
    E_ACCEPTED, E_STOPPED, E_WELCOMED, S_CANCELLED, S_PLANNED, S_SENT, Enrollment, Send,
)
from core.notify import LoggingNotifier
from core.delivery.outcomes import MAX_ATTEMPTS, UNVERIFIABLE_AFTER
from core.delivery.sending import perform_send
from tests.integration.delivery.messaging import accepted_world
from tests.fakes import FakeGateway

MONDAY = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)
ACCOUNT = "acct-messages"


def world(db, settings, *, count=1, followups=1, **kw):
    return accepted_world(db, settings, count=count, account_key=ACCOUNT, accepted_at=MONDAY - timedelta(days=1),
                          due=MONDAY, provider_id=lambda c: f"pid-{c.public_identifier}", followups=followups, **kw)


def run(db, gw, clock, settings, send_id, notifier=None):
    return perform_send(uow=UnitOfWork(db), gateway=gw, clock=clock, settings=settings, notifier=notifier or LoggingNotifier(),
                        send_id=send_id, worker="w")


def sends(db, campaign_id, step=None) -> list[Send]:
    with Session(db) as s:
        stmt = select(Send).where(Send.campaign_id == campaign_id).order_by(Send.id)
        return list(s.exec(stmt.where(Send.step == step) if step else stmt))


def enrollment(db, w) -> Enrollment:
    with Session(db) as s:
        return s.get(Enrollment, w["enrollments"][0])


def ops(gw) -> list[str]:
    return [c.op for c in gw.calls]


def test_a_welcome_that_timed_out_after_going_out_is_found_in_the_chats_with_the_person(db, settings):
    clock = FrozenClock(MONDAY)
    gw = FakeGateway(clock)
    w = world(db, settings)
    (welcome,) = sends(db, w["campaign"], STEP_WELCOME)
    gw.fail_next("send_message", OutcomeUnknown("timeout"), after_action=True)
    assert run(db, gw, clock, settings, welcome.id) == "reconciled"
    e = enrollment(db, w)
    assert e.state == E_WELCOMED and e.chat_id == f"chat-{ACCOUNT}-{w['contacts'][e.contact_id]}"
    assert sends(db, w["campaign"], STEP_WELCOME)[0].status == S_SENT
    assert [x.status for x in sends(db, w["campaign"], STEP_FOLLOWUP)] == [S_PLANNED]  # the sequence goes on
    assert ops(gw).count("send_message") == 1 and "list_chats_with" in ops(gw)


@pytest.mark.parametrize("acted", [False, True], ids=["nothing-went-out", "it-went-out-late"])
def test_a_5xx_on_a_message_is_checked_before_it_is_sent_again(db, settings, acted):
    clock = FrozenClock(MONDAY)
    gw = FakeGateway(clock)
    w = world(db, settings)
    (welcome,) = sends(db, w["campaign"], STEP_WELCOME)
    gw.fail_next("send_message", OutcomeUnknown("500"))  # it did not act, but nobody can tell
    assert run(db, gw, clock, settings, welcome.id) == "retry"
    row = sends(db, w["campaign"], STEP_WELCOME)[0]
    assert row.status == S_PLANNED and row.outcome_unknown and enrollment(db, w).state == E_ACCEPTED
    if acted:  # the provider did send it after all: the person's chat shows it before the retry
        provider_id = w["contacts"][enrollment(db, w).contact_id]
        gw.reply(f"chat-{ACCOUNT}-{provider_id}", row.text, clock.now(), from_sender=True)
    clock.set(row.due_at)
    assert run(db, gw, clock, settings, welcome.id) == ("reconciled" if acted else "sent")
    # The person has the welcome once: looked for first, sent again only when not found
    assert ops(gw).count("send_message") == (1 if acted else 2) and sum(len(m) for m in gw.messages.values()) == 1
    assert enrollment(db, w).state == E_WELCOMED


def test_a_message_that_never_left_is_sent_again_without_looking(db, settings):
    clock = FrozenClock(MONDAY)
    gw = FakeGateway(clock)
    w = world(db, settings)
    (welcome,) = sends(db, w["campaign"], STEP_WELCOME)
    gw.fail_next("send_message", Transient("connection refused"))
    assert run(db, gw, clock, settings, welcome.id) == "retry"
    row = sends(db, w["campaign"], STEP_WELCOME)[0]
    assert row.status == S_PLANNED and not row.outcome_unknown
    clock.set(row.due_at)
    assert run(db, gw, clock, settings, welcome.id) == "sent"
    assert "list_chats_with" not in ops(gw) and ops(gw).count("send_message") == 2


def test_the_provider_showing_the_text_otherwise_still_matches_it(db, settings):
    """The provider gives the welcome back with CRLF line ends, trailing blanks and decomposed
    accents: it is the same message, so it is recorded, not sent again."""
    clock = FrozenClock(MONDAY)
    gw = FakeGateway(clock)
    w = world(db, settings, welcome="Merci {{firstName}} !\nÀ bientôt, Noémie")
    (welcome,) = sends(db, w["campaign"], STEP_WELCOME)
    gw.fail_next("send_message", OutcomeUnknown("timeout"), after_action=True)
    gw.fail_next("list_chats_with", Transient("500"))  # cannot look right away
    assert run(db, gw, clock, settings, welcome.id) == "retry"
    (chat, shown), = gw.messages.items()
    altered = unicodedata.normalize("NFD", shown[0].text).replace("\n", "  \r\n") + " "
    gw.messages[chat] = [dataclasses.replace(shown[0], text=altered)]
    clock.set(sends(db, w["campaign"], STEP_WELCOME)[0].due_at)
    assert run(db, gw, clock, settings, welcome.id) == "reconciled"
    assert ops(gw).count("send_message") == 1 and enrollment(db, w).state == E_WELCOMED


def test_an_undecidable_welcome_waits_then_stops_the_sequence_and_tells_the_sender(db, settings):
    """The welcome went out but the answer was lost, and the provider's chats cannot be read for a
    day: never failed, never sent again; after UNVERIFIABLE_AFTER (and MAX_ATTEMPTS attempts) the
    sequence stops, saying why, and the sender is told to check LinkedIn."""
    clock = FrozenClock(MONDAY)
    gw = FakeGateway(clock)
    notifier = LoggingNotifier()
    w = world(db, settings)
    (welcome,) = sends(db, w["campaign"], STEP_WELCOME)
    gw.fail_next("send_message", OutcomeUnknown("timeout"), after_action=True)
    gw.fail_next("list_chats_with", Transient("500"), times=1000)
    outcomes = []
    while not outcomes or outcomes[-1] in ("retry", claims.MOVED):
        outcomes.append(run(db, gw, clock, settings, welcome.id, notifier))
        assert enrollment(db, w).state in (E_ACCEPTED, E_STOPPED)  # never failed while it may have gone out
        clock.set(max(sends(db, w["campaign"], STEP_WELCOME)[0].due_at, clock.now()))
        assert len(outcomes) < 200
    assert outcomes[-1] == "unverifiable" and outcomes.count("retry") >= MAX_ATTEMPTS - 1
    assert clock.now() - MONDAY >= UNVERIFIABLE_AFTER
    row = sends(db, w["campaign"], STEP_WELCOME)[0]
    assert row.status == S_CANCELLED and row.outcome_unknown and "not sent again" in row.reason
    e = enrollment(db, w)
    assert e.state == E_STOPPED and "could not tell" in e.reason
    (alert,) = notifier.sent_alerts
    assert alert.kind == "outcome_unknown" and alert.member_id == w["member"] and "LinkedIn" in alert.action_hint
    assert ops(gw).count("send_message") == 1 and sends(db, w["campaign"], STEP_FOLLOWUP) == []


def test_an_attempt_slowed_past_anothers_action_waits_for_the_spacing_at_its_call(db, settings):
    """Claimed at T, the welcome's worker reads for a long while; meanwhile the spacing lets a
    second welcome of the account go at T+61 s. At its call the first sees that action and is
    moved to when the spacing allows, instead of calling a second later."""
    paced = settings.model_copy(update={"min_spacing_seconds": 60, "spacing_jitter_seconds": 0, "lease_seconds": 300})
    clock = FrozenClock(MONDAY)
    gw = FakeGateway(clock)
    w = world(db, paced, count=2, followups=0)
    first, second = sends(db, w["campaign"], STEP_WELCOME)
    with UnitOfWork(db)() as s:
        slow = claims.claim_send(session=s, send_id=first.id, worker="slow", now=clock.now(), settings=paced)
    clock.advance(timedelta(seconds=61))
    assert run(db, gw, clock, paced, second.id) == "sent"
    clock.advance(timedelta(seconds=1))
    with UnitOfWork(db)() as s:
        assert claims.mark_calling(session=s, claim=slow, now=clock.now(), settings=paced) == claims.MOVED
    moved = sends(db, w["campaign"], STEP_WELCOME)[0]
    assert moved.status == S_PLANNED and moved.due_at >= MONDAY + timedelta(seconds=121)
    clock.set(moved.due_at)
    assert run(db, gw, clock, paced, first.id) == "sent"
    times = sorted(x.sent_at for x in sends(db, w["campaign"], STEP_WELCOME))
    assert times[1] - times[0] >= timedelta(seconds=60) and ops(gw).count("send_message") == 2
