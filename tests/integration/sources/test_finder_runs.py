"""Finder runs against a provider (the in-memory fake, the sandbox): paging, de-duplication,
first-degree connections, caps, schedule, failures as states, idempotency (P-8a)."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from core.db import UnitOfWork
from core.delivery.linkedin.port import (
    AccountDisconnected,
    FeatureNotSubscribed,
    LinkedInError,
    RateLimited,
    SearchLimitReached,
    Transient,
)
from core.delivery.linkedin.sandbox import SandboxGateway
from core.delivery.models import Relation
from core.sources import finder_runs
from core.sources.models import Contact, Finder, FinderRun, FinderState, RunState, SegmentContact
from core.sources.segments import create_finder
from core.workspace.models import LinkedInAccount
from tests import factories as f
from tests.fakes import FakeGateway

URL = "https://www.linkedin.com/search/results/people/?keywords=founder&origin=GLOBAL_SEARCH_HEADER"
CANONICAL = "https://www.linkedin.com/search/results/people?keywords=founder"


@pytest.fixture
def world(db, clock):
    uow = UnitOfWork(db)
    with uow() as s:
        ws = f.workspace(s)
        owner, account = f.sender(s, ws, name="Olivia Owner")
        ids = {"workspace": ws.id, "owner": owner.id, "account": account.id, "account_key": account.provider_account_id}
    return uow, ids


def make_finder(uow, ids, clock, query=None, **kw) -> int:
    with uow() as s:
        finder = create_finder(session=s, workspace_id=ids["workspace"], name=kw.pop("name", "Founders"),
                               owner_id=ids["owner"], query=query or {"url": URL}, now=clock.now(), **kw)
        return finder.id


def run_all(uow, gateway, clock, settings, finder_id, *, trigger="created", max_pages=200) -> list[str]:
    """Start a run and fetch its pages, the clock moving on by each page's spacing."""
    with uow() as s:
        run_id = finder_runs.start_run(s, finder_id=finder_id, now=clock.now(), trigger=trigger)
    assert run_id is not None
    statuses, page = [], 0
    for _ in range(max_pages):
        outcome = finder_runs.fetch_page(uow=uow, gateway=gateway, clock=clock, settings=settings, run_id=run_id,
                                         page=page, rng=random.Random(1))
        statuses.append(outcome.status)
        if outcome.delay_seconds is None:
            return statuses
        clock.advance(timedelta(seconds=outcome.delay_seconds))
        page = outcome.page
    return statuses


def finder_row(uow, finder_id) -> Finder:
    with uow(read_only=True) as s:
        return s.get_one(Finder, finder_id)


def segment_identifiers(uow, finder_id) -> list[str]:
    with uow(read_only=True) as s:
        seg = s.get_one(Finder, finder_id).segment_id
        return sorted(s.execute(select(Contact.public_identifier).join(SegmentContact,
                                                                       SegmentContact.contact_id == Contact.id)
                                .where(SegmentContact.segment_id == seg)).scalars())


def test_a_run_pages_through_the_search_and_fills_the_segment(world, clock, settings):
    uow, ids = world
    gw = FakeGateway(clock=clock, search_results=[f.search_result(i) for i in range(120)])
    finder_id = make_finder(uow, ids, clock)
    statuses = run_all(uow, gw, clock, settings, finder_id)
    assert statuses == ["applied", "applied", "done"]  # 50 + 50 + 20
    pages = gw.acting_calls("search_page")
    assert [c.args["cursor"] for c in pages] == [None, "50", "100"]
    assert all(c.args["account_id"] == ids["account_key"] and c.args["search"].url == CANONICAL for c in pages)
    finder = finder_row(uow, finder_id)
    assert (finder.state, finder.found, finder.added, finder.problem) == (FinderState.IDLE, 120, 120, None)
    assert finder.next_run_at == clock.now() + timedelta(days=1)
    assert len(segment_identifiers(uow, finder_id)) == 120
    with uow(read_only=True) as s:
        ann = s.execute(select(Contact).where(Contact.public_identifier == "person-7")).scalar_one()
        assert (ann.provider_id, ann.first_name, ann.company, ann.location, ann.profile_url) == (
            "ACo7", "Ann7", "Acme", "Paris, France", "https://www.linkedin.com/in/person-7")
        assert ann.language == "fr"  # detected from the headline, as the import does


