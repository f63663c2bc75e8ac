"""The provider's real webhooks, from the provider's side: the Unipile simulator posts the documented
bodies (no `is_sender`, no timestamp on account status) to `/webhooks/linkedin` with our secret
header, over HTTP into the real web app; the worker's own actor processes what was stored. Judged on
the database and on the simulator's record."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone

import pytest
from sqlmodel import Session, select

from bot.http.webhooks import SECRET_HEADER
from bot.web import build_web_app
from core.campaigns.models import Campaign
from core.clock import FrozenClock
from core.db import UnitOfWork
from core.delivery import jobs
from core.delivery.models import (
    E_REPLIED, E_WELCOMED, S_CANCELLED, S_PLANNED, ConversationMessage, Enrollment, Send, WebhookEvent,
)
from core.notify import LoggingNotifier
from core.sources.models import Contact
from core.workspace.models import ACCOUNT_DISCONNECTED_PAUSE, LinkedInAccount
from tests import factories as f
from tests.simulators.unipile import UnipileSimulator
from entrypoints.bootstrap import actor
from entrypoints.bootstrap import bootstrap
from entrypoints.cli.linkedin import register_webhooks

NOW = datetime(2026, 11, 26, 10, 0, tzinfo=timezone.utc)
KEY = "sim-api-key"
SECRET = "whsec-test"  # the settings fixture's WEBHOOK_SECRET
ACCOUNT = "acc-Xy_9"  # Unipile ids hold underscores


@pytest.fixture
async def sim():
    simulator = UnipileSimulator(KEY, now=lambda: NOW)
    await simulator.start()
    yield simulator
    await simulator.stop()


@pytest.fixture
def ctx(db, settings, sim):
    unipile = settings.model_copy(update={"linkedin_provider": "unipile", "unipile_base_url": sim.base_url,
                                          "unipile_api_key": KEY, "unipile_timeout_seconds": 2.0})
    # The web app enqueues on Dramatiq's in-memory broker; the tests run the actors as a worker does.
    context = bootstrap(unipile, clock=FrozenClock(NOW), notifier=LoggingNotifier(), engine=db, queue="stub",
                        worker=True)
    yield context
    context.linkedin.close()


@pytest.fixture
async def client(aiohttp_client, ctx):
    return await aiohttp_client(build_web_app(ctx))


@pytest.fixture
async def world(db, ctx, sim, client):
    """A welcomed contact of a running campaign (our welcome really went through the simulator), a
    follow-up planned, our webhooks registered; our account's own provider id not known yet."""
    url = str(client.make_url("/webhooks/linkedin"))
    await asyncio.to_thread(register_webhooks, ctx.linkedin, request_url=url, secret=SECRET)
    with UnitOfWork(db)() as s:
        ws = f.workspace(s)
        member, account = f.sender(s, ws, account_key=ACCOUNT, provider="unipile")
        contact = f.contacts(s, ws, 1, prefix="jane-doe")[0]
        camp = f.campaign(s, ws, member, f.segment(s, ws, [contact]), welcome={"en": "Thanks!"},
                          followups=[(2, {"en": "Any thoughts?"})])
        slug, account_id, contact_id, campaign_id = contact.public_identifier, account.id, contact.id, camp.id
    pid = sim.add_relation(ACCOUNT, slug)
    welcome = await asyncio.to_thread(ctx.linkedin.send_message, account_id=ACCOUNT, text="Thanks!", provider_id=pid)
    with UnitOfWork(db)() as s:
        s.get(Contact, contact_id).provider_id = pid
        e = Enrollment(workspace_id=ws.id, campaign_id=campaign_id, contact_id=contact_id, account_id=account_id,
                       state=E_WELCOMED, invited_at=NOW - timedelta(days=3), accepted_at=NOW - timedelta(days=2),
                       chat_id=welcome.chat_id, language="en")
        s.add(e)
        s.flush()
        s.add(Send(workspace_id=ws.id, campaign_id=campaign_id, enrollment_id=e.id, account_id=account_id,
                   contact_id=contact_id, step="followup", position=1, language="en", text="Any thoughts?",
                   local_date=(NOW + timedelta(days=2)).date(), due_at=NOW + timedelta(days=2)))
        enrollment_id = e.id
    return dict(url=url, pid=pid, chat=welcome.chat_id, account=account_id, enrollment=enrollment_id,
                campaign=campaign_id)


