"""Multi-workspace install over OAuth (installs kept in our database), the manifest, and Slack
staying off (with a log line) when it is not configured."""

import json
import logging
import re
from pathlib import Path

from sqlmodel import select

from bot.web import build_web_app
from core.config import Settings
from core.db import UnitOfWork
from bot.slack.models import SlackInstallation
from core.notify import LoggingNotifier
from core.workspace.models import Workspace
from tests.e2e.slack.conftest import SIGNING_SECRET, SlackRequests, wait_for
from entrypoints.bootstrap import bootstrap

ROOT = Path(__file__).resolve().parents[3]


async def test_oauth_install_then_the_new_team_uses_the_bot(aiohttp_client, tmp_path, database_url, db, clock, slack_sim):
    settings = Settings(VAR_DIR=tmp_path, DATABASE_URL=database_url, PUBLIC_URL="https://invitebot.example",
                        SLACK_CLIENT_ID="111.222", SLACK_CLIENT_SECRET="client-secret",
                        SLACK_SIGNING_SECRET=SIGNING_SECRET, SLACK_STATE_SECRET="state-secret",
                        SLACK_API_URL=slack_sim.base + "/api/", _env_file=None)
    ctx = bootstrap(settings, clock=clock, notifier=LoggingNotifier(), engine=db, queue="none")
    client = await aiohttp_client(build_web_app(ctx))

    # Given the install page, whose link carries a signed state (also set as a cookie)
    page = await client.get("/slack/install")
    assert page.status == 200
    state = re.search(r"state=([^&\"']+)", await page.text()).group(1)
    cookie = page.headers["Set-Cookie"].split(";", 1)[0]  # a Secure cookie: the browser sends it back

    # When Slack redirects back with a code
    slack_sim.oauth_codes["code-1"] = {"team_id": "TNEW", "team_name": "Newco", "token": "xoxb-newco"}
    slack_sim.add_user("UNEW", "TNEW", "Nina New", "nina@newco.example")
    done = await client.get(f"/slack/oauth_redirect?code=code-1&state={state}", headers={"Cookie": cookie})
    assert done.status == 200

    # Then the install is stored, with its workspace
    with UnitOfWork(ctx.engine)() as s:
        install = s.exec(select(SlackInstallation).where(SlackInstallation.team_id == "TNEW")).one()
        workspace = s.get(Workspace, install.workspace_id)
        assert workspace.slack_team_id == "TNEW" and install.bot_token == "xoxb-newco"

    # And a command from that team is answered with that team's token
    slack = SlackRequests(client, slack_sim)
    await slack.command("create", user="UNEW", team="TNEW")
    await wait_for(lambda: slack_sim.of("views.open"))
    assert slack_sim.last("views.open").token == "xoxb-newco"


async def test_a_forged_oauth_state_is_refused(aiohttp_client, tmp_path, database_url, db, clock, slack_sim):
    settings = Settings(VAR_DIR=tmp_path, DATABASE_URL=database_url, SLACK_CLIENT_ID="111.222",
                        SLACK_CLIENT_SECRET="client-secret", SLACK_SIGNING_SECRET=SIGNING_SECRET,
                        SLACK_API_URL=slack_sim.base + "/api/", _env_file=None)
    client = await aiohttp_client(build_web_app(bootstrap(settings, clock=clock, engine=db, notifier=LoggingNotifier(), queue="none")))
    slack_sim.oauth_codes["code-2"] = {"team_id": "TBAD", "team_name": "Bad", "token": "xoxb-bad"}
    response = await client.get("/slack/oauth_redirect?code=code-2&state=1.9999999999.forged")
    assert response.status >= 400
    with UnitOfWork(db)() as s:
        assert s.exec(select(SlackInstallation)).all() == []


async def test_slack_is_off_and_says_why_when_not_configured(aiohttp_client, tmp_path, database_url, db, clock, caplog):
    settings = Settings(VAR_DIR=tmp_path, DATABASE_URL=database_url, _env_file=None)
    with caplog.at_level(logging.INFO, logger="invitebot.slack"):
        client = await aiohttp_client(build_web_app(bootstrap(settings, clock=clock, engine=db, notifier=LoggingNotifier(), queue="none")))
    assert (await client.post("/slack/events", data=b"{}")).status in (404, 405)
    assert any("SLACK_SIGNING_SECRET" in r.getMessage() for r in caplog.records)