def test_pages_are_spaced_seconds_apart_with_jitter(world, clock, settings):
    uow, ids = world
    gw = FakeGateway(clock=clock, search_results=[f.search_result(i) for i in range(60)])
    finder_id = make_finder(uow, ids, clock)
    with uow() as s:
        run_id = finder_runs.start_run(s, finder_id=finder_id, now=clock.now())
    first = finder_runs.fetch_page(uow=uow, gateway=gw, clock=clock, settings=settings, run_id=run_id, page=0)
    low = settings.finder_page_seconds
    assert first.status == "applied" and low <= first.delay_seconds <= low + settings.finder_page_jitter_seconds
    # Asked again before its time, the next page is not fetched: the job is told to come back later.
    early = finder_runs.fetch_page(uow=uow, gateway=gw, clock=clock, settings=settings, run_id=run_id, page=1)
    assert early.status == "early" and early.delay_seconds == pytest.approx(first.delay_seconds)
    assert len(gw.acting_calls("search_page")) == 1
    spacings = {round(finder_runs.page_spacing(settings, random.Random(seed)), 3) for seed in range(5)}
    assert len(spacings) == 5


def test_dedup_by_provider_id_then_identifier_then_url(world, clock, settings):
    uow, ids = world
    with uow() as s:
        by_pid = f.contact(s, ids["workspace"], "old-slug", provider_id="ACo1", first_name="Kept")
        by_ident = f.contact(s, ids["workspace"], "person-2")
        by_url = f.contact(s, ids["workspace"], "person-3")
        kept = (by_pid.id, by_ident.id, by_url.id)
    gw = FakeGateway(clock=clock, search_results=[
        f.search_result(1),  # known by its provider id under another slug
        f.search_result(2),  # known by its public identifier (no provider id yet: it gets one)
        f.search_result(3, public_identifier=None, profile_url="https://fr.linkedin.com/in/Person-3/?trk=x"),  # by URL
        f.search_result(4), f.search_result(4),  # twice on one page
        f.search_result(5, public_identifier=None, profile_url="https://www.linkedin.com/sales/lead/ACo5"),  # unusable
    ])
    finder_id = make_finder(uow, ids, clock)
    run_all(uow, gw, clock, settings, finder_id)
    with uow(read_only=True) as s:
        assert s.execute(select(func.count()).select_from(Contact)).scalar_one() == 4
        assert s.get_one(Contact, kept[0]).first_name == "Kept"
        assert s.get_one(Contact, kept[1]).provider_id == "ACo2"
        run = s.execute(select(FinderRun)).scalar_one()
        assert (run.results, run.new) == (4, 1)
    assert segment_identifiers(uow, finder_id) == ["old-slug", "person-2", "person-3", "person-4"]
    assert finder_row(uow, finder_id).added == 1


def test_first_degree_connections_are_kept_out_of_invitations(world, clock, settings):
    uow, ids = world
    gw = FakeGateway(clock=clock, search_results=[f.search_result(1, network_distance="FIRST_DEGREE"),
                                                  f.search_result(2)])
    finder_id = make_finder(uow, ids, clock)
    run_all(uow, gw, clock, settings, finder_id)
    with uow(read_only=True) as s:
        relations = s.execute(select(Relation.provider_user_id, Relation.account_id, Relation.source)).all()
        assert relations == [("ACo1", ids["account"], "search")]
    # The planner's eligibility reads these relations: a connected person is never invited.


def test_a_second_run_adds_only_new_people_and_the_cap_completes_the_finder(world, clock, settings):
    uow, ids = world
    gw = FakeGateway(clock=clock, search_results=[f.search_result(i) for i in range(30)])
    finder_id = make_finder(uow, ids, clock, result_cap=40)
    run_all(uow, gw, clock, settings, finder_id)
    assert finder_row(uow, finder_id).found == 30
    clock.advance(timedelta(days=1))
    with uow(read_only=True) as s:
        assert finder_runs.due_finders(s, now=clock.now()) == [finder_id]
    gw.search_results = [f.search_result(i) for i in range(20, 80)]  # ten known, fifty new; room for ten
    run_all(uow, gw, clock, settings, finder_id, trigger="schedule")
    finder = finder_row(uow, finder_id)
    assert (finder.found, finder.added, finder.state) == (40, 40, FinderState.COMPLETE)
    clock.advance(timedelta(days=2))
    with uow(read_only=True) as s:
        assert finder_runs.due_finders(s, now=clock.now()) == []
    with uow() as s:
        assert finder_runs.start_run(s, finder_id=finder_id, now=clock.now()) is None


