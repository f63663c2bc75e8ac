"""Latency of chat interactions under load, against a bare aiohttp handler measured in the same run.

Scenarios (a list: other surfaces append theirs, e.g. the Teams command and card action):
- bare: a handler that answers 200 at once (the baseline);
- slack command ack: a signed `/invite-campaign list` (the ack; the answer is posted afterwards);
- slack options: the Source type-ahead with 10,000 campaigns and 5,000 segments in the database;
- slack name options: the Name type-ahead over the 10,000 campaigns;
- slack digest button: Skip / Restore on a moderation digest entry (when the moderation core exists).

Each runs CLIENTS concurrent clients over real HTTP on 127.0.0.1 and prints p50/p99 and the p99
ratio to the bare handler's. Goal: p99 ≤ 3× bare and under 200 ms.
Run: `.venv/bin/python bench/interactions.py` (DATABASE_URL for PostgreSQL; SQLite by default).
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Awaitable, Callable
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import aiohttp  # noqa: E402
from aiohttp import web  # noqa: E402

CLIENTS = int(os.environ.get("BENCH_CLIENTS", 20))
REQUESTS_PER_CLIENT = int(os.environ.get("BENCH_REQUESTS", 25))
CAMPAIGNS, SEGMENTS = 10_000, 5_000
TEAM, USER, BOT_TOKEN, SECRET = "TBENCH", "UBENCH", "xoxb-bench", "bench-signing-secret"


@dataclass
class Env:
    base: str  # our app's URL
    session: aiohttp.ClientSession
    ctx: Any
    sim_base: str  # the Slack Web API simulator, in its own process so it does not share our loop
    data: dict[str, Any] = field(default_factory=dict)


@dataclass
class Scenario:
    name: str
    request: Callable[[Env, int], Awaitable[int]]  # one request; returns the HTTP status
    prepare: Callable[[Env], Awaitable[str | None]] | None = None  # returns why it cannot run, or None
    baseline: bool = False


# -- Slack requests ----------------------------------------------------------------------------

def signed(body: str) -> dict[str, str]:
    import hashlib
    import hmac

    ts = str(int(time.time()))
    sig = "v0=" + hmac.new(SECRET.encode(), f"v0:{ts}:{body}".encode(), hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": sig,
            "Content-Type": "application/x-www-form-urlencoded"}


async def post_slack(env: Env, body: str) -> int:
    async with env.session.post(env.base + "/slack/events", data=body.encode(), headers=signed(body)) as r:
        await r.read()
        return r.status


async def bare(env: Env, i: int) -> int:
    async with env.session.post(env.base + "/bench/bare", data=b"x" * 600) as r:
        await r.read()
        return r.status


async def slack_command(env: Env, i: int) -> int:
    body = urlencode({"team_id": TEAM, "user_id": USER, "channel_id": "C1", "command": "/invite-campaign",
                      "text": "help", "response_url": f"{env.sim_base}/response/{i}", "trigger_id": f"t{i}"})
    return await post_slack(env, body)


def _interaction(payload: dict) -> str:
    return urlencode({"payload": json.dumps(payload)})


def _suggestion(env: Env, field_id: str, typed: str) -> str:
    view = env.data["view"]
    action_id = next(b["element"]["action_id"] for b in view["blocks"] if b.get("block_id") == field_id)
    return _interaction({"type": "block_suggestion", "team": {"id": TEAM}, "user": {"id": USER, "team_id": TEAM},
                         "block_id": field_id, "action_id": action_id, "value": typed, "view": view})


async def slack_source_options(env: Env, i: int) -> int:
    return await post_slack(env, _suggestion(env, "source", f"segment {i % 500}"))


async def slack_name_options(env: Env, i: int) -> int:
    return await post_slack(env, _suggestion(env, "name", f"campaign {i % 1000}"))


async def slack_digest_button(env: Env, i: int) -> int:
    value = env.data["digest_values"][i % len(env.data["digest_values"])]
    action = "digest.skip" if (i // len(env.data["digest_values"])) % 2 == 0 else "digest.restore"
    payload = {"type": "block_actions", "team": {"id": TEAM}, "user": {"id": USER, "team_id": TEAM},
               "trigger_id": f"t{i}", "container": {"type": "message", "message_ts": "1.1", "channel_id": "D1"},
               "channel": {"id": "D1"}, "message": {"ts": "1.1"},
               "actions": [{"action_id": action, "type": "button", "value": value}]}
    return await post_slack(env, _interaction(payload))


# -- data --------------------------------------------------------------------------------------

def seed(ctx) -> dict[str, Any]:
    """A workspace with our user (sender), 10,000 campaigns and 5,000 segments."""
    from sqlalchemy import insert

    from core.campaigns.models import Campaign
    from core.db import session_scope, utcnow
    from core.sources.models import Segment
    from core.workspace.service import connect_linkedin_account, ensure_member_for_chat

    with session_scope(ctx.engine) as s:
        me = ensure_member_for_chat(session=s, platform="slack", tenant=TEAM, external_user_id=USER, name="Bench User",
                                    email="bench@example.com")
        connect_linkedin_account(session=s, member_id=me.id, provider="sandbox", provider_account_id="sbx-bench")
        now = utcnow()
        s.execute(insert(Segment), [dict(workspace_id=me.workspace_id, name=f"Segment {i}", name_key=f"segment{i}",
                                         owner_id=me.id if i % 2 else None, is_global=not i % 2, is_list=True,
                                         criteria={}, created_at=now) for i in range(SEGMENTS)])
        s.execute(insert(Campaign), [dict(workspace_id=me.workspace_id, name=f"Campaign {i}", name_key=f"campaign{i}",
                                          description="", sender_id=me.id, source_kind="segment", source_id=1,
                                          status="draft", moderation=True, timezone="UTC", slots=[], cohort_size=10,
                                          languages=["en"], default_language="en", stop_if_ongoings=True,
                                          stop_if_incomings=True, created_at=now, updated_at=now)
                                     for i in range(CAMPAIGNS)])
        return {"member_id": me.id}


def seed_digest(ctx, member_id: int) -> list[str]:
    """An active, moderated campaign of our user over 20 contacts, and tomorrow's digest built now;
    returns the Skip button values of its first page."""
    from bot.conversation.digest import digest_page
    from core.campaigns.service import CampaignDraft, SlotDraft, activate_campaign, create_campaign
    from core.db import session_scope
    from core.delivery.moderation import build_digest_now
    from core.sources.models import Contact
    from core.sources.segments import add_contacts_to_segment, create_segment
    from core.workspace.models import Member

    with session_scope(ctx.engine) as s:
        me = s.get(Member, member_id)
        segment = create_segment(session=s, workspace_id=me.workspace_id, name="Digest bench", owner_id=me.id)
        contacts = [Contact(workspace_id=me.workspace_id, public_identifier=f"bench-{i}",
                            profile_url=f"https://www.linkedin.com/in/bench-{i}", first_name=f"Ann{i}",
                            last_name="Lee", language="en") for i in range(20)]
        s.add_all(contacts)
        s.flush()
        add_contacts_to_segment(session=s, workspace_id=me.workspace_id, segment_id=segment.id,
                                contact_ids=[c.id for c in contacts])
        now = ctx.clock.now()
        draft = CampaignDraft(name="Digest bench", program="Bench", sender_id=me.id, source_kind="segment",
                              source_id=segment.id, invitation={"en": "Hi {{firstName}}"}, cohort_size=25,
                              slots=[SlotDraft(weekday=d, start="09:00", end="17:00") for d in range(7)])
        campaign = create_campaign(session=s, actor=me, draft=draft, now=now, public_url=ctx.settings.public_url).value
        activate_campaign(session=s, actor=me, campaign_id=campaign.id, now=now, public_url=ctx.settings.public_url)
        view = build_digest_now(session=s, actor=me, campaign_id=campaign.id, now=now)
        page = digest_page(view, 0)
        return [b.value for e in page.entries for b in e.buttons if b.action == "digest.skip"]


async def prepare_view(env: Env) -> str | None:
    """The campaign modal as our user would have it open (for the options requests)."""
    from bot.conversation.commands import parse_command
    from bot.conversation.handlers import handle_command
    from bot.conversation.runner import run
    from bot.slack.modals import modal_dict

    reply = await run(env.ctx, env.data["member_id"], handle_command, parse_command("create"))
    env.data["view"] = {**modal_dict(reply.dialog), "id": "VBENCH", "state": {"values": {}}}
    return None


async def prepare_digest(env: Env) -> str | None:
    try:
        from core.delivery import moderation  # noqa: F401
    except ImportError:
        return "core.delivery.moderation is not there yet"
    env.data["digest_values"] = await asyncio.to_thread(seed_digest, env.ctx, env.data["member_id"])
    return None if env.data["digest_values"] else "the digest built has no planned invitation"


SCENARIOS: list[Scenario] = [
    Scenario("bare aiohttp handler", bare, baseline=True),
    Scenario("slack command ack", slack_command),
    Scenario("slack source options (10k campaigns, 5k segments)", slack_source_options, prepare_view),
    Scenario("slack name options (10k campaigns)", slack_name_options, prepare_view),
    Scenario("slack digest button", slack_digest_button, prepare_digest),
]


# -- Teams requests (appended by the Teams surface) ---------------------------------------------
# The same bot core through `/api/messages`: a command as a message (the bot answers at the
# activity's serviceUrl, a Bot Framework connector simulator on its own thread and loop, before
# the HTTP answer) and a card button (`Action.Execute`, answered in the invoke response).

TEAMS_TENANT, TEAMS_USER = "tenant-bench", "aad-bench"


def _teams_activity(env: Env, i: int, **fields: Any) -> dict:
    return {"id": f"bench-{i}", "channelId": "msteams", "serviceUrl": env.data["teams_connector"].url,
            "from": {"id": f"29:{TEAMS_USER}", "name": "Bench User", "aadObjectId": TEAMS_USER},
            "recipient": {"id": "28:invitebot", "name": "invitebot"},
            "conversation": {"id": "a:bench", "conversationType": "personal", "tenantId": TEAMS_TENANT},
            "channelData": {"tenant": {"id": TEAMS_TENANT}}, **fields}


async def post_teams(env: Env, activity: dict) -> int:
    async with env.session.post(env.base + "/api/messages", json=activity) as r:
        await r.read()
        return r.status


async def teams_command(env: Env, i: int) -> int:
    return await post_teams(env, _teams_activity(env, i, type="message", text="help"))


async def teams_card_action(env: Env, i: int) -> int:
    data = {"action": "campaign.show", "value": str(env.data["teams_campaign_id"])}
    value = {"action": {"type": "Action.Execute", "verb": "campaign.show", "data": data}, "trigger": "manual"}
    return await post_teams(env, _teams_activity(env, i, type="invoke", name="adaptiveCard/action", value=value))


def _link_teams(ctx, member_id: int) -> int:
    """Our Slack user's workspace also carries a Teams tenant; the same person (same email) in Teams."""
    from sqlmodel import select

    from core.campaigns.models import Campaign
    from core.db import session_scope
    from core.workspace.models import Member, Workspace
    from core.workspace.service import ensure_member_for_chat

    with session_scope(ctx.engine) as s:
        me = s.get(Member, member_id)
        workspace = s.get(Workspace, me.workspace_id)
        workspace.teams_tenant_id = TEAMS_TENANT
        s.add(workspace)
        s.flush()
        ensure_member_for_chat(session=s, platform="teams", tenant=TEAMS_TENANT, external_user_id=TEAMS_USER,
                               name="Bench User", email="bench@example.com")
        return s.exec(select(Campaign.id).where(Campaign.sender_id == me.id).limit(1)).one()


