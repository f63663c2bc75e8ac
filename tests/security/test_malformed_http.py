"""Malformed requests to the routes that are not a chat platform's: the provider's webhooks (with
the right secret and without), the signed hosted-auth callback, tracked links and the health
check. Every field of each valid body replaced by every wrong type, or dropped, and the bodies
themselves deep or of another type: answered 4xx (or 200 when the provider's event is one we do
not read), never 5xx; a refused request writes nothing, an accepted event is one the worker can
process; the log gets at most one line, without the payload."""

from __future__ import annotations

import logging
from datetime import datetime, timezone
from urllib.parse import quote

import pytest
from sqlmodel import select

from bot.http.webhooks import SECRET_HEADER
from bot.web import build_web_app
from core.clock import FrozenClock
from core.db import UnitOfWork
from core.delivery import webhooks
from core.delivery.linkedin.unipile_webhooks import member_ref_signature
from core.delivery.models import WebhookEvent
from core.notify import LoggingNotifier
from tests import factories as f
from tests.security.malformed import HUGE, MARK, NON_ASCII, Probe, mutations, whole_body_mutations
from entrypoints.bootstrap import bootstrap

NOW = datetime(2026, 11, 26, 10, 0, tzinfo=timezone.utc)
SECRET = "whsec-test"  # the `settings` fixture's WEBHOOK_SECRET
FAR = 4_000_000_000


@pytest.fixture
def ctx(db, settings):
    return bootstrap(settings, clock=FrozenClock(NOW), notifier=LoggingNotifier(), engine=db, queue="none")


@pytest.fixture
async def client(aiohttp_client, ctx):
    return await aiohttp_client(build_web_app(ctx))


@pytest.fixture
def member_id(db) -> int:
    with UnitOfWork(db)() as s:
        ws = f.workspace(s)
        f.sender(s, ws, account_key="acct-1", provider="unipile")
        return f.member(s, ws, name="Mia Member").id


EVENTS = {
    "new_relation": {"event": "new_relation", "account_id": "acct-1", "account_type": "LINKEDIN",
                     "webhook_name": "invitebot users", "user_full_name": "Jane Doe", "user_provider_id": "ACoAA1",
                     "user_public_identifier": "jane-doe", "user_profile_url": "https://www.linkedin.com/in/jane-doe",
                     "user_picture_url": "https://media.example/jane.jpg"},
    "message": {"event": "message_received", "account_id": "acct-1", "chat_id": "chat-1", "message_id": "msg-1",
                "message": "Thanks!", "timestamp": "2026-11-26T09:00:00.000Z",
                "sender": {"attendee_provider_id": "ACoAA1", "attendee_name": "Jane Doe"}},
    "account status": {"AccountStatus": {"account_id": "acct-1", "account_type": "LINKEDIN", "message": "OK"}},
}


def _stored_events_process(ctx) -> list[str]:
    """Each stored event processed as the worker would; the problems it raised."""
    problems = []
    with UnitOfWork(ctx.engine)() as s:
        ids = list(s.exec(select(WebhookEvent.id).where(WebhookEvent.processed_at.is_(None))).all())
    for event_id in ids:
        try:
            webhooks.process_event(uow=ctx.uow, clock=ctx.clock, settings=ctx.settings, event_id=event_id)
        except Exception as exc:  # noqa: BLE001 - what the test reports
            problems.append(f"event {event_id}: {type(exc).__name__}")
    return problems


@pytest.mark.parametrize("kind", list(EVENTS))
@pytest.mark.parametrize("secret", [SECRET, None], ids=["with the secret", "without"])
async def test_malformed_webhooks(client, ctx, member_id, caplog, kind, secret):
    caplog.set_level(logging.INFO)
    probe = Probe(ctx.engine, caplog)
    headers = {SECRET_HEADER: secret} if secret else {}
    control = await client.post("/webhooks/linkedin", json=EVENTS[kind], headers=headers)  # the valid event
    assert control.status == 200 if secret else control.status == 401
    if secret:
        assert (await control.json())["status"] == "accepted" and not _stored_events_process(ctx)
    for label, text in [*mutations(EVENTS[kind]), *whole_body_mutations(EVENTS[kind])]:
        probe.start()
        response = await client.post("/webhooks/linkedin", data=text.encode(), headers=headers)
        accepted = response.status == 200
        probe.finish(label, response.status, await response.text(), rows_may_change=accepted,
                     expected=(200, 400, 413) if secret else (401,))
        for problem in _stored_events_process(ctx) if accepted else ():
            probe.findings.add(label, f"stored an event the worker cannot process: {problem}")
    probe.findings.assert_none()


