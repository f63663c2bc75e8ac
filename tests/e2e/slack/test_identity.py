"""A new Slack user whose profile Slack does not give (`users.info` answered by a proxy's 503 that is
not JSON, or Slack's own error): nothing is created, they are told to try again where they asked;
their next request, Slack back, links them by email to the member an admin added."""

from __future__ import annotations

import json

import pytest
from sqlmodel import select

from bot.slack.surface import drain
from core.db import UnitOfWork
from core.workspace.models import ChatIdentity, Member
from core.workspace.service import add_member, create_workspace
from tests.e2e.slack.conftest import TEAM
from tests.security.common import row_counts

TRY_AGAIN = "try again in a moment"
BREAKS = {
    "503 not JSON": lambda sim: sim.break_next("users.info"),
    "503 HTML page": lambda sim: sim.break_next("users.info", content_type="text/html", body="<html>503</html>"),
    "Slack's error": lambda sim: sim.fail_next("users.info", "fatal_error"),
}


@pytest.fixture
def dana(ctx, slack_sim) -> int:
    """Dana, added by an admin with her email, never seen in Slack yet; Slack knows her as UDANA."""
    slack_sim.add_user("UDANA", TEAM, "Dana D.", "dana@example.com")
    with UnitOfWork(ctx.engine)() as s:
        workspace = create_workspace(session=s, name="Example", slack_team_id=TEAM)
        add_member(session=s, workspace_id=workspace.id, name="Admin", email="admin@example.com", role="admin")
        return add_member(session=s, workspace_id=workspace.id, name="Dana Seeded", email="dana@example.com").id


def _linked_to(ctx) -> int | None:
    with UnitOfWork(ctx.engine)() as s:
        identity = s.exec(select(ChatIdentity).where(ChatIdentity.external_user_id == "UDANA")).first()
        return identity.member_id if identity else None


def _members(ctx) -> int:
    with UnitOfWork(ctx.engine)() as s:
        return len(s.exec(select(Member.id)).all())


def _told(slack_sim) -> bool:
    said = json.dumps(slack_sim.responses + [c.args for c in slack_sim.calls if c.method.startswith("chat.")])
    return TRY_AGAIN in said


@pytest.mark.parametrize("how", list(BREAKS))
@pytest.mark.parametrize("entry", ["command", "button", "direct message"])
async def test_slack_failing_creates_nothing_and_the_next_try_links_the_seeded_member(slack, slack_sim, ctx, dana,
                                                                                      how, entry):
    async def ask():
        if entry == "command":
            return await slack.command("list", user="UDANA")
        if entry == "button":
            return await slack.press("campaign.create", user="UDANA")
        return await slack.event({"type": "message", "channel_type": "im", "user": "UDANA", "text": "list",
                                  "channel": "D0DANA", "ts": "1.1"})

    BREAKS[how](slack_sim)
    before = row_counts(ctx.engine)
    assert (await ask()).status == 200
    await drain()
    assert row_counts(ctx.engine) == before
    assert _told(slack_sim), slack_sim.responses
    # Slack back: the same person is linked to the member the admin added; none is created
    slack_sim.clear()
    assert (await ask()).status == 200
    await drain()
    assert _linked_to(ctx) == dana
    assert _members(ctx) == 2
    assert not _told(slack_sim)


async def test_a_submission_while_slack_fails_stays_open_saying_so(slack, slack_sim, ctx, dana):
    view = {"id": "V1", "type": "modal", "callback_id": "form:campaign", "hash": "h", "private_metadata": "{}",
            "blocks": [{"type": "input", "block_id": "name", "element": {"type": "external_select",
                                                                           "action_id": "name@0"}}],
            "state": {"values": {}}}
    slack_sim.break_next("users.info")
    before = row_counts(ctx.engine)
    answer = await (await slack.submit(view, user="UDANA")).json()
    assert answer["response_action"] == "errors" and TRY_AGAIN in answer["errors"]["name"]
    assert row_counts(ctx.engine) == before


async def test_a_type_ahead_while_slack_fails_offers_nothing_and_creates_nothing(slack, slack_sim, ctx, dana):
    view = {"id": "V1", "type": "modal", "blocks": [{"type": "input", "block_id": "sender", "element": {
        "type": "external_select", "action_id": "sender@0"}}], "state": {"values": {}}}
    slack_sim.break_next("users.info")
    before = row_counts(ctx.engine)
    response = await slack.options(view, "sender", "da", user="UDANA")
    assert response.status == 200 and await response.json() == {"options": []}
    assert row_counts(ctx.engine) == before