async def prepare_teams(env: Env) -> str | None:
    if "teams_connector" not in env.data:
        from tests.simulators.bf_connector import BotFrameworkConnectorSimulator

        env.data["teams_connector"] = BotFrameworkConnectorSimulator().start()
        env.data["teams_campaign_id"] = await asyncio.to_thread(_link_teams, env.ctx, env.data["member_id"])
    return None


SCENARIOS += [
    Scenario("teams command (message, card reply to connector)", teams_command, prepare_teams),
    Scenario("teams card action (Action.Execute, 10k campaigns)", teams_card_action, prepare_teams),
]

# -- running -----------------------------------------------------------------------------------

async def measure(env: Env, scenario: Scenario) -> list[float]:
    latencies: list[float] = []

    async def client(c: int) -> None:
        for r in range(REQUESTS_PER_CLIENT):
            i = c * REQUESTS_PER_CLIENT + r
            start = time.perf_counter()
            status = await scenario.request(env, i)
            latencies.append(time.perf_counter() - start)
            if status != 200:
                raise RuntimeError(f"{scenario.name}: HTTP {status}")

    await scenario.request(env, 0)  # warm-up
    await asyncio.gather(*(client(c) for c in range(CLIENTS)))
    return latencies


def pct(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] * 1000


def _serve_simulator(port_queue) -> None:
    from tests.simulators.slack_api import SlackSimulator

    async def serve() -> None:
        sim = SlackSimulator({BOT_TOKEN: TEAM})
        await sim.start()
        port_queue.put(sim.base)
        await asyncio.Event().wait()

    asyncio.run(serve())


