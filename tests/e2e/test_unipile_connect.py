"""LINKEDIN_PROVIDER=unipile end to end, through the real aiohttp app and the Unipile simulator over
HTTP: a member asks to connect, Unipile's hosted wizard reports the account to the signed
notify_url, the webhooks are registered, and an acceptance for that account comes in."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta, timezone
from urllib.parse import parse_qs, urlsplit

import pytest
from aiohttp.test_utils import unused_port
from sqlmodel import Session, func, select

from bot.conversation.handlers import connect
from bot.conversation.runner import run
from bot.http.accounts import ENRICHMENT
from bot.web import build_web_app
from core.clock import FrozenClock
from core.db import UnitOfWork
from core.delivery import webhooks
from core.delivery.linkedin.unipile_webhooks import WEBHOOK_SECRET_HEADER, account_callback_url, member_ref_signature
from core.delivery.models import E_ACCEPTED, E_INVITED, Enrollment, WebhookEvent
from core.notify import LoggingNotifier
from core.workspace.models import LinkedInAccount, Member, Workspace
from tests import factories as f
from tests.simulators.unipile import UnipileSimulator
from entrypoints.bootstrap import bootstrap
from entrypoints.cli.linkedin import register_webhooks

NOW = datetime(2026, 11, 26, 10, 0, tzinfo=timezone.utc)
KEY = "sim-api-key"
SECRET = "whsec-test"


@pytest.fixture
async def sim():
    simulator = UnipileSimulator(KEY, now=lambda: NOW, free_accounts={"acc-free"})
    await simulator.start()
    yield simulator
    await simulator.stop()


@pytest.fixture
def port() -> int:
    return unused_port()


@pytest.fixture
def public_url(port) -> str:
    return f"http://127.0.0.1:{port}"  # Unipile would need https; the simulator posts here


@pytest.fixture
def ctx(db, settings, sim, public_url):
    unipile = settings.model_copy(update={"linkedin_provider": "unipile", "unipile_base_url": sim.base_url,
                                          "unipile_api_key": KEY, "unipile_timeout_seconds": 2.0,
                                          "public_url": public_url})
    context = bootstrap(unipile, clock=FrozenClock(NOW), notifier=LoggingNotifier(), engine=db, queue="none")
    yield context
    context.linkedin.close()


@pytest.fixture
async def client(aiohttp_client, ctx, port):
    return await aiohttp_client(build_web_app(ctx), server_kwargs={"port": port})


@pytest.fixture
def member_id(db) -> int:
    with UnitOfWork(db)() as s:
        return f.member(s, f.workspace(s), name="Mia Member").id


def accounts(db) -> list[LinkedInAccount]:
    with Session(db) as s:
        return list(s.exec(select(LinkedInAccount).order_by(LinkedInAccount.id)))


async def enriched(client) -> None:
    """Wait for the background look-ups of the connected accounts' own profiles."""
    await asyncio.gather(*list(client.server.app[ENRICHMENT]))


FAR = 4_000_000_000  # an expiry far in the future (2096)


def callback_path(member_ref: str, sig: str | None = None, exp: int = FAR) -> str:
    sig = sig or member_ref_signature(SECRET, member_ref, exp)
    return f"/webhooks/linkedin/accounts?ref={member_ref}&exp={exp}&sig={sig}"


