"""The server side of `bench/interactions.py`: the data it needs, our web app (with a bare handler
and the framework floors beside it) in a process of its own, and the simulators in two more.
As in production, the web process does not share its CPU with the clients (Slack and Teams)."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

from aiohttp import web

CAMPAIGNS, SEGMENTS = 10_000, 5_000
TEAM, USER, BOT_TOKEN, SECRET = "TBENCH", "UBENCH", "xoxb-bench", "bench-signing-secret"
TEAMS_TENANT, TEAMS_USER = "tenant-bench", "aad-bench"


# -- data --------------------------------------------------------------------------------------

def seed(ctx) -> dict[str, Any]:
    """A workspace with our user (sender), 10,000 campaigns and 5,000 segments."""
    from sqlalchemy import insert

    from core.campaigns.models import Campaign
    from core.db import utcnow
    from core.sources.models import Segment
    from core.workspace.service import connect_linkedin_account, ensure_member_for_chat

    with ctx.uow() as s:
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
    from core.moderation.decisions import build_digest_now
    from core.sources.models import Contact
    from core.sources.segments import add_contacts_to_segment, create_segment
    from core.workspace.models import Member

    with ctx.uow() as s:
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


def prepare_view(ctx, data: dict) -> None:
    """The campaign modal as our user would have it open (for the options requests)."""
    from bot.conversation.commands import parse_command
    from bot.conversation.handlers import handle_command
    from bot.conversation.runner import run
    from bot.slack.modals import modal_dict

    reply = asyncio.run(run(ctx, data["member_id"], handle_command, parse_command("create")))
    data["view"] = {**modal_dict(reply.dialog), "id": "VBENCH", "state": {"values": {}}}


def prepare_teams(ctx, data: dict) -> None:
    """Our Slack user's workspace also carries a Teams tenant; the same person (same email) in Teams."""
    from sqlmodel import select

    from core.campaigns.models import Campaign
    from core.workspace.models import Member, Workspace
    from core.workspace.service import ensure_member_for_chat

    with ctx.uow() as s:
        me = s.get(Member, data["member_id"])
        workspace = s.get(Workspace, me.workspace_id)
        workspace.teams_tenant_id = TEAMS_TENANT
        s.add(workspace)
        s.flush()
        ensure_member_for_chat(session=s, platform="teams", tenant=TEAMS_TENANT, external_user_id=TEAMS_USER,
                               name="Bench User", email="bench@example.com")
        data["teams_campaign_id"] = s.exec(select(Campaign.id).where(Campaign.sender_id == me.id).limit(1)).one()


def serve_app(settings_kwargs: dict, sims: dict, out) -> None:
    import logging

    logging.basicConfig(level=logging.WARNING)
    from bot.web import build_web_app, settle
    from core.config import Settings
    from core.db import upgrade
    from core.notify import LoggingNotifier
    from entrypoints.bootstrap import bootstrap

    settings = Settings(**settings_kwargs, _env_file=None)
    upgrade(settings.effective_database_url)
    ctx = bootstrap(settings, notifier=LoggingNotifier(), queue="none")
    data = {**seed(ctx), **sims}
    prepare_view(ctx, data)
    data["digest_values"] = seed_digest(ctx, data["member_id"])
    prepare_teams(ctx, data)

    async def serve() -> None:
        app = build_web_app(ctx)

        async def bare_handler(request: web.Request) -> web.Response:
            await request.read()
            return web.Response(text="")

        app.router.add_post("/bench/bare", bare_handler)

        async def drain_handler(request: web.Request) -> web.Response:
            from bot.background import drain

            await drain()
            return web.Response(text="")

        app.router.add_post("/bench/drain", drain_handler)
        mount_floors(app, ctx)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        settle()  # as `invitebot serve` and `invitebot web` do once started
        data["base"] = f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}"
        data["database"] = ctx.engine.dialect.name
        out.put(data)
        await asyncio.Event().wait()

    asyncio.run(serve())


def mount_floors(app: web.Application, ctx) -> None:
    """What bolt and botbuilder cost on their own: the same requests, verified and dispatched by the
    framework, to listeners that do nothing but answer."""
    import re

    from botbuilder.core import ActivityHandler, InvokeResponse
    from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
    from slack_bolt.async_app import AsyncApp

    from bot.teams import build_adapter
    from bot.teams.clients import CachingAuthentication, ClientCache
    from bot.teams.route import MessagesEndpoint

    from bot.slack.app import async_client

    bolt = AsyncApp(signing_secret=SECRET, client=async_client(ctx.settings, BOT_TOKEN), process_before_response=True)

    async def only_ack(ack) -> None:
        await ack()

    bolt.command("/invite-campaign")(only_ack)
    bolt.options(re.compile(".+"))(only_ack)
    bolt.action(re.compile(".+"))(only_ack)

    async def bolt_floor(request: web.Request) -> web.Response:
        return await to_aiohttp_response(await bolt.async_dispatch(await to_bolt_request(request)))

    class Ok(ActivityHandler):
        async def on_message_activity(self, turn_context) -> None:
            await turn_context.send_activity("ok")

        async def on_invoke_activity(self, turn_context) -> InvokeResponse:
            return InvokeResponse(status=200, body={"statusCode": 200, "type": "application/vnd.microsoft.activity.message",
                                                    "value": "ok"})

    app.router.add_post("/bench/bolt", bolt_floor)
    adapter = build_adapter(ctx.settings)  # with the connector clients kept, as `bot.teams.register` does
    adapter.bot_framework_authentication = CachingAuthentication(adapter.bot_framework_authentication, ClientCache())
    app.router.add_post("/bench/botbuilder", MessagesEndpoint(adapter, Ok(), local_only=True))


def serve_slack(out) -> None:
    from tests.simulators.slack_api import SlackSimulator

    async def serve() -> None:
        sim = SlackSimulator({BOT_TOKEN: TEAM})
        await sim.start()
        out.put(sim.base)
        await asyncio.Event().wait()

    asyncio.run(serve())


def serve_connector(out) -> None:
    from tests.simulators.bf_connector import BotFrameworkConnectorSimulator

    out.put(BotFrameworkConnectorSimulator().start().url)
    threading.Event().wait()


def start_process(target, *args):
    import multiprocessing

    fork = multiprocessing.get_context("fork")
    queue = fork.Queue()
    process = fork.Process(target=target, args=(*args, queue), daemon=True)
    process.start()
    import queue as queues

    while True:
        try:
            return process, queue.get(timeout=1)
        except queues.Empty:
            if not process.is_alive():
                raise RuntimeError(f"{target.__name__} stopped (exit code {process.exitcode})") from None


