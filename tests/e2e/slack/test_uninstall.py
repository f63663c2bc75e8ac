"""The Slack app uninstalled or its bot token revoked: the team's token is never used again (the
Web API simulator records no further call with it), the workspace's running campaigns are paused
and show so, nothing is planned for them; an OAuth install is deleted, and installing again lifts
the pause. Events reach the real web app signed as Slack signs them."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlmodel import Session, select

from bot.conversation.commands import parse_command
from bot.conversation.handlers import handle_command
from bot.conversation.runner import run_sync
from bot.slack.installations import DatabaseInstallationStore
from bot.slack.models import SlackInstallation, SlackRevokedToken
from bot.slack.notifier import REMOVED, SlackNotifier
from bot.web import build_web_app
from core.campaigns.models import Campaign
from core.config import Settings
from core.db import UnitOfWork
from core.delivery.models import Send
from core.delivery.planner import plan_due
from core.notify import Alert, LoggingNotifier
from core.workspace.installs import APP_REMOVED_PAUSE, ChatPlatform
from core.workspace.models import Member, Workspace
from entrypoints.bootstrap import bootstrap
from tests.e2e.slack.conftest import BOT_TOKEN, SIGNING_SECRET, TEAM, SlackRequests
from tests.e2e.slack.steps import active_campaign

PAUSE = APP_REMOVED_PAUSE[ChatPlatform.SLACK]


def campaign(ctx, campaign_id: int) -> Campaign:
    with Session(ctx.engine) as s:
        return s.get(Campaign, campaign_id)


def alert(world) -> Alert:
    return Alert(workspace_id=world.workspace_id, member_id=world.bob, kind="account_disconnected",
                 title="Your LinkedIn account is disconnected", text="Reconnect it.", action_hint="connect")


async def test_an_uninstalled_workspace_gets_no_more_calls_and_its_campaigns_show_paused(slack, slack_sim, world,
                                                                                      ctx):
    campaign_id = active_campaign(ctx, world)
    notifier = SlackNotifier(ctx.settings, ctx.uow)
    await asyncio.to_thread(notifier.send_alert, alert(world))  # before: Bob is reached with the bot token
    assert [c.token for c in slack_sim.of("chat.postMessage")] == [BOT_TOKEN]

    # A user token revoked (we keep none) changes nothing
    only_users = {"type": "tokens_revoked", "tokens": {"oauth": ["UBOB"], "bot": []}}
    assert (await slack.event(only_users)).status == 200
    assert campaign(ctx, campaign_id).paused_reason is None

    # When Slack says the app was uninstalled from the team
    response = await slack.event({"type": "app_uninstalled"})
    assert response.status == 200

    # Then its running campaign is paused, and the list shows it paused with the reason
    assert campaign(ctx, campaign_id).paused_reason == PAUSE
    [card] = run_sync(ctx, world.bob, handle_command, parse_command("list")).messages[0].cards
    [health] = [fact.value for fact in card.facts if fact.label == "Health"]
    assert "Paused: the Slack app was removed from this workspace" in health
    # in each member's language (the stored reason is a marker, not words)
    with UnitOfWork(ctx.engine)() as s:
        s.get(Member, world.bob).language = "fr"
    [card] = run_sync(ctx, world.bob, handle_command, parse_command("liste")).messages[0].cards
    [health] = [fact.value for fact in card.facts if fact.label == "État"]
    assert "En pause\u00a0: l'application Slack a été retirée de cet espace de travail" in health
    # nothing is planned for it
    with UnitOfWork(ctx.engine)() as s:
        before = len(s.exec(select(Send)).all())
        plan_due(session=s, now=ctx.clock.now() + timedelta(days=1), settings=ctx.settings)
        assert len(s.exec(select(Send)).all()) == before
    # and the dead token is never used again: alerts and digests do not call Slack
    slack_sim.clear()
    await asyncio.to_thread(notifier.send_alert, alert(world))
    assert SlackNotifier(ctx.settings, ctx.uow)._reach(world.workspace_id, world.bob)[0] is None
    assert slack_sim.calls == []


async def test_oauth_uninstall_deletes_the_install_and_a_new_install_resumes(aiohttp_client, tmp_path, database_url,
                                                                              db, clock, slack_sim, world):
    settings = Settings(VAR_DIR=tmp_path, DATABASE_URL=database_url, PUBLIC_URL="https://invitebot.example",
                        SLACK_CLIENT_ID="111.222", SLACK_CLIENT_SECRET="client-secret",
                        SLACK_SIGNING_SECRET=SIGNING_SECRET, SLACK_API_URL=slack_sim.base + "/api/", _env_file=None)
    ctx = bootstrap(settings, clock=clock, notifier=LoggingNotifier(), engine=db, queue="none")
    slack = SlackRequests(await aiohttp_client(build_web_app(ctx)), slack_sim)
    store = DatabaseInstallationStore(ctx.uow)
    token = "xoxb-oauth-team"
    slack_sim.tokens[token] = TEAM
    from slack_sdk.oauth.installation_store import Installation

    await store.async_save(Installation(team_id=TEAM, team_name="Example", bot_token=token, bot_user_id="UBOT",
                                        user_id="UALICE"))
    campaign_id = active_campaign(ctx, world)
    notifier = SlackNotifier(settings, ctx.uow)

    # The bot token revoked
    assert (await slack.event({"type": "tokens_revoked", "tokens": {"bot": ["UBOT"]}})).status == 200
    with Session(ctx.engine) as s:
        assert s.exec(select(SlackInstallation)).all() == []
        assert len(s.exec(select(SlackRevokedToken)).all()) == 1
    assert campaign(ctx, campaign_id).paused_reason == PAUSE
    slack_sim.clear()
    await asyncio.to_thread(notifier.send_alert, alert(world))
    assert notifier._reach(world.workspace_id, world.bob)[2] == REMOVED  # a digest: unreachable on Slack
    assert slack_sim.calls == []

    # Installed again (a new token): the pause the removal put is lifted, the new token is used
    await store.async_save(Installation(team_id=TEAM, team_name="Example", bot_token="xoxb-new", bot_user_id="UBOT",
                                        user_id="UALICE"))
    slack_sim.tokens["xoxb-new"] = TEAM
    assert campaign(ctx, campaign_id).paused_reason is None
    await asyncio.to_thread(notifier.send_alert, alert(world))
    assert [c.token for c in slack_sim.of("chat.postMessage")] == ["xoxb-new"]
    with Session(ctx.engine) as s:
        assert s.exec(select(Workspace).where(Workspace.slack_team_id == TEAM)).one().id == world.workspace_id
