"""Bad input never crashes a Slack handler: unreadable bodies are answered 400 (even unsigned,
before bolt reads them), odd payloads get a clear answer, never a 500 nor a half-written row."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
from urllib.parse import quote

import pytest

from bot.slack.surface import drain
from core.campaigns.models import Campaign
from core.db import UnitOfWork
from tests.e2e.slack.conftest import SIGNING_SECRET, TEAM, fill, wait_for
from tests.security.common import row_counts

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"


def _signed(body: bytes) -> dict:
    now = int(time.time())
    mac = hmac.new(SIGNING_SECRET.encode(), f"v0:{now}:".encode() + body, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": str(now), "X-Slack-Signature": "v0=" + mac}


def _payload(obj) -> bytes:
    return ("payload=" + quote(json.dumps(obj))).encode()


USER = {"id": "UBOB", "team_id": TEAM}
UNREADABLE = {
    "latin-1 form": (b"payload=\xe9t\xe9", FORM),
    "latin-1 json": (b'{"type": "event_callback", "x": "\xe9"}', JSON),
    "escaped non-UTF-8": (b"payload=%FF%FE", FORM),
    "payload not JSON": (b"payload=not-json", FORM),
    "payload a list": (_payload([1, 2]), FORM),
    "payload a string": (_payload("block_actions"), FORM),
    "JSON body broken": (b"{not json", JSON),
    "JSON body a list": (b"[1, 2]", JSON),
    "event a string": (json.dumps({"type": "event_callback", "team_id": TEAM, "event": "x"}).encode(), JSON),
    "user a string": (_payload({"type": "block_actions", "team": {"id": TEAM}, "user": "UBOB", "actions": []}), FORM),
    "view a list": (_payload({"type": "view_submission", "team": {"id": TEAM}, "user": USER, "view": []}), FORM),
    "actions of strings": (_payload({"type": "block_actions", "team": {"id": TEAM}, "user": USER,
                                     "actions": ["campaign.stop"]}), FORM),
    "view blocks of strings": (_payload({"type": "view_submission", "team": {"id": TEAM}, "user": USER,
                                         "view": {"callback_id": "form:campaign", "blocks": ["x"]}}), FORM),
    "action value a number": (_payload({"type": "block_actions", "team": {"id": TEAM}, "user": USER,
                                        "actions": [{"action_id": "campaign.stop", "type": "button", "value": 12}]}), FORM),
    "action id a number": (_payload({"type": "block_actions", "team": {"id": TEAM}, "user": USER,
                                     "actions": [{"action_id": 42, "type": "button", "value": "1"}]}), FORM),
    "selected option a string": (_payload({"type": "block_actions", "team": {"id": TEAM}, "user": USER, "actions": [
        {"action_id": "digest.language", "type": "static_select", "selected_option": "fr"}]}), FORM),
    "options block id a list": (_payload({"type": "block_suggestion", "team": {"id": TEAM}, "user": USER,
                                          "action_id": "sender@0", "block_id": ["sender"], "value": "a"}), FORM),
    "options typed a number": (_payload({"type": "block_suggestion", "team": {"id": TEAM}, "user": USER,
                                         "action_id": "sender@0", "block_id": "sender", "value": 7}), FORM),
    "event text a number": (json.dumps({"type": "event_callback", "team_id": TEAM, "event": {
        "type": "message", "channel_type": "im", "user": "UBOB", "text": 5}}).encode(), JSON),
    "view state a string": (_payload({"type": "block_suggestion", "team": {"id": TEAM}, "user": USER,
                                      "block_id": "sender", "view": {"state": "x"}}), FORM),
}


@pytest.mark.parametrize("signed", [True, False], ids=["signed", "unsigned"])
@pytest.mark.parametrize("case", list(UNREADABLE))
async def test_an_unreadable_body_is_answered_400_and_does_nothing(slack, slack_sim, ctx, world, case, signed):
    body, content_type = UNREADABLE[case]
    headers = {"Content-Type": content_type, **(_signed(body) if signed else {})}
    before = row_counts(ctx.engine)
    response = await slack.client.post("/slack/events", data=body, headers=headers)
    await drain()
    # Unsigned, the body is not even parsed (401), unless it is not text at all (400).
    assert response.status == (400 if signed or case.startswith("latin-1") else 401)
    assert row_counts(ctx.engine) == before
    assert slack_sim.calls == [] and slack_sim.responses == []


def _view_of_open_form(slack_sim) -> dict:
    return slack_sim.last("views.open").args["view"] | {"id": "V1", "hash": "h1"}


async def _open_form(slack, slack_sim) -> dict:
    await slack.command("create", user="UBOB")
    await wait_for(lambda: slack_sim.of("views.open"))
    return _view_of_open_form(slack_sim)


HUGE = "x" * 100_000


@pytest.mark.parametrize("field", ["messages.invitation.en", "slots", "messages.welcome.en", "name"])
async def test_100_kb_in_a_text_field_is_a_field_error_not_a_crash(slack, slack_sim, ctx, world, caplog, field):
    view = await _open_form(slack, slack_sim)
    values = {"name": ("new:Huge", "Huge"), "program": ("new:Program", "Program"), "description": HUGE,
              "messages.invitation.en": "Hi {{firstName}}", "source": (f"segment:{world.segment_id}", "Paris founders")}
    values[field] = ("new:" + HUGE, HUGE[:75]) if field == "name" else HUGE
    filled = fill(view, values)
    before = row_counts(ctx.engine)
    with caplog.at_level(logging.ERROR):
        response = await slack.submit(filled)
        await drain()
    assert response.status == 200
    answer = await response.json()
    assert answer["response_action"] == "errors"
    assert field in answer["errors"]
    assert all(len(m) <= 2000 for m in answer["errors"].values())
    assert HUGE not in json.dumps(answer)
    assert row_counts(ctx.engine) == before
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


@pytest.mark.parametrize("field,given", [
    ("cohort_size", "twelve"), ("cohort_size", "1e9"), ("cohort_size", "-3"), ("slots", "Funday 25:00-26:00"),
    ("timezone", ("Mars/Olympus", "Mars")), ("sender", ("not-a-number", "x")), ("sender", ("99999", "ghost")),
    ("source", ("segment:abc", "x")), ("source", ("table:1", "x")), ("languages", ["xx", "en"]),
    ("name", ("campaign:not-a-number", "x")), ("name", ("new:\x00\x00\x00", "x")),
    ("messages.invitation.en", "Hi\x00 {{firstName}}\x00" + "x" * 400), ("program", ("new:" + "p" * 5000, "p")),
])
async def test_odd_form_values_are_field_errors(slack, slack_sim, ctx, world, field, given, caplog):
    view = await _open_form(slack, slack_sim)
    values = {"name": ("new:Odd", "Odd"), "program": ("new:P", "P"), "messages.invitation.en": "Hi {{firstName}}",
              "source": (f"segment:{world.segment_id}", "Paris founders"), field: given}
    before = row_counts(ctx.engine)
    with caplog.at_level(logging.ERROR):
        response = await slack.submit(fill(view, values))
        await drain()
    assert response.status == 200
    answer = await response.json()
    assert answer["response_action"] == "errors", answer
    assert row_counts(ctx.engine) == before
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


@pytest.mark.parametrize("metadata", ["not json", "[1]", '{"k": "campaign", "s": "x"}', '{"k": "campaign", "s": {"campaign_id": "abc"}}',
                                      '{"k": "campaign", "s": {"followups": "many", "rev": "x"}}',
                                      '{"k": "digest_edit", "s": {}}', '{"k": "digest_edit", "s": {"send_id": "x"}}',
                                      '{"k": "digest_edit", "s": {"send_id": 1, "digest_id": [], "page": "p"}}'])
async def test_forged_private_metadata_gets_an_answer_and_changes_nothing(slack, slack_sim, ctx, world, metadata, caplog):
    view = await _open_form(slack, slack_sim)
    filled = fill(view, {"name": ("new:Meta", "Meta"), "program": ("new:P", "P"), "messages.invitation.en": "Hi",
                         "text": "Hello"})
    filled["private_metadata"] = metadata
    before = row_counts(ctx.engine)
    with caplog.at_level(logging.ERROR):
        response = await slack.submit(filled)
        await drain()
    assert response.status == 200
    if response.content_type == "application/json":
        assert (await response.json())["response_action"] == "errors"
    else:
        assert slack_sim.responses or slack_sim.of("chat.postMessage") or slack_sim.of("chat.postEphemeral")
    assert row_counts(ctx.engine) == before
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


@pytest.mark.parametrize("action", [
    {"action_id": "no.such.action", "type": "button", "value": "1"},
    {"action_id": "campaign.stop", "type": "button", "value": "not-a-number"},
    {"action_id": "campaign.stop", "type": "button"},
    {"action_id": "digest.skip", "type": "button", "value": "a:b:c"},
    {"action_id": "digest.skip", "type": "button", "value": "1:0"},
    {"action_id": "digest.skip", "type": "button", "value": "9" * 40 + ":0:1"},
    {"action_id": "form.followup.remove", "type": "button", "value": HUGE},
])
async def test_odd_buttons_get_a_clear_answer(slack, slack_sim, ctx, world, action, caplog):
    payload = {"type": "block_actions", "team": {"id": TEAM, "domain": "example"}, "api_app_id": "A1",
               "user": {"id": "UBOB", "team_id": TEAM}, "trigger_id": "t", "response_url": slack_sim.response_url("x"),
               "container": {"type": "message", "message_ts": "1.1", "channel_id": "D0BOB"},
               "channel": {"id": "D0BOB"}, "message": {"ts": "1.1"}, "actions": [action]}
    before = row_counts(ctx.engine)
    with caplog.at_level(logging.ERROR):
        response = await slack.interaction(payload)
        await drain()
    assert response.status == 200
    assert row_counts(ctx.engine) == before
    assert slack_sim.responses or slack_sim.of("views.open"), "the user got no answer"
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


def _options_request(selected, **fields) -> dict:
    return {"type": "block_suggestion", "team": {"id": TEAM}, "api_app_id": "A1", "user": {"id": "UBOB", "team_id": TEAM},
            "view": {"id": "V1", "type": "modal", "state": {"values": {"sender": {"sender@0": {
                "type": "external_select", "selected_option": {"value": selected}}}}}},
            "action_id": "sender@0", "value": "", **fields}


@pytest.mark.parametrize("fields", [
    {"block_id": "sender", "value": HUGE}, {"block_id": "no-such-field", "value": "a"}, {"action_id": "source@1"},
    {"block_id": "name", "action_id": "name@0", "value": "\x00"}, {"block_id": "source", "value": "\x00a"},
])
@pytest.mark.parametrize("selected", ["not-a-member-id", "\x00", "9" * 40])
async def test_odd_options_requests_get_options(slack, slack_sim, ctx, world, fields, selected, caplog):
    with caplog.at_level(logging.ERROR):
        response = await slack.interaction(_options_request(selected, **fields))
    assert response.status == 200
    assert "options" in await response.json() or "option_groups" in await response.json()
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


@pytest.mark.parametrize("selected,fields", [([], {}), ("1", {"value": None}), ("1", {"action_id": ["sender@0"]})])
async def test_malformed_options_requests_are_refused(slack, slack_sim, ctx, world, selected, fields, caplog):
    with caplog.at_level(logging.ERROR):
        response = await slack.interaction(_options_request(selected, **fields))
    assert response.status == 400
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_odd_commands_and_events_are_answered(slack, slack_sim, ctx, world, caplog):
    with caplog.at_level(logging.ERROR):
        assert (await slack.command(HUGE)).status == 200
        assert (await slack.command("show " + "\u0000" * 10)).status == 200
        assert (await slack.event({"type": "app_home_opened", "tab": "home"})).status == 200
        await drain()
    with UnitOfWork(ctx.engine)() as s:
        assert s.query(Campaign).count() == 0
    assert len(slack_sim.responses) == 2  # the two commands answered; the events without a user ignored
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
