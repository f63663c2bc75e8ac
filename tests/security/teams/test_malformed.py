"""Malformed Bot Framework activities at `/api/messages`: every field of each kind of activity
Teams sends (message, installation, card action, dialog fetch and submit, type-ahead search)
replaced by every wrong type, or dropped, and the bodies themselves deep or of another type; as
the local emulator and, with credentials, under a valid channel token. Each is answered 4xx (an
invoke with an error reply) or 200, never 5xx; nothing is written; the user is never told that
something went wrong on our side; the log gets at most one line, without the payload."""

from __future__ import annotations

import json
import logging

import pytest

from bot.background import drain
from bot.web import build_web_app
from core.config import Settings
from core.db import UnitOfWork
from core.workspace.service import ensure_member_for_chat
from tests.e2e.teams.harness import BOT, TeamsHarness
from tests.security.common import APP_ID, APP_PASSWORD
from tests.security.malformed import Probe, mutations, whole_body_mutations
from core.notify import LoggingNotifier
from entrypoints.bootstrap import bootstrap

WENT_WRONG = "went wrong"


def activities(teams: TeamsHarness, user) -> dict[str, dict]:
    """One valid activity of each kind; none of them writes a row once the user is known."""
    update = teams.activity(user, type="conversationUpdate", membersAdded=[BOT])
    update["channelData"]["eventType"] = "teamMemberAdded"
    form = json.dumps({"kind": "campaign", "state": {"rev": 0, "followups": 0, "languages": ["en"]},
                       "bools": ["moderation"], "lists": ["languages"]})
    return {
        "message": teams.activity(user, type="message", text="help", entities=[{"type": "clientInfo",
                                                                                  "locale": "en-US"}]),
        "installation": update,
        "installationUpdate": teams.activity(user, type="installationUpdate", action="add"),
        "card action": teams.activity(user, type="invoke", name="adaptiveCard/action", value={
            "action": {"type": "Action.Execute", "verb": "campaign.create", "data": {"value": "1e3"}},
            "trigger": "manual"}),
        "card show": teams.activity(user, type="invoke", name="adaptiveCard/action", value={
            "action": {"type": "Action.Execute", "verb": "campaign.show", "data": {"value": "1e3"}},
            "trigger": "manual"}),
        "dialog fetch": teams.activity(user, type="invoke", name="task/fetch", value={
            "data": {"msteams": {"type": "task/fetch"}, "launch": {"text": "create"}}, "context": {"theme": "default"}}),
        "dialog submit": teams.activity(user, type="invoke", name="task/submit", value={
            "data": {"action": "form.submit", "_form": form, "name": "new:No", "languages": "en",
                     "moderation": "false", "cohort_size": "10"}, "context": {"theme": "default"}}),
        "dialog page": teams.activity(user, type="invoke", name="task/submit", value={
            "data": {"action": "form.page", "value": "1", "_form": form, "name": "new:No"}}),
        "search": teams.activity(user, type="invoke", name="application/search", value={
            "queryText": "a", "dataset": "sender", "queryOptions": {"skip": 0, "top": 15},
            "data": {"sender": "1", "_form": form}}),
    }


class TeamsProbe(Probe):
    def __init__(self, teams: TeamsHarness, ctx, caplog) -> None:
        super().__init__(ctx.engine, caplog)
        self.teams = teams

    async def send(self, label: str, text: str, *, headers: dict | None = None) -> None:
        self.start()
        headers = {"Content-Type": "application/json", **(headers or {})}
        response = await self.teams.client.post("/api/messages", data=text.encode(), headers=headers)
        body = await response.text()
        await drain()  # a message's turn runs after its 200
        self.finish(label, response.status, body, rows_may_change=label in SAME_PERSON)
        if response.status == 200 and body:
            try:
                answer = json.loads(body)
            except ValueError:
                answer = None
            if isinstance(answer, dict) and isinstance(answer.get("statusCode"), int) and answer["statusCode"] >= 500:
                self.findings.add(label, f"an invoke answered {answer['statusCode']}: {body[:200]}")
        said = json.dumps([a.body for a in self.teams.connector.activities()], ensure_ascii=False)
        if WENT_WRONG in said or WENT_WRONG in body:
            self.findings.add(label, "the user was told something went wrong on our side")
        self.teams.connector.clear()


    async def control(self, activity: dict, *, headers: dict | None = None) -> None:
        """The valid activity itself is served and answered: the run then proves something."""
        response = await self.teams.client.post("/api/messages", json=activity, headers=headers or {})
        body = await response.text()
        await drain()
        assert response.status == 200, body
        quiet = activity["type"] == "installationUpdate"  # a known user's: kept, nothing to say
        assert body or self.teams.connector.activities() or quiet, "the valid activity got no answer"
        self.teams.connector.clear()


# Without its AAD object id (as the Emulator sends it) the sender is named by their channel id: the same
# person, whose profile (read from the connector) links this second identity to their member by email.
SAME_PERSON = {"from.aadObjectId dropped"}
KINDS = ["message", "installation", "installationUpdate", "card action", "card show", "dialog fetch",
         "dialog submit", "dialog page", "search"]


