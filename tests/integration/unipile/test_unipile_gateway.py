"""The Unipile gateway against the local Unipile simulator, over real HTTP: each operation, each error
mapping, and the provider's own record of what it received."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import datetime, timedelta, timezone
from urllib.parse import parse_qs, urlsplit

import pytest

from core.delivery.linkedin.port import (
    AccountDisconnected,
    AlreadyConnected,
    AlreadyInvited,
    CannotReinviteYet,
    LinkedInError,
    NoteLimitReached,
    NotFound,
)
from core.delivery.linkedin.unipile import UnipileGateway
from core.delivery.linkedin.unipile_mapping import AccountOwner, owner_from
from core.delivery.linkedin.unipile_webhooks import WEBHOOK_SECRET_HEADER, account_callback_url
from tests.simulators.unipile import UnipileSimulator
from tests.integration.unipile.conftest import ACCOUNT, KEY, invite


def test_from_settings_needs_url_and_key(settings, sim):
    with pytest.raises(ValueError):
        UnipileGateway.from_settings(settings)
    configured = settings.model_copy(update={"unipile_base_url": sim.base_url, "unipile_api_key": KEY})
    gateway = UnipileGateway.from_settings(configured)
    try:
        assert gateway.resolve_profile(account_id=ACCOUNT, identifier="ada-lovelace").public_identifier == "ada-lovelace"
        assert KEY not in repr(gateway)
    finally:
        gateway.close()


def test_resolve_profile(gw, sim):
    profile = gw.resolve_profile(account_id=ACCOUNT, identifier="https://www.linkedin.com/in/ada-lovelace/")
    assert profile.provider_id == sim.profile("ada-lovelace")["provider_id"]
    assert (profile.first_name, profile.last_name, profile.network_distance) == ("Ada", "Lovelace", "SECOND_DEGREE")
    assert profile.company and profile.job_title and not profile.pending_invitation
    assert sim.calls[-1].path == "/users/ada-lovelace" and sim.calls[-1].query["account_id"] == ACCOUNT
    sim.unknown_identifiers.add("nobody-here")
    with pytest.raises(NotFound):
        gw.resolve_profile(account_id=ACCOUNT, identifier="nobody-here")


def test_send_invitation_posts_json_and_errors_map(gw, sim, clock):
    pid, sent = invite(gw, sim, "grace-hopper")
    call = sim.calls_to("POST /users/invite")[-1]
    assert call.content_type == "application/json"
    assert call.json == {"account_id": ACCOUNT, "provider_id": pid, "message": "Hello"}
    assert sent.invitation_id == sim.invitation_for(ACCOUNT, pid)["id"]
    assert gw.resolve_profile(account_id=ACCOUNT, identifier="grace-hopper").pending_invitation

    with pytest.raises(AlreadyInvited):
        gw.send_invitation(account_id=ACCOUNT, provider_id=pid, note=None)
    gw.withdraw_invitation(account_id=ACCOUNT, invitation_id=sent.invitation_id)
    clock.advance(timedelta(days=20))
    with pytest.raises(CannotReinviteYet):
        gw.send_invitation(account_id=ACCOUNT, provider_id=pid, note=None)
    with pytest.raises(NotFound):
        gw.withdraw_invitation(account_id=ACCOUNT, invitation_id=sent.invitation_id)

    friend = sim.add_relation(ACCOUNT, "alan-turing")
    with pytest.raises(AlreadyConnected):
        gw.send_invitation(account_id=ACCOUNT, provider_id=friend, note=None)
    with pytest.raises(NoteLimitReached):
        invite(gw, sim, "edsger-dijkstra", note="x" * 301)
    with pytest.raises(NoteLimitReached):
        invite(gw, sim, "edsger-dijkstra", note="x" * 201, account="acc-free")
    assert invite(gw, sim, "edsger-dijkstra", note="x" * 200, account="acc-free")[1].invitation_id
    assert sim.calls_to("POST /users/invite")[0].json["message"] == "Hello"


def test_pending_invitations_page_and_withdraw(gw, sim):
    for i in range(7):
        invite(gw, sim, f"person-{i}-x", note=None)
    seen, cursor, pages = [], None, 0
    while True:
        page = gw.list_sent_invitations(account_id=ACCOUNT, cursor=cursor, limit=3)
        seen += page.items
        pages += 1
        cursor = page.cursor
        if not cursor:
            break
    assert pages == 3 and len({i.invitation_id for i in seen}) == 7
    assert all(i.provider_user_id and i.sent_at and i.sent_at.tzinfo for i in seen)
    gw.withdraw_invitation(account_id=ACCOUNT, invitation_id=seen[0].invitation_id)
    assert len(gw.list_sent_invitations(account_id=ACCOUNT).items) == 6


def test_relations_page_over_250(gw, sim):
    start = datetime(2026, 1, 1, tzinfo=timezone.utc)
    expected = {sim.add_relation(ACCOUNT, f"friend-{i}-x", at=start + timedelta(minutes=i)) for i in range(260)}
    seen, cursor = [], None
    while True:
        page = gw.list_relations(account_id=ACCOUNT, cursor=cursor, limit=100)
        seen += page.items
        cursor = page.cursor
        if not cursor:
            break
    assert {r.provider_user_id for r in seen} == expected and len(seen) == 260
    assert len(sim.calls_to("GET /users/relations")) == 3
    assert all(r.connected_at and r.connected_at >= start and r.public_identifier for r in seen)
    accepted_pid = invite(gw, sim, "late-accepter")[0]
    sim.accept_invitation(sim.invitation_for(ACCOUNT, accepted_pid)["id"])
    assert gw.list_relations(account_id=ACCOUNT, limit=1).items[0].provider_user_id == accepted_pid


def test_messages_first_in_a_new_chat_then_in_it(gw, sim, clock):
    friend = sim.add_relation(ACCOUNT, "barbara-liskov")
    first = gw.send_message(account_id=ACCOUNT, text="Thanks for connecting", provider_id=friend)
    call = sim.calls_to("POST /chats")[-1]
    assert call.content_type == "multipart/form-data"
    assert call.form == {"account_id": [ACCOUNT], "text": ["Thanks for connecting"], "attendees_ids": [friend]}
    assert first.chat_id == sim.chat_with(ACCOUNT, friend) and first.message_id
    clock.advance(timedelta(minutes=5))
    reply = sim.receive_message(ACCOUNT, friend, "Nice to meet you")
    clock.advance(timedelta(minutes=5))
    follow = gw.send_message(account_id=ACCOUNT, text="Follow-up", chat_id=first.chat_id)
    assert follow.chat_id == first.chat_id
    assert sim.calls_to("POST /chats/{chat_id}/messages")[-1].form == {"text": ["Follow-up"]}

    history = gw.list_messages(account_id=ACCOUNT, chat_id=first.chat_id)
    assert [(m.is_sender, m.text) for m in history] == [
        (True, "Thanks for connecting"), (False, "Nice to meet you"), (True, "Follow-up")]
    assert history[1].message_id == reply["id"] and history[1].sender_id == friend
    later = gw.list_messages(account_id=ACCOUNT, chat_id=first.chat_id, after=history[0].timestamp)
    assert [m.text for m in later] == ["Nice to meet you", "Follow-up"]

    stranger = sim.profile("not-a-friend")["provider_id"]
    with pytest.raises(LinkedInError) as refused:
        gw.send_message(account_id=ACCOUNT, text="Hi", provider_id=stranger)
    assert type(refused.value) is LinkedInError and refused.value.status == 422
    with pytest.raises(NotFound):
        gw.send_message(account_id=ACCOUNT, text="Hi", chat_id="no-such-chat")


def test_search_people(gw, sim):
    found = gw.search_people(account_id=ACCOUNT, query={"keywords": "data engineer"}, limit=20)
    assert len(found) == 20 and all(p.provider_id and p.public_identifier for p in found)
    assert found[0].network_distance == "SECOND_DEGREE" and found[0].company
    call = sim.calls_to("POST /linkedin/search")[-1]
    assert call.json == {"api": "classic", "category": "people", "keywords": "data engineer"}
    assert call.query == {"account_id": ACCOUNT, "limit": "20"}


def test_hosted_link_and_webhook_registration(sim, clock):
    gw = UnipileGateway(base_url=sim.base_url, api_key=KEY, timeout_seconds=1.0, clock=clock,
                        public_url="https://invitebot.example/", webhook_secret="s3cret")
    try:
        url = gw.hosted_link(member_ref="42", success_url="https://invitebot.example/done")
        assert url.startswith("https://")
        link = sim.hosted_links[-1]
        assert link["name"] == "42" and link["providers"] == ["LINKEDIN"] and link["type"] == "create"
        assert link["api_url"].startswith("http://127.0.0.1:") and "/api/v1" not in link["api_url"]
        assert link["expiresOn"] == "2026-11-25T15:00:00.000Z"  # one hour, Unipile's exact format
        assert link["success_redirect_url"] == "https://invitebot.example/done"
        notify = urlsplit(link["notify_url"])
        assert (notify.scheme, notify.netloc, notify.path) == ("https", "invitebot.example", "/webhooks/linkedin/accounts")
        query = parse_qs(notify.query)
        expires = 1795705200  # 2026-11-26 15:00 UTC: the link's hour plus a day of retries
        expected = hmac.new(b"s3cret", f"42.{expires}".encode(), hashlib.sha256).hexdigest()
        assert query == {"ref": ["42"], "exp": [str(expires)], "sig": [expected]}
        assert account_callback_url("https://invitebot.example", "s3cret", "42", expires) == link["notify_url"]
        assert "s3cret" not in link["notify_url"]

        hook = gw.register_webhook(request_url="https://invitebot.example/webhooks/linkedin", secret="s3cret", source="users")
        registered = sim.webhooks[hook]
        assert registered["source"] == "users" and registered["format"] == "json"
        assert {"key": "Content-Type", "value": "application/json"} in registered["headers"]
        assert {"key": WEBHOOK_SECRET_HEADER, "value": "s3cret"} in registered["headers"]
        assert "events" not in registered  # `users` takes no event list: its one event is new_relation
        messaging = gw.register_webhook(request_url="https://invitebot.example/webhooks/linkedin", secret="s3cret",
                                        source="messaging")
        assert sim.webhooks[messaging]["events"] == ["message_received"]  # no read receipts, no reactions
        assert gw.list_webhooks() == [
            {"id": hook, "name": "invitebot-users", "request_url": "https://invitebot.example/webhooks/linkedin",
             "events": None},
            {"id": messaging, "name": "invitebot-messaging", "request_url": "https://invitebot.example/webhooks/linkedin",
             "events": ["message_received"]}]
        gw.delete_webhook(webhook_id=hook)
        gw.delete_webhook(webhook_id=messaging)
        assert sim.webhooks == {} and gw.list_webhooks() == []
        with pytest.raises(NotFound):
            gw.delete_webhook(webhook_id=hook)
    finally:
        gw.close()


def test_hosted_link_needs_public_url_and_secret(gw, sim):
    with pytest.raises(LinkedInError, match="WEBHOOK_SECRET"):
        gw.hosted_link(member_ref="42")
    assert sim.calls_to("POST /hosted/accounts/link") == []


def test_from_settings_signs_the_notify_url_with_webhook_secret(settings, sim):
    configured = settings.model_copy(update={"unipile_base_url": sim.base_url, "unipile_api_key": KEY})
    with UnipileGateway.from_settings(configured) as gateway:
        gateway.hosted_link(member_ref="7")
    notify = sim.hosted_links[-1]["notify_url"]
    expires = int(parse_qs(urlsplit(notify).query)["exp"][0])
    assert notify == account_callback_url("https://invitebot.example", "whsec-test", "7", expires)


def test_own_profile(gw, sim):
    owner = gw.own_profile(account_id=ACCOUNT)
    assert owner == AccountOwner(provider_id=f"me-{ACCOUNT}", public_identifier=f"me-{ACCOUNT}", premium=True)
    assert gw.own_profile(account_id="acc-free").premium is False
    assert sim.calls_to("GET /users/me")[-1].query == {"account_id": "acc-free"}
    with pytest.raises(AccountDisconnected):
        gw.own_profile(account_id="acc-gone")
    assert owner_from({"provider_id": None, "premium": "yes"}) == AccountOwner(None, None, None)


async def test_hosted_auth_completion_posts_to_the_notify_url(aiohttp_server):
    from aiohttp import web

    received = []

    async def receive(request):
        received.append((dict(request.query), json.loads(await request.read())))
        return web.Response(text="ok")

    app = web.Application()
    app.router.add_post("/webhooks/linkedin/accounts", receive)
    server = await aiohttp_server(app)
    sim = UnipileSimulator(KEY)
    await sim.start()
    try:
        sim.hosted_links.append({"name": "42", "notify_url": str(server.make_url("/webhooks/linkedin/accounts?ref=42&sig=ab"))})
        status, account = await sim.complete_hosted_auth_async()
    finally:
        await sim.stop()
    assert status == 200 and sim.connected_accounts == {account: "42"}
    assert received == [({"ref": "42", "sig": "ab"}, {"status": "CREATION_SUCCESS", "account_id": account, "name": "42"})]


async def test_emitted_webhooks_carry_the_registered_headers(aiohttp_server):
    from aiohttp import web

    received = []

    async def receive(request):
        received.append((dict(request.headers), await request.json()))
        return web.Response(text="ok")

    app = web.Application()
    app.router.add_post("/webhooks/linkedin", receive)
    server = await aiohttp_server(app)
    url = str(server.make_url("/webhooks/linkedin"))
    sim = UnipileSimulator(KEY)
    await sim.start()
    try:
        sim.webhooks["wh"] = {"request_url": url, "source": "users",
                              "headers": [{"key": "Content-Type", "value": "application/json"},
                                          {"key": WEBHOOK_SECRET_HEADER, "value": "s3cret"}]}
        friend = sim.add_relation(ACCOUNT, "katherine-johnson")
        assert await sim.emit_webhook_async(url, sim.new_relation_event(ACCOUNT, friend)) == 200
        message = sim.receive_message(ACCOUNT, friend, "Hello back")
        assert await sim.emit_webhook_async(url, sim.message_event(message)) == 200
    finally:
        await sim.stop()
    (headers, relation), (_, event) = received
    assert headers[WEBHOOK_SECRET_HEADER] == "s3cret" and headers["Content-Type"] == "application/json"
    assert relation["event"] == "new_relation" and relation["user_provider_id"] == friend
    assert relation["user_public_identifier"] == "katherine-johnson"
    assert event["message_id"] == message["id"] and event["sender"]["attendee_provider_id"] == friend


# -- faults ------------------------------------------------------------------------------------
