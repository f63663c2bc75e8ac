"""The type-ahead answered from memory gives what the database gives, and forgets what was written."""

from __future__ import annotations

import asyncio
import random

import pytest
from sqlalchemy import insert

from bot.conversation import suggestions as sg
from bot.conversation.commands import parse_command
from bot.conversation.handlers import handle_command
from bot.conversation.interactions import handle_submission
from bot.conversation.options import options_for
from bot.conversation.runner import run_sync
from bot.conversation.suggestions import NameIndex, Suggestions, suggest, suggestions_of
from core.campaigns.models import Campaign
from core.db import UnitOfWork, utcnow
from core.sources.models import Segment
from core.sources.segments import create_finder, create_segment
from core.workspace.models import Member
from tests.unit.conversation.test_flows import valid_values

WORDS = ["lyon", "paris", "Lyon", "CTO", "cto", "ops", "q3", "Q4", "growth", "a", "b", "ab", "ba", "x1", "1x"]


def random_name(rng: random.Random, i: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 3))) + f" {i}"


TYPED = ["", "l", "ly", "lyon", "LYON", "lyon p", "cto", "o", "3", "q", "ab", "ba", "zz", "1", "x1", " a ", "on 1",
         "%", "_", "growth lyon"]


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def many_names(ctx, people):
    """Campaigns, segments (own, global, another member's) and finders (own, shared, not shared)
    with overlapping names, in Bob's workspace."""
    rng = random.Random(3)
    with UnitOfWork(ctx.engine)() as s:
        bob = s.get(Member, people.bob)
        ws, now = bob.workspace_id, utcnow()
        s.execute(insert(Campaign), [dict(
            workspace_id=ws, name=(n := random_name(rng, i)), name_key="".join(n.split()).casefold(), description="",
            sender_id=bob.id, source_kind="segment", source_id=people.segment, status="draft", moderation=True,
            timezone="UTC", slots=[], cohort_size=10, languages=["en"], default_language="en", stop_if_ongoings=True,
            stop_if_incomings=True, created_at=now, updated_at=now) for i in range(300)])
        s.execute(insert(Segment), [dict(
            workspace_id=ws, name=(n := random_name(rng, i)), name_key="".join(n.split()).casefold(),
            owner_id=(bob.id, people.admin, None)[i % 3], is_global=i % 3 == 2 or i % 7 == 0, is_list=True,
            criteria={}, created_at=now) for i in range(300)])
        for i in range(12):
            create_finder(session=s, workspace_id=ws, name=f"Finder {random_name(rng, 1000 + i)}",
                          owner_id=(bob.id, people.admin)[i % 2], additional_member_ids=[bob.id] if i % 4 == 1 else [])
    return people


def from_database(ctx, member_id, lookup, typed, values=None):
    return run_sync(ctx, member_id, options_for, lookup, typed, values or {}, read_only=True)


@pytest.mark.parametrize("lookup", ["campaign_name", "program", "source"])
def test_answers_from_memory_are_the_database_answers(ctx, many_names, lookup):
    people = many_names
    values_of = [{}, {"sender": str(people.admin)}, {"sender": str(people.outsider)}] if lookup == "source" else [{}]
    for values in values_of:
        cache = Suggestions()
        first = run_sync(ctx, people.bob, lambda c, s, a: cache.load(s, a, lookup, "", values), read_only=True)
        assert first == from_database(ctx, people.bob, lookup, "", values)
        for typed in TYPED:
            assert cache.choices(people.bob, lookup, typed, values) == from_database(ctx, people.bob, lookup, typed,
                                                                                     values), (typed, values)


def test_an_interaction_that_writes_is_seen_on_the_next_keystroke(ctx, people):
    asyncio.run(suggest(ctx, people.bob, "campaign_name", "lyon"))  # the snapshot is taken
    form = run_sync(ctx, people.bob, handle_command, parse_command("create")).dialog
    reply = run_sync(ctx, people.bob, handle_submission, form.kind, form.state, valid_values(form, people))
    assert reply.errors is None
    labels = [o.label for o in asyncio.run(suggest(ctx, people.bob, "campaign_name", "lyon"))]
    assert "Lyon push" in labels


def test_a_write_by_another_process_shows_once_the_snapshot_expired(ctx, people):
    clock = FakeClock()
    ctx.extras["conversation.suggestions"] = Suggestions(clock=clock)
    assert asyncio.run(suggest(ctx, people.bob, "source", "paris")) == []
    with UnitOfWork(ctx.engine)() as s:  # as the CLI would, in its own process
        create_segment(session=s, workspace_id=s.get(Member, people.bob).workspace_id, name="Paris CFOs",
                       owner_id=people.bob)
    assert asyncio.run(suggest(ctx, people.bob, "source", "paris")) == []  # within the snapshot's life
    clock.now += sg.SNAPSHOT_SECONDS + 1
    groups = asyncio.run(suggest(ctx, people.bob, "source", "paris"))
    assert [o.label for g in groups for o in g.options] == ["Paris CFOs"]


