"""A finder's search through the Unipile gateway against the simulator: the request shapes of the
contract page (account_id in the query string; a URL alone, the classic API's ids, the cursor
alone), the page bounds, filter ids, and the errors a finder turns into states."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from sqlalchemy import select

from core.db import UnitOfWork
from core.delivery.linkedin.port import (
    FeatureNotSubscribed,
    LinkedInError,
    PeopleSearch,
    RateLimited,
    SearchLimitReached,
)
from core.delivery.linkedin.unipile_mapping import error_for
from core.delivery.models import Relation
from core.sources import finder_runs
from core.sources.models import Contact, Finder, FinderState
from core.sources.segments import create_finder
from tests import factories as f
from tests.integration.unipile.conftest import ACCOUNT

URL = "https://www.linkedin.com/search/results/people?keywords=cto"
SALES_URL = "https://www.linkedin.com/sales/search/people?query=(keywords%3Acto)"


def test_a_url_search_pages_with_the_cursor_alone(gw, sim):
    first = gw.search_page(account_id=ACCOUNT, search=PeopleSearch(url=URL), limit=10)
    second = gw.search_page(account_id=ACCOUNT, search=PeopleSearch(url=URL), cursor=first.cursor, limit=10)
    third = gw.search_page(account_id=ACCOUNT, search=PeopleSearch(url=URL), cursor=second.cursor, limit=10)
    assert [len(first.people), len(second.people), len(third.people)] == [10, 10, 5] and third.cursor is None
    calls = sim.calls_to("POST /linkedin/search")
    assert [c.json for c in calls] == [{"url": URL}, {"cursor": first.cursor}, {"cursor": second.cursor}]
    assert all(c.query["account_id"] == ACCOUNT and c.query["limit"] == "10" for c in calls)
    assert calls[1].query["cursor"] == first.cursor
    person = first.people[0]
    assert person.provider_id.startswith("ACoAA") and person.public_identifier and person.company
    assert person.network_distance == "SECOND_DEGREE"


def test_keywords_and_filter_ids_go_in_the_classic_body(gw, sim):
    location = gw.search_parameters(account_id=ACCOUNT, kind="LOCATION", keywords="Paris")
    assert len(location) == 1 and location[0].id.isdigit() and location[0].title == "Paris"
    call = sim.calls_to("GET /linkedin/search/parameters")[-1]
    assert (call.query["type"], call.query["keywords"], call.query["account_id"]) == ("LOCATION", "Paris", ACCOUNT)
    sim.unknown_parameters.add("Atlantis")
    assert gw.search_parameters(account_id=ACCOUNT, kind="LOCATION", keywords="Atlantis") == []
    gw.search_page(account_id=ACCOUNT, search=PeopleSearch(keywords="cto", title="Founder",
                                                           filters={"location": (location[0].id,)}), limit=80)
    call = sim.calls_to("POST /linkedin/search")[-1]
    assert call.json == {"api": "classic", "category": "people", "keywords": "cto", "location": [location[0].id],
                         "advanced_keywords": {"title": "Founder"}}
    assert call.query["limit"] == "50"  # a classic search's page holds at most 50


def test_sales_navigator_without_the_subscription_is_its_own_error(gw, sim):
    sim.no_sales_navigator.add(ACCOUNT)
    with pytest.raises(FeatureNotSubscribed) as refused:
        gw.search_page(account_id=ACCOUNT, search=PeopleSearch(api="sales_navigator", url=SALES_URL), limit=100)
    assert refused.value.status == 403
    assert sim.calls_to("POST /linkedin/search")[-1].query["limit"] == "100"


def test_a_url_that_is_not_a_people_search_is_a_400(gw):
    with pytest.raises(LinkedInError) as refused:
        gw.search_page(account_id=ACCOUNT, search=PeopleSearch(url="https://www.linkedin.com/search/results/companies?"
                                                                   "keywords=acme"))
    assert refused.value.status == 400


def test_429_and_the_commercial_use_limit(gw, sim):
    sim.fail_next("POST /linkedin/search", 429, retry_after=30)
    with pytest.raises(RateLimited) as limited:
        gw.search_page(account_id=ACCOUNT, search=PeopleSearch(url=URL))
    assert limited.value.retry_after == 30
    body = {"status": 422, "type": "errors/limit_exceeded", "title": "Limit exceeded",
            "detail": "You have reached the commercial use limit for search"}
    assert isinstance(error_for(422, body, {}, write=False), SearchLimitReached)


def test_a_finder_runs_through_unipile(db, clock, settings, gw, sim):
    """The whole run over HTTP: 25 people in pages of 50 (one page), with a known contact and a connection."""
    uow = UnitOfWork(db)
    with uow() as s:
        ws = f.workspace(s)
        owner, _ = f.sender(s, ws, account_key=ACCOUNT, provider="unipile")
        known = sim.profile("cto-person-3")
        f.contact(s, ws, known["public_identifier"], provider_id=None)
        finder = create_finder(session=s, workspace_id=ws.id, name="CTOs", owner_id=owner.id, now=clock.now(),
                               query={"keywords": "cto", "location": "Paris"})
        finder_id = finder.id
        run_id = finder_runs.start_run(s, finder_id=finder_id, now=clock.now())
    sim.add_relation(ACCOUNT, "cto-person-5")
    outcome = finder_runs.fetch_page(uow=uow, gateway=gw, clock=clock, settings=settings, run_id=run_id, page=0,
                                     rng=random.Random(2))
    assert outcome.status == "done"
    with uow(read_only=True) as s:
        finder = s.get_one(Finder, finder_id)
        assert (finder.state, finder.found, finder.added) == (FinderState.IDLE, 25, 24)
        assert finder.filter_ids["location"][0].isdigit()
        assert s.execute(select(Contact.provider_id).where(Contact.public_identifier == "cto-person-3")
                         ).scalar_one() == known["provider_id"]
        connected = s.execute(select(Relation.provider_user_id)).scalars().all()
        assert connected == [sim.profile("cto-person-5")["provider_id"]]
    assert finder.next_run_at == clock.now() + timedelta(days=1)
