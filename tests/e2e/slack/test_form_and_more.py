"""The modal's live changes (follow-ups, languages, sender, picking an existing name), the App Home,
connect, and the Web API retry on 429."""

import json

from tests.e2e.slack.conftest import fill, wait_for
from tests.e2e.slack.steps import created, open_form, pick_source


def block_ids(view):
    return [b.get("block_id") for b in view["blocks"]]


async def updated(slack_sim, before):
    await wait_for(lambda: len(slack_sim.of("views.update")) > before)
    return slack_sim.of("views.update")[-1].answer["view"]


async def test_followups_and_languages_are_added_and_removed_keeping_what_was_typed(slack, slack_sim, world):
    view = await open_form(slack, slack_sim)
    typed = fill(view, {"messages.invitation.en": "Hi {{firstName}}"})

    n = len(slack_sim.of("views.update"))
    await slack.press("form.followup.add", view=typed)
    view = await updated(slack_sim, n)
    assert "followups.1.delay" in block_ids(view) and "messages.followup.1.en" in block_ids(view)
    invitation = next(b for b in view["blocks"] if b.get("block_id") == "messages.invitation.en")
    assert invitation["element"]["initial_value"] == "Hi {{firstName}}"

    n = len(slack_sim.of("views.update"))
    await slack.press("form.followup.add", view=fill(view, {"messages.followup.1.en": "First follow-up"}))
    view = await updated(slack_sim, n)
    assert "messages.followup.2.en" in block_ids(view)

    # Remove the first: the second moves up with its text
    n = len(slack_sim.of("views.update"))
    await slack.press("form.followup.remove", "0", view=fill(view, {"messages.followup.2.en": "Second one"}))
    view = await updated(slack_sim, n)
    assert "messages.followup.2.en" not in block_ids(view)
    moved = next(b for b in view["blocks"] if b.get("block_id") == "messages.followup.1.en")
    assert moved["element"]["initial_value"] == "Second one"

    # Add French: its message inputs appear; English text kept
    n = len(slack_sim.of("views.update"))
    await slack.change(fill(view, {"languages": ["en", "fr"]}), "languages")
    view = await updated(slack_sim, n)
    assert {"messages.invitation.fr", "messages.welcome.fr", "messages.followup.1.fr"} <= set(block_ids(view))
    assert len(view["blocks"]) <= 100


async def test_changing_the_sender_clears_a_source_they_cannot_use(slack, slack_sim, world):
    view = await open_form(slack, slack_sim)
    source = await pick_source(slack, view)
    n = len(slack_sim.of("views.update"))
    await slack.change(fill(view, {"source": source, "sender": (str(world.alice), "Alice Admin")}), "sender")
    view = await updated(slack_sim, n)
    source_block = next(b for b in view["blocks"] if b.get("block_id") == "source")
    assert source_block["element"].get("initial_option") is None


async def test_picking_an_existing_name_switches_to_editing_it(slack, slack_sim, world, ctx):
    campaign = await created(slack, slack_sim, world, ctx)
    view = await open_form(slack, slack_sim)
    response = await slack.options(view, "name", "spring")
    options = (await response.json())["options"]
    existing = next(o for o in options if o["value"] == f"campaign:{campaign.id}")
    n = len(slack_sim.of("views.update"))
    await slack.change(fill(view, {"name": (existing["value"], existing["text"]["text"])}), "name")
    view = await updated(slack_sim, n)
    assert json.loads(view["private_metadata"])["s"]["campaign_id"] == campaign.id
    assert view["title"]["text"] == "Edit campaign"


async def test_a_long_name_typed_is_offered_within_slacks_limits(slack, slack_sim, world):
    # Given Bob types a 100-character name into the name type-ahead
    view = await open_form(slack, slack_sim)
    typed = "n" * 100
    response = await slack.options(view, "name", typed)
    # Then Slack gets the offer to create it, its label cut to Slack's 75 characters, its value whole
    assert response.status == 200
    options = (await response.json())["options"]
    assert options[0] == {"text": {"type": "plain_text", "text": "Create “" + "n" * 66 + "…", "emoji": True},
                          "value": "new:" + typed}


async def test_app_home_shows_the_campaigns(slack, slack_sim, world, ctx):
    await created(slack, slack_sim, world, ctx)
    await slack.event({"type": "app_home_opened", "user": "UBOB", "channel": "D0BOB", "tab": "home",
                       "event_ts": "1.2"})
    await wait_for(lambda: slack_sim.of("views.publish"))
    published = slack_sim.last("views.publish").args
    assert published["user_id"] == "UBOB"
    assert "Spring outreach" in json.dumps(published["view"])


async def test_a_new_user_is_matched_by_email_and_offered_connect(slack, slack_sim, world, ctx):
    # Dan is new to the bot: users.info gives his name and email; he has no LinkedIn account
    slack_sim.add_user("UDAN", "T0001", "Dan Newman", "dan@example.com")
    await open_form(slack, slack_sim, user="UDAN")
    assert slack_sim.last("users.info").args["user"] == "UDAN"
    await wait_for(lambda: any("connect" in json.dumps(r).lower() for r in slack_sim.responses))

    await slack.command("connect", user="UDAN")
    await wait_for(lambda: any("sandbox" in json.dumps(r).lower() for r in slack_sim.responses))


async def test_web_api_429_is_retried_after_retry_after(slack, slack_sim, world):
    slack_sim.rate_limit_next("views.open", retry_after=1)
    view = await open_form(slack, slack_sim)
    statuses = [c.status for c in slack_sim.calls if c.method == "views.open"]
    assert statuses == [429, 200]
    assert view["blocks"]
