"""Invariants 7 and 8 over signed Slack requests carrying forged ids: a user of workspace B never
reads nor changes workspace A's campaigns, digests, sends, sources or members; in A, only the
sender or an admin edits, activates, stops or moderates; a submitted sender and source must be
allowed; an inactive member is refused."""

from __future__ import annotations

import json

from sqlmodel import select

from bot.slack.surface import drain
from core.campaigns.models import Campaign
from core.db import UnitOfWork
from core.delivery.models import Send
from core.sources.segments import create_segment
from core.workspace.service import deactivate_member
from tests.e2e.slack.conftest import OTHER_TEAM, fill, wait_for
from tests import factories as f
from tests.security.common import active_campaign_with_digest, row_counts

MESSAGE = {"channel": "D0EVE", "ts": "1700000001.000100"}


def _eve(ctx) -> tuple[int, int, int]:
    """Eve, alone (so admin) in workspace B, with a LinkedIn account and a segment of one contact."""
    with UnitOfWork(ctx.engine)() as s:
        eve = f.chat_member(s, "slack", OTHER_TEAM, "UEVE", "Eve Elsewhere", "eve@other.example", workspace_name="Other")
        f.connect(s, eve, account_key="sbx-eve")
        bea = f.contact(s, eve.workspace_id, "b0", first_name="Bea", last_name="Other", headline="CTO", company="B",
                        language="en")
        segment = f.segment(s, eve.workspace_id, [bea], owner=eve, name="B people")
        return eve.id, eve.workspace_id, segment.id


def _sends(ctx) -> dict[int, tuple]:
    with UnitOfWork(ctx.engine)() as s:
        return {r.id: (r.status, r.text, r.updated_at) for r in s.exec(select(Send)).all()}


def _everything_said(slack_sim) -> str:
    return json.dumps([c.args for c in slack_sim.calls] + slack_sim.responses, ensure_ascii=False)


A_NAMES = ("Maximilianus", "Vandenberghe", "Paris founders", "A secret plan", "Ann Lee", "Jo Park")


async def test_a_decision_on_ones_own_invitation_never_shows_another_workspaces_digest(slack, slack_sim, ctx, world):
    # Given Bob's digest in workspace A, and Eve's own digest in workspace B
    _, a_digest, _ = active_campaign_with_digest(ctx, world.bob, world.segment_id, "A secret plan")
    eve, _, b_segment = _eve(ctx)
    _, b_digest, [b_send] = active_campaign_with_digest(ctx, eve, b_segment, "B plan")
    before = _sends(ctx)
    # When Eve skips her own invitation with a value naming A's digest (forged), or refreshes A's digest
    for action, value in (("digest.skip", f"{a_digest}:0:{b_send}"), ("digest.refresh", f"{a_digest}:0"),
                          ("digest.edit", f"{a_digest}:0:{b_send}"), ("digest.skip_all", f"{a_digest}:0"),
                          ("digest.language", f"{a_digest}:0:{b_send}:en")):
        await slack.press(action, value, user="UEVE", team=OTHER_TEAM, message=MESSAGE)
    await drain()
    # Then she reads nothing of A's and nothing changed
    said = _everything_said(slack_sim)
    assert not [n for n in A_NAMES if n in said]
    assert sum("No such digest" in json.dumps(r) for r in slack_sim.responses) == 5
    assert _sends(ctx) == before