async def post(client, payload: dict) -> str:
    resp = await client.post("/webhooks/linkedin", json=payload, headers={SECRET_HEADER: SECRET})
    assert resp.status == 200
    return (await resp.json())["status"]


async def work(ctx, db, order=None) -> int:
    """The worker: the `process_webhook` actor on every stored event not processed yet."""
    with Session(db) as s:
        pending = jobs.pending_events(session=s)
    for event_id in (order or (lambda ids: ids))(pending):
        await asyncio.to_thread(actor(ctx, "process_event"), event_id)
    return len(pending)


def enrollment(db, world) -> Enrollment:
    with Session(db) as s:
        return s.get(Enrollment, world["enrollment"])


def account(db, world) -> LinkedInAccount:
    with Session(db) as s:
        return s.get(LinkedInAccount, world["account"])


def followup_status(db, world) -> str:
    with Session(db) as s:
        return s.exec(select(Send.status).where(Send.enrollment_id == world["enrollment"])).one()


def paused(db, world) -> str | None:
    with Session(db) as s:
        return s.get(Campaign, world["campaign"]).paused_reason


async def test_credentials_ok_credentials_leaves_the_account_disconnected(client, ctx, db, sim, world):
    for status, expected, pause in (("CREDENTIALS", "invalid", ACCOUNT_DISCONNECTED_PAUSE), ("OK", "valid", None),
                                    ("CREDENTIALS", "invalid", ACCOUNT_DISCONNECTED_PAUSE)):
        assert await sim.deliver_async(sim.set_account_status(ACCOUNT, status)) == [200]  # the account_status hook
        assert await work(ctx, db) == 1
        assert (account(db, world).status, paused(db, world)) == (expected, pause), status
    assert [a.kind for a in ctx.notifier.sent_alerts] == ["account_disconnected"] * 2


async def test_status_events_received_together_the_latest_wins_whatever_the_order(client, ctx, db, sim, world):
    bodies = [sim.account_status_event(ACCOUNT, m) for m in ("CREDENTIALS", "OK", "CREDENTIALS")]
    assert [await post(client, body) for body in bodies] == ["accepted"] * 3  # identical bodies: none a duplicate
    assert await work(ctx, db, order=lambda ids: list(reversed(ids))) == 3  # the last one first
    assert account(db, world).status == "invalid" and paused(db, world) == ACCOUNT_DISCONNECTED_PAUSE
    assert [a.kind for a in ctx.notifier.sent_alerts] == ["account_disconnected"]
    # The provider retries the OK that follows 5 times: one change, and the account is valid again.
    ok = sim.account_status_event(ACCOUNT, "OK")
    assert [await post(client, ok) for _ in range(6)] == ["accepted"] * 6
    await work(ctx, db)
    assert account(db, world).status == "valid" and paused(db, world) is None
    assert len(ctx.notifier.sent_alerts) == 1


async def test_a_read_receipt_or_a_reaction_never_takes_the_place_of_the_message(client, ctx, db, sim, world):
    reply = sim.receive_message(ACCOUNT, world["pid"], "Thanks, happy to talk!")
    read, reaction, received = (sim.message_event(reply, event) for event in
                                ("message_read", "message_reaction", "message_received"))
    assert read["message_id"] == reaction["message_id"] == received["message_id"]
    assert "is_sender" not in received and received["sender"]["attendee_provider_id"] == world["pid"]
    # Our webhook asks for new messages only; one made by hand with every event would post all three.
    assert sim.subscribed(read) == sim.subscribed(reaction) == [] and len(sim.subscribed(received)) == 1
    assert [await post(client, body) for body in (read, reaction, received)] == ["ignored", "ignored", "accepted"]
    assert [await post(client, received) for _ in range(5)] == ["duplicate"] * 5  # the provider's 5 retries
    assert ctx.tasks.broker.queues["delivery"].qsize() == 1  # enqueued once
    assert await work(ctx, db) == 1
    with Session(db) as s:
        rows = s.exec(select(ConversationMessage).where(ConversationMessage.provider_message_id == reply["id"])).all()
        assert s.exec(select(WebhookEvent)).one().kind == "message"
    assert [(r.is_sender, r.sentiment) for r in rows] == [(False, "positive")]
    e = enrollment(db, world)
    assert e.state == E_REPLIED and e.replied_at == reply["timestamp"]
    assert followup_status(db, world) == S_CANCELLED


