"""Latency of chat interactions under load, against a bare aiohttp handler measured in the same run.

Scenarios (a list: other surfaces append theirs, e.g. the Teams command and card action):
- bare: a handler that answers 200 at once (the baseline);
- slack command ack: a signed `/invite-campaign list` (the ack; the answer is posted afterwards);
- slack options: the Source type-ahead with 10,000 campaigns and 5,000 segments in the database;
- slack name options: the Name type-ahead over the 10,000 campaigns;
- slack digest button: Skip / Restore on a moderation digest entry (when the moderation core exists).

- teams: a command typed to the bot, a card button (`Action.Execute`), a dialog opened
  (`task/fetch`) and a dialog submitted with a field left empty (`task/submit`, answered with the errors).

Each runs CLIENTS concurrent clients over real HTTP on 127.0.0.1 and prints p50/p99. Floors: the
very same requests to bolt or botbuilder with listeners that only answer, measured in the same
run: what the framework costs alone. Goal: p99 under 100 ms and at most 2× the p99 of its floor
(×floor). ×bare (a bare aiohttp handler sent the same requests) is shown for information.
Run: `.venv/bin/python bench/interactions.py` (DATABASE_URL for PostgreSQL; SQLite by default);
BENCH_SCENARIOS=word,word runs the scenarios whose name holds one of the words (floors always run).
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import aiohttp  # noqa: E402

from bench.support.interactions_server import (  # noqa: E402
    BOT_TOKEN, SECRET, TEAM, TEAMS_TENANT, TEAMS_USER, USER, serve_app, serve_connector, serve_slack, start_process,
)

CLIENTS = int(os.environ.get("BENCH_CLIENTS", 20))
REQUESTS_PER_CLIENT = int(os.environ.get("BENCH_REQUESTS", 25))
WARM_UP = CLIENTS
ROUNDS = int(os.environ.get("BENCH_ROUNDS", 3))  # each figure is the median of ROUNDS runs


@dataclass
class Scenario:
    name: str
    request: Callable[[dict, int], "Request"]  # the i-th request, from the data the server prepared
    baseline: bool = False
    floor: bool = False  # what the framework alone costs (no goal: it is the goal's baseline)
    against: str = ""  # the name of this scenario's floor


# -- requests (built before the clock starts: building and signing them is Slack's work, not ours) --

@dataclass
class Request:
    path: str
    body: bytes
    headers: dict[str, str]


def signed(body: str) -> Request:
    import hashlib
    import hmac

    ts = str(int(time.time()))
    sig = "v0=" + hmac.new(SECRET.encode(), f"v0:{ts}:{body}".encode(), hashlib.sha256).hexdigest()
    return Request("/slack/events", body.encode(), {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": sig,
                                                    "Content-Type": "application/x-www-form-urlencoded"})


def bare(data: dict, i: int) -> Request:
    return Request("/bench/bare", b"x" * 600, {})


def slack_command(data: dict, i: int) -> Request:
    return signed(urlencode({"team_id": TEAM, "user_id": USER, "channel_id": "C1", "command": "/invite-campaign",
                             "text": "help", "response_url": f"{data['sim_base']}/response/{i}",
                             "trigger_id": f"t{i}"}))


def _interaction(payload: dict) -> Request:
    return signed(urlencode({"payload": json.dumps(payload)}))


def _suggestion(data: dict, field_id: str, typed: str) -> Request:
    view = data["view"]
    action_id = next(b["element"]["action_id"] for b in view["blocks"] if b.get("block_id") == field_id)
    return _interaction({"type": "block_suggestion", "team": {"id": TEAM}, "user": {"id": USER, "team_id": TEAM},
                         "block_id": field_id, "action_id": action_id, "value": typed, "view": view})


def slack_source_options(data: dict, i: int) -> Request:
    return _suggestion(data, "source", f"segment {i % 500}")


def slack_name_options(data: dict, i: int) -> Request:
    return _suggestion(data, "name", f"campaign {i % 1000}")


def slack_digest_button(data: dict, i: int) -> Request:
    values = data["digest_values"]
    action = "digest.skip" if (i // len(values)) % 2 == 0 else "digest.restore"
    payload = {"type": "block_actions", "team": {"id": TEAM}, "user": {"id": USER, "team_id": TEAM},
               "trigger_id": f"t{i}", "container": {"type": "message", "message_ts": "1.1", "channel_id": "D1"},
               "channel": {"id": "D1"}, "message": {"ts": "1.1"},
               "actions": [{"action_id": action, "type": "button", "value": values[i % len(values)]}]}
    return _interaction(payload)


def to_floor(request: Request, path: str) -> Request:
    return Request(path, request.body, request.headers)


def bolt_floor_command(data: dict, i: int) -> Request:
    return to_floor(slack_command(data, i), "/bench/bolt")


def bolt_floor_options(data: dict, i: int) -> Request:
    return to_floor(slack_source_options(data, i), "/bench/bolt")


def bolt_floor_action(data: dict, i: int) -> Request:
    return to_floor(slack_digest_button(data, i), "/bench/bolt")


BOLT_COMMAND = "floor: bolt, a command listener that only acks"
BOLT_OPTIONS = "floor: bolt, an options listener that only acks (same modal)"
BOLT_ACTION = "floor: bolt, an action listener that only acks"
SCENARIOS: list[Scenario] = [
    Scenario("bare aiohttp handler", bare, baseline=True),
    Scenario(BOLT_COMMAND, bolt_floor_command, floor=True),
    Scenario(BOLT_OPTIONS, bolt_floor_options, floor=True),
    Scenario(BOLT_ACTION, bolt_floor_action, floor=True),
    Scenario("slack command ack", slack_command, against=BOLT_COMMAND),
    Scenario("slack source options (10k campaigns, 5k segments)", slack_source_options, against=BOLT_OPTIONS),
    Scenario("slack name options (10k campaigns)", slack_name_options, against=BOLT_OPTIONS),
    Scenario("slack digest button", slack_digest_button, against=BOLT_ACTION),
]


# -- Teams requests ------------------------------------------------------------------------------
# The same bot core through `/api/messages`: a command as a message (the bot answers at the
# activity's serviceUrl, a Bot Framework connector simulator in its own process, before the HTTP
# answer) and a card button (`Action.Execute`, answered in the invoke response).

def _teams_activity(data: dict, i: int, **fields: Any) -> Request:
    activity = {"id": f"bench-{i}", "channelId": "msteams", "serviceUrl": data["connector_url"],
                "from": {"id": f"29:{TEAMS_USER}", "name": "Bench User", "aadObjectId": TEAMS_USER},
                "recipient": {"id": "28:invitebot", "name": "invitebot"},
                "conversation": {"id": "a:bench", "conversationType": "personal", "tenantId": TEAMS_TENANT},
                "channelData": {"tenant": {"id": TEAMS_TENANT}}, **fields}
    return Request("/api/messages", json.dumps(activity).encode(), {"Content-Type": "application/json"})


def teams_command(data: dict, i: int) -> Request:
    return _teams_activity(data, i, type="message", text="help")


def teams_card_action(data: dict, i: int) -> Request:
    action = {"action": "campaign.show", "value": str(data["teams_campaign_id"])}
    value = {"action": {"type": "Action.Execute", "verb": "campaign.show", "data": action}, "trigger": "manual"}
    return _teams_activity(data, i, type="invoke", name="adaptiveCard/action", value=value)


def teams_dialog_fetch(data: dict, i: int) -> Request:
    launch = {"msteams": {"type": "task/fetch"}, "launch": {"action": "campaign.create"}}
    return _teams_activity(data, i, type="invoke", name="task/fetch", value={"data": launch, "context": {"theme": "default"}})


def teams_dialog_submit(data: dict, i: int) -> Request:
    return _teams_activity(data, i, type="invoke", name="task/submit",
                           value={"data": data["teams_submit"], "context": {"theme": "default"}})


def botbuilder_floor_command(data: dict, i: int) -> Request:
    return to_floor(teams_command(data, i), "/bench/botbuilder")


def botbuilder_floor_invoke(data: dict, i: int) -> Request:
    return to_floor(teams_card_action(data, i), "/bench/botbuilder")


def botbuilder_floor_submit(data: dict, i: int) -> Request:
    return to_floor(teams_dialog_submit(data, i), "/bench/botbuilder")


BB_INVOKE = "floor: botbuilder, a bot that answers an invoke at once"
BB_SUBMIT = "floor: botbuilder, the same for the dialog submit body"
BB_MESSAGE = "floor: botbuilder, a bot that replies \"ok\" (clients kept)"
SCENARIOS += [
    Scenario(BB_INVOKE, botbuilder_floor_invoke, floor=True),
    Scenario(BB_SUBMIT, botbuilder_floor_submit, floor=True),
    Scenario(BB_MESSAGE, botbuilder_floor_command, floor=True),
    Scenario("teams command (message, card reply to connector)", teams_command, against=BB_MESSAGE),
    Scenario("teams card action (Action.Execute, 10k campaigns)", teams_card_action, against=BB_INVOKE),
    Scenario("teams dialog fetch (task/fetch: the campaign form)", teams_dialog_fetch, against=BB_INVOKE),
    Scenario("teams dialog submit (task/submit: field errors)", teams_dialog_submit, against=BB_SUBMIT),
]

# -- running -----------------------------------------------------------------------------------

async def measure(session: aiohttp.ClientSession, base: str, requests: list[Request]) -> list[float]:
    """Latencies of `requests` sent by CLIENTS clients, each waiting for its answer before sending
    its next; the last WARM_UP requests go first, together, and are not counted."""
    latencies: list[float] = []
    per_client = (len(requests) - WARM_UP) // CLIENTS

    async def one(request: Request) -> float:
        start = time.perf_counter()
        async with session.post(base + request.path, data=request.body, headers=request.headers) as r:
            await r.read()
            if r.status != 200:
                raise RuntimeError(f"{request.path}: HTTP {r.status}")
        return time.perf_counter() - start

    async def client(c: int) -> None:
        for request in requests[c * per_client:(c + 1) * per_client]:
            latencies.append(await one(request))

    await asyncio.gather(*(one(r) for r in requests[-WARM_UP:]))
    await asyncio.gather(*(client(c) for c in range(CLIENTS)))
    return latencies


async def drained(session: aiohttp.ClientSession, base: str) -> None:
    """Once the answers posted after the acks are all out (they must not slow the next run)."""
    async with session.post(base + "/bench/drain") as r:
        await r.read()


def pct(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] * 1000


def card_inputs(node: Any) -> dict[str, Any]:
    """Every input of a card with the value it shows (what Teams sends back with a submit)."""
    found: dict[str, Any] = {}
    if isinstance(node, dict):
        if str(node.get("type", "")).startswith("Input.") and "id" in node:
            found[node["id"]] = node.get("value", "")
        for child in node.values():
            found |= card_inputs(child)
    elif isinstance(node, list):
        for child in node:
            found |= card_inputs(child)
    return found


def submit_action(node: Any) -> dict | None:
    if isinstance(node, dict):
        if node.get("type") == "Action.Submit" and (node.get("data") or {}).get("action") == "form.submit":
            return node
        children = node.values()
    elif isinstance(node, list):
        children = node
    else:
        return None
    return next((found for child in children if (found := submit_action(child)) is not None), None)


async def prepare_submit(session: aiohttp.ClientSession, data: dict) -> None:
    """The campaign dialog as Teams shows it (one task/fetch), submitted as it is: Name left empty."""
    request = teams_dialog_fetch(data, 0)
    async with session.post(data["base"] + request.path, data=request.body, headers=request.headers) as r:
        card = (await r.json())["task"]["value"]["card"]["content"]
    action = submit_action(card)
    if action is None:
        raise RuntimeError("the campaign dialog has no submit button")
    data["teams_submit"] = {**card_inputs(card), **action["data"]}


def selected(scenarios: list[Scenario]) -> list[Scenario]:
    words = [w.strip().lower() for w in os.environ.get("BENCH_SCENARIOS", "").split(",") if w.strip()]
    return [s for s in scenarios if not words or s.baseline or s.floor or any(w in s.name.lower() for w in words)]


async def main() -> int:
    processes = []
    process, sim_base = start_process(serve_slack)
    processes.append(process)
    process, connector_url = start_process(serve_connector)
    processes.append(process)
    tmp = tempfile.mkdtemp(prefix="bench-")
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{tmp}/bench.db"
    settings = dict(VAR_DIR=tmp, DATABASE_URL=url, SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_SIGNING_SECRET=SECRET,
                    SLACK_API_URL=sim_base + "/api/")
    process, data = start_process(serve_app, settings, {"sim_base": sim_base, "connector_url": connector_url})
    processes.append(process)

    print(f"{CLIENTS} concurrent clients × {REQUESTS_PER_CLIENT} requests, median of {ROUNDS} rounds; "
          f"database {data['database']}; the app in its own process")
    print(f"{'scenario':60} {'p50 ms':>7} {'p99 ms':>7} {'×bare':>6} {'×floor':>6}  goal")
    failed = False
    count = CLIENTS * REQUESTS_PER_CLIENT + WARM_UP
    floors: dict[str, float] = {}
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=CLIENTS)) as session:
        await prepare_submit(session, data)

        async def run(requests: list[Request]) -> tuple[float, float]:
            latencies = await measure(session, data["base"], requests)
            await drained(session, data["base"])
            return pct(latencies, 50), pct(latencies, 99)

        for scenario in selected(SCENARIOS):
            requests = [scenario.request(data, i) for i in range(count)]
            same_requests = [to_floor(r, "/bench/bare") for r in requests]
            rounds = []  # (p50, p99, same-request bare p99), the scenario and its bare in turn
            for _ in range(ROUNDS):
                p50, p99 = await run(requests)
                rounds.append((p50, p99, (await run(same_requests))[1]))
            p50, p99, same = (statistics.median(r[k] for r in rounds) for k in range(3))
            if scenario.baseline:
                print(f"{scenario.name:60} {p50:7.1f} {p99:7.1f} {1:6.1f} {'':>6}  baseline")
                continue
            if scenario.floor:
                floors[scenario.name] = p99
                print(f"{scenario.name:60} {p50:7.1f} {p99:7.1f} {p99 / same:6.1f} {1:6.1f}  (framework alone)")
                continue
            ratio = p99 / floors[scenario.against]
            ok = ratio <= 2 and p99 < 100
            failed |= not ok
            print(f"{scenario.name:60} {p50:7.1f} {p99:7.1f} {p99 / same:6.1f} {ratio:6.1f}  {'ok' if ok else 'MISSED'}")
    print("goal: p99 under 100 ms and at most 2× the p99 of the same framework's listener that only answers (×floor)")
    for process in processes:
        process.terminate()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