def _callback(member: int, *, ref: str | None = None, exp: int = FAR) -> str:
    ref = str(member) if ref is None else ref
    return f"/webhooks/linkedin/accounts?ref={quote(ref)}&exp={exp}&sig={member_ref_signature(SECRET, ref, exp)}"


async def test_malformed_account_callbacks(client, ctx, member_id, caplog):
    caplog.set_level(logging.INFO)
    probe = Probe(ctx.engine, caplog)
    body = {"status": "CREATION_SUCCESS", "account_id": "acct-new", "name": str(member_id)}
    control = await client.post(_callback(member_id), json=body)  # the valid callback connects the account
    assert control.status == 200 and (await control.json())["status"] == "connected"
    for label, text in [*mutations(body), *whole_body_mutations(body)]:
        probe.start()
        response = await client.post(_callback(member_id), data=text.encode())
        probe.finish(label, response.status, await response.text(), rows_may_change=response.status == 200,
                     expected=(200, 400, 404, 409, 413))
    # Signed references that are not a member's id
    for label, ref in (("ref non-ASCII", NON_ASCII), ("ref huge", HUGE[:4000]), ("ref negative", "-1"),
                       ("ref with NUL", "1\x00"), ("ref 40 digits", "9" * 40)):
        probe.start()
        response = await client.post(_callback(member_id, ref=ref), data=b'{"status": "CREATION_SUCCESS", '
                                     b'"account_id": "acct-x", "name": "1"}')
        probe.finish(label, response.status, await response.text(), expected=(400, 401, 404))
    # Unsigned or badly signed
    for label, query in (("no query", ""), ("exp not a number", f"?ref={member_id}&exp=x&sig=y"),
                         ("sig non-ASCII", f"?ref={member_id}&exp={FAR}&sig={quote(NON_ASCII)}"),
                         ("exp huge", f"?ref={member_id}&exp={'9' * 5000}&sig=y")):
        probe.start()
        response = await client.post("/webhooks/linkedin/accounts" + query, data=b"{}")
        probe.finish(label, response.status, await response.text(), expected=(400, 401))
    probe.findings.assert_none()


async def test_weird_links_and_methods(client, ctx, caplog):
    caplog.set_level(logging.INFO)
    probe = Probe(ctx.engine, caplog)
    tokens = {"non-ASCII": quote(NON_ASCII), "NUL": "%00", "NUL inside": "abc%00defgh", "dot-dot": "..%2F..%2Fetc",
              "slash": "a%2Fb", "huge": MARK + "x" * 7000, "query": "abcdefghij?x=" + MARK, "spaces": "%20" * 10,
              "percent": "%25", "unicode escape": "%C0%AF", "overlong": "%E0%80%AF"}
    for label, token in tokens.items():
        for method in ("GET", "HEAD"):
            probe.start()
            response = await client.request(method, f"/l/{token}", allow_redirects=False)
            probe.finish(f"{method} {label}", response.status, await response.text(), expected=(404, 414))
    for method in ("POST", "PUT", "DELETE", "PATCH"):
        probe.start()
        response = await client.request(method, "/l/abcdefghij", data=b'{"a": 1}')
        probe.finish(f"{method} a link", response.status, await response.text(), expected=(405,))
    for method, path in (("POST", "/healthz"), ("GET", "/webhooks/linkedin"), ("GET", "/slack/events"),
                         ("GET", "/api/messages"), ("GET", "/webhooks/linkedin/accounts")):
        probe.start()
        response = await client.request(method, path)
        probe.finish(f"{method} {path}", response.status, await response.text(), expected=(404, 405))
    probe.findings.assert_none()


async def test_the_reported_cases(client, ctx, member_id, caplog):
    caplog.set_level(logging.INFO)
    probe = Probe(ctx.engine, caplog)
    deep = '{"event": "new_relation", "account_id": ' + '{"a":' * 10_000 + "1" + "}" * 10_000 + "}"
    for label, path, headers, body in (
            ("a webhook nested 10,000 deep, with the secret", "/webhooks/linkedin", {SECRET_HEADER: SECRET}, deep),
            ("a webhook's account_id a list", "/webhooks/linkedin", {SECRET_HEADER: SECRET},
             '{"event": "new_relation", "account_id": ["acct-1"], "user_provider_id": "x"}'),
            ("the signed callback's status a list", _callback(member_id), {},
             '{"status": ["CREATION_SUCCESS"], "account_id": "acct-x"}'),
            ("the signed callback nested 10,000 deep", _callback(member_id), {}, "[" * 10_000 + "]" * 10_000)):
        probe.start()
        response = await client.post(path, data=body.encode(), headers=headers)
        probe.finish(label, response.status, await response.text(), expected=(400,))
    probe.findings.assert_none()