async def test_an_echo_of_our_own_message_is_not_a_reply_and_teaches_our_id(client, ctx, db, sim, world):
    assert account(db, world).provider_user_id is None
    ours = sim.messages[-1]  # our welcome, echoed by the provider
    echo = sim.message_event(ours)
    assert echo["sender"]["attendee_provider_id"] == sim.own_provider_id(ACCOUNT) and "is_sender" not in echo
    assert await sim.deliver_async(echo) == [200]
    await work(ctx, db)
    assert account(db, world).provider_user_id == sim.own_provider_id(ACCOUNT)  # GET /users/me, stored
    assert sim.calls_to("GET /users/me")[-1].query == {"account_id": ACCOUNT}
    assert enrollment(db, world).state == E_WELCOMED and followup_status(db, world) == S_PLANNED
    with Session(db) as s:
        assert s.exec(select(ConversationMessage.is_sender)
                      .where(ConversationMessage.provider_message_id == ours["id"])).all() == [True]
    # Known now: not asked again. Then the contact writes: the sequence ends.
    reply = sim.receive_message(ACCOUNT, world["pid"], "Sounds good")
    assert await sim.deliver_async(sim.message_event(reply)) == [200]
    await work(ctx, db)
    assert len(sim.calls_to("GET /users/me")) == 1
    assert enrollment(db, world).state == E_REPLIED and followup_status(db, world) == S_CANCELLED


async def test_while_our_id_stays_unknown_only_the_contact_ends_the_sequence(client, ctx, db, sim, world):
    sim.fail_next("GET /users/me", 500, times=2)
    ours = await asyncio.to_thread(ctx.linkedin.send_message, account_id=ACCOUNT, text="One more thing",
                                   chat_id=world["chat"])
    echo = sim.message_event(next(m for m in sim.messages if m["id"] == ours.message_id))
    assert await post(client, echo) == "accepted"
    await work(ctx, db)
    assert account(db, world).provider_user_id is None  # GET /users/me failed
    assert enrollment(db, world).state == E_WELCOMED and followup_status(db, world) == S_PLANNED
    reply = sim.receive_message(ACCOUNT, world["pid"], "Not interested")
    assert await post(client, sim.message_event(reply)) == "accepted"
    await work(ctx, db)
    e = enrollment(db, world)
    assert e.state == E_REPLIED and e.reply_sentiment == "negative" and followup_status(db, world) == S_CANCELLED


async def test_a_lost_status_webhook_is_made_up_by_the_poll(client, ctx, db, sim, world):
    # CREDENTIALS arrived; the OK that followed was lost: the poll re-reads GET /accounts/{id}.
    assert await sim.deliver_async(sim.set_account_status(ACCOUNT, "CREDENTIALS")) == [200]
    await work(ctx, db)
    sim.set_account_status(ACCOUNT, "OK")  # no webhook this time
    with Session(db) as s:
        assert world["account"] in jobs.accounts_to_poll(session=s)  # invalid accounts are polled too
    await asyncio.to_thread(actor(ctx, "poll_account"), world["account"])
    assert account(db, world).status == "valid" and paused(db, world) is None
    assert sim.calls_to("GET /accounts/{account_id}")[-1].path == f"/accounts/{ACCOUNT}"
    # And the other way: a disconnection whose webhook was lost.
    sim.set_account_status(ACCOUNT, "CREDENTIALS")
    await asyncio.to_thread(actor(ctx, "poll_account"), world["account"])
    assert account(db, world).status == "invalid" and paused(db, world) == ACCOUNT_DISCONNECTED_PAUSE
    assert [a.kind for a in ctx.notifier.sent_alerts] == ["account_disconnected"] * 2


