"""Which finders and segments a sender can pick (P-8a, P-8c), and the type-ahead order."""

import pytest

from core.sources.segments import create_finder, create_segment
from core.sources.visibility import is_source_visible, visible_sources
from core.workspace.service import add_member, create_workspace


@pytest.fixture
def world(session):
    ws = create_workspace(session=session, name="Acme")
    owner = add_member(session=session, workspace_id=ws.id, name="Olivia Owner")
    helper = add_member(session=session, workspace_id=ws.id, name="Hugo Helper")
    other = add_member(session=session, workspace_id=ws.id, name="Otto Other")
    finder = create_finder(session=session, workspace_id=ws.id, name="CTOs in Paris", owner_id=owner.id,
                           additional_member_ids=[helper.id])
    private = create_segment(session=session, workspace_id=ws.id, name="My warm leads", owner_id=owner.id)
    global_ = create_segment(session=session, workspace_id=ws.id, name="All customers", owner_id=owner.id,
                             is_global=True)
    elsewhere = create_workspace(session=session, name="Elsewhere")
    stranger = add_member(session=session, workspace_id=elsewhere.id, name="Sam Stranger")
    foreign = create_segment(session=session, workspace_id=elsewhere.id, name="Foreign global", is_global=True)
    foreign_finder = create_finder(session=session, workspace_id=elsewhere.id, name="Foreign finder",
                                   owner_id=stranger.id)
    session.commit()
    return dict(ws=ws, owner=owner, helper=helper, other=other, finder=finder, finder_segment_id=finder.segment_id,
                private=private, global_=global_, elsewhere=elsewhere, stranger=stranger, foreign=foreign,
                foreign_finder=foreign_finder)


def _visible(session, w, who):
    return {(o.kind, o.name) for o in visible_sources(session=session, workspace_id=w["ws"].id, sender_id=w[who].id)}


def test_owner_sees_own_finder_its_segment_own_segments_and_global(session, world):
    assert _visible(session, world, "owner") == {
        ("finder", "CTOs in Paris"), ("segment", "CTOs in Paris"), ("segment", "My warm leads"),
        ("segment", "All customers")}


def test_additional_member_sees_the_finder_and_global_segments_only(session, world):
    assert _visible(session, world, "helper") == {("finder", "CTOs in Paris"), ("segment", "All customers")}


def test_other_member_sees_only_global_segments(session, world):
    assert _visible(session, world, "other") == {("segment", "All customers")}


def test_a_sender_of_another_workspace_sees_nothing_here(session, world):
    assert visible_sources(session=session, workspace_id=world["ws"].id, sender_id=world["stranger"].id) == []
    assert not is_source_visible(session=session, workspace_id=world["ws"].id, sender_id=world["stranger"].id,
                                 kind="segment", source_id=world["global_"].id)


@pytest.mark.parametrize("who, kind, source, expected", [
    ("owner", "finder", "finder", True),
    ("helper", "finder", "finder", True),
    ("other", "finder", "finder", False),
    ("owner", "segment", "finder_segment", True),
    ("helper", "segment", "finder_segment", False),
    ("owner", "segment", "private", True),
    ("helper", "segment", "private", False),
    ("other", "segment", "global_", True),
    ("owner", "segment", "foreign", False),
    ("owner", "finder", "foreign_finder", False),
    ("owner", "campaign", "private", False),
])
def test_visibility_matrix(session, world, who, kind, source, expected):
    source_id = world["finder_segment_id"] if source == "finder_segment" else world[source].id
    assert is_source_visible(session=session, workspace_id=world["ws"].id, sender_id=world[who].id,
                             kind=kind, source_id=source_id) is expected


def test_options_put_finders_first_then_prefix_matches_then_contains(session, world):
    ws, owner = world["ws"], world["owner"]
    create_segment(session=session, workspace_id=ws.id, name="Paris startups", owner_id=owner.id)
    create_segment(session=session, workspace_id=ws.id, name="Lyon & Paris", owner_id=owner.id)
    got = visible_sources(session=session, workspace_id=ws.id, sender_id=owner.id, query="paris")
    assert [(o.kind, o.name) for o in got] == [
        ("finder", "CTOs in Paris"), ("segment", "Paris startups"), ("segment", "CTOs in Paris"),
        ("segment", "Lyon & Paris")]
    assert got[0].detail == "Finder · yours"
    helper_view = visible_sources(session=session, workspace_id=ws.id, sender_id=world["helper"].id, query="cto")
    assert helper_view[0].detail == "Finder · shared by Olivia Owner"
    assert visible_sources(session=session, workspace_id=ws.id, sender_id=owner.id, query="zzz") == []
    assert len(visible_sources(session=session, workspace_id=ws.id, sender_id=owner.id, limit=2)) == 2