# The scopes each Web API method and event the code uses needs (https://api.slack.com/methods):
# a method or event added to the code without its line here fails the scope test below.
METHOD_SCOPES = {"chat_postMessage": {"chat:write"}, "chat_postEphemeral": {"chat:write"},
                 "chat_update": {"chat:write"}, "users_info": {"users:read", "users:read.email"},
                 "views_open": set(), "views_push": set(), "views_update": set(), "views_publish": set(),
                 # the CSV export: the DM's channel id, then files upload v2
                 "conversations_open": {"im:write"}, "files_upload_v2": {"files:write"}}
EVENT_SCOPES = {"message": {"im:history"}, "app_home_opened": set(), "app_uninstalled": set(),
                "tokens_revoked": set()}


def test_the_manifest_command_writes_it_for_public_url(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from entrypoints.cli import app

    monkeypatch.setenv("PUBLIC_URL", "https://bot.acme.example/invitebot")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["slack", "manifest", "-o", str(tmp_path / "m.json")])
    assert result.exit_code == 0, result.output
    manifest = json.loads((tmp_path / "m.json").read_text())
    [command] = manifest["features"]["slash_commands"]
    settings = manifest["settings"]
    events = "https://bot.acme.example/invitebot/slack/events"
    assert command["command"] == "/invite-campaign" and command["url"] == events
    assert settings["interactivity"]["request_url"] == settings["interactivity"]["message_menu_options_url"] == events
    assert settings["event_subscriptions"]["request_url"] == events
    assert manifest["oauth_config"]["redirect_urls"] == ["https://bot.acme.example/invitebot/slack/oauth_redirect"]
    # every URL is PUBLIC_URL's: nothing to replace by hand
    urls = re.findall(r"https?://[^\"]+", json.dumps(manifest))
    assert urls and all(u.startswith("https://bot.acme.example/invitebot/") for u in urls)
    assert set(settings["event_subscriptions"]["bot_events"]) == {"app_home_opened", "message.im",
                                                                 "app_uninstalled", "tokens_revoked"}
    assert manifest["features"]["app_home"]["home_tab_enabled"] is True
    # Socket Mode: no URL at all; an http PUBLIC_URL is refused, naming the setting
    assert CliRunner().invoke(app, ["slack", "manifest", "--socket-mode", "-o", str(tmp_path / "s.json")]).exit_code == 0
    assert "https://" not in (tmp_path / "s.json").read_text()
    monkeypatch.setenv("PUBLIC_URL", "http://localhost:3000")
    refused = CliRunner().invoke(app, ["slack", "manifest", "-o", str(tmp_path / "x.json")])
    assert refused.exit_code == 1 and "PUBLIC_URL" in refused.output


def test_the_scopes_are_those_the_code_uses():
    from bot.slack.app import SCOPES
    from bot.slack.manifest import build_manifest

    code = "\n".join(p.read_text() for p in (ROOT / "bot/slack").rglob("*.py"))
    methods = set(re.findall(r"client\.((?:chat|users|views|conversations|im|team|reactions|files)_\w+)\(", code))
    events = set(re.findall(r"app\.event\(\"(\w+)\"\)", code))
    assert methods and events
    assert methods <= set(METHOD_SCOPES), methods - set(METHOD_SCOPES)
    assert events <= set(EVENT_SCOPES), events - set(EVENT_SCOPES)
    needed = {"commands"}.union(*(METHOD_SCOPES[m] for m in methods), *(EVENT_SCOPES[e] for e in events))
    assert set(SCOPES) == needed  # no app_mentions:read: nothing uses it
    manifest = build_manifest(Settings(PUBLIC_URL="https://x.example", _env_file=None))
    assert manifest["oauth_config"]["scopes"]["bot"] == SCOPES
