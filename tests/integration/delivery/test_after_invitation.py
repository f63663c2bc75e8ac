"""After the invitation (P-12, P-13, invariant 6): acceptance by polling, the welcome on the local
day after acceptance and its stop rules, follow-ups in slots ended by a reply, withdrawals."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlmodel import Session, select

from core.clock import FrozenClock
from core.db import UnitOfWork
from core.delivery.acceptance import poll_account
from core.delivery.linkedin.port import ChatMessage
from core.delivery.conversation import record_message
from core.delivery.models import (
    E_ACCEPTED, E_DONE, E_INVITED, E_REPLIED, E_WELCOMED, E_WITHDRAWN, S_CANCELLED, S_SKIPPED,
    Enrollment, Send,
)
from core.notify import LoggingNotifier
from core.delivery.sending import perform_send
from core.delivery.withdrawals import withdraw_stale
from core.workspace.models import Workspace
from tests import factories as f
from tests.fakes import FakeGateway

Z = timezone.utc
INVITED_AT = datetime(2026, 11, 23, 9, 30, tzinfo=Z)  # a Monday


def invited_world(db, *, tz="Europe/Paris", followups=((2, {"en": "Any thoughts, {{firstName}}?"}),), **kw):
    """One contact invited by a campaign with a welcome and follow-ups; returns ids and keys."""
    with UnitOfWork(db)() as s:
        ws = f.workspace(s)
        m, acct = f.sender(s, ws)
        contact = f.contacts(s, ws, 1)[0]
        contact.provider_id = "pid-c1"
        slots = [{"weekday": d, "start": "09:00", "end": "11:00"} for d in range(5)]
        camp = f.campaign(s, ws, m, f.segment(s, ws, [contact]), tz=tz, slots=slots,
                          welcome={"en": "Thanks {{firstName}}!"}, followups=list(followups), **kw)
        e = Enrollment(workspace_id=ws.id, campaign_id=camp.id, contact_id=contact.id, account_id=acct.id,
                       state=E_INVITED, invited_at=INVITED_AT, language="en", invitation_id="inv-0")
        s.add(e)
        s.flush()
        return dict(enrollment=e.id, account=acct.id, key=acct.provider_account_id, contact=contact.id)


def run(db, gw, clock, settings, send_id):
    return perform_send(uow=UnitOfWork(db), gateway=gw, clock=clock, settings=settings, notifier=LoggingNotifier(),
                        send_id=send_id, worker="w")


def sends(db, enrollment_id, step=None):
    with Session(db) as s:
        stmt = select(Send).where(Send.enrollment_id == enrollment_id).order_by(Send.id)
        if step:
            stmt = stmt.where(Send.step == step)
        return list(s.exec(stmt))


def enrollment(db, enrollment_id) -> Enrollment:
    with Session(db) as s:
        return s.get(Enrollment, enrollment_id)


def test_polling_accepts_and_the_welcome_waits_for_the_next_local_day(db, settings):
    w = invited_world(db)
    # Accepted on Tuesday at 23:30 in Paris (22:30 UTC): "the day after" is Wednesday, local.
    accepted = datetime(2026, 11, 24, 22, 30, tzinfo=Z)
    clock = FrozenClock(accepted + timedelta(minutes=5))
    gw = FakeGateway(clock)
    gw.accept(w["key"], "pid-c1", accepted)
    assert poll_account(uow=UnitOfWork(db), gateway=gw, clock=clock, settings=settings, account_id=w["account"])["accepted"] == 1
    assert poll_account(uow=UnitOfWork(db), gateway=gw, clock=clock, settings=settings, account_id=w["account"])["accepted"] == 0
    e = enrollment(db, w["enrollment"])
    assert e.state == E_ACCEPTED and e.accepted_at == accepted
    (welcome,) = sends(db, w["enrollment"], "welcome")
    assert str(welcome.local_date) == "2026-11-25"
    assert datetime(2026, 11, 25, 8, tzinfo=Z) <= welcome.due_at < datetime(2026, 11, 25, 10, tzinfo=Z)
    assert welcome.text.startswith("Thanks Ann")


def test_welcome_then_follow_ups_in_slots_until_a_reply(db, settings):
    w = invited_world(db, followups=((2, {"en": "Any thoughts, {{firstName}}?"}), (2, {"en": "Last note."})))
    clock = FrozenClock(datetime(2026, 11, 24, 12, tzinfo=Z))
    gw = FakeGateway(clock)
    gw.accept(w["key"], "pid-c1", clock.now())
    poll_account(uow=UnitOfWork(db), gateway=gw, clock=clock, settings=settings, account_id=w["account"])
    (welcome,) = sends(db, w["enrollment"], "welcome")
    clock.set(welcome.due_at)
    assert run(db, gw, clock, settings, welcome.id) == "sent"
    e = enrollment(db, w["enrollment"])
    assert e.state == E_WELCOMED and e.chat_id == f"chat-{w['key']}-pid-c1"
    (first,) = sends(db, w["enrollment"], "followup")
    assert str(first.local_date) == "2026-11-27"  # Wednesday + 2 local days, in a slot
    clock.set(first.due_at)
    assert run(db, gw, clock, settings, first.id) == "sent"
    second = sends(db, w["enrollment"], "followup")[1]
    assert str(second.local_date) == "2026-11-30"  # Friday + 2 days is Sunday, without slots: Monday
    # The contact answers before the last follow-up: the sequence ends, nothing more goes out.
    gw.reply(e.chat_id, "Not interested, thanks", clock.now() + timedelta(hours=1))
    clock.set(second.due_at)
    assert run(db, gw, clock, settings, second.id) == "stopped"
    e = enrollment(db, w["enrollment"])
    assert e.state == E_REPLIED and e.reply_sentiment == "negative"
    assert sends(db, w["enrollment"], "followup")[1].status == S_SKIPPED
    assert len(gw.acting_calls("send_message")) == 2


def test_stop_if_ongoings_and_incomings(db, settings):
    cases = ((dict(stop_if_incomings=True), False, E_REPLIED, "stopped"),  # the contact wrote
             (dict(stop_if_ongoings=True), True, E_DONE, "stopped"),  # the sender wrote by hand
             (dict(stop_if_ongoings=False, stop_if_incomings=False), True, E_DONE, "sent"))  # no rule: sent
    for rule, wrote_by_sender, state, outcome in cases:
        w = invited_world(db, followups=(), **rule)
        clock = FrozenClock(datetime(2026, 11, 24, 12, tzinfo=Z))
        gw = FakeGateway(clock)
        gw.accept(w["key"], "pid-c1", clock.now())
        poll_account(uow=UnitOfWork(db), gateway=gw, clock=clock, settings=settings, account_id=w["account"])
        with UnitOfWork(db)() as s:  # a message learnt meanwhile (webhook)
            record_message(session=s, account_id=w["account"], contact_id=w["contact"],
                           message=ChatMessage(message_id=f"m-{w['enrollment']}", chat_id="c", sender_id=None,
                                               is_sender=wrote_by_sender, timestamp=clock.now() + timedelta(hours=2)))
        (welcome,) = sends(db, w["enrollment"], "welcome")
        clock.set(welcome.due_at)
        assert run(db, gw, clock, settings, welcome.id) == outcome
        assert enrollment(db, w["enrollment"]).state == state
        assert len(gw.acting_calls("send_message")) == (1 if outcome == "sent" else 0)


def test_a_reply_cancels_the_planned_welcome(db, settings):
    from core.delivery.conversation import end_on_reply

    w = invited_world(db)
    clock = FrozenClock(datetime(2026, 11, 24, 12, tzinfo=Z))
    gw = FakeGateway(clock)
    gw.accept(w["key"], "pid-c1", clock.now())
    poll_account(uow=UnitOfWork(db), gateway=gw, clock=clock, settings=settings, account_id=w["account"])
    with UnitOfWork(db)() as s:
        end_on_reply(session=s, account_id=w["account"], contact_id=w["contact"], at=clock.now(), text="hi",
                     now=clock.now())
    assert [x.status for x in sends(db, w["enrollment"])] == [S_CANCELLED]


def test_stale_invitations_are_withdrawn_within_the_daily_budget(db, settings):
    w = invited_world(db)
    with UnitOfWork(db)() as s:  # two more stale invitations of the same account
        base = s.get(Enrollment, w["enrollment"])
        for n in range(2):
            c = f.contacts(s, s.get(Workspace, base.workspace_id), 1)[0]
            s.add(Enrollment(workspace_id=base.workspace_id, campaign_id=base.campaign_id, contact_id=c.id,
                             account_id=base.account_id, state=E_INVITED, invited_at=INVITED_AT + timedelta(minutes=n),
                             invitation_id=f"inv-{n + 1}"))
    clock = FrozenClock(INVITED_AT + timedelta(days=22))
    gw = FakeGateway(clock)
    budget = settings.model_copy(update={"withdraw_per_day": 2})
    assert withdraw_stale(uow=UnitOfWork(db), gateway=gw, clock=clock, settings=budget, account_id=w["account"]) == 2
    assert withdraw_stale(uow=UnitOfWork(db), gateway=gw, clock=clock, settings=budget, account_id=w["account"]) == 0
    clock.advance(timedelta(days=1, minutes=1))
    assert withdraw_stale(uow=UnitOfWork(db), gateway=gw, clock=clock, settings=budget, account_id=w["account"]) == 1
    assert [c.args["invitation_id"] for c in gw.acting_calls("withdraw_invitation")] == ["inv-0", "inv-1", "inv-2"]
    with Session(db) as s:
        assert {e.state for e in s.exec(select(Enrollment))} == {E_WITHDRAWN}


def test_account_status_webhooks_pause_and_lift_exactly_the_disconnection_pause(db, settings):
    from core.campaigns.models import Campaign
    from core.delivery.webhooks import process_event, store_event
    from core.workspace.models import ACCOUNT_DISCONNECTED_PAUSE, LinkedInAccount

    clock = FrozenClock(datetime(2026, 11, 27, 12, tzinfo=timezone.utc))
    with UnitOfWork(db)() as s:
        ws = f.workspace(s)
        m, acct = f.sender(s, ws, account_key="status-acct")
        seg = f.segment(s, ws, f.contacts(s, ws, 2))
        plain = f.campaign(s, ws, m, seg)
        other = f.campaign(s, ws, m, seg)
        other.paused_reason = "paused by hand"

    def event(message):  # the documented body: no timestamp
        with UnitOfWork(db)() as s:
            event_id, new = store_event(session=s, payload={"AccountStatus": {
                "account_id": "status-acct", "account_type": "LINKEDIN", "message": message}}, now=clock.now())
        assert new
        return process_event(uow=UnitOfWork(db), clock=clock, settings=settings, event_id=event_id)

    kind, alerts = event("CREDENTIALS")
    assert kind == "account_status" and [a.kind for a in alerts] == ["account_disconnected"]
    with Session(db) as s:
        assert s.get(LinkedInAccount, acct.id).status == "invalid"
        assert s.get(Campaign, plain.id).paused_reason == ACCOUNT_DISCONNECTED_PAUSE
        assert s.get(Campaign, other.id).paused_reason == "paused by hand"
    event("OK")
    with Session(db) as s:
        assert s.get(LinkedInAccount, acct.id).status == "valid"
        assert s.get(Campaign, plain.id).paused_reason is None
        assert s.get(Campaign, other.id).paused_reason == "paused by hand"  # not the disconnection's to lift
    kind, alerts = event("CREDENTIALS")  # the same status again, after another one: it applies
    assert kind == "account_status" and [a.kind for a in alerts] == ["account_disconnected"]
    with Session(db) as s:
        assert s.get(LinkedInAccount, acct.id).status == "invalid"
        assert s.get(Campaign, plain.id).paused_reason == ACCOUNT_DISCONNECTED_PAUSE