async def test_a_user_of_another_workspace_reaches_nothing_of_a(slack, slack_sim, ctx, world):
    campaign_id, a_digest, a_sends = active_campaign_with_digest(ctx, world.bob, world.segment_id, "A secret plan")
    _eve(ctx)
    await slack.command("help", user="UEVE", team=OTHER_TEAM)
    await drain()
    before_rows, before_sends = row_counts(ctx.engine), _sends(ctx)
    # Buttons naming A's campaign, digest and sends
    for action, value in (("campaign.stop", campaign_id), ("campaign.edit", campaign_id), ("campaign.show", campaign_id),
                          ("campaign.preview", campaign_id), ("campaign.activate", campaign_id),
                          ("digest.skip", f"{a_digest}:0:{a_sends[0]}"), ("digest.restore", f"{a_digest}:0:{a_sends[0]}")):
        await slack.press(action, str(value), user="UEVE", team=OTHER_TEAM, message=MESSAGE)
    # Commands naming it
    for text in ("show A secret plan", "stop A secret plan", "edit A secret plan", "digest A secret plan"):
        await slack.command(text, user="UEVE", team=OTHER_TEAM)
    await drain()
    assert row_counts(ctx.engine) == before_rows and _sends(ctx) == before_sends
    said = _everything_said(slack_sim).replace("\u201cA secret plan\u201d", "")  # her own words, echoed
    assert not [n for n in A_NAMES if n in said] and "Did you mean" not in said, said
    assert sum("No such" in json.dumps(r) for r in slack_sim.responses) == 7


async def _eves_form(slack, slack_sim) -> dict:
    n = len(slack_sim.of("views.open"))
    await slack.command("create", user="UEVE", team=OTHER_TEAM)
    await wait_for(lambda: len(slack_sim.of("views.open")) > n)
    return slack_sim.of("views.open")[-1].answer["view"]


async def test_forged_form_ids_of_another_workspace_are_refused(slack, slack_sim, ctx, world):
    campaign_id, _, _ = active_campaign_with_digest(ctx, world.bob, world.segment_id, "A secret plan")
    eve, _, b_segment = _eve(ctx)
    view = await _eves_form(slack, slack_sim)
    good = {"name": ("new:Eve's", "Eve's"), "program": ("new:Growth", "Growth"),
            "messages.invitation.en": "Hi {{firstName}}", "source": (f"segment:{b_segment}", "B people")}
    before_rows = row_counts(ctx.engine)

    # Editing A's campaign through a forged private_metadata
    forged = fill(view, good)
    forged["private_metadata"] = json.dumps({"k": "campaign", "s": {"campaign_id": campaign_id, "name": "A secret plan"}})
    response = await slack.submit(forged, user="UEVE", team=OTHER_TEAM)
    await drain()
    assert response.status == 200
    # A's source, A's member as sender, a name picking A's campaign
    for field, given in (("source", (f"segment:{world.segment_id}", "x")), ("sender", (str(world.bob), "x")),
                         ("name", (f"campaign:{campaign_id}", "x"))):
        answer = await (await slack.submit(fill(view, {**good, field: given}), user="UEVE", team=OTHER_TEAM)).json()
        assert answer["response_action"] == "errors" and field in answer["errors"], (field, answer)
    # Type-aheads never list A's members, sources or campaigns, whatever the form's sender says
    for field, typed, values in (("sender", "", {}), ("source", "", {"sender": (str(world.bob), "x")}),
                                 ("name", "A secret", {}), ("program", "Gro", {})):
        body = await (await slack.options(fill(view, {**good, **values}), field, typed, user="UEVE",
                                          team=OTHER_TEAM)).json()
        assert not [n for n in (*A_NAMES, "Bob Builder", "Alice Admin") if n in json.dumps(body)], (field, body)
    # Switching the form to A's campaign by a dispatched name change
    await slack.change(fill(view, {**good, "name": (f"campaign:{campaign_id}", "A secret plan")}), "name",
                       user="UEVE", team=OTHER_TEAM)
    await drain()
    assert row_counts(ctx.engine) == before_rows
    with UnitOfWork(ctx.engine)() as s:
        assert s.get(Campaign, campaign_id).status == "active"
    assert not [n for n in A_NAMES if n in _everything_said(slack_sim)]