def start_simulator():
    import multiprocessing

    queue = multiprocessing.get_context("fork").Queue()
    process = multiprocessing.get_context("fork").Process(target=_serve_simulator, args=(queue,), daemon=True)
    process.start()
    return process, queue.get(timeout=30)


async def main() -> int:
    import logging

    logging.basicConfig(level=logging.WARNING)
    from bot.web import build_web_app
    from core.config import Settings
    from core.db import upgrade
    from core.delivery.notify import LoggingNotifier
    from worker.context import build_context

    sim_process, sim_base = start_simulator()
    api = sim_base + "/api/"
    tmp = tempfile.mkdtemp(prefix="bench-")
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{tmp}/bench.db"
    settings = Settings(VAR_DIR=tmp, DATABASE_URL=url, SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_SIGNING_SECRET=SECRET,
                        SLACK_API_URL=api, _env_file=None)
    upgrade(settings.effective_database_url)
    ctx = build_context(settings, notifier=LoggingNotifier())
    data = await asyncio.to_thread(seed, ctx)

    app = build_web_app(ctx)

    async def bare_handler(request: web.Request) -> web.Response:
        await request.read()
        return web.Response(text="")

    app.router.add_post("/bench/bare", bare_handler)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    base = f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}"

    print(f"{CLIENTS} concurrent clients × {REQUESTS_PER_CLIENT} requests; database {ctx.engine.dialect.name}")
    print(f"{'scenario':55} {'p50 ms':>8} {'p99 ms':>8} {'p99/bare':>9}  goal")
    failed = False
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=CLIENTS)) as session:
        env = Env(base, session, ctx, sim_base, data)
        bare_p99 = None
        for scenario in SCENARIOS:
            why = await scenario.prepare(env) if scenario.prepare else None
            if why:
                print(f"{scenario.name:55} {'—':>8} {'—':>8} {'—':>9}  not run: {why}")
                continue
            lat = await measure(env, scenario)
            p50, p99 = pct(lat, 50), pct(lat, 99)
            if scenario.baseline:
                bare_p99 = p99
                print(f"{scenario.name:55} {p50:8.1f} {p99:8.1f} {'1.0':>9}  baseline")
                continue
            ratio = p99 / bare_p99 if bare_p99 else float("nan")
            ok = ratio <= 3 and p99 < 200
            failed |= not ok
            print(f"{scenario.name:55} {p50:8.1f} {p99:8.1f} {ratio:9.1f}  {'ok' if ok else 'MISSED'}")
    await asyncio.sleep(0.5)  # let the answers posted after the acks finish
    await runner.cleanup()
    sim_process.terminate()
    ctx.engine.dispose()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