def test_a_paused_finder_is_not_scheduled_and_its_run_stops(world, clock, settings):
    uow, ids = world
    gw = FakeGateway(clock=clock, search_results=[f.search_result(i) for i in range(120)])
    finder_id = make_finder(uow, ids, clock)
    with uow() as s:
        run_id = finder_runs.start_run(s, finder_id=finder_id, now=clock.now())
    finder_runs.fetch_page(uow=uow, gateway=gw, clock=clock, settings=settings, run_id=run_id, page=0)
    with uow() as s:
        s.get_one(Finder, finder_id).paused = True
    clock.advance(timedelta(minutes=1))
    outcome = finder_runs.fetch_page(uow=uow, gateway=gw, clock=clock, settings=settings, run_id=run_id, page=1)
    assert outcome.status == "stopped" and len(gw.acting_calls("search_page")) == 1
    clock.advance(timedelta(days=3))
    with uow(read_only=True) as s:
        assert finder_runs.due_finders(s, now=clock.now()) == []
        assert s.get_one(FinderRun, run_id).state == RunState.STOPPED


def test_every_days_zero_runs_only_when_asked(world, clock, settings):
    uow, ids = world
    gw = FakeGateway(clock=clock, search_results=[f.search_result(1)])
    finder_id = make_finder(uow, ids, clock, every_days=0)
    run_all(uow, gw, clock, settings, finder_id)
    assert finder_row(uow, finder_id).next_run_at is None


@pytest.mark.parametrize(("error", "problem"), [
    (FeatureNotSubscribed("403", status=403), "not_subscribed"),
    (SearchLimitReached("422", status=422), "commercial_limit"),
    (AccountDisconnected("401", status=401), "account_disconnected"),
    (LinkedInError("400 errors/invalid_parameters", status=400), "not_people_search"),
])
def test_failures_are_states_the_owner_sees(world, clock, settings, error, problem):
    uow, ids = world
    gw = FakeGateway(clock=clock, search_results=[f.search_result(1)])
    gw.fail_next("search_page", error)
    finder_id = make_finder(uow, ids, clock)
    assert run_all(uow, gw, clock, settings, finder_id) == ["failed"]
    finder = finder_row(uow, finder_id)
    assert (finder.state, finder.problem, finder.next_run_at) == (FinderState.FAILED, problem, None)
    with uow(read_only=True) as s:
        assert finder_runs.due_finders(s, now=clock.now() + timedelta(days=5)) == []
    # Run again by its owner once fixed, it starts afresh.
    assert run_all(uow, gw, clock, settings, finder_id, trigger="manual") == ["done"]
    assert finder_row(uow, finder_id).state == FinderState.IDLE


def test_no_account_or_a_disconnected_one_fails_before_any_search(world, clock, settings):
    uow, ids = world
    gw = FakeGateway(clock=clock, search_results=[f.search_result(1)])
    finder_id = make_finder(uow, ids, clock)
    with uow() as s:
        s.get_one(LinkedInAccount, ids["account"]).status = "invalid"
    assert run_all(uow, gw, clock, settings, finder_id) == ["failed"]
    assert finder_row(uow, finder_id).problem == "account_disconnected"
    with uow() as s:
        s.delete(s.get_one(LinkedInAccount, ids["account"]))
    assert run_all(uow, gw, clock, settings, finder_id, trigger="manual") == ["failed"]
    assert finder_row(uow, finder_id).problem == "no_account"
    assert gw.acting_calls("search_page") == []


def test_a_429_makes_the_finder_wait_without_pausing_invitations(world, clock, settings):
    uow, ids = world
    gw = FakeGateway(clock=clock, search_results=[f.search_result(i) for i in range(60)])
    gw.fail_next("search_page", RateLimited("429", retry_after=600))
    finder_id = make_finder(uow, ids, clock)
    with uow() as s:
        run_id = finder_runs.start_run(s, finder_id=finder_id, now=clock.now())
    waiting = finder_runs.fetch_page(uow=uow, gateway=gw, clock=clock, settings=settings, run_id=run_id, page=0)
    assert (waiting.status, waiting.page, waiting.delay_seconds) == ("waiting", 0, 600)
    assert finder_row(uow, finder_id).state == FinderState.WAITING
    with uow(read_only=True) as s:
        account = s.get_one(LinkedInAccount, ids["account"])
        assert (account.invitations_paused_until, account.invitations_paused_reason) == (None, None)
        assert finder_runs.due_runs(s, now=clock.now()) == []
        assert finder_runs.due_runs(s, now=clock.now() + timedelta(seconds=601)) == [(run_id, 0)]
    clock.advance(timedelta(seconds=601))
    assert finder_runs.fetch_page(uow=uow, gateway=gw, clock=clock, settings=settings, run_id=run_id,
                                  page=0).status == "applied"


