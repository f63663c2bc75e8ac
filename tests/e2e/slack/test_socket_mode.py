"""Slack over Socket Mode (SLACK_APP_TOKEN set, no public URL): the app opens the connection with
`apps.connections.open`, receives envelopes over the WebSocket of the local simulator, acks each by
its envelope id and answers through the Web API and `response_url` as over HTTP."""

from __future__ import annotations

import asyncio
import json
import logging
import socket
import threading

import pytest

from bot.slack import start_socket_mode
from bot.slack.app import close_http_session
from bot.slack.surface import drain
from core.config import Settings
from core.notify import LoggingNotifier
from tests.e2e.slack.conftest import BOT_TOKEN, TEAM, wait_for
from tests.e2e.slack.steps import active_campaign
from tests.simulators.slack_socket import WAIT_SECONDS
from entrypoints.bootstrap import bootstrap

APP_TOKEN = "xapp-1-A1-1234-socketmodetest"


def socket_settings(tmp_path, database_url, slack_sim, **extra) -> Settings:
    values = dict(VAR_DIR=tmp_path, DATABASE_URL=database_url, PUBLIC_URL="https://invitebot.example",
                  SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_APP_TOKEN=APP_TOKEN, SLACK_API_URL=slack_sim.base + "/api/")
    return Settings(**{**values, **extra}, _env_file=None)


@pytest.fixture
def slack_settings(tmp_path, database_url, slack_sim) -> Settings:
    """Socket Mode as a developer runs it: app-level and bot tokens, no signing secret."""
    slack_sim.add_app_token(APP_TOKEN, "A1")
    return socket_settings(tmp_path, database_url, slack_sim)


async def stop_handler(handler) -> None:
    await handler.close_async()
    await drain()
    await close_http_session(handler.app)


@pytest.fixture
async def socket_mode(ctx, slack_sim):
    handler = await start_socket_mode(ctx)
    yield slack_sim.socket
    await stop_handler(handler)


def command(text: str, sim, n: int, user: str = "UBOB") -> dict:
    """A slash command's payload as Socket Mode carries it: the HTTP form's fields as JSON."""
    return {"token": "legacy", "team_id": TEAM, "team_domain": "example", "channel_id": "C123",
            "channel_name": "general", "user_id": user, "user_name": user.lower(), "command": "/invite-campaign",
            "text": text, "api_app_id": "A1", "is_enterprise_install": "false",
            "response_url": sim.response_url(n), "trigger_id": f"trig-{n}"}


def press(action_id: str, value: str, sim, n: int, user: str = "UBOB") -> dict:
    """A button of a message (e.g. an alert's "Show campaign") pressed: a block_actions payload."""
    return {"type": "block_actions", "team": {"id": TEAM, "domain": "example"}, "api_app_id": "A1",
            "user": {"id": user, "username": user.lower(), "name": user.lower(), "team_id": TEAM},
            "trigger_id": f"trig-{n}", "token": "legacy",
            "container": {"type": "message", "message_ts": "1700000001.000100", "channel_id": "D0BOB",
                          "is_ephemeral": False},
            "channel": {"id": "D0BOB"}, "message": {"ts": "1700000001.000100", "text": "x"},
            "response_url": sim.response_url(n),
            "actions": [{"action_id": action_id, "block_id": "b", "type": "button", "value": value,
                         "action_ts": "1"}]}


def answered(sim, n) -> list[dict]:
    return [r for r in sim.responses if r["n"] == str(n)]


async def test_connects_with_the_app_token_and_gets_hello(socket_mode, slack_sim):
    opened = slack_sim.last("apps.connections.open")
    assert opened.token == APP_TOKEN
    connection = await socket_mode.connected(1)
    assert connection.app_id == "A1" and connection.open
    assert socket_mode.sent[0]["type"] == "hello"
    assert socket_mode.refused == []


async def test_slash_command_is_acked_and_answered(socket_mode, slack_sim, world):
    envelope_id = await socket_mode.send("slash_commands", command("help", slack_sim, 1),
                                         accepts_response_payload=True)
    ack = await socket_mode.ack_of(envelope_id)
    assert ack["envelope_id"] == envelope_id
    assert socket_mode.acks == [ack]
    # The help arrives through the command's response_url, ephemeral
    help_answer = (await wait_for(lambda: answered(slack_sim, 1)))[0]
    assert help_answer["response_type"] == "ephemeral"
    assert "/invite-campaign create" in json.dumps(help_answer)


async def test_button_press_is_acked_and_handled(socket_mode, slack_sim, world, ctx):
    campaign_id = active_campaign(ctx, world)
    ack = await socket_mode.request("interactive", press("campaign.show", str(campaign_id), slack_sim, "a1"))
    assert set(ack) <= {"envelope_id", "payload"} and ack["envelope_id"] == socket_mode.sent[-1]["envelope_id"]
    card = (await wait_for(lambda: answered(slack_sim, "a1")))[0]
    assert "Digest run" in json.dumps(card)


async def test_app_home_event_is_acked_and_published(socket_mode, slack_sim, world):
    event = {"token": "legacy", "team_id": TEAM, "api_app_id": "A1", "type": "event_callback",
             "event_id": "Ev1", "event_time": 1700000000,
             "event": {"type": "app_home_opened", "user": "UBOB", "channel": "D0BOB", "tab": "home"}}
    ack = await socket_mode.request("events_api", event)
    assert ack["envelope_id"] == socket_mode.sent[-1]["envelope_id"]
    published = await wait_for(lambda: slack_sim.of("views.publish"))
    assert published[0].args["user_id"] == "UBOB" and published[0].token == BOT_TOKEN


