"""The Slack surface end to end: the real aiohttp app over HTTP, requests signed exactly as Slack
signs them (v0 HMAC of `v0:timestamp:body`), the Web API replaced by the local simulator."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import time
from dataclasses import dataclass
from urllib.parse import urlencode

import pytest

from bot.web import build_web_app
from core.config import Settings
from core.db import UnitOfWork
from core.notify import LoggingNotifier
from entrypoints.bootstrap import bootstrap
from tests import factories as f
from tests.simulators.slack_api import SlackSimulator

SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
BOT_TOKEN = "xoxb-test-bot-token"
TEAM = "T0001"
OTHER_TEAM = "T0002"
OTHER_TOKEN = "xoxb-other-team"


def sign(body: str, timestamp: int, secret: str = SIGNING_SECRET) -> str:
    base = f"v0:{timestamp}:{body}".encode()
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


@pytest.fixture
async def slack_sim():
    sim = SlackSimulator({BOT_TOKEN: TEAM, OTHER_TOKEN: OTHER_TEAM})
    sim.add_user("UALICE", TEAM, "Alice Admin", "alice@example.com")
    sim.add_user("UBOB", TEAM, "Bob Builder", "bob@example.com")
    sim.add_user("UCAROL", TEAM, "Carol Client", "carol@example.com")
    sim.add_user("UEVE", OTHER_TEAM, "Eve Elsewhere", "eve@other.example")
    await sim.start()
    yield sim
    await sim.stop()


@pytest.fixture
def slack_settings(tmp_path, database_url, slack_sim) -> Settings:
    return Settings(VAR_DIR=tmp_path, DATABASE_URL=database_url, PUBLIC_URL="https://invitebot.example",
                    SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_SIGNING_SECRET=SIGNING_SECRET,
                    SLACK_API_URL=slack_sim.base + "/api/", _env_file=None)


@pytest.fixture
def ctx(slack_settings, db, clock):
    return bootstrap(slack_settings, clock=clock, notifier=LoggingNotifier(), engine=db, queue="none")


@dataclass
class World:
    alice: int
    bob: int
    carol: int
    segment_id: int
    workspace_id: int


@pytest.fixture
def world(ctx) -> World:
    """Alice (first, so admin) and Bob with sandbox LinkedIn accounts, Carol without; a segment
    of Bob's with contacts of different name lengths and languages."""
    with UnitOfWork(ctx.engine)() as s:
        alice, bob, carol = (f.chat_member(s, "slack", TEAM, uid, name, email, workspace_name="Example")
                             for uid, name, email in (("UALICE", "Alice Admin", "alice@example.com"),
                                                      ("UBOB", "Bob Builder", "bob@example.com"),
                                                      ("UCAROL", "Carol Client", "carol@example.com")))
        for who, uid in ((alice, "UALICE"), (bob, "UBOB")):
            f.connect(s, who, account_key=f"sbx-{uid}")
        founders = f.contacts_from(s, alice.workspace_id, f.FOUNDERS)
        segment = f.segment(s, alice.workspace_id, founders, owner=bob, name="Paris founders")
        return World(alice.id, bob.id, carol.id, segment.id, alice.workspace_id)