@pytest.mark.parametrize("kind", KINDS)
async def test_malformed_activities_as_the_emulator(teams, ctx, caplog, kind):
    ada = teams.user("Ada Fuzz", email="ada@fuzz.example")
    await teams.say(ada, "help")  # known from now on: a valid activity writes nothing
    caplog.set_level(logging.INFO)
    probe = TeamsProbe(teams, ctx, caplog)
    activity = activities(teams, ada)[kind]
    await probe.control(activity)
    for label, text in [*mutations(activity, depth=5), *whole_body_mutations(activity)]:
        await probe.send(label, text)
    probe.findings.assert_none()


@pytest.fixture
async def guarded(aiohttp_client, tmp_path, database_url, clock, db, connector):
    settings = Settings(VAR_DIR=tmp_path, DATABASE_URL=database_url, PUBLIC_URL="https://invitebot.example",
                        MicrosoftAppId=APP_ID, MicrosoftAppPassword=APP_PASSWORD, _env_file=None,
                        BOT_FRAMEWORK_ENDPOINTS={"TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL": f"{connector.url}openid",
                                                 "TO_BOT_FROM_EMULATOR_OPENID_METADATA_URL": f"{connector.url}openid"})
    ctx = bootstrap(settings, clock=clock, engine=db, notifier=LoggingNotifier(), queue="none")
    token = lambda: connector.sign_token(app_id=APP_ID, service_url=connector.url)  # noqa: E731
    return TeamsHarness(await aiohttp_client(build_web_app(ctx)), connector, token=token), ctx


# Invokes answered in their HTTP response alone, whatever their data: posting a message to the
# connector with credentials needs a token from Azure AD, unreachable here (a refused dialog
# submission posts its notice; the emulator runs above cover it).
@pytest.mark.parametrize("kind", ["card show", "dialog fetch", "search"])
async def test_malformed_invokes_under_a_valid_token(guarded, caplog, kind):
    teams, ctx = guarded
    ada = teams.user("Ada Token", email="ada@token.example")
    with UnitOfWork(ctx.engine)() as s:  # known: answering her needs no call to the connector
        ensure_member_for_chat(session=s, platform="teams", tenant=ada.tenant_id, external_user_id=ada.aad_object_id,
                               name=ada.name, email="ada@token.example")
    caplog.set_level(logging.INFO)
    probe = TeamsProbe(teams, ctx, caplog)
    activity = activities(teams, ada)[kind]
    headers = {"Authorization": f"Bearer {teams.token()}"}
    await probe.control(activity, headers=headers)
    for label, text in [*mutations(activity["value"] if "value" in activity else activity, depth=4)]:
        body = text if "value" not in activity else json.dumps({**activity, "value": "\u0001"}).replace(
            '"\\u0001"', text)
        await probe.send(label, body, headers=headers)
    for label, text in whole_body_mutations(activity):
        await probe.send(label, text, headers=headers)
    probe.findings.assert_none()


def _reported(teams: TeamsHarness, user) -> dict[str, str]:
    """The malformed activities of the report, as the emulator sends them."""
    kinds = activities(teams, user)

    def invoke(name: str, value: str) -> str:
        return json.dumps({**kinds["dialog fetch"], "name": name, "value": "\u0001"}).replace('"\\u0001"', value)

    search = {**kinds["search"]["value"], "queryOptions": {"skip": 0, "top": -5}}
    page = {"data": {**kinds["dialog page"]["value"]["data"], "value": "two"}}
    return {
        "an activity nested 10,000 deep": json.dumps({**kinds["message"], "value": "\u0001"}).replace(
            '"\\u0001"', '{"a":' * 10_000 + "1" + "}" * 10_000),
        "a serviceUrl that is not a URL": json.dumps({**kinds["message"], "serviceUrl": "http://[::1"}),
        "a serviceUrl of another scheme": json.dumps({**kinds["message"], "serviceUrl": "javascript:alert(1)"}),
        "task/fetch with a string": invoke("task/fetch", '"x"'),
        "task/submit with null": invoke("task/submit", "null"),
        "task/fetch whose context is a list": invoke("task/fetch", '{"data": {}, "context": [1]}'),
        "task/submit whose data is a string": invoke("task/submit", '{"data": "form.submit"}'),
        "form.page not a number": invoke("task/submit", json.dumps(page)),
        "application/search with a negative top": invoke("application/search", json.dumps(search)),
        "an invoke this bot does not take": invoke("composeExtension/query", "{}"),
    }


@pytest.mark.parametrize("case", ["an activity nested 10,000 deep", "a serviceUrl that is not a URL",
                                  "a serviceUrl of another scheme", "task/fetch with a string", "task/submit with null",
                                  "task/fetch whose context is a list", "task/submit whose data is a string",
                                  "form.page not a number", "application/search with a negative top",
                                  "an invoke this bot does not take"])
async def test_the_reported_cases(teams, ctx, caplog, case):
    ada = teams.user("Ada Fuzz", email="ada@fuzz.example")
    await teams.say(ada, "help")
    teams.connector.clear()
    caplog.set_level(logging.INFO)
    probe = TeamsProbe(teams, ctx, caplog)
    text = _reported(teams, ada)[case]
    probe.start()
    response = await teams.client.post("/api/messages", data=text.encode(), headers={"Content-Type": "application/json"})
    body = await response.json()
    probe.finish(case, response.status, json.dumps(body), expected=(400,))
    probe.findings.assert_none()
    if case.startswith(("task/", "form.", "application/", "an invoke")):  # the error reply Teams reads
        assert body["statusCode"] == 400 and body["type"] == "application/vnd.microsoft.error", body
    assert teams.connector.activities() == []