async def test_reconnects_after_disconnect_and_commands_still_work(socket_mode, slack_sim, world):
    first = await socket_mode.connected(1)
    await socket_mode.disconnect("refresh_requested")

    second = await socket_mode.connected(2)
    assert len(slack_sim.of("apps.connections.open")) == 2
    assert all(call.token == APP_TOKEN for call in slack_sim.of("apps.connections.open"))
    assert second.open and socket_mode.refused == []
    await wait_for(lambda: not first.open)  # the app closes the connection it was asked to leave

    ack = await socket_mode.request("slash_commands", command("help", slack_sim, 2), accepts_response_payload=True)
    assert second.received == [ack]
    assert "/invite-campaign create" in json.dumps((await wait_for(lambda: answered(slack_sim, 2)))[0])


async def refusal_of(ctx) -> Exception:
    """What start_socket_mode raises for a token Slack refuses (it must not retry forever)."""
    try:
        handler = await asyncio.wait_for(start_socket_mode(ctx), WAIT_SECONDS)
    except TimeoutError:
        raise AssertionError("start_socket_mode kept retrying a refused app token instead of reporting it") from None
    except Exception as exc:  # noqa: BLE001 - the refusal is what this returns
        return exc
    await stop_handler(handler)
    raise AssertionError("start_socket_mode connected with a refused app token")


@pytest.mark.parametrize("token, error", [("xapp-1-A1-9999-unknown", "invalid_auth"),
                                          (BOT_TOKEN, "not_allowed_token_type")])
async def test_refused_app_token_is_reported(tmp_path, database_url, slack_sim, db, clock, token, error):
    settings = socket_settings(tmp_path, database_url, slack_sim, SLACK_APP_TOKEN=token)
    ctx = bootstrap(settings, clock=clock, notifier=LoggingNotifier(), engine=db, queue="none")
    refusal = await refusal_of(ctx)
    assert error in str(refusal)
    assert [c.answer["error"] for c in slack_sim.calls if c.method == "apps.connections.open"] == [error]
    assert slack_sim.socket.connections == []


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def test_serve_starts_socket_mode_when_the_app_token_is_set(tmp_path, database_url, slack_sim, db, clock, world):
    """`invitebot serve` and `invitebot web` run `serve_web`: with SLACK_APP_TOKEN it connects over
    Socket Mode next to the web app, and closes the connection when stopped."""
    from entrypoints.processes import serve_web as _serve_web

    settings = socket_settings(tmp_path, database_url, slack_sim, HOST="127.0.0.1", PORT=free_port())
    ctx = bootstrap(settings, clock=clock, notifier=LoggingNotifier(), engine=db, queue="none")
    stop = threading.Event()
    serving = asyncio.create_task(_serve_web(ctx, stop))
    connecting = asyncio.create_task(slack_sim.socket.connected(1))
    try:
        await asyncio.wait({serving, connecting}, return_when=asyncio.FIRST_COMPLETED)
        if serving.done():
            serving.result()  # raises what stopped it
            raise AssertionError("_serve_web returned before connecting over Socket Mode")
        connection = await connecting
        ack = await slack_sim.socket.request("slash_commands", command("help", slack_sim, 3),
                                             accepts_response_payload=True)
        assert connection.received == [ack]
        await wait_for(lambda: answered(slack_sim, 3))
    finally:
        stop.set()
        connecting.cancel()
        await asyncio.gather(serving, return_exceptions=True)
        await drain()
    await wait_for(lambda: not connection.open)


async def test_slack_failing_for_a_while_at_start_is_retried_not_fatal(ctx, slack_sim):
    slack_sim.fail_next("apps.connections.open", "internal_error")
    handler = await asyncio.wait_for(start_socket_mode(ctx), 60)
    try:
        assert [c.answer.get("error") for c in slack_sim.calls if c.method == "apps.connections.open"][:1] == [
            "internal_error"]
        await wait_for(lambda: slack_sim.socket.connections)
    finally:
        await stop_handler(handler)


@pytest.mark.parametrize("change", [{"actions": []}, {"user": {"id": 42, "team_id": TEAM}},
                                    {"actions": [{"action_id": "campaign.show", "selected_option": "x"}]},
                                    {"response_url": "not a url"}])
async def test_a_malformed_envelope_is_acked_and_reaches_no_listener(socket_mode, slack_sim, world, caplog, change):
    caplog.set_level(logging.INFO)
    ack = await socket_mode.request("interactive", {**press("campaign.show", "1", slack_sim, "m"), **change})
    assert ack["envelope_id"] == socket_mode.sent[-1]["envelope_id"]
    await drain()
    # bolt's own authorization may call auth.test; no listener ran (no profile asked, nothing said)
    assert answered(slack_sim, "m") == [] and not [c for c in slack_sim.calls if c.method.startswith(("users.", "chat.",
                                                                                                        "views."))]
    assert [r.getMessage() for r in caplog.records if r.name.startswith("invitebot.slack")][-1].startswith(
        "slack: request refused:")
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