@pytest.mark.parametrize("body, status, answer", [
    # A body of a kind we read whose parts are of another type: refused (the provider may retry it,
    # harmlessly), never stored.
    ({"event": "message_received", "account_id": {"id": ACCOUNT}, "chat_id": "c", "message_id": "m"}, 400, None),
    ({"event": "message_received", "account_id": ACCOUNT, "chat_id": "c", "message_id": "m" * 129}, 400, None),
    ({"event": "message_received", "account_id": ACCOUNT, "chat_id": None, "message_id": "m"}, 400, None),
    ({"event": "message_received", "account_id": ACCOUNT, "chat_id": "c", "message_id": True}, 400, None),
    ({"event": "new_relation", "account_id": ACCOUNT, "user_provider_id": ""}, 400, None),
    ({"AccountStatus": {"account_id": ACCOUNT, "message": 5}}, 400, None),
    ({"AccountStatus": [ACCOUNT, "CREDENTIALS"]}, 400, None),
    ([1, 2], 400, None),
    ("CREDENTIALS", 400, None),
    # A well-formed body of a kind we do not use: answered, so the provider does not retry it.
    ({"event": "message_edited", "account_id": ACCOUNT, "chat_id": "c", "message_id": "m"}, 200, "ignored"),
    ({"chat_id": "c", "message_id": "m", "account_id": ACCOUNT, "message": "no event"}, 200, "ignored"),
])
async def test_bodies_we_do_not_keep_are_answered_and_leave_nothing(client, db, world, body, status, answer):
    resp = await client.post("/webhooks/linkedin", json=body, headers={SECRET_HEADER: SECRET})
    assert resp.status == status
    if answer is not None:
        assert (await resp.json())["status"] == answer
    with Session(db) as s:
        assert s.exec(select(WebhookEvent)).all() == []


async def test_a_message_with_an_odd_sender_is_kept_but_is_no_reply(client, ctx, db, sim, world):
    def body(n, sender):
        return {"account_id": ACCOUNT, "account_type": "LINKEDIN", "event": "message_received", "chat_id": world["chat"],
                "timestamp": "not-a-time", "webhook_name": "x", "message_id": f"odd-{n}", "message": None,
                "sender": sender}

    for n, sender in enumerate(({"attendee_provider_id": ["x"]}, "someone")):  # not the documented shape
        resp = await client.post("/webhooks/linkedin", json=body(n, sender), headers={SECRET_HEADER: SECRET})
        assert resp.status == 400
    for n, sender in enumerate((None, {}), start=2):  # documented, naming nobody
        assert await post(client, body(n, sender)) == "accepted"
    sim.fail_next("GET /users/me", 500, times=4)  # our own id stays unknown
    assert await work(ctx, db) == 2
    assert enrollment(db, world).state == E_WELCOMED and followup_status(db, world) == S_PLANNED
    with Session(db) as s:
        assert s.exec(select(WebhookEvent).where(WebhookEvent.processed_at.is_(None))).all() == []


def test_each_event_kind_has_keys_of_its_own(sim):
    from core.delivery.webhooks import event_key

    message = sim.receive_message(ACCOUNT, sim.add_relation(ACCOUNT, "kim-lee"), "Hello")
    keys = {event: event_key(sim.message_event(message, event))[0]
            for event in ("message_received", "message_read", "message_reaction")}
    assert len(set(keys.values())) == 3 and all(message["id"] in k for k in keys.values())
    status = sim.account_status_event(ACCOUNT, "CREDENTIALS")
    assert event_key(status)[0] != event_key(status)[0]  # never de-duplicated