async def test_a_member_connects_and_its_acceptances_come_in(client, ctx, db, sim, member_id, public_url):
    reply = await run(ctx, member_id, connect)
    button = reply.notice.buttons[0]
    assert button.url.startswith("https://account.unipile.com/")
    link = sim.hosted_links[-1]
    assert link["name"] == str(member_id) and link["success_redirect_url"] == public_url
    query = parse_qs(urlsplit(link["notify_url"]).query)
    assert query["ref"] == [str(member_id)]
    expires = int(query["exp"][0])
    assert link["notify_url"] == account_callback_url(public_url, SECRET, str(member_id), expires)
    assert expires > ctx.clock.now().timestamp()

    # The member goes through the wizard; Unipile reports the account to the notify_url.
    status, account_key = await sim.complete_hosted_auth_async()
    assert status == 200
    await enriched(client)
    [account] = accounts(db)
    assert (account.member_id, account.provider, account.provider_account_id, account.status, account.kind) == \
        (member_id, "unipile", account_key, "valid", "premium")
    assert account.provider_user_id == f"me-{account_key}"  # from GET /users/me, after the answer
    assert sim.calls_to("GET /users/me")[-1].query == {"account_id": account_key}

    # Unipile delivers again (a replay): nothing changes, nothing is looked up again.
    looked_up = len(sim.calls_to("GET /users/me"))
    resp = await client.post(callback_path(str(member_id)), data=f'{{"status": "CREATION_SUCCESS", '
                             f'"account_id": "{account_key}", "name": "{member_id}"}}'.encode())
    assert resp.status == 200 and (await resp.json())["status"] == "unchanged"
    await enriched(client)
    assert [(a.id, a.provider_account_id, a.provider_user_id) for a in accounts(db)] == \
        [(account.id, account_key, f"me-{account_key}")]
    assert len(sim.calls_to("GET /users/me")) == looked_up

    # The webhooks the CLI registers, at our own address; then an acceptance arrives through them.
    url = str(client.make_url("/webhooks/linkedin"))
    done = await asyncio.to_thread(register_webhooks, ctx.linkedin, request_url=url, secret=SECRET)
    assert [(d.source, d.action) for d in done] == [("users", "created"), ("messaging", "created"),
                                                    ("account_status", "created")]
    with UnitOfWork(db)() as s:  # a campaign of that member has invited someone
        ws = s.get(Workspace, account.workspace_id)
        contact = f.contacts(s, ws, 1, prefix="jane-doe")[0]
        camp = f.campaign(s, ws, s.get(Member, member_id), f.segment(s, ws, [contact]),
                          welcome={"en": "Thanks {{firstName}}!"})
        e = Enrollment(workspace_id=ws.id, campaign_id=camp.id, contact_id=contact.id, account_id=account.id,
                       state=E_INVITED, invited_at=NOW - timedelta(days=1), language="en")
        s.add(e)
        s.flush()
        enrollment_id = e.id
    friend = sim.add_relation(account_key, contact.public_identifier)
    assert await sim.emit_webhook_async(url, sim.new_relation_event(account_key, friend)) == 200
    hook = next(h for h in sim.webhooks.values() if h["source"] == "users")
    assert {"key": WEBHOOK_SECRET_HEADER, "value": SECRET} in hook["headers"]
    with Session(db) as s:
        [event] = s.exec(select(WebhookEvent)).all()
    assert event.kind == "new_relation"
    kind, _ = webhooks.process_event(uow=UnitOfWork(db), clock=ctx.clock, settings=ctx.settings, event_id=event.id)
    assert kind == "new_relation"
    with Session(db) as s:
        assert s.get(Enrollment, enrollment_id).state == E_ACCEPTED  # its welcome is planned


async def test_forged_or_missing_signatures_write_nothing(client, ctx, db, sim, member_id):
    await run(ctx, member_id, connect)
    other = str(member_id + 1)
    forged = [
        callback_path(str(member_id), "0" * 64),
        callback_path(str(member_id), member_ref_signature("another-secret", str(member_id), FAR)),
        callback_path(str(member_id), member_ref_signature(SECRET, other, FAR)),  # another member's signature
        callback_path(str(member_id), member_ref_signature(SECRET, str(member_id), FAR), exp=FAR + 1),  # exp changed
        callback_path(str(member_id), exp=int(ctx.clock.now().timestamp()) - 1),  # signed, but expired
        f"/webhooks/linkedin/accounts?ref={member_id}",
        f"/webhooks/linkedin/accounts?ref={member_id}&sig={member_ref_signature(SECRET, str(member_id), FAR)}",
        callback_path(str(member_id), "é" * 64),
        "/webhooks/linkedin/accounts",
    ]
    base = str(client.make_url("/"))[:-1]
    for path in forged:
        status, _ = await sim.complete_hosted_auth_async(notify_url=base + path)
        assert status == 401, path
    assert accounts(db) == [] and sim.calls_to("GET /users/me") == []


@pytest.mark.parametrize("body, status", [
    (b"{not json", 400),
    (b"\xff\xfe", 400),
    (b"[1, 2]", 400),
    (b'{"status": "CREATION_SUCCESS"}', 400),
    (b'{"status": "CREATION_SUCCESS", "account_id": 12}', 400),
    (b'{"status": "CREATION_SUCCESS", "account_id": "   "}', 400),
    (b'{"status": "CREATION_SUCCESS", "account_id": "' + b"x" * 129 + b'"}', 400),
    (b'{"status": "CREATION_SUCCESS", "account_id": "acc-9", "name": "somebody-else"}', 400),
    (b'{"status": "CREATION_FAIL", "account_id": "acc-9"}', 200),
])
async def test_unreadable_callbacks_write_nothing(client, db, member_id, body, status):
    resp = await client.post(callback_path(str(member_id)), data=body)
    assert resp.status == status
    assert accounts(db) == []


