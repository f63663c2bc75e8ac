"""A campaign's results from Teams over HTTP: the card's funnel facts and its chart Images whose
signed URLs the web app serves (unsigned: refused), and the CSV export as a signed download link
in the personal chat — for the sender, never for a member who does not manage the campaign."""

from __future__ import annotations

import csv
import io
import json
from urllib.parse import urlsplit

from tests.cards import assert_valid_card, find_action, walk
from tests.e2e.results import add_results
from tests.e2e.teams.steps import sender_with_active_campaign


def _shown(card: dict) -> str:
    return json.dumps(card, ensure_ascii=False)


def _local(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


async def test_the_card_shows_the_funnel_and_its_charts(teams, ctx):
    ada, bob, _, campaign_id = await sender_with_active_campaign(teams, ctx)
    add_results(ctx.engine, campaign_id, ctx.clock.now())
    await teams.say(ada, "show Digest run")
    card = teams.last_card(ada)
    assert_valid_card(card)
    assert "3 invited → 2 accepted (67%)" in _shown(card)
    images = [n for n in walk(card) if isinstance(n, dict) and n.get("type") == "Image"]
    assert len(images) == 2 and all(i["altText"] for i in images)
    for image in images:
        assert image["url"].startswith(ctx.settings.public_url.rstrip("/") + "/charts/")
        served = await teams.client.get(_local(image["url"]))
        assert served.status == 200 and (await served.read()).startswith(b"\x89PNG")
        assert (await teams.client.get(urlsplit(image["url"]).path)).status == 404
    assert find_action(card, "Export contacts (CSV)")


async def test_the_export_is_a_signed_download_link(teams, ctx):
    ada, bob, _, campaign_id = await sender_with_active_campaign(teams, ctx)
    count = add_results(ctx.engine, campaign_id, ctx.clock.now())
    await teams.say(ada, "show Digest run")
    before = len(teams.cards(ada))
    await teams.execute(ada, find_action(teams.last_card(ada), "Export contacts (CSV)"))
    new = teams.cards(ada)[before:]
    [link_card] = [c for c in new if any("Download" in str(a.get("title")) for a in walk(c) if isinstance(a, dict))]
    assert_valid_card(link_card)
    download = find_action(link_card, "Download CSV")
    assert download["type"] == "Action.OpenUrl" and "/exports/" in download["url"]
    served = await teams.client.get(_local(download["url"]))
    assert served.status == 200 and served.content_type == "text/csv"
    rows = list(csv.DictReader(io.StringIO(await served.text())))
    assert len(rows) == count
    assert (await teams.client.get(urlsplit(download["url"]).path)).status == 404


async def test_a_member_who_does_not_manage_it_gets_no_export(teams, ctx):
    ada, bob, _, campaign_id = await sender_with_active_campaign(teams, ctx)
    add_results(ctx.engine, campaign_id, ctx.clock.now())
    await teams.say(bob, "show Digest run")
    card = teams.last_card(bob)
    assert "3 invited" in _shown(card)
    assert not [a for a in walk(card) if isinstance(a, dict) and a.get("title") == "Export contacts (CSV)"]
    await teams.say(bob, "export Digest run")
    assert "sender or a workspace admin" in _shown(teams.last_card(bob))
    assert "/exports/" not in json.dumps(teams.cards(bob))


async def test_summary_now_and_turning_it_off(teams, ctx):
    from core.analytics.models import WeeklySummaryPreference
    from core.db import UnitOfWork

    ada, bob, ada_id, _ = await sender_with_active_campaign(teams, ctx)
    await teams.say(ada, "summary")
    assert "Your week on LinkedIn" in _shown(teams.last_card(ada))
    await teams.say(ada, "summary off")
    assert "summary is off" in _shown(teams.last_card(ada))
    with UnitOfWork(ctx.engine)() as s:
        assert s.get(WeeklySummaryPreference, ada_id).enabled is False
