"""`/api/messages` over HTTP with a minimal bot: the two botbuilder 4.17.1 pitfalls and 401s."""

from __future__ import annotations

import pytest
from aiohttp import web
from botbuilder.core import CardFactory, TurnContext
from botbuilder.core.teams import TeamsActivityHandler
from botbuilder.integration.aiohttp import CloudAdapter
from botbuilder.schema.teams import TaskModuleContinueResponse, TaskModuleResponse, TaskModuleTaskInfo

from bot.background import drain
from bot.teams.auth import build_authentication
from bot.teams.route import MessagesEndpoint
from core.config import Settings
from tests.simulators.bf_connector import BotFrameworkConnectorSimulator

CARD = {"type": "AdaptiveCard", "version": "1.5", "body": [{"type": "TextBlock", "text": "Hello"}]}


class EchoBot(TeamsActivityHandler):
    """Answers a task module with a card, a message with its text."""

    async def on_teams_task_module_fetch(self, turn_context: TurnContext, task_module_request):
        return TaskModuleResponse(task=TaskModuleContinueResponse(value=TaskModuleTaskInfo(
            title="Form", card=CardFactory.adaptive_card(CARD))))

    async def on_message_activity(self, turn_context: TurnContext):
        await turn_context.send_activity(f"echo {turn_context.activity.text}")


@pytest.fixture
def connector():
    with BotFrameworkConnectorSimulator() as sim:
        yield sim


def _app(settings: Settings, endpoints=None) -> web.Application:
    adapter = CloudAdapter(build_authentication(settings, endpoints=endpoints))
    app = web.Application()
    app.router.add_post("/api/messages", MessagesEndpoint(adapter, EchoBot()))
    return app


def _activity(connector, **extra) -> dict:
    return {"type": "message", "id": "m1", "channelId": "msteams", "serviceUrl": connector.url,
            "from": {"id": "29:u", "aadObjectId": "u"}, "recipient": {"id": "28:bot"},
            "conversation": {"id": "a:c1", "conversationType": "personal", "tenantId": "t"},
            "channelData": {"tenant": {"id": "t"}}, "text": "hi", **extra}


def _fetch(connector) -> dict:
    return _activity(connector, type="invoke", name="task/fetch", value={"data": {"action": "campaign.create"}},
                     text=None)


def _creds(tmp_path, **extra) -> Settings:
    return Settings(VAR_DIR=tmp_path, MicrosoftAppId="app-123", MicrosoftAppPassword="pw", _env_file=None, **extra)


async def test_invoke_with_a_body_is_answered_with_that_body_once(aiohttp_client, tmp_path, connector):
    # Given the emulator mode (no credentials), when Teams asks for a task module
    client = await aiohttp_client(_app(Settings(VAR_DIR=tmp_path, _env_file=None)))
    response = await client.post("/api/messages", json=_fetch(connector))
    # Then the card comes back in the invoke response (CloudAdapter.process answers 500 here)
    assert response.status == 200
    body = await response.json()
    assert body["task"]["type"] == "continue"
    assert body["task"]["value"]["card"]["content"] == CARD


async def test_emulator_mode_replies_at_the_service_url(aiohttp_client, tmp_path, connector):
    client = await aiohttp_client(_app(Settings(VAR_DIR=tmp_path, _env_file=None)))
    response = await client.post("/api/messages", json=_activity(connector))
    assert response.status == 200
    await drain()  # the message's turn runs after its 200
    [reply] = connector.activities("a:c1")
    assert reply.text == "echo hi" and reply.reply_to_id == "m1"


@pytest.mark.parametrize("header", [None, "", "Bearer", "Bearer not.a.jwt", "Bearer a.b.c", "Basic dXNlcjpwdw==",
                                    "Bearer eyJhbGciOiJub25lIn0.eyJpc3MiOiJ4In0."])
