"""The finder story in Teams, over HTTP against the Bot Framework connector simulator and the
sandbox provider: Ada creates a finder from a LinkedIn search URL in a dialog (refused first for a
profile URL), its pages run, the card refreshed in place shows it filled, the segment lists them,
and Ada starts a campaign on the finder."""

from __future__ import annotations

import asyncio
import random
from datetime import timedelta

from sqlmodel import Session, select

from core.campaigns.models import Campaign
from core.db import UnitOfWork
from core.sources import finder_runs
from core.sources.models import Finder
from tests.cards import assert_valid_card, find_action, inputs, texts, walk
from tests.e2e.teams.steps import connected_admin

URL = "https://www.linkedin.com/search/results/people/?keywords=founder%20lyon"


def all_texts(card: dict) -> list[str]:
    """Every text of a card: text blocks, text runs and fact values."""
    found = [str(n[k]) for n in walk(card) for k in ("text", "value", "title") if isinstance(n.get(k), str)]
    return found + texts(card)


def finder_card(teams, user) -> dict:
    """The last card of `user`'s chat with a finder's buttons."""
    for card in reversed(teams.cards(user)):
        if any(n.get("type", "").startswith("Action.") and n.get("title") == "Refresh" for n in walk(card)):
            return card
    raise AssertionError("no finder card was posted")


def run_pages(ctx, run_id: int) -> None:
    page = 0
    while True:
        outcome = finder_runs.fetch_page(uow=ctx.uow, gateway=ctx.linkedin, clock=ctx.clock, settings=ctx.settings,
                                         run_id=run_id, page=page, rng=random.Random(4))
        if outcome.delay_seconds is None:
            return
        ctx.clock.advance(timedelta(seconds=outcome.delay_seconds))
        page = outcome.page


async def test_a_finder_from_a_search_url_fills_its_segment_and_feeds_a_campaign(teams, ctx, db):
    ada, identity, _segment_id = await connected_admin(teams, db)
    teams.connector.clear()

    # "finder create" answers with a card whose button opens the dialog
    await teams.say(ada, "finder create")
    fetched = await teams.task_fetch(ada, find_action(teams.last_card(ada), "Open the form"))
    form = fetched["task"]["value"]["card"]["content"]
    assert_valid_card(form)
    assert {"name", "url", "keywords", "every_days"} <= {n.get("id") for n in walk(form)}

    # A profile URL is refused on the URL field; nothing saved
    typed = {**inputs(form), "name": "Lyon founders", "url": "https://www.linkedin.com/in/jean-dupont"}
    refused = await teams.task_submit(ada, find_action(form, verb="form.submit"), typed)
    errors_card = refused["task"]["value"]["card"]["content"]
    assert_valid_card(errors_card)
    assert any(e.get("id") == "error.url" for e in walk(errors_card))
    with Session(db) as s:
        assert s.exec(select(Finder)).all() == []

    # The search URL is accepted: the dialog closes and the finder's card is posted
    typed["url"] = URL
    teams.connector.clear()
    assert await teams.task_submit(ada, find_action(errors_card, verb="form.submit"), typed) == {}
    card = finder_card(teams, ada)
    assert_valid_card(card)
    assert "Lyon founders" in " ".join(all_texts(card)) and "Running" in " ".join(all_texts(card))
    with Session(db) as s:
        finder = s.exec(select(Finder)).one()
    assert ("finder_page", (finder.run_id, 0)) in ctx.tasks.requests

    # The worker pages through the sandbox; Refresh replaces the card in place, filled
    await asyncio.to_thread(run_pages, ctx, finder.run_id)
    refreshed = await teams.execute(ada, find_action(card, "Refresh"))
    assert refreshed["type"] == "application/vnd.microsoft.card.adaptive"
    assert_valid_card(refreshed["value"])
    with Session(db) as s:
        finder = s.exec(select(Finder)).one()
    assert 40 <= finder.found <= 200
    shown = " ".join(all_texts(refreshed["value"]))
    assert "Up to date" in shown and f"{finder.found} of 1,000 at most" in shown

    # The segment of the same name lists them
    teams.connector.clear()
    await teams.say(ada, "segments")
    listed = " ".join(t for c in teams.cards(ada) for t in all_texts(c))
    assert "Lyon founders" in listed and str(finder.found) in listed

    # Ada starts a campaign on the finder: it is offered as a source
    sources = await teams.search(ada, "source", "lyon", {"sender": str(identity.member_id)})
    assert {"title": "Finders: Lyon founders", "value": f"finder:{finder.id}"} in sources


async def test_another_member_neither_sees_nor_manages_the_finder(teams, ctx, db):
    ada, _identity, _ = await connected_admin(teams, db)
    await teams.say(ada, f"finder create Lyon founders | {URL}")
    card = finder_card(teams, ada)
    bob = teams.user("Bob Builder", email="bob@example.com")
    refused = await teams.execute(bob, find_action(card, "Pause"))
    assert refused["type"] == "application/vnd.microsoft.activity.message"
    with UnitOfWork(ctx.engine)() as s:
        assert s.exec(select(Finder)).one().paused is False
    teams.connector.clear()
    await teams.say(bob, "finders")
    assert "Lyon founders" not in " ".join(t for c in teams.cards(bob) for t in all_texts(c))
    with Session(db) as s:
        assert s.exec(select(Campaign)).all() == []
