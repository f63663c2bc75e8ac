"""Every kind of Slack request (command, interaction, view submission, options, event, URL
verification) is refused with 401 unless it carries Slack's v0 signature of *this* body made with
*our* signing secret within the last five minutes; a refused request reaches no listener: no row
written, no Web API call, no response_url answer."""

from __future__ import annotations

import json
import time
from urllib.parse import urlencode

import pytest

from bot.slack.surface import drain
from tests.e2e.slack.conftest import TEAM, sign
from tests.security.common import row_counts

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"
NEW_USER = "UCAROL"  # known to the simulator, never seen by the app: any listener would create her


def _payload(kind: str, **fields) -> str:
    base = {"type": kind, "team": {"id": TEAM, "domain": "example"}, "api_app_id": "A1", "token": "legacy",
            "user": {"id": NEW_USER, "username": "carol", "name": "carol", "team_id": TEAM}, "trigger_id": "trig-1"}
    return urlencode({"payload": json.dumps({**base, **fields})})


def _bodies(sim) -> dict[str, tuple[str, str]]:
    command = urlencode({"token": "legacy", "team_id": TEAM, "team_domain": "example", "channel_id": "C1",
                         "user_id": NEW_USER, "user_name": "carol", "command": "/invite-campaign", "text": "create",
                         "api_app_id": "A1", "response_url": sim.response_url("sig"), "trigger_id": "trig-1"})
    view = {"id": "V1", "type": "modal", "callback_id": "form:campaign", "private_metadata": "{}",
            "blocks": [], "state": {"values": {}}, "hash": "h"}
    event = json.dumps({"token": "legacy", "team_id": TEAM, "api_app_id": "A1", "type": "event_callback",
                        "event_id": "Ev1", "event_time": int(time.time()),
                        "event": {"type": "message", "channel_type": "im", "user": NEW_USER, "text": "create",
                                  "channel": "D1", "ts": "1.1"}})
    return {
        "command": (command, FORM),
        "button": (_payload("block_actions", response_url=sim.response_url("a"),
                            container={"type": "message", "message_ts": "1.1", "channel_id": "D1"},
                            channel={"id": "D1"}, message={"ts": "1.1"},
                            actions=[{"action_id": "campaign.create", "type": "button", "value": ""}]), FORM),
        "view_submission": (_payload("view_submission", view=view), FORM),
        "options": (_payload("block_suggestion", block_id="sender", action_id="sender@0", value="a", view=view),
                    FORM),
        "event": (event, JSON),
        "home_opened": (json.dumps({"token": "legacy", "team_id": TEAM, "api_app_id": "A1", "type": "event_callback",
                                    "event_id": "Ev2", "event_time": int(time.time()),
                                    "event": {"type": "app_home_opened", "user": NEW_USER, "tab": "home"}}), JSON),
        "url_verification": (json.dumps({"token": "legacy", "type": "url_verification", "challenge": "c-123"}), JSON),
    }


KINDS = ["command", "button", "view_submission", "options", "event", "home_opened", "url_verification"]


def _attacks(body: str, now: int) -> dict[str, dict]:
    """Headers of each way of getting the signature wrong."""
    good = sign(body, now)
    return {
        "no headers": {},
        "no signature": {"X-Slack-Request-Timestamp": str(now)},
        "no timestamp": {"X-Slack-Signature": good},
        "body tampered after signing": {"X-Slack-Request-Timestamp": str(now),
                                        "X-Slack-Signature": sign(body.replace("legacy", "legacY"), now)},
        "replayed after five minutes": {"X-Slack-Request-Timestamp": str(now - 301),
                                        "X-Slack-Signature": sign(body, now - 301)},
        "from the future": {"X-Slack-Request-Timestamp": str(now + 301),
                            "X-Slack-Signature": sign(body, now + 301)},
        "another secret": {"X-Slack-Request-Timestamp": str(now),
                           "X-Slack-Signature": sign(body, now, secret="another-apps-signing-secret")},
        "timestamp moved, signature kept": {"X-Slack-Request-Timestamp": str(now - 1), "X-Slack-Signature": good},
        "not a number": {"X-Slack-Request-Timestamp": "soon", "X-Slack-Signature": good},
        "v1 scheme": {"X-Slack-Request-Timestamp": str(now), "X-Slack-Signature": good.replace("v0=", "v1=")},
        "empty signature": {"X-Slack-Request-Timestamp": str(now), "X-Slack-Signature": ""},
    }


ATTACKS = list(_attacks("x", 0))


@pytest.mark.parametrize("attack", ATTACKS)
@pytest.mark.parametrize("kind", KINDS)
async def test_a_badly_signed_request_is_refused_and_does_nothing(slack, slack_sim, ctx, kind, attack):
    # Given a request as Slack would send it, but whose signature is wrong in one way
    body, content_type = _bodies(slack_sim)[kind]
    headers = {"Content-Type": content_type, **_attacks(body, int(time.time()))[attack]}
    before = row_counts(ctx.engine)
    # When it is posted
    response = await slack.client.post("/slack/events", data=body.encode(), headers=headers)
    await drain()
    # Then it is refused, and no listener ran
    assert response.status == 401
    assert "c-123" not in await response.text()
    assert row_counts(ctx.engine) == before
    assert slack_sim.calls == [] and slack_sim.responses == []


@pytest.mark.parametrize("kind", KINDS)
async def test_the_same_request_correctly_signed_is_answered(slack, slack_sim, ctx, kind):
    # The control of the test above: each body does reach its listener when signed.
    body, content_type = _bodies(slack_sim)[kind]
    now = int(time.time())
    headers = {"Content-Type": content_type, "X-Slack-Request-Timestamp": str(now),
               "X-Slack-Signature": sign(body, now)}
    response = await slack.client.post("/slack/events", data=body.encode(), headers=headers)
    await drain()
    assert response.status == 200
    if kind == "url_verification":
        assert "c-123" in await response.text()
    else:
        assert NEW_USER in {c.args.get("user") for c in slack_sim.calls if c.method == "users.info"}
