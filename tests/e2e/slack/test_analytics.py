"""A campaign's results from Slack over signed HTTP: the card's funnel facts and chart image
blocks whose signed URLs the web app serves (an unsigned one refused), and the CSV export sent as a
file by files upload v2 to the asker's DM — to the sender, never to a member who does not manage it."""

from __future__ import annotations

import csv
import io
import json
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.e2e.results import add_results
from tests.e2e.slack.conftest import wait_for
from tests.e2e.slack.steps import active_campaign

# What each language's member types and reads (written here, not read from the catalogues).
SAID = {
    "en": {"show": "show Digest run", "funnel": "3 invited → 2 accepted (67%)", "pending": "Pending invitations",
           "export": "Export contacts (CSV)", "summary": "summary", "week": "Your week on LinkedIn",
           "off": "summary off", "is_off": "summary is off"},
    "fr": {"show": "voir Digest run", "funnel": "3 invitations → 2 acceptations (67\u00a0%)",
           "pending": "Invitations en attente", "export": "Exporter les contacts (CSV)", "summary": "résumé",
           "week": "Votre semaine sur LinkedIn", "off": "résumé off", "is_off": "Le résumé de la semaine est désactivé"},
}


def _blocks(response: dict) -> list[dict]:
    return response.get("blocks") or []


async def speak(slack, slack_sim, lang: str) -> None:
    if lang == "fr":
        await slack.command("langue fr")
        await wait_for(lambda: any("désormais en" in json.dumps(r, ensure_ascii=False) for r in slack_sim.responses))
        slack_sim.clear()


@pytest.mark.parametrize("lang", ["en", "fr"])
async def test_the_card_shows_the_funnel_and_its_charts(slack, slack_sim, world, ctx, lang):
    said = SAID[lang]
    campaign_id = active_campaign(ctx, world)
    add_results(ctx.engine, campaign_id, ctx.clock.now())
    await speak(slack, slack_sim, lang)
    await slack.command(said["show"])
    await wait_for(lambda: slack_sim.responses)
    blocks = _blocks(slack_sim.responses[-1])
    text = json.dumps(blocks, ensure_ascii=False)
    assert said["funnel"] in text and said["pending"] in text and said["export"] in text
    images = [b for b in blocks if b["type"] == "image"]
    assert len(images) == 2 and all(i["alt_text"] for i in images)
    for image in images:
        url = urlsplit(image["image_url"])
        assert f"{url.scheme}://{url.netloc}" == "https://invitebot.example"
        assert parse_qs(url.query)["lang"] == [lang]  # drawn in the member's language
        served = await slack.client.get(f"{url.path}?{url.query}")
        assert served.status == 200 and (await served.read()).startswith(b"\x89PNG")
        assert (await slack.client.get(url.path)).status == 404  # the same chart, unsigned
    buttons = [e["action_id"] for b in blocks if b["type"] == "actions" for e in b["elements"]]
    assert "campaign.export" in buttons


async def test_the_export_is_a_csv_file_in_the_senders_dm(slack, slack_sim, world, ctx):
    campaign_id = active_campaign(ctx, world)
    count = add_results(ctx.engine, campaign_id, ctx.clock.now())
    await slack.press("campaign.export", str(campaign_id))
    await wait_for(lambda: slack_sim.files)
    [shared] = slack_sim.files
    assert shared["channel"] == "D" + "BOB" and shared["title"].endswith(".csv")
    assert "Digest run" in shared["initial_comment"]
    rows = list(csv.DictReader(io.StringIO(shared["content"].decode())))
    assert len(rows) == count and {r["state"] for r in rows} >= {"replied", "welcomed", "invited"}
    assert rows[0]["reply_sentiment"] == "positive" and rows[0]["invited_at"]


async def test_a_member_who_does_not_manage_it_sees_no_export_and_gets_no_file(slack, slack_sim, world, ctx):
    campaign_id = active_campaign(ctx, world)
    add_results(ctx.engine, campaign_id, ctx.clock.now())
    await slack.command("show Digest run", user="UCAROL")
    await wait_for(lambda: slack_sim.responses)
    blocks = _blocks(slack_sim.responses[-1])
    assert "3 invited" in json.dumps(blocks)  # counts, like the card
    assert not [e for b in blocks if b["type"] == "actions" for e in b["elements"]
                if e["action_id"] == "campaign.export"]
    await slack.press("campaign.export", str(campaign_id), user="UCAROL")
    await wait_for(lambda: any("sender or a workspace admin" in json.dumps(r) for r in slack_sim.responses))
    assert slack_sim.files == [] and not slack_sim.of("files.getUploadURLExternal")


@pytest.mark.parametrize("lang", ["en", "fr"])
async def test_summary_now_and_turning_it_off(slack, slack_sim, world, ctx, lang):
    from core.analytics.models import WeeklySummaryPreference
    from core.db import UnitOfWork

    said = SAID[lang]
    active_campaign(ctx, world)
    await speak(slack, slack_sim, lang)
    await slack.command(said["summary"])
    await wait_for(lambda: slack_sim.responses)
    assert said["week"] in json.dumps(slack_sim.responses[-1], ensure_ascii=False)
    await slack.command(said["off"])
    await wait_for(lambda: len(slack_sim.responses) > 1)
    assert said["is_off"] in json.dumps(slack_sim.responses[-1], ensure_ascii=False)
    with UnitOfWork(ctx.engine)() as s:
        assert s.get(WeeklySummaryPreference, world.bob).enabled is False


def test_a_chart_slack_cannot_fetch_is_left_out_of_the_message():
    from bot.conversation.views import Card, Image
    from bot.slack.render import card_blocks

    def images(url: str) -> int:
        blocks = [b.to_dict() for b in card_blocks(Card(title="c", images=(Image(url, "alt"),)))]
        return sum(1 for b in blocks if b["type"] == "image")

    assert images("https://invitebot.example/charts/1/funnel.png?expires=1&sig=a") == 1
    assert images("http://localhost:3000/charts/1/funnel.png?expires=1&sig=a") == 0
    assert images("https://localhost/charts/1/funnel.png") == 0