class SlackRequests:
    """Posts to /slack/events as Slack does: form bodies for commands and interactions, JSON for events."""

    def __init__(self, client, sim: SlackSimulator) -> None:
        self.client = client
        self.sim = sim
        self._n = 0

    async def post(self, body: str, content_type: str, *, timestamp: int | None = None, signature: str | None = None,
                   signed: bool = True):
        ts = int(time.time()) if timestamp is None else timestamp
        headers = {"Content-Type": content_type}
        if signed:
            headers["X-Slack-Request-Timestamp"] = str(ts)
            headers["X-Slack-Signature"] = signature or sign(body, ts)
        return await self.client.post("/slack/events", data=body.encode(), headers=headers)

    def _next(self) -> int:
        self._n += 1
        return self._n

    async def command(self, text: str, user: str = "UBOB", team: str = TEAM, **kw):
        n = self._next()
        body = urlencode({"token": "legacy", "team_id": team, "team_domain": "example", "channel_id": "C123",
                          "channel_name": "general", "user_id": user, "user_name": user.lower(),
                          "command": "/invite-campaign", "text": text, "api_app_id": "A1",
                          "response_url": self.sim.response_url(n), "trigger_id": f"trig-{n}"})
        return await self.post(body, "application/x-www-form-urlencoded", **kw)

    async def interaction(self, payload: dict, **kw):
        body = urlencode({"payload": json.dumps(payload)})
        return await self.post(body, "application/x-www-form-urlencoded", **kw)

    def _base(self, kind: str, user: str, team: str) -> dict:
        n = self._next()
        return {"type": kind, "team": {"id": team, "domain": "example"}, "api_app_id": "A1",
                "user": {"id": user, "username": user.lower(), "name": user.lower(), "team_id": team},
                "trigger_id": f"trig-{n}", "token": "legacy"}

    async def press(self, action_id: str, value: str = "", *, user: str = "UBOB", team: str = TEAM,
                    message: dict | None = None, view: dict | None = None, selected: str | None = None):
        payload = self._base("block_actions", user, team)
        action = {"action_id": action_id, "block_id": "b", "type": "button", "value": value, "action_ts": "1"}
        if selected is not None:
            action = {"action_id": action_id, "block_id": "b", "type": "static_select",
                      "selected_option": {"value": selected, "text": {"type": "plain_text", "text": selected}}}
        if view is not None:
            payload["container"] = {"type": "view", "view_id": view["id"]}
            payload["view"] = view
        else:
            msg = message or {"channel": "D0BOB", "ts": "1700000001.000100"}
            payload["container"] = {"type": "message", "message_ts": msg["ts"], "channel_id": msg["channel"],
                                    "is_ephemeral": False}
            payload["channel"] = {"id": msg["channel"]}
            payload["message"] = {"ts": msg["ts"], "text": "x"}
            payload["response_url"] = self.sim.response_url(f"a{self._n}")
        payload["actions"] = [action]
        return await self.interaction(payload)

    async def change(self, view: dict, field_id: str, *, user: str = "UBOB", team: str = TEAM):
        """A dispatched input of the open modal changed (its value already in `view['state']`)."""
        payload = self._base("block_actions", user, team)
        payload["container"] = {"type": "view", "view_id": view["id"]}
        payload["view"] = view
        action_id = next(b["element"]["action_id"] for b in view["blocks"] if b.get("block_id") == field_id)
        payload["actions"] = [{"action_id": action_id, "block_id": field_id, "type": "external_select"}]
        return await self.interaction(payload)

    async def options(self, view: dict, field_id: str, typed: str, *, user: str = "UBOB", team: str = TEAM):
        payload = self._base("block_suggestion", user, team)
        action_id = next(b["element"]["action_id"] for b in view["blocks"] if b.get("block_id") == field_id)
        payload.update(block_id=field_id, action_id=action_id, value=typed, view=view,
                       container={"type": "view", "view_id": view["id"]})
        return await self.interaction(payload)

    async def submit(self, view: dict, *, user: str = "UBOB", team: str = TEAM):
        payload = self._base("view_submission", user, team)
        payload["view"] = view
        return await self.interaction(payload)

    async def event(self, event: dict, team: str = TEAM):
        body = json.dumps({"token": "legacy", "team_id": team, "api_app_id": "A1", "type": "event_callback",
                           "event_id": f"Ev{self._next()}", "event_time": int(time.time()), "event": event})
        return await self.post(body, "application/json")


@pytest.fixture
async def slack(aiohttp_client, ctx, slack_sim):
    app = build_web_app(ctx)
    client = await aiohttp_client(app)
    return SlackRequests(client, slack_sim)


async def wait_for(condition, *, timeout: float = 10.0):
    """Wait until the work done after the ack shows (bolt runs listeners after answering)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        result = condition()
        if result:
            return result
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("the expected Slack call never came")
        await asyncio.sleep(0.02)


def fill(view: dict, values: dict) -> dict:
    """The modal as Slack sends it back: `state.values` with what the user typed or picked.
    values: field id → str (text/number/select value), list (multi-select), bool (checkbox),
    or (value, label) for an external select."""
    state: dict = {}
    for block in view["blocks"]:
        if block.get("type") != "input":
            continue
        bid, element = block["block_id"], block["element"]
        kind, aid = element["type"], element["action_id"]
        if bid in values:
            given = values[bid]
        else:  # untouched input: Slack sends its initial value
            given = _initial(element)
        state.setdefault(bid, {})[aid] = _state_value(kind, given)
    filled = dict(view)
    filled["state"] = {"values": state}
    return filled


def _initial(element: dict):
    kind = element["type"]
    if kind in ("plain_text_input", "number_input"):
        return element.get("initial_value")
    if kind in ("static_select", "external_select"):
        o = element.get("initial_option")
        return (o["value"], o["text"]["text"]) if o else None
    if kind == "multi_static_select":
        return [o["value"] for o in element.get("initial_options") or []]
    if kind == "checkboxes":
        return bool(element.get("initial_options"))
    return None


def _state_value(kind: str, given):
    if kind in ("plain_text_input", "number_input"):
        return {"type": kind, "value": given}
    if kind in ("static_select", "external_select"):
        if given is None:
            return {"type": kind, "selected_option": None}
        value, label = given if isinstance(given, tuple) else (given, given)
        return {"type": kind, "selected_option": {"value": value, "text": {"type": "plain_text", "text": label}}}
    if kind == "multi_static_select":
        return {"type": kind, "selected_options": [{"value": v, "text": {"type": "plain_text", "text": v}} for v in given or []]}
    if kind == "checkboxes":
        return {"type": kind, "selected_options": [{"value": "on", "text": {"type": "plain_text", "text": "x"}}] if given else []}
    return {"type": kind, "value": given}