def test_a_transient_failure_waits_and_retries_the_same_page(world, clock, settings):
    uow, ids = world
    gw = FakeGateway(clock=clock, search_results=[f.search_result(i) for i in range(10)])
    gw.fail_next("search_page", Transient("down"))
    finder_id = make_finder(uow, ids, clock)
    assert run_all(uow, gw, clock, settings, finder_id) == ["waiting", "done"]
    assert [c.args["cursor"] for c in gw.acting_calls("search_page")] == [None, None]


def test_filter_names_are_resolved_once_and_unknown_ones_are_a_problem(world, clock, settings):
    uow, ids = world
    gw = FakeGateway(clock=clock, search_results=[f.search_result(1)])
    finder_id = make_finder(uow, ids, clock, query={"keywords": "cto", "location": ["Paris"], "company": "Acme",
                                                    "title": "Founder"})
    run_all(uow, gw, clock, settings, finder_id)
    search = gw.acting_calls("search_page")[0].args["search"]
    assert (search.keywords, search.title) == ("cto", "Founder")
    assert search.filters == {"location": ("LOCATION:Paris",), "company": ("COMPANY:Acme",)}
    assert [c.args["kind"] for c in gw.acting_calls("search_parameters")] == ["COMPANY", "LOCATION"]
    run_all(uow, gw, clock, settings, finder_id, trigger="manual")
    assert len(gw.acting_calls("search_parameters")) == 2  # kept on the finder
    gw.unknown_names = {"Atlantis"}
    other = make_finder(uow, ids, clock, name="Other", query={"keywords": "cto", "location": "Atlantis"})
    assert run_all(uow, gw, clock, settings, other) == ["failed"]
    assert finder_row(uow, other).problem == "filter_unknown:location:Atlantis"


def test_duplicate_and_late_messages_fetch_no_page_twice(world, clock, settings):
    uow, ids = world
    gw = FakeGateway(clock=clock, search_results=[f.search_result(i) for i in range(120)])
    finder_id = make_finder(uow, ids, clock)
    with uow() as s:
        run_id = finder_runs.start_run(s, finder_id=finder_id, now=clock.now())
        assert finder_runs.start_run(s, finder_id=finder_id, now=clock.now()) is None  # one run at a time
    kw = dict(uow=uow, gateway=gw, clock=clock, settings=settings, run_id=run_id)
    assert finder_runs.fetch_page(page=0, **kw).status == "applied"
    assert finder_runs.fetch_page(page=0, **kw).status == "skipped"  # the same message again
    clock.advance(timedelta(minutes=1))
    assert finder_runs.fetch_page(page=1, **kw).status == "applied"
    assert [c.args["cursor"] for c in gw.acting_calls("search_page")] == [None, "50"]
    assert len(segment_identifiers(uow, finder_id)) == 100


def test_a_worker_dying_mid_page_leaves_a_lease_that_expires(world, clock, settings):
    uow, ids = world
    gw = FakeGateway(clock=clock, search_results=[f.search_result(i) for i in range(10)])
    finder_id = make_finder(uow, ids, clock)
    with uow() as s:
        run_id = finder_runs.start_run(s, finder_id=finder_id, now=clock.now())

    class Died(Exception):
        pass

    gw.fail_next("search_page", Died())  # the worker's thread dies in the call: nothing is written
    with pytest.raises(Died):
        finder_runs.fetch_page(uow=uow, gateway=gw, clock=clock, settings=settings, run_id=run_id, page=0)
    kw = dict(uow=uow, gateway=gw, clock=clock, settings=settings, run_id=run_id, page=0)
    assert finder_runs.fetch_page(**kw).status == "skipped"  # another worker, while the lease holds
    with uow(read_only=True) as s:
        assert finder_runs.due_runs(s, now=clock.now()) == []
    clock.advance(finder_runs.LEASE + timedelta(seconds=1))
    with uow(read_only=True) as s:
        assert finder_runs.due_runs(s, now=clock.now()) == [(run_id, 0)]
    assert finder_runs.fetch_page(**kw).status == "done"
    with uow(read_only=True) as s:
        assert s.execute(select(func.count()).select_from(Contact)).scalar_one() == 10


