"""Create, edit, activate and stop a campaign from Slack, as a user would, over signed HTTP."""

import json


from core.db import UnitOfWork
from core.workspace.service import ensure_member_for_chat
from tests.e2e.slack.conftest import OTHER_TEAM, fill, wait_for
from tests.e2e.slack.steps import GOOD, campaigns, created, open_form, pick_source

async def test_create_campaign_end_to_end(slack, slack_sim, world, ctx):
    # Given Bob opens the form
    view = await open_form(slack, slack_sim)
    blocks = {b.get("block_id") for b in view["blocks"]}
    assert {"name", "program", "description", "sender", "source", "languages", "messages.invitation.en",
            "messages.welcome.en", "stop_if_ongoings", "stop_if_incomings", "timezone", "slots", "cohort_size",
            "moderation"} <= blocks
    assert len(view["title"]["text"]) <= 24

    # The name type-ahead offers to create what was typed
    response = await slack.options(view, "name", "Spring outreach")
    options = (await response.json())["options"]
    assert options[0] == {"text": {"type": "plain_text", "text": "Create “Spring outreach”", "emoji": True},
                          "value": "new:Spring outreach"} or options[0]["value"] == "new:Spring outreach"

    # Sources are those of the sender chosen in the modal: Bob owns the segment
    source = await pick_source(slack, view)
    assert source is not None and source[0].startswith("segment:")
    # ... while Alice, picked as sender in the modal, may not use it
    as_alice = fill(view, {"sender": (str(world.alice), "Alice Admin")})
    assert await pick_source(slack, as_alice) is None

    # When Bob submits an invalid form: errors on the right blocks, nothing saved
    bad = fill(view, {**GOOD, "name": ("new:ab", "ab"), "source": source, "messages.invitation.en": ""})
    response = await slack.submit(bad)
    answer = await response.json()
    assert answer["response_action"] == "errors"
    assert set(answer["errors"]) >= {"name", "messages.invitation.en"}
    assert campaigns(ctx) == []

    # And a valid one: the modal closes and a summary with buttons arrives
    posted = len(slack_sim.of("chat.postMessage"))
    response = await slack.submit(fill(view, {**GOOD, "source": source}))
    assert response.status == 200 and (await response.text()) == ""
    await wait_for(lambda: len(slack_sim.of("chat.postMessage")) > posted)
    summary = slack_sim.of("chat.postMessage")[-1].args
    actions = [e["action_id"] for b in summary["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert actions == ["campaign.activate", "campaign.edit", "campaign.preview", "campaign.stop"]
    [campaign] = campaigns(ctx)
    assert campaign.name == "Spring outreach" and campaign.status == "draft" and campaign.sender_id == world.bob


async def test_invitation_that_overflows_for_a_long_first_name_is_refused(slack, slack_sim, world, ctx):
    view = await open_form(slack, slack_sim)
    source = await pick_source(slack, view)
    long_note = "Hello {{firstName}}, " + "x" * 285  # fits for Ann, not for Maximilianus
    response = await slack.submit(fill(view, {**GOOD, "source": source, "messages.invitation.en": long_note}))
    answer = await response.json()
    assert answer["response_action"] == "errors"
    assert "messages.invitation.en" in answer["errors"]
    assert campaigns(ctx) == []


async def test_edit_activate_and_stop(slack, slack_sim, world, ctx):
    campaign = await created(slack, slack_sim, world, ctx)

    # Edit: the form opens prefilled, the change is saved
    opened = len(slack_sim.of("views.open"))
    await slack.press("campaign.edit", str(campaign.id))
    await wait_for(lambda: len(slack_sim.of("views.open")) > opened)
    view = slack_sim.of("views.open")[-1].answer["view"]
    assert json.loads(view["private_metadata"])["s"]["campaign_id"] == campaign.id
    response = await slack.submit(fill(view, {"description": "Founders met at VivaTech"}))
    assert response.status == 200
    await wait_for(lambda: campaigns(ctx)[0].description == "Founders met at VivaTech")
    assert campaigns(ctx)[0].name == "Spring outreach"

    # Activate from the summary's button
    await slack.press("campaign.activate", str(campaign.id))
    await wait_for(lambda: campaigns(ctx)[0].status == "active")

    # Stop by name
    await slack.command("stop spring OUTREACH")
    await wait_for(lambda: campaigns(ctx)[0].status == "stopped")


async def test_other_users_and_other_workspaces_are_refused(slack, slack_sim, world, ctx):
    campaign = await created(slack, slack_sim, world, ctx)

    # Carol (not the sender, not an admin) presses Activate: refused, nothing changes
    await slack.press("campaign.activate", str(campaign.id), user="UCAROL")
    await wait_for(lambda: any("sender or a workspace admin" in json.dumps(r) for r in slack_sim.responses))
    assert campaigns(ctx)[0].status == "draft"

    # Eve, of another Slack team (a member there: this app's token cannot read her profile), presses
    # Stop with the same campaign id: it does not exist for her
    with UnitOfWork(ctx.engine)() as s:
        ensure_member_for_chat(session=s, platform="slack", tenant=OTHER_TEAM, external_user_id="UEVE",
                               name="Eve Elsewhere", email="eve@other.example", workspace_name="Other")
    slack_sim.clear()
    await slack.press("campaign.stop", str(campaign.id), user="UEVE", team=OTHER_TEAM)
    await wait_for(lambda: any("No such campaign" in json.dumps(r) for r in slack_sim.responses))
    assert campaigns(ctx)[0].status == "draft"

    # Eve's `show` does not find it either
    await slack.command("show Spring outreach", user="UEVE", team=OTHER_TEAM)
    await wait_for(lambda: any("No campaign is named" in json.dumps(r) for r in slack_sim.responses))


async def test_list_show_and_unknown_names(slack, slack_sim, world, ctx):
    await created(slack, slack_sim, world, ctx)
    slack_sim.clear()
    await slack.command("list")
    await wait_for(lambda: slack_sim.responses)
    text = json.dumps(slack_sim.responses[-1])
    assert "Spring outreach" in text and "Acceptance" in text and "Next slot" in text
    assert slack_sim.responses[-1]["response_type"] == "ephemeral"

    await slack.command("show spring outreech")
    await wait_for(lambda: len(slack_sim.responses) > 1)
    assert "Did you mean" in json.dumps(slack_sim.responses[-1]) and "Spring outreach" in json.dumps(slack_sim.responses[-1])

    await slack.command("frobnicate")
    await wait_for(lambda: len(slack_sim.responses) > 2)
    assert "/invite-campaign create" in json.dumps(slack_sim.responses[-1])
