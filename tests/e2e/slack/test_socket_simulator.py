"""The Socket Mode side of the Slack simulator keeps Slack's contract, checked with a bare aiohttp
client: app-level tokens only and only in the Authorization header, one-use connection URLs,
`hello` first, envelopes acked by their id."""

from __future__ import annotations

import aiohttp
import pytest

from tests.e2e.slack.conftest import BOT_TOKEN

APP_TOKEN = "xapp-1-A1-1-simulator"


@pytest.fixture
async def http(slack_sim):
    slack_sim.add_app_token(APP_TOKEN, "A1")
    async with aiohttp.ClientSession() as session:
        yield session


async def open_connection(http, sim, token: str | None = APP_TOKEN, body: dict | None = None) -> dict:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with http.post(sim.base + "/api/apps.connections.open", headers=headers, data=body or {}) as response:
        return await response.json()


@pytest.mark.parametrize("token, body, error", [
    (None, None, "not_authed"),
    ("xapp-1-A1-1-unknown", None, "invalid_auth"),
    (BOT_TOKEN, None, "not_allowed_token_type"),
    (None, {"token": APP_TOKEN}, "invalid_auth"),  # Slack wants this token in the header
])
async def test_connections_open_refuses_what_slack_refuses(http, slack_sim, token, body, error):
    assert await open_connection(http, slack_sim, token, body) == {"ok": False, "error": error}


async def test_app_token_is_refused_by_bot_methods(http, slack_sim):
    headers = {"Authorization": f"Bearer {APP_TOKEN}"}
    async with http.post(slack_sim.base + "/api/chat.postMessage", headers=headers,
                         json={"channel": "C1", "text": "hi"}) as response:
        assert await response.json() == {"ok": False, "error": "not_allowed_token_type"}


async def test_hello_envelope_ack_and_one_use_url(http, slack_sim):
    opened = await open_connection(http, slack_sim)
    assert opened["ok"] and opened["url"].startswith("ws://127.0.0.1:") and "app_id=A1" in opened["url"]
    async with http.ws_connect(opened["url"]) as ws:
        hello = await ws.receive_json()
        assert hello["type"] == "hello" and hello["connection_info"] == {"app_id": "A1"}

        envelope_id = await slack_sim.socket.send("slash_commands", {"command": "/invite-campaign", "text": "help"},
                                                  accepts_response_payload=True)
        envelope = await ws.receive_json()
        assert envelope == {"envelope_id": envelope_id, "type": "slash_commands", "accepts_response_payload": True,
                            "payload": {"command": "/invite-campaign", "text": "help"}}
        await ws.send_json({"envelope_id": envelope_id, "payload": {"text": "ok"}})
        assert await slack_sim.socket.ack_of(envelope_id) == {"envelope_id": envelope_id, "payload": {"text": "ok"}}

        await slack_sim.socket.disconnect()
        assert (await ws.receive_json())["reason"] == "refresh_requested"

    # The URL was for one connection only
    with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
        await http.ws_connect(opened["url"])
    assert refused.value.status == 401
    assert len(slack_sim.socket.refused) == 1
