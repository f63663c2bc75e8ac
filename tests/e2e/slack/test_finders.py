"""The finder story in Slack, over signed HTTP against the Slack simulator and the sandbox provider:
Bob creates a finder from a LinkedIn search URL in the modal (refused first for a URL that is not a
people search), its pages run, the card shows it filled, its segment lists the people it found,
and Bob starts a campaign on it."""

from __future__ import annotations

import asyncio
import random
from datetime import timedelta

from sqlmodel import select

from core.db import UnitOfWork
from core.sources import finder_runs
from core.sources.models import Finder
from tests.e2e.slack.conftest import fill, wait_for
from tests.e2e.slack.steps import GOOD, campaigns, open_form, pick_source

URL = "https://www.linkedin.com/search/results/people/?keywords=cto%20paris&origin=GLOBAL_SEARCH_HEADER"


def actions_of(message: dict) -> list[str]:
    return [e["action_id"] for b in message["blocks"] if b["type"] == "actions" for e in b["elements"]]


def text_of(message: dict) -> str:
    return str(message["blocks"])


def run_pages(ctx) -> int:
    """What the worker does: each page of the finder's run, the clock moving on by its spacing."""
    with UnitOfWork(ctx.engine)() as s:
        finder = s.exec(select(Finder)).one()
        run_id = finder.run_id
    page, pages = 0, 0
    while True:
        outcome = finder_runs.fetch_page(uow=ctx.uow, gateway=ctx.linkedin, clock=ctx.clock, settings=ctx.settings,
                                         run_id=run_id, page=page, rng=random.Random(3))
        pages += outcome.status in ("applied", "done")
        if outcome.delay_seconds is None:
            return pages
        ctx.clock.advance(timedelta(seconds=outcome.delay_seconds))
        page = outcome.page


async def test_a_finder_from_a_search_url_fills_its_segment_and_feeds_a_campaign(slack, slack_sim, world, ctx):
    # Bob opens the finder form
    await slack.command("finder create")
    await wait_for(lambda: slack_sim.of("views.open"))
    view = slack_sim.of("views.open")[-1].answer["view"]
    assert {"name", "url", "keywords", "location", "every_days", "result_cap", "members"} <= {
        b.get("block_id") for b in view["blocks"]}

    # A URL that is not a people search: the error is on the URL field, nothing is saved
    bad = fill(view, {"name": "Paris CTOs", "url": "https://www.linkedin.com/search/results/companies/?keywords=x"})
    answer = await (await slack.submit(bad)).json()
    assert answer["response_action"] == "errors" and "companies" in answer["errors"]["url"]
    with UnitOfWork(ctx.engine)() as s:
        assert s.exec(select(Finder)).all() == []

    # The search URL: the modal closes, the finder's card arrives, its first page is asked for
    posted = len(slack_sim.of("chat.postMessage"))
    response = await slack.submit(fill(view, {"name": "Paris CTOs", "url": URL}))
    assert response.status == 200 and (await response.text()) == ""
    await wait_for(lambda: len(slack_sim.of("chat.postMessage")) > posted)
    card = next(c.args for c in slack_sim.of("chat.postMessage")[posted:] if actions_of(c.args))
    assert actions_of(card) == ["finder.run", "finder.refresh", "finder.pause", "finder.edit", "finder.delete"]
    assert "Running" in text_of(card)
    with UnitOfWork(ctx.engine)() as s:
        finder = s.exec(select(Finder)).one()
    assert ("finder_page", (finder.run_id, 0)) in ctx.tasks.requests

    # The worker pages through the sandbox's results; Refresh redraws the card in place
    pages = await asyncio.to_thread(run_pages, ctx)
    assert pages >= 1
    await slack.press("finder.refresh", str(finder.id))
    await wait_for(lambda: slack_sim.of("chat.update"))
    refreshed = slack_sim.of("chat.update")[-1].args
    with UnitOfWork(ctx.engine)() as s:
        finder = s.exec(select(Finder)).one()
    assert 40 <= finder.found <= 200 and finder.state == "idle"
    assert "Up to date" in text_of(refreshed) and f"{finder.found} of 1,000" in text_of(refreshed)

    # Its segment holds the people it found
    before = len(slack_sim.responses)
    await slack.command("segments")
    await wait_for(lambda: len(slack_sim.responses) > before)
    listed = str(slack_sim.responses[-1])
    assert "Paris CTOs" in listed and str(finder.found) in listed and "Paris founders" in listed

    # And Bob starts a campaign on the finder
    campaign_view = await open_form(slack, slack_sim)
    source = await pick_source(slack, campaign_view, name="Paris CTOs")
    assert source is not None and source[0] == f"finder:{finder.id}"
    await slack.submit(fill(campaign_view, {**GOOD, "source": source}))
    await wait_for(lambda: campaigns(ctx))
    assert (campaigns(ctx)[0].source_kind, campaigns(ctx)[0].source_id) == ("finder", finder.id)


async def test_typed_finder_commands_and_refusals(slack, slack_sim, world, ctx):
    before = len(slack_sim.responses)
    await slack.command(f"finder create Founders | {URL}")
    await wait_for(lambda: len(slack_sim.responses) > before)
    assert "Founders" in str(slack_sim.responses[before:])
    # Carol, of the same workspace, is not shown Bob's finder and cannot pause it
    with UnitOfWork(ctx.engine)() as s:
        finder = s.exec(select(Finder)).one()
    updates = len(slack_sim.of("chat.update"))
    await slack.press("finder.pause", str(finder.id), user="UCAROL")
    await wait_for(lambda: len(slack_sim.responses) > before + 2)
    assert "does not exist" in str(slack_sim.responses[-1])
    assert len(slack_sim.of("chat.update")) == updates
    with UnitOfWork(ctx.engine)() as s:
        assert s.exec(select(Finder)).one().paused is False
