"""Latency of chat interactions under load, against a bare aiohttp handler measured in the same run.

Scenarios (a list: other surfaces append theirs, e.g. the Teams command and card action):
- bare: a handler that answers 200 at once (the baseline);
- slack command ack: a signed `/invite-campaign list` (the ack; the answer is posted afterwards);
- slack options: the Source type-ahead with 10,000 campaigns and 5,000 segments in the database;
- slack name options: the Name type-ahead over the 10,000 campaigns;
- slack digest button: Skip / Restore on a moderation digest entry (when the moderation core exists).

Each runs CLIENTS concurrent clients over real HTTP on 127.0.0.1 and prints p50/p99 and the p99
ratios to the bare handler's: sent 600 bytes (×bare), and sent the scenario's very requests
(×same: the goal's baseline, so that a larger body's cost to the client is not counted as ours).
Floors: the same requests to bolt or botbuilder with listeners that do nothing, to show what the
frameworks cost alone. Goal: p99 ≤ 3× the same-request bare handler's and under 200 ms.
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
    floor: bool = False  # what the framework alone costs (no goal: it says what the goal leaves to us)


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


SCENARIOS: list[Scenario] = [
    Scenario("bare aiohttp handler", bare, baseline=True),
    Scenario("floor: bolt, a command listener that only acks", bolt_floor_command, floor=True),
    Scenario("floor: bolt, an options listener that only acks (same modal)", bolt_floor_options, floor=True),
    Scenario("slack command ack", slack_command),
    Scenario("slack source options (10k campaigns, 5k segments)", slack_source_options),
    Scenario("slack name options (10k campaigns)", slack_name_options),
    Scenario("slack digest button", slack_digest_button),
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


def botbuilder_floor_command(data: dict, i: int) -> Request:
    return to_floor(teams_command(data, i), "/bench/botbuilder")


def botbuilder_floor_invoke(data: dict, i: int) -> Request:
    return to_floor(teams_card_action(data, i), "/bench/botbuilder")


SCENARIOS += [
    Scenario("floor: botbuilder, a bot that answers an invoke at once", botbuilder_floor_invoke, floor=True),
    Scenario("floor: botbuilder, a bot that replies \"ok\" (clients kept)", botbuilder_floor_command, floor=True),
    Scenario("teams command (message, card reply to connector)", teams_command),
    Scenario("teams card action (Action.Execute, 10k campaigns)", teams_card_action),
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
    print("same-request bare: the bare handler sent the very same requests (bodies of 10-20 KB for options),")
    print("so that the ratio is our handler's cost, not the client's cost of sending a larger body.")
    print(f"{'scenario':60} {'p50 ms':>7} {'p99 ms':>7} {'bare p99':>9} {'×bare':>6} {'×same':>6}  goal")
    failed = False
    count = CLIENTS * REQUESTS_PER_CLIENT + WARM_UP
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=CLIENTS)) as session:

        async def run(requests: list[Request]) -> tuple[float, float]:
            latencies = await measure(session, data["base"], requests)
            await drained(session, data["base"])
            return pct(latencies, 50), pct(latencies, 99)

        bare_p99 = None
        for scenario in SCENARIOS:
            requests = [scenario.request(data, i) for i in range(count)]
            same_requests = [to_floor(r, "/bench/bare") for r in requests]
            rounds = []  # (p50, p99, same-request bare p99), the scenario and its bare in turn
            for _ in range(ROUNDS):
                p50, p99 = await run(requests)
                rounds.append((p50, p99, (await run(same_requests))[1]))
            p50, p99, same = (statistics.median(r[k] for r in rounds) for k in range(3))
            if scenario.baseline:
                bare_p99 = p99
                print(f"{scenario.name:60} {p50:7.1f} {p99:7.1f} {p99:9.1f} {1:6.1f} {1:6.1f}  baseline")
                continue
            ratio, same_ratio = p99 / bare_p99, p99 / same
            if scenario.floor:
                verdict = "(framework alone)"
            else:
                ok = same_ratio <= 3 and p99 < 200
                failed |= not ok
                verdict = "ok" if ok else "MISSED"
            print(f"{scenario.name:60} {p50:7.1f} {p99:7.1f} {same:9.1f} {ratio:6.1f} {same_ratio:6.1f}  {verdict}")
    print("goal: p99 under 200 ms and at most 3× the same-request bare handler's p99")
    for process in processes:
        process.terminate()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