def test_a_page_fetched_by_a_worker_whose_lease_ran_out_is_not_applied(world, clock, settings):
    uow, ids = world
    gw = FakeGateway(clock=clock, search_results=[f.search_result(i) for i in range(10)])
    finder_id = make_finder(uow, ids, clock)
    with uow() as s:
        run_id = finder_runs.start_run(s, finder_id=finder_id, now=clock.now())
    kw = dict(uow=uow, gateway=gw, clock=clock, settings=settings, run_id=run_id, page=0)

    def slow_then_overtaken(*_args, **_kwargs):
        gw.on_call = None
        clock.advance(finder_runs.LEASE + timedelta(seconds=1))
        assert finder_runs.fetch_page(**kw).status == "done"  # another worker takes the page over

    original = gw.search_page

    def search_page(**kwargs):
        if gw.on_call:
            gw.on_call()
        return original(**kwargs)

    gw.on_call = slow_then_overtaken
    gw.search_page = search_page  # type: ignore[method-assign]
    assert finder_runs.fetch_page(**kw).status == "lost"
    with uow(read_only=True) as s:
        run = s.get_one(FinderRun, run_id)
        assert (run.pages, run.results, run.new) == (1, 10, 10)


def test_the_sandbox_fills_finders_deterministically_with_a_little_overlap(world, clock, settings):
    uow, ids = world
    gw = SandboxGateway(uow=uow, clock=clock, settings=settings)
    a = make_finder(uow, ids, clock, name="A", query={"url": URL})
    b = make_finder(uow, ids, clock, name="B", query={"keywords": "head of sales", "location": "Berlin"})
    run_all(uow, gw, clock, settings, a)
    run_all(uow, gw, clock, settings, b)
    first, second = segment_identifiers(uow, a), segment_identifiers(uow, b)
    assert 40 <= len(first) <= 200 and 40 <= len(second) <= 200
    shared = set(first) & set(second)
    assert 0 < len(shared) < min(len(first), len(second)) / 3
    again = make_finder(uow, ids, clock, name="A again", query={"url": URL})
    run_all(uow, gw, clock, settings, again)
    assert segment_identifiers(uow, again) == first
    assert finder_row(uow, again).added == 0


def test_sales_navigator_without_the_subscription_in_the_sandbox(db, clock, settings):
    uow = UnitOfWork(db)
    with uow() as s:
        ws = f.workspace(s)
        owner, _ = f.sender(s, ws, kind="free")
        finder = create_finder(session=s, workspace_id=ws.id, name="SN", owner_id=owner.id, now=clock.now(),
                               query={"url": "https://www.linkedin.com/sales/search/people?query=(keywords%3Acto)"})
        finder_id = finder.id
        assert finder.result_cap == 2500
    gw = SandboxGateway(uow=uow, clock=clock, settings=settings)
    assert run_all(uow, gw, clock, settings, finder_id) == ["failed"]
    assert finder_row(uow, finder_id).problem == "not_subscribed"


def test_a_campaign_on_the_finder_plans_the_new_people_but_no_connection(world, clock, settings):
    from core.campaigns.drafts import CampaignDraft
    from core.delivery import planner
    from core.delivery.models import Send
    from core.workspace.models import Member

    uow, ids = world
    gw = FakeGateway(clock=clock, search_results=[f.search_result(1, network_distance="FIRST_DEGREE"),
                                                  f.search_result(2), f.search_result(3)])
    finder_id = make_finder(uow, ids, clock)
    with uow() as s:
        owner = s.get_one(Member, ids["owner"])
        draft = CampaignDraft(name="On the finder", program="Growth", sender_id=owner.id, source_kind="finder",
                              source_id=finder_id, languages=["en", "fr"], invitation=dict(f.HELLO),
                              slots=list(f.EVERY_DAY), cohort_size=25)
        campaign = f.save_campaign(s, owner, draft, now=clock.now(), activate=True)
    run_all(uow, gw, clock, settings, finder_id)  # the run brings three people, one already connected
    with uow() as s:
        planner.plan_due(session=s, now=clock.now(), settings=settings, campaign_ids=[campaign.id],
                         force_tomorrow=True)
    with uow(read_only=True) as s:
        invited = s.execute(select(Contact.public_identifier).join(Send, Send.contact_id == Contact.id)
                            .where(Send.campaign_id == campaign.id)).scalars().all()
    assert sorted(invited) == ["person-2", "person-3"]