async def test_in_a_workspace_only_the_sender_or_an_admin_manages(slack, slack_sim, ctx, world):
    campaign_id, digest_id, sends = active_campaign_with_digest(ctx, world.bob, world.segment_id, "Bobs")
    await slack.command("help", user="UCAROL")
    await drain()
    before = _sends(ctx)
    for action, value in (("campaign.stop", campaign_id), ("campaign.edit", campaign_id),
                          ("digest.skip", f"{digest_id}:0:{sends[0]}"), ("digest.edit", f"{digest_id}:0:{sends[0]}"),
                          ("digest.skip_all", f"{digest_id}:0")):
        await slack.press(action, str(value), user="UCAROL", message=MESSAGE)
    for text in ("stop Bobs", "edit Bobs", "digest Bobs"):
        await slack.command(text, user="UCAROL")
    await drain()
    assert _sends(ctx) == before
    with UnitOfWork(ctx.engine)() as s:
        assert s.get(Campaign, campaign_id).status == "active"
    assert not slack_sim.of("views.open"), "a form to edit someone else's campaign or invitation opened"
    # A forged digest edit submission by Carol changes nothing either
    view = {"id": "V9", "type": "modal", "callback_id": "form:digest_edit", "hash": "h", "blocks": [
        {"type": "input", "block_id": "text", "element": {"type": "plain_text_input", "action_id": "text@0"}}],
        "private_metadata": json.dumps({"k": "digest_edit", "s": {"digest_id": digest_id, "page": 0, "send_id": sends[0]}})}
    response = await slack.submit(fill(view, {"text": "Carol was here"}), user="UCAROL")
    await drain()
    assert response.status == 200
    assert "Only the sender" in json.dumps(slack_sim.calls[-1].args)
    assert _sends(ctx) == before


async def test_a_member_picks_only_themself_and_visible_sources(slack, slack_sim, ctx, world):
    with UnitOfWork(ctx.engine)() as s:
        alices = create_segment(session=s, workspace_id=world.workspace_id, name="Alice private", owner_id=world.alice)
        alices_id = alices.id
    n = len(slack_sim.of("views.open"))
    await slack.command("create", user="UBOB")
    await wait_for(lambda: len(slack_sim.of("views.open")) > n)
    view = slack_sim.of("views.open")[-1].answer["view"]
    good = {"name": ("new:Mine", "Mine"), "program": ("new:Growth", "Growth"), "messages.invitation.en": "Hi {{firstName}}",
            "source": (f"segment:{world.segment_id}", "Paris founders")}
    before = row_counts(ctx.engine)
    for field, given in (("sender", (str(world.alice), "Alice")), ("source", (f"segment:{alices_id}", "Alice private")),
                         ("source", ("finder:1", "a finder"))):
        answer = await (await slack.submit(fill(view, {**good, field: given}))).json()
        assert answer["response_action"] == "errors" and field in answer["errors"], (field, answer)
    assert row_counts(ctx.engine) == before


async def test_an_inactive_member_is_refused(slack, slack_sim, ctx, world):
    campaign_id, digest_id, sends = active_campaign_with_digest(ctx, world.bob, world.segment_id, "Bobs")
    n = len(slack_sim.of("views.open"))
    await slack.command("create", user="UBOB")
    await wait_for(lambda: len(slack_sim.of("views.open")) > n)
    view = slack_sim.of("views.open")[-1].answer["view"]
    with UnitOfWork(ctx.engine)() as s:
        deactivate_member(session=s, workspace_id=world.workspace_id, member_id=world.bob)
    before_rows, before_sends = row_counts(ctx.engine), _sends(ctx)
    answer = await (await slack.submit(fill(view, {"name": ("new:Late", "Late"), "program": ("new:Growth", "Growth"),
                                                   "messages.invitation.en": "Hi {{firstName}}",
                                                   "source": (f"segment:{world.segment_id}", "x")}))).json()
    assert answer["response_action"] == "errors" and "inactive" in json.dumps(answer)
    for action, value in (("campaign.stop", campaign_id), ("digest.skip", f"{digest_id}:0:{sends[0]}")):
        await slack.press(action, str(value), message={"channel": "D0BOB", "ts": "1.1"})
    await drain()
    assert row_counts(ctx.engine) == before_rows and _sends(ctx) == before_sends
    assert sum("inactive" in json.dumps(r) for r in slack_sim.responses) == 2
