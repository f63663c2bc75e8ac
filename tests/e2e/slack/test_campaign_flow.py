"""Create, edit, activate and stop a campaign from Slack, as a user would, over signed HTTP; the
stories after the form run in English and in French (the member picks it with `language` /
`langue`), every answer checked in the language asked."""

import json

import pytest


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


# What each language's members type and read (written here, not read from the catalogues).
SAID = {
    "en": {"language": "language en", "stop": "stop", "list": "list", "show": "show",
           "refused": "sender or a workspace admin", "no_such": "No such campaign", "not_named": "No campaign is named",
           "facts": ("Acceptance", "Next slot"), "did_you_mean": "Did you mean", "create": "/invite-campaign create"},
    "fr": {"language": "langue fr", "stop": "arrêter", "list": "liste", "show": "voir",
           "refused": "Seuls l'émetteur de la campagne ou un admin", "no_such": "Cette campagne n'existe pas",
           "not_named": "Aucune campagne ne s'appelle", "facts": ("Taux d'acceptation", "Prochain créneau"),
           "did_you_mean": "Vouliez-vous dire", "create": "/invite-campaign créer"},
}


def said_to(slack_sim) -> str:
    return json.dumps(slack_sim.responses, ensure_ascii=False)


async def speak(slack, slack_sim, lang, user="UBOB", **kw):
    """The member picks the language of the story; the bot answers in it."""
    await slack.command(SAID[lang]["language"], user=user, **kw)
    await wait_for(lambda: any(("now speak" if lang == "en" else "désormais en") in json.dumps(r, ensure_ascii=False)
                               for r in slack_sim.responses))
    slack_sim.clear()


@pytest.mark.parametrize("lang", ["en", "fr"])
async def test_edit_activate_and_stop(slack, slack_sim, world, ctx, lang):
    await speak(slack, slack_sim, lang)
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

    # Stop by name, with the language's word
    await slack.command(f"{SAID[lang]['stop']} spring OUTREACH")
    await wait_for(lambda: campaigns(ctx)[0].status == "stopped")


@pytest.mark.parametrize("lang", ["en", "fr"])
async def test_other_users_and_other_workspaces_are_refused(slack, slack_sim, world, ctx, lang):
    said = SAID[lang]
    campaign = await created(slack, slack_sim, world, ctx)
    await speak(slack, slack_sim, lang, user="UCAROL")

    # Carol (not the sender, not an admin) presses Activate: refused, nothing changes
    await slack.press("campaign.activate", str(campaign.id), user="UCAROL")
    await wait_for(lambda: said["refused"] in said_to(slack_sim))
    assert campaigns(ctx)[0].status == "draft"

    # Eve, of another Slack team (a member there: this app's token cannot read her profile), presses
    # Stop with the same campaign id: it does not exist for her
    with UnitOfWork(ctx.engine)() as s:
        ensure_member_for_chat(session=s, platform="slack", tenant=OTHER_TEAM, external_user_id="UEVE",
                               name="Eve Elsewhere", email="eve@other.example", workspace_name="Other")
    await speak(slack, slack_sim, lang, user="UEVE", team=OTHER_TEAM)
    await slack.press("campaign.stop", str(campaign.id), user="UEVE", team=OTHER_TEAM)
    await wait_for(lambda: said["no_such"] in said_to(slack_sim))
    assert campaigns(ctx)[0].status == "draft"

    # Eve's `show` does not find it either
    await slack.command(f"{said['show']} Spring outreach", user="UEVE", team=OTHER_TEAM)
    await wait_for(lambda: said["not_named"] in said_to(slack_sim))


@pytest.mark.parametrize("lang", ["en", "fr"])
async def test_list_show_and_unknown_names(slack, slack_sim, world, ctx, lang):
    said = SAID[lang]
    await created(slack, slack_sim, world, ctx)
    await speak(slack, slack_sim, lang)
    await slack.command(said["list"])
    await wait_for(lambda: slack_sim.responses)
    text = json.dumps(slack_sim.responses[-1], ensure_ascii=False)
    assert "Spring outreach" in text and all(fact in text for fact in said["facts"]), text
    assert slack_sim.responses[-1]["response_type"] == "ephemeral"

    await slack.command(f"{said['show']} spring outreech")
    await wait_for(lambda: len(slack_sim.responses) > 1)
    text = json.dumps(slack_sim.responses[-1], ensure_ascii=False)
    assert said["did_you_mean"] in text and "Spring outreach" in text

    await slack.command("frobnicate")
    await wait_for(lambda: len(slack_sim.responses) > 2)
    assert said["create"] in json.dumps(slack_sim.responses[-1], ensure_ascii=False)
