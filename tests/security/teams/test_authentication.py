"""`/api/messages` of the real app with Bot Framework credentials set: every kind of activity
without a valid channel token is refused 401 and does nothing (no row, no connector call).
Without credentials (emulator mode, documented in docs/teams.md) the endpoint trusts the body."""

from __future__ import annotations

import pytest

from bot.web import build_web_app
from core.config import Settings
from tests.e2e.teams.harness import TeamsHarness
from tests.security.common import APP_ID, APP_PASSWORD, row_counts
from core.notify import LoggingNotifier
from entrypoints.bootstrap import bootstrap


@pytest.fixture
async def guarded(aiohttp_client, tmp_path, database_url, clock, db, connector):
    settings = Settings(VAR_DIR=tmp_path, DATABASE_URL=database_url, PUBLIC_URL="https://invitebot.example",
                        MicrosoftAppId=APP_ID, MicrosoftAppPassword=APP_PASSWORD, _env_file=None,
                        BOT_FRAMEWORK_ENDPOINTS={"TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL": f"{connector.url}openid",
                                                 "TO_BOT_FROM_EMULATOR_OPENID_METADATA_URL": f"{connector.url}openid"})
    ctx = bootstrap(settings, clock=clock, engine=db, notifier=LoggingNotifier(), queue="none")
    return TeamsHarness(await aiohttp_client(build_web_app(ctx)), connector), ctx


def _activities(teams: TeamsHarness) -> dict[str, dict]:
    user = teams.user("Mallory", email="mallory@example.com")
    update = teams.activity(user, type="conversationUpdate", membersAdded=[{"id": "28:invitebot"}])
    update["channelData"]["eventType"] = "teamMemberAdded"
    execute = {"action": {"type": "Action.Execute", "verb": "campaign.create", "data": {}}, "trigger": "manual"}
    return {
        "message": teams.activity(user, type="message", text="create"),
        "conversationUpdate": update,
        "installationUpdate": teams.activity(user, type="installationUpdate", action="add"),
        "task/fetch": teams.activity(user, type="invoke", name="task/fetch",
                                      value={"data": {"launch": {"text": "create"}}}),
        "task/submit": teams.activity(user, type="invoke", name="task/submit", value={"data": {"action": "form.submit"}}),
        "adaptiveCard/action": teams.activity(user, type="invoke", name="adaptiveCard/action", value=execute),
        "application/search": teams.activity(user, type="invoke", name="application/search",
                                               value={"queryText": "a", "dataset": "sender"}),
    }


def _headers(connector) -> dict[str, dict]:
    def token(**claims):
        return {"Authorization": "Bearer " + connector.sign_token(**{"app_id": APP_ID, "service_url": connector.url,
                                                                    **claims})}
    return {
        "none": {},
        "not a JWT": {"Authorization": "Bearer not.a.jwt"},
        "unsigned": {"Authorization": "Bearer eyJhbGciOiJub25lIn0.eyJhdWQiOiIwIn0."},
        "another bot's": token(app_id="another-bot"),
        "another issuer's": token(issuer="https://evil.example"),
        "expired": token(expires_in=-3600),
        "unknown key": token(key_id="unknown-key"),
        "for another serviceUrl": token(service_url="https://elsewhere.example/"),
    }


@pytest.mark.parametrize("header", ["none", "not a JWT", "unsigned", "another bot's", "another issuer's", "expired",
                                    "unknown key", "for another serviceUrl"])
@pytest.mark.parametrize("kind", ["message", "conversationUpdate", "installationUpdate", "task/fetch", "task/submit",
                                  "adaptiveCard/action", "application/search"])
async def test_with_credentials_an_activity_without_a_valid_token_does_nothing(guarded, connector, kind, header):
    teams, ctx = guarded
    activity = _activities(teams)[kind]
    before = row_counts(ctx.engine)
    response = await teams.post(activity, headers=_headers(connector)[header])
    assert response.status == 401
    assert row_counts(ctx.engine) == before
    assert connector.activities() == []


async def test_emulator_mode_serves_this_machine_only(teams, ctx, connector):
    # Without MicrosoftAppId nothing can be authenticated: only the local Bot Framework Emulator
    # (caller and serviceUrl on loopback) is served; the same activity naming a serviceUrl
    # elsewhere is refused and changes nothing (docs/teams.md, "emulator mode").
    local = teams.user("Made Up", tenant_id="any-tenant-at-all")
    before = row_counts(ctx.engine)["member"]
    await teams.say(local, "help")
    assert row_counts(ctx.engine)["member"] == before + 1
    assert connector.activities(local.conversation_id)

    remote = teams.user("Remote Stranger", tenant_id="another-tenant")
    activity = teams.activity(remote, type="message", text="help")
    activity["serviceUrl"] = "https://smba.trafficmanager.net/emea/"
    before = row_counts(ctx.engine)
    response = await teams.post(activity)
    assert response.status == 401
    assert row_counts(ctx.engine) == before
