"""A new Teams user whose profile the connector does not give (a proxy's 503 that is not JSON, the
connector's error): nothing is created, they are told to try again in the answer their activity
expects; the next activity, the connector back, links them by email to the member an admin added."""

from __future__ import annotations

import json

import pytest
from msrest.universal_http.requests import ClientRetryPolicy
from sqlmodel import select

from core.db import UnitOfWork
from core.workspace.models import ChatIdentity, Member
from core.workspace.service import add_member, create_workspace
from tests.security.common import row_counts

TRY_AGAIN = "try again in a moment"
BREAKS = {
    "503 not JSON": dict(status=503, content_type="text/plain", body="Service Unavailable"),
    "503 HTML page": dict(status=503, content_type="text/html", body="<html><body>503</body></html>"),
    "connector error": dict(status=500, content_type="application/json",
                            body=json.dumps({"error": {"code": "ServiceError", "message": "down"}})),
}


@pytest.fixture(autouse=True)
def no_backoff(monkeypatch):
    """botbuilder's connector client (msrest) retries a 5xx three times, 4.8 s of back-off in all:
    the same retries here, without the waits."""
    built = ClientRetryPolicy.__init__

    def init(self) -> None:
        built(self)
        self.backoff_factor = 0

    monkeypatch.setattr(ClientRetryPolicy, "__init__", init)


@pytest.fixture
def seeded(ctx) -> int:
    """Dana, added by an admin with her email, never seen in Teams yet."""
    with UnitOfWork(ctx.engine)() as s:
        workspace = create_workspace(session=s, name="Example", teams_tenant_id="tenant-1")
        add_member(session=s, workspace_id=workspace.id, name="Admin", email="admin@example.com", role="admin")
        return add_member(session=s, workspace_id=workspace.id, name="Dana Seeded", email="dana@example.com").id


def _identity(ctx, dana) -> ChatIdentity | None:
    with UnitOfWork(ctx.engine)() as s:
        return s.exec(select(ChatIdentity).where(ChatIdentity.external_user_id == dana.aad_object_id)).first()


def _members(ctx) -> list[int]:
    with UnitOfWork(ctx.engine)() as s:
        return list(s.exec(select(Member.id)).all())


@pytest.mark.parametrize("how", list(BREAKS))
async def test_a_message_while_the_connector_fails_creates_nothing_and_says_try_again(teams, ctx, seeded, how):
    dana = teams.user("Dana D.", email="dana@example.com")
    teams.connector.break_members(10, **BREAKS[how])
    before = row_counts(ctx.engine)
    await teams.say(dana, "list")
    assert row_counts(ctx.engine) == before
    [reply] = teams.connector.activities(dana.conversation_id)
    assert TRY_AGAIN in reply.text
    assert teams.connector.member_breaks_left < 10  # the profile was asked for, and refused
    # The connector back: the same person is linked to the member the admin added, none is created
    teams.connector.heal_members()
    await teams.say(dana, "list")
    assert _identity(ctx, dana).member_id == seeded
    assert len(_members(ctx)) == 2


INVOKES = {
    "card action": ("adaptiveCard/action", {"action": {"type": "Action.Execute", "verb": "campaign.create",
                                                      "data": {}}, "trigger": "manual"}),
    "dialog fetch": ("task/fetch", {"data": {"launch": {"text": "create"}}, "context": {"theme": "default"}}),
    "search": ("application/search", {"queryText": "a", "dataset": "sender"}),
}


@pytest.mark.parametrize("kind", list(INVOKES))
async def test_an_invoke_while_the_connector_fails_is_answered_try_again(teams, ctx, seeded, kind):
    dana = teams.user("Dana D.", email="dana@example.com")
    teams.connector.break_members(10)
    before = row_counts(ctx.engine)
    name, value = INVOKES[kind]
    body = await teams.invoke(dana, name, value)
    assert row_counts(ctx.engine) == before
    if kind == "search":
        assert body["value"]["results"] == []
    else:
        assert TRY_AGAIN in json.dumps(body), body
    teams.connector.heal_members()
    await teams.invoke(dana, name, value)
    assert _identity(ctx, dana).member_id == seeded


async def test_the_emulators_user_is_who_the_activity_says(teams, ctx):
    # The Bot Framework Emulator keeps no directory (it serves no member look-up): its activity is
    # the whole identity, and nothing is asked of the connector.
    local = teams.user("Emma Emulator")
    teams.connector.break_members(10)
    activity = teams.activity(local, type="message", text="help", channelId="emulator")
    del activity["channelData"]
    assert (await teams.post(activity)).status == 200
    assert teams.connector.member_breaks_left == 10
    with UnitOfWork(ctx.engine)() as s:
        assert [m.name for m in s.exec(select(Member)).all()] == ["Emma Emulator"]
    assert teams.connector.cards(local.conversation_id), "the help was not answered"
