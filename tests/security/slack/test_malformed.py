"""Malformed Slack requests, signed with the right secret and unsigned: every field of each kind of
request Slack sends (command, button in a message, action inside a modal, submission, type-ahead,
events) replaced by every wrong type, or dropped, and the bodies themselves deep or of another
type. Each is answered 4xx or as Slack expects (200, an ack), never 500; nothing is written; the
log gets at most one line for it, without the payload."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
import time
from urllib.parse import quote, urlencode

import pytest

from bot.slack.surface import drain
from bot.web import build_web_app
from core.config import Settings
from core.notify import LoggingNotifier
from tests.e2e.slack.conftest import SIGNING_SECRET, TEAM
from tests.security.common import active_campaign_with_digest
from tests.security.malformed import (
    DEEP, HUGE, MARK, NON_ASCII, Probe, mutations, whole_body_mutations,
)
from entrypoints.bootstrap import bootstrap

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"


def signed_headers(body: bytes, content_type: str) -> dict[str, str]:
    now = int(time.time())
    mac = hmac.new(SIGNING_SECRET.encode(), f"v0:{now}:".encode() + body, hashlib.sha256).hexdigest()
    return {"Content-Type": content_type, "X-Slack-Request-Timestamp": str(now), "X-Slack-Signature": "v0=" + mac}


def _user() -> dict:
    return {"id": "UBOB", "username": "ubob", "name": "ubob", "team_id": TEAM}


def _in_message(slack_sim) -> dict:
    return {"container": {"type": "message", "message_ts": "1.1", "channel_id": "D0BOB", "is_ephemeral": False},
            "channel": {"id": "D0BOB", "name": "directmessage"}, "message": {"ts": "1.1", "text": "x"},
            "response_url": slack_sim.response_url("fuzz")}


def _modal(world) -> dict:
    state = {"values": {"sender": {"sender@0": {"type": "external_select",
                                                "selected_option": {"value": str(world.bob), "text": {
                                                    "type": "plain_text", "text": "Bob"}}}},
                        "name": {"name@0": {"type": "external_select", "selected_option": None}},
                        "cohort_size": {"cohort_size@0": {"type": "number_input", "value": "10"}}}}
    return {"id": "V1", "type": "modal", "callback_id": "form:campaign", "hash": "h1",
            "private_metadata": json.dumps({"k": "campaign", "s": {"rev": 0, "followups": 0, "languages": ["en"]}}),
            "blocks": [{"type": "input", "block_id": "name", "element": {"type": "external_select",
                                                                           "action_id": "name@0"}},
                       {"type": "input", "block_id": "sender", "element": {"type": "external_select",
                                                                             "action_id": "sender@0"}}],
            "state": state}


def interaction_payloads(slack_sim, world, digest: tuple[int, int, list[int]]) -> dict[str, dict]:
    """One valid payload of each kind of interaction, none of which writes a row."""
    base = {"team": {"id": TEAM, "domain": "example"}, "user": _user(), "api_app_id": "A1", "token": "legacy",
            "trigger_id": "trig-1"}
    _, digest_id, sends = digest
    return {
        "digest.language select": {**base, "type": "block_actions", **_in_message(slack_sim), "actions": [
            {"action_id": "digest.language", "block_id": "b", "type": "static_select", "action_ts": "1",
             "selected_option": {"value": f"{digest_id}:0:{sends[0]}:garbage",
                                 "text": {"type": "plain_text", "text": "x"}}}]},
        "campaign.create button": {**base, "type": "block_actions", **_in_message(slack_sim), "actions": [
            {"action_id": "campaign.create", "block_id": "b", "type": "button", "value": "1e3", "action_ts": "1"}]},
        "change inside the modal": {**base, "type": "block_actions", "view": _modal(world),
                                    "container": {"type": "view", "view_id": "V1"},
                                    "actions": [{"action_id": "sender@0", "block_id": "sender",
                                                 "type": "external_select", "action_ts": "1",
                                                 "selected_option": {"value": str(world.bob)}}]},
        "submission": {**base, "type": "view_submission", "view": _modal(world)},
        "type-ahead": {**base, "type": "block_suggestion", "view": _modal(world), "action_id": "sender@0",
                       "block_id": "sender", "value": "bo", "container": {"type": "view", "view_id": "V1"}},
    }


def event_payloads() -> dict[str, dict]:
    base = {"token": "legacy", "team_id": TEAM, "api_app_id": "A1", "type": "event_callback", "event_id": "Ev1",
            "event_time": 1700000000, "authorizations": [{"team_id": TEAM, "user_id": "UBOT", "is_bot": True}]}
    return {
        "direct message": {**base, "event": {"type": "message", "channel_type": "im", "channel": "D0BOB",
                                             "user": "UBOB", "text": "help", "ts": "1.1"}},
        "home opened": {**base, "event": {"type": "app_home_opened", "user": "UBOB", "channel": "D0BOB",
                                          "tab": "home"}},
    }


COMMAND = {"token": "legacy", "team_id": TEAM, "team_domain": "example", "channel_id": "C123",
           "channel_name": "general", "user_id": "UBOB", "user_name": "ubob", "command": "/invite-campaign",
           "text": "help", "api_app_id": "A1", "trigger_id": "trig-1"}
FORM_VALUES = {"dropped": None, "empty": "", "huge": HUGE, "non-ASCII": NON_ASCII, "deep": DEEP,
               "null text": "null", "JSON object": json.dumps({MARK: [1]})}


def command_bodies(slack_sim) -> list[tuple[str, bytes]]:
    fields = {**COMMAND, "response_url": slack_sim.response_url("fuzz")}
    bodies = []
    for key in fields:
        for name, value in FORM_VALUES.items():
            changed = {k: v for k, v in fields.items() if k != key}
            if value is not None:
                changed[key] = value
            bodies.append((f"{key} → {name}", urlencode(changed).encode()))
    bodies.append(("the same field twice", (urlencode(fields) + "&user_id=" + quote(NON_ASCII)).encode()))
    return bodies


@pytest.fixture
def digest(ctx, world):
    return active_campaign_with_digest(ctx, world.bob, world.segment_id, "Fuzzed campaign")


class SlackProbe(Probe):
    def __init__(self, slack, slack_sim, ctx, caplog, *, signed: bool) -> None:
        super().__init__(ctx.engine, caplog)
        self.slack, self.sim, self.signed = slack, slack_sim, signed

    async def send(self, label: str, body: bytes, content_type: str, *, keep: bool = False) -> tuple[int, str]:
        headers = signed_headers(body, content_type) if self.signed else {"Content-Type": content_type}
        self.start()
        response = await self.slack.client.post("/slack/events", data=body, headers=headers)
        text = await response.text()
        await drain()  # the work after the ack: its failures are logged, its rows counted
        if not self.signed and response.status not in (400, 401):
            self.findings.add(label, f"an unsigned request answered {response.status}")
        self.finish(label, response.status, text)
        said = json.dumps([c.args for c in self.sim.calls] + self.sim.responses, ensure_ascii=False)
        if "went wrong" in said:
            self.findings.add(label, f"the user was told something went wrong: {said[-300:]}")
        if not keep:
            self.sim.clear()
        return response.status, text


def _form_payload(text: str) -> bytes:
    return ("payload=" + quote(text)).encode()


@pytest.fixture(params=[True, False], ids=["signed", "unsigned"])
def signed(request) -> bool:
    return request.param


def _cases(payload: dict, signed: bool) -> list[tuple[str, str]]:
    """Every mutation when signed; unsigned, the signature is checked before the body is read, so
    the outermost fields and the bodies themselves show it."""
    return [*mutations(payload, depth=6 if signed else 1), *whole_body_mutations(payload)]


async def _answered(probe: SlackProbe, body: bytes, content_type: str) -> None:
    """The control: the valid request, signed, reaches its listener and the user gets an answer."""
    await probe.send("the valid request", body, content_type, keep=True)
    if probe.signed:
        assert probe.sim.calls or probe.sim.responses, "the valid request got no answer: the run proves nothing"
    probe.sim.clear()


@pytest.mark.parametrize("kind", ["digest.language select", "campaign.create button", "change inside the modal",
                                  "submission", "type-ahead"])
async def test_malformed_interactions(slack, slack_sim, ctx, world, digest, caplog, kind, signed):
    caplog.set_level(logging.INFO)
    probe = SlackProbe(slack, slack_sim, ctx, caplog, signed=signed)
    payload = interaction_payloads(slack_sim, world, digest)[kind]
    await _answered(probe, _form_payload(json.dumps(payload)), FORM)
    for label, text in _cases(payload, signed):
        await probe.send(label, _form_payload(text), FORM)
    probe.findings.assert_none()


@pytest.mark.parametrize("kind", ["direct message", "home opened"])
async def test_malformed_events(slack, slack_sim, ctx, world, caplog, kind, signed):
    caplog.set_level(logging.INFO)
    probe = SlackProbe(slack, slack_sim, ctx, caplog, signed=signed)
    payload = event_payloads()[kind]
    await _answered(probe, json.dumps(payload).encode(), JSON)
    for label, text in _cases(payload, signed):
        await probe.send(label, text.encode(), JSON)
    probe.findings.assert_none()


async def test_malformed_commands(slack, slack_sim, ctx, world, caplog, signed):
    caplog.set_level(logging.INFO)
    probe = SlackProbe(slack, slack_sim, ctx, caplog, signed=signed)
    await _answered(probe, urlencode({**COMMAND, "response_url": slack_sim.response_url("fuzz")}).encode(), FORM)
    for label, body in command_bodies(slack_sim):
        await probe.send(label, body, FORM)
    probe.findings.assert_none()


ACTIONS = ["campaign.show", "campaign.edit", "campaign.activate", "campaign.stop", "campaign.preview",
           "campaign.create", "account.connect", "digest.skip", "digest.restore", "digest.edit", "digest.language",
           "digest.skip_all", "digest.restore_all", "digest.refresh", "form.followup.add", "form.followup.remove",
           "form.language.open", "form.changed", "form.submit", "no.such.action", "campaign.", "digest."]
ODD_VALUES = ["", "1e3", "-1", "0", "²", "9" * 40, "999:0", "999:0:1", "999:0:1:xx", "1:0:999999:garbage",
              "a:b:c:d", ":::", NON_ASCII, HUGE]


async def test_every_action_with_an_unknown_value_gets_a_notice(slack, slack_sim, ctx, world, digest, caplog):
    """The conversation layer's side: a well-formed press naming nothing we know (a value that is no
    id, a digest or campaign that does not exist, an action no view carries) is refused with a
    notice, and changes nothing."""
    caplog.set_level(logging.INFO)
    probe = SlackProbe(slack, slack_sim, ctx, caplog, signed=True)
    base = interaction_payloads(slack_sim, world, digest)["campaign.create button"]
    for action in ACTIONS:
        for value in ODD_VALUES:
            payload = {**base, "actions": [{"action_id": action, "block_id": "b", "type": "button", "value": value}]}
            label = f"{action} {value[:20]!r}"
            await probe.send(label, _form_payload(json.dumps(payload)), FORM, keep=True)
            answered = slack_sim.responses or [c for c in slack_sim.calls if c.method.startswith(("views.", "chat."))]
            if not answered:
                probe.findings.add(label, "no answer")
            slack_sim.clear()
    probe.findings.assert_none()


def _reported(slack_sim, world, digest) -> dict[str, tuple[bytes, str, int]]:
    """The malformed requests of the report, signed: (body, content type, expected status)."""
    payloads = interaction_payloads(slack_sim, world, digest)
    button, select = payloads["campaign.create button"], payloads["digest.language select"]
    submission = payloads["submission"]

    def with_action(**fields) -> bytes:
        return _form_payload(json.dumps({**button, "actions": [{**button["actions"][0], **fields}]}))

    return {
        "a body nested 10,000 deep": (("payload=" + quote('{"a":' * 10_000 + "1" + "}" * 10_000)).encode(), FORM, 400),
        "an event nested 10,000 deep": (('{"type": "event_callback", "event": ' + DEEP + "}").encode(), JSON, 400),
        "no actions": (_form_payload(json.dumps({**button, "actions": []})), FORM, 400),
        "a modal's metadata nested 10,000 deep": (_form_payload(json.dumps({**submission, "view": {
            **submission["view"], "private_metadata": DEEP}})), FORM, 200),
        "a view without type": (_form_payload(json.dumps({**submission, "view": {
            k: v for k, v in submission["view"].items() if k != "type"}})), FORM, 400),
        "a selected option that is not an object": (_form_payload(json.dumps({**select, "actions": [
            {**select["actions"][0], "selected_option": "fr"}]})), FORM, 400),
        "campaign.create with the number 1e3": (with_action(value=1e3), FORM, 400),
        "campaign.create with the text 1e3": (with_action(value="1e3"), FORM, 200),
        "digest.language with garbage": (_form_payload(json.dumps({**select, "actions": [
            {**select["actions"][0], "selected_option": {"value": "garbage"}}]})), FORM, 200),
    }


@pytest.mark.parametrize("case", ["a body nested 10,000 deep", "an event nested 10,000 deep", "no actions",
                                  "a modal's metadata nested 10,000 deep",
                                  "a view without type", "a selected option that is not an object",
                                  "campaign.create with the number 1e3", "campaign.create with the text 1e3",
                                  "digest.language with garbage"])
async def test_the_reported_cases(slack, slack_sim, ctx, world, digest, caplog, case):
    caplog.set_level(logging.INFO)
    body, content_type, status = _reported(slack_sim, world, digest)[case]
    probe = SlackProbe(slack, slack_sim, ctx, caplog, signed=True)
    answered, text = await probe.send(case, body, content_type, keep=True)
    assert answered == status
    probe.findings.assert_none()
    if case.startswith("a modal's"):  # the submission is refused on the form, nothing saved
        assert json.loads(text)["response_action"] == "errors"
    elif status == 200:  # readable: the user gets an answer (the form, or a notice naming the problem)
        assert slack_sim.responses or slack_sim.of("views.open")


async def test_a_signature_that_is_not_ascii_is_refused(slack, slack_sim, ctx, world, caplog):
    caplog.set_level(logging.INFO)
    body = urlencode({**COMMAND, "response_url": slack_sim.response_url("fuzz")}).encode()
    probe = SlackProbe(slack, slack_sim, ctx, caplog, signed=False)
    for signature in ("v0=é" + "0" * 63, "v0=Zürich ☃ 𝄞", "☃"):
        headers = {**signed_headers(body, FORM), "X-Slack-Signature": signature}
        probe.start()
        response = await slack.client.post("/slack/events", data=body, headers=headers)
        probe.finish(f"signature {signature[:8]!r}", response.status, await response.text(), expected=(401,))
    assert slack_sim.calls == [] and slack_sim.responses == []
    probe.findings.assert_none()


@pytest.fixture
async def oauth(aiohttp_client, tmp_path, database_url, db, clock, slack_sim):
    """The app installed over OAuth (multi-workspace): `/slack/install` and `/slack/oauth_redirect` mounted."""
    settings = Settings(VAR_DIR=tmp_path, DATABASE_URL=database_url, PUBLIC_URL="https://invitebot.example",
                        SLACK_CLIENT_ID="111.222", SLACK_CLIENT_SECRET="client-secret",
                        SLACK_SIGNING_SECRET=SIGNING_SECRET, SLACK_STATE_SECRET="state-secret",
                        SLACK_API_URL=slack_sim.base + "/api/", _env_file=None)
    ctx = bootstrap(settings, clock=clock, notifier=LoggingNotifier(), engine=db, queue="none")
    return await aiohttp_client(build_web_app(ctx)), ctx


async def test_malformed_oauth_redirects(oauth, slack_sim, caplog):
    client, ctx = oauth
    caplog.set_level(logging.INFO)
    probe = Probe(ctx.engine, caplog)
    page = await client.get("/slack/install")
    state = re.search(r"state=([^&\"']+)", await page.text()).group(1)
    cookie = {"Cookie": page.headers["Set-Cookie"].split(";", 1)[0]}
    odd = {"non-ASCII": quote(NON_ASCII), "huge": MARK + "x" * 5000, "empty": "", "NUL": "%00",
           "dots": "..", "a list": "a&state=b", "JSON": quote(json.dumps({MARK: [1]}))}
    queries = [f"?code={v}&state={state}" for v in odd.values()]
    queries += [f"?code=code-1&state={v}" for v in odd.values()] + [f"?code=code-1&state={state}{v}" for v in odd.values()]
    queries += [f"?error={v}&state={state}" for v in odd.values()] + ["", "?state=" + state, "?code=code-1"]
    for query in queries:
        probe.start()
        response = await client.get("/slack/oauth_redirect" + query, headers=cookie)
        probe.finish(f"redirect {query[:40]!r}", response.status, await response.text(), expected=(200, 400, 401, 403))
    for method in ("POST", "PUT", "DELETE"):
        for path in ("/slack/install", "/slack/oauth_redirect"):
            probe.start()
            response = await client.request(method, path, data=b"{}")
            probe.finish(f"{method} {path}", response.status, await response.text(), expected=(405,))
    probe.findings.assert_none()
