"""The delivery routes of the web app over HTTP: tracked links (P-16) and provider webhooks,
with events emitted by the Unipile simulator the way Unipile posts them."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlmodel import Session, func, select

from bot.http.webhooks import SECRET_HEADER
from bot.web import build_web_app
from core.clock import FrozenClock
from core.db import UnitOfWork
from core.delivery import webhooks
from core.links import tracking as links
from core.delivery.models import E_ACCEPTED, E_INVITED, E_REPLIED, Enrollment, Send, WebhookEvent
from core.links.models import Click
from core.notify import LoggingNotifier
from core.sources.models import Contact
from tests import factories as f
from tests.simulators.unipile import UnipileSimulator
from entrypoints.bootstrap import bootstrap

NOW = datetime(2026, 11, 26, 10, 0, tzinfo=timezone.utc)


@pytest.fixture
def ctx(db, settings):
    return bootstrap(settings, clock=FrozenClock(NOW), notifier=LoggingNotifier(), engine=db, queue="none")


@pytest.fixture
async def client(aiohttp_client, ctx):
    return await aiohttp_client(build_web_app(ctx))


@pytest.fixture
def invited(db):
    """An invited contact of a running campaign, whose sender's account is a Unipile one."""
    with UnitOfWork(db)() as s:
        ws = f.workspace(s)
        m, acct = f.sender(s, ws, account_key="unipile-acct-1", provider="unipile")
        contact = f.contacts(s, ws, 1, prefix="jane-doe")[0]
        camp = f.campaign(s, ws, m, f.segment(s, ws, [contact]), welcome={"en": "Thanks {{firstName}}!"})
        e = Enrollment(workspace_id=ws.id, campaign_id=camp.id, contact_id=contact.id, account_id=acct.id,
                       state=E_INVITED, invited_at=NOW - timedelta(days=1), language="en")
        s.add(e)
        s.flush()
        link_send = Send(workspace_id=ws.id, campaign_id=camp.id, enrollment_id=e.id, account_id=acct.id,
                         contact_id=contact.id, step="followup", position=1, language="en",
                         text="Read https://example.com/case?x=1 now", local_date=NOW.date(), due_at=NOW)
        s.add(link_send)
        s.flush()
        tracked = links.tracked_text(session=s, send=link_send, public_url="https://invitebot.example")
        return dict(enrollment_id=e.id, contact=contact, tracked=tracked, account_key=acct.provider_account_id)


def clicks(db) -> int:
    with Session(db) as s:
        return s.exec(select(func.count()).select_from(Click)).one()


async def test_a_click_is_counted_and_redirected(client, db, invited):
    token = invited["tracked"].split("/l/")[1].split()[0]
    assert invited["tracked"] == f"Read https://invitebot.example/l/{token} now" and len(token) == 10
    resp = await client.get(f"/l/{token}", allow_redirects=False)
    assert resp.status == 302 and resp.headers["Location"] == "https://example.com/case?x=1"
    assert clicks(db) == 1
    # Link previews and HEAD requests are redirected but not counted.
    for ua in ("LinkedInBot/1.0 (compatible; Mozilla/5.0)", "Slackbot-LinkExpanding 1.0", "facebookexternalhit/1.1",
               "Twitterbot/1.0"):
        resp = await client.get(f"/l/{token}", allow_redirects=False, headers={"User-Agent": ua})
        assert resp.status == 302
    resp = await client.head(f"/l/{token}", allow_redirects=False)
    assert resp.status == 302 and resp.headers["Location"] == "https://example.com/case?x=1"
    assert clicks(db) == 1


async def test_an_unknown_token_is_a_plain_404(client):
    for token in ("AAAAAAAAAA", "short", "bad%20token", "x" * 200):
        resp = await client.get(f"/l/{token}", allow_redirects=False)
        assert resp.status == 404 and "does not exist" in await resp.text()


async def test_webhook_needs_the_secret_and_a_json_body(client):
    body = b'{"event": "new_relation"}'
    assert (await client.post("/webhooks/linkedin", data=body)).status == 401
    assert (await client.post("/webhooks/linkedin", data=body, headers={SECRET_HEADER: "wrong"})).status == 401
    resp = await client.post("/webhooks/linkedin", data=b"{not json", headers={SECRET_HEADER: "whsec-test"})
    assert resp.status == 400
    resp = await client.post("/webhooks/linkedin", data=b'{"hello": 1}', headers={SECRET_HEADER: "whsec-test"})
    assert resp.status == 200 and (await resp.json())["status"] == "ignored"


async def test_a_relation_event_accepts_once_and_plans_the_welcome(client, ctx, db, invited):
    sim = UnipileSimulator(now=lambda: NOW)
    await sim.start()
    try:
        provider_id = sim.profile(invited["contact"].public_identifier)["provider_id"]
        payload = sim.new_relation_event(invited["account_key"], provider_id)
        url = str(client.make_url("/webhooks/linkedin"))
        assert await sim.emit_webhook_async(url, payload, headers={SECRET_HEADER: "whsec-test"}) == 200
        assert await sim.emit_webhook_async(url, payload, headers={SECRET_HEADER: "whsec-test"}) == 200  # redelivery
    finally:
        await sim.stop()
    with Session(db) as s:
        events = s.exec(select(WebhookEvent)).all()
    assert len(events) == 1
    ctx.clock.advance(timedelta(hours=3))  # processed by the worker a little later
    assert webhooks.process_event(uow=UnitOfWork(db), clock=ctx.clock, settings=ctx.settings, event_id=events[0].id)[0] == "new_relation"
    assert webhooks.process_event(uow=UnitOfWork(db), clock=ctx.clock, settings=ctx.settings, event_id=events[0].id)[0] == "done"
    with Session(db) as s:
        e = s.get(Enrollment, invited["enrollment_id"])
        assert e.state == E_ACCEPTED
        welcome = s.exec(select(Send).where(Send.enrollment_id == e.id, Send.step == "welcome")).one()
    assert welcome.text == f"Thanks {invited['contact'].first_name}!"
    assert welcome.local_date == (NOW + timedelta(days=1)).date()  # the local day after acceptance


async def test_a_reply_event_ends_the_sequence(client, ctx, db, invited):
    with UnitOfWork(db)() as s:
        e = s.get(Enrollment, invited["enrollment_id"])
        e.state, e.accepted_at, e.chat_id = E_ACCEPTED, NOW - timedelta(hours=5), "chat_9"
        s.get(Contact, invited["contact"].id).provider_id = "ACoAAxyz"
    payload = {"account_id": invited["account_key"], "account_type": "LINKEDIN", "event": "message_received",
               "chat_id": "chat_9", "timestamp": "2026-11-26T09:00:00.000Z", "webhook_name": "invitebot-messaging",
               "message_id": "msg_1", "message": "Thanks, happy to talk!",
               "sender": {"attendee_id": "att_1", "attendee_name": "Jane Doe", "attendee_provider_id": "ACoAAxyz",
                          "attendee_profile_url": "https://www.linkedin.com/in/ACoAAxyz/"}}
    resp = await client.post("/webhooks/linkedin", json=payload, headers={SECRET_HEADER: "whsec-test"})
    event_id = (await resp.json())["id"]
    webhooks.process_event(uow=UnitOfWork(db), clock=ctx.clock, settings=ctx.settings, event_id=event_id)
    with Session(db) as s:
        e = s.get(Enrollment, invited["enrollment_id"])
        assert e.state == E_REPLIED and e.reply_sentiment == "positive"
        assert s.exec(select(Send).where(Send.enrollment_id == e.id, Send.status == "planned")).all() == []