async def test_with_credentials_a_request_without_a_valid_token_is_refused(aiohttp_client, tmp_path, connector,
                                                                           header):
    client = await aiohttp_client(_app(_creds(tmp_path)))
    headers = {} if header is None else {"Authorization": header}
    response = await client.post("/api/messages", json=_activity(connector), headers=headers)
    assert response.status == 401
    assert connector.activities() == []


def _local_endpoints(connector) -> dict:
    return {"TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL": f"{connector.url}openid",
            "TO_BOT_FROM_EMULATOR_OPENID_METADATA_URL": f"{connector.url}openid"}


async def test_a_token_signed_by_the_channel_key_is_accepted(aiohttp_client, tmp_path, connector):
    # Given credentials and the channel's signing keys served by the simulator
    client = await aiohttp_client(_app(_creds(tmp_path), _local_endpoints(connector)))
    token = connector.sign_token(app_id="app-123", service_url=connector.url)
    # When a task module is fetched with that token (an invoke answers without calling the connector)
    response = await client.post("/api/messages", json=_fetch(connector), headers={"Authorization": f"Bearer {token}"})
    assert response.status == 200
    assert (await response.json())["task"]["value"]["card"]["content"] == CARD


@pytest.mark.parametrize("claims", [
    {"app_id": "another-bot"},  # audience of another bot
    {"issuer": "https://evil.example"},  # not the channel
    {"expires_in": -3600},  # expired
    {"key_id": "unknown-key"},  # a key the channel does not publish
    {"service_url": "https://elsewhere.example/"},  # replayed for another serviceUrl
])
async def test_forged_or_stale_tokens_are_refused(aiohttp_client, tmp_path, connector, claims):
    client = await aiohttp_client(_app(_creds(tmp_path), _local_endpoints(connector)))
    args = {"app_id": "app-123", "service_url": connector.url, **claims}
    token = connector.sign_token(**args)
    response = await client.post("/api/messages", json=_fetch(connector), headers={"Authorization": f"Bearer {token}"})
    assert response.status == 401


@pytest.mark.parametrize("body,content_type,status", [
    (b"{not json", "application/json", 400),
    (b"[1, 2]", "application/json", 400),
    (b'{"text": "no type"}', "application/json", 400),
    (b"type=message", "application/x-www-form-urlencoded", 415),
])
async def test_bad_bodies_are_refused_not_crashed(aiohttp_client, tmp_path, body, content_type, status):
    client = await aiohttp_client(_app(Settings(VAR_DIR=tmp_path, _env_file=None)))
    response = await client.post("/api/messages", data=body, headers={"Content-Type": content_type})
    assert response.status == status


async def test_unreachable_signing_keys_answer_503_not_500(aiohttp_client, tmp_path, connector):
    # Given a metadata URL nobody answers (the channel will retry later)
    dead = {"TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL": "http://127.0.0.1:9/openid",
            "TO_BOT_FROM_EMULATOR_OPENID_METADATA_URL": "http://127.0.0.1:9/openid"}
    client = await aiohttp_client(_app(_creds(tmp_path), dead))
    token = connector.sign_token(app_id="app-123", service_url=connector.url)
    response = await client.post("/api/messages", json=_fetch(connector), headers={"Authorization": f"Bearer {token}"})
    assert response.status == 503


async def test_upstream_process_still_has_both_pitfalls(aiohttp_client, tmp_path, connector):
    """Why `MessagesEndpoint` exists: when botbuilder fixes these, this test says the workaround can go."""
    adapter = CloudAdapter(build_authentication(Settings(VAR_DIR=tmp_path, _env_file=None)))
    with_creds = CloudAdapter(build_authentication(_creds(tmp_path)))
    bot = EchoBot()
    app = web.Application()
    app.router.add_post("/plain", lambda request: adapter.process(request, bot))
    app.router.add_post("/creds", lambda request: with_creds.process(request, bot))
    client = await aiohttp_client(app)
    assert (await client.post("/plain", json=_fetch(connector))).status == 500
    malformed = await client.post("/creds", json=_activity(connector), headers={"Authorization": "Bearer not.a.jwt"})
    assert malformed.status == 500