def test_a_lookup_too_large_to_keep_asks_the_database_each_time(ctx, people, monkeypatch):
    monkeypatch.setattr(sg, "SNAPSHOT_MAX", 1)
    with UnitOfWork(ctx.engine)() as s:
        ws = s.get(Member, people.bob).workspace_id
        create_segment(session=s, workspace_id=ws, name="Paris CFOs", owner_id=people.bob)
    assert len([o for g in asyncio.run(suggest(ctx, people.bob, "source", "")) for o in g.options]) == 2
    with UnitOfWork(ctx.engine)() as s:
        create_segment(session=s, workspace_id=ws, name="Paris CEOs", owner_id=people.bob)
    labels = [o.label for g in asyncio.run(suggest(ctx, people.bob, "source", "paris")) for o in g.options]
    assert labels == ["Paris CEOs", "Paris CFOs"]
    assert not suggestions_of(ctx)._snapshots


def test_snapshots_are_per_sender_and_a_foreign_sender_gets_nothing(ctx, people):
    mine = asyncio.run(suggest(ctx, people.bob, "source", "lyon"))
    assert [o.label for g in mine for o in g.options] == ["Lyon CTOs"]
    assert asyncio.run(suggest(ctx, people.bob, "source", "lyon", {"sender": str(people.admin)})) == []
    assert asyncio.run(suggest(ctx, people.bob, "source", "lyon", {"sender": str(people.outsider)})) == []
    assert [o.label for g in asyncio.run(suggest(ctx, people.bob, "source", "lyon")) for o in g.options] == ["Lyon CTOs"]


def test_name_index_orders_prefixes_first_then_containing_keys():
    index = NameIndex([("bab", 4, "bab"), ("ab", 2, "ab"), ("abc", 1, "abc"), ("cab", 3, "cab"), ("ab", 1, "ab#1"),
                       ("xyz", 5, "xyz"), ("abab", 6, "abab")])
    assert index.search("ab", 10) == ["ab#1", "ab", "abab", "abc", "bab", "cab"]
    assert index.search("ab", 2) == ["ab#1", "ab"]
    assert index.search("ab", 4) == ["ab#1", "ab", "abab", "abc"]
    assert index.search("b", 10) == ["bab", "ab#1", "ab", "abab", "abc", "cab"]
    assert index.search("", 3) == ["ab#1", "ab", "abab"]
    assert index.search("q", 10) == [] and index.search("ab", 0) == []


def test_a_load_that_began_before_a_write_is_not_kept(ctx, people):
    cache = Suggestions()
    run_sync(ctx, people.bob, lambda c, s, a: cache.load(s, a, "source", "", {}), read_only=True)
    ticket = cache.ticket(people.bob)  # taken before the unit of work, as `suggest` does

    def load_while_someone_writes(c, session, actor):
        cache.forget_workspace(actor.workspace_id)  # another interaction committed meanwhile
        return cache.load(session, actor, "source", "", {}, ticket)

    run_sync(ctx, people.bob, load_while_someone_writes, read_only=True)
    assert cache.choices(people.bob, "source", "", {}) is None  # asked again next keystroke
    run_sync(ctx, people.bob, lambda c, s, a: cache.load(s, a, "source", "", {}, cache.ticket(people.bob)),
             read_only=True)
    assert cache.choices(people.bob, "source", "", {}) is not None


def test_an_inactive_member_gets_no_suggestion(ctx, people):
    with UnitOfWork(ctx.engine)() as s:
        s.get(Member, people.bob).active = False
    assert asyncio.run(suggest(ctx, people.bob, "source", "lyon")) == []
    assert asyncio.run(suggest(ctx, people.bob, "campaign_name", "lyon")) == []
    assert not suggestions_of(ctx)._snapshots


def test_the_names_held_stay_under_the_cap_least_recently_used_first(ctx, many_names, monkeypatch):
    people = many_names
    cache = Suggestions()
    load = lambda lookup, values: run_sync(  # noqa: E731
        ctx, people.bob, lambda c, s, a: cache.load(s, a, lookup, "", values), read_only=True)
    load("campaign_name", {})
    names = cache._held
    monkeypatch.setattr(sg, "MAX_NAMES_HELD", names + 10)
    load("source", {})  # more than 10 sources: the names' snapshot, least recently used, goes
    assert cache.choices(people.bob, "campaign_name", "", {}) is None
    assert cache.choices(people.bob, "source", "", {}) is not None
    assert cache._held <= names + 10 or len(cache._snapshots) == 1


def test_an_interaction_that_only_reads_keeps_the_snapshots(ctx, people):
    asyncio.run(suggest(ctx, people.bob, "campaign_name", "lyon"))
    form = run_sync(ctx, people.bob, handle_command, parse_command("create")).dialog  # not read-only, writes nothing
    assert form is not None
    assert suggestions_of(ctx).choices(people.bob, "campaign_name", "lyon", {}) is not None
    run_sync(ctx, people.bob, lambda c, s, a: s.add(a) or setattr(a, "name", "Bob Renamed"))  # an ORM write
    assert suggestions_of(ctx).choices(people.bob, "campaign_name", "lyon", {}) is None