async def test_an_unknown_member_is_404(client, db, member_id):
    unknown = str(member_id + 1000)
    resp = await client.post(callback_path(unknown), data=b'{"status": "CREATION_SUCCESS", "account_id": "acc-9"}')
    assert resp.status == 404 and accounts(db) == []
    resp = await client.post(callback_path("not-a-member"), data=b'{"status": "CREATION_SUCCESS", "account_id": "acc-9"}')
    assert resp.status == 400 and accounts(db) == []


async def test_an_account_of_another_member_is_refused(client, db, member_id):
    with UnitOfWork(db)() as s:
        owner = f.sender(s, f.workspace(s), account_key="acc-taken", provider="unipile")[0].id
    resp = await client.post(callback_path(str(member_id)), data=b'{"status": "CREATION_SUCCESS", "account_id": "acc-taken"}')
    assert resp.status == 409
    assert [(a.member_id, a.provider_account_id) for a in accounts(db)] == [(owner, "acc-taken")]


async def test_concurrent_deliveries_store_one_account(client, db, member_id):
    body = b'{"status": "CREATION_SUCCESS", "account_id": "acc-race"}'
    answers = await asyncio.gather(*(client.post(callback_path(str(member_id)), data=body) for _ in range(6)))
    outcomes = sorted([(await r.json())["status"] for r in answers])
    assert [r.status for r in answers] == [200] * 6
    assert outcomes.count("connected") >= 1 and set(outcomes) <= {"connected", "unchanged"}
    await enriched(client)
    assert [(a.member_id, a.provider_account_id) for a in accounts(db)] == [(member_id, "acc-race")]


async def test_reconnecting_keeps_caps_and_revives_the_account(client, db, sim):
    with UnitOfWork(db)() as s:
        m, acct = f.sender(s, f.workspace(s), account_key="acc-free", provider="unipile", daily=7, weekly=40)
        acct.status, acct.provider_user_id = "invalid", "me-acc-free"
        member_id = m.id
    resp = await client.post(callback_path(str(member_id)),
                             data=b'{"status": "RECONNECTED", "account_id": "acc-free", "name": "%d"}' % member_id)
    assert resp.status == 200 and (await resp.json())["status"] == "connected"
    await enriched(client)
    [account] = accounts(db)
    assert (account.status, account.daily_invite_cap) == ("valid", 7)
    assert account.kind == "free"  # GET /users/me says the account is not premium
    assert account.weekly_invite_cap == 15  # 40 a week is over a free account's limit: it came down to it


async def test_the_own_profile_failing_leaves_the_account_connected(client, db, sim, member_id, caplog):
    sim.fail_next("GET /users/me", 500)
    with caplog.at_level(logging.INFO):
        resp = await client.post(callback_path(str(member_id)), data=b'{"status": "CREATION_SUCCESS", "account_id": "acc-5"}')
        assert resp.status == 200
        await enriched(client)
    [account] = accounts(db)
    assert (account.provider_account_id, account.status, account.provider_user_id) == ("acc-5", "valid", None)
    assert "own profile not read (Transient)" in caplog.text and SECRET not in caplog.text


async def test_without_webhook_secret_the_callback_is_503(aiohttp_client, db, settings, member_id, caplog):
    no_secret = settings.model_copy(update={"webhook_secret": None})
    ctx = bootstrap(no_secret, clock=FrozenClock(NOW), notifier=LoggingNotifier(), engine=db, queue="none")
    client = await aiohttp_client(build_web_app(ctx))
    with caplog.at_level(logging.ERROR, logger="invitebot.accounts"):
        resp = await client.post(callback_path(str(member_id)), data=b'{"status": "CREATION_SUCCESS", "account_id": "a"}')
    assert resp.status == 503 and "WEBHOOK_SECRET is not set" in caplog.text
    with Session(db) as s:
        assert s.exec(select(func.count()).select_from(LinkedInAccount)).one() == 0
