"""Creating finders and segments, filling them, reading their contacts (P-8, P-8b)."""

import pytest

from core.errors import NotFound
from core.sources.models import Finder, FinderMember, Segment
from core.sources.segments import add_contacts_to_segment, create_finder, create_segment, source_contacts
from core.workspace.service import add_member, create_workspace
from tests import factories as f


@pytest.fixture
def ws(session):
    return create_workspace(session=session, name="Acme")


def _names(session, stmt):
    return sorted(c.public_identifier for c in session.execute(stmt).scalars())


def test_a_finder_comes_with_a_segment_of_the_same_name(session, ws):
    ann = add_member(session=session, workspace_id=ws.id, name="Ann")
    bob = add_member(session=session, workspace_id=ws.id, name="Bob")
    finder = create_finder(session=session, workspace_id=ws.id, name="CTOs Paris", owner_id=ann.id,
                           query={"keywords": "CTO"}, additional_member_ids=[bob.id, ann.id])
    session.commit()
    segment = session.get(Segment, finder.segment_id)
    assert (segment.name, segment.owner_id, segment.finder_id) == ("CTOs Paris", ann.id, finder.id)
    assert [m.member_id for m in session.query(FinderMember).all()] == [bob.id]


def test_finder_and_its_segment_give_the_same_contacts(session, ws):
    ann = add_member(session=session, workspace_id=ws.id, name="Ann")
    finder = create_finder(session=session, workspace_id=ws.id, name="Found", owner_id=ann.id)
    a, _b = f.contact(session, ws, "aaa"), f.contact(session, ws, "bbb")
    add_contacts_to_segment(session=session, workspace_id=ws.id, segment_id=finder.segment_id, contact_ids=[a.id, a.id])
    add_contacts_to_segment(session=session, workspace_id=ws.id, segment_id=finder.segment_id, contact_ids=[a.id])
    by_finder = source_contacts(session=session, workspace_id=ws.id, kind="finder", source_id=finder.id)
    by_segment = source_contacts(session=session, workspace_id=ws.id, kind="segment", source_id=finder.segment_id)
    assert _names(session, by_finder) == _names(session, by_segment) == ["aaa"]


def test_a_failed_finder_leaves_no_segment_behind(session, ws):
    ann = add_member(session=session, workspace_id=ws.id, name="Ann")
    create_segment(session=session, workspace_id=ws.id, name="Taken name", owner_id=ann.id)
    with pytest.raises(ValueError, match="already exists"):
        create_finder(session=session, workspace_id=ws.id, name="taken  NAME", owner_id=ann.id)
    with pytest.raises(ValueError, match="not a member of this workspace"):
        create_finder(session=session, workspace_id=ws.id, name="Fresh", owner_id=ann.id, additional_member_ids=[999])
    session.rollback()
    assert session.query(Finder).count() == 0


def test_segment_rules(session, ws):
    ann = add_member(session=session, workspace_id=ws.id, name="Ann")
    with pytest.raises(ValueError, match="needs an owner"):
        create_segment(session=session, workspace_id=ws.id, name="Orphan")
    with pytest.raises(ValueError, match="unknown segment criterion 'colour'"):
        create_segment(session=session, workspace_id=ws.id, name="Bad", owner_id=ann.id, criteria={"colour": "red"})
    with pytest.raises(ValueError, match="required"):
        create_segment(session=session, workspace_id=ws.id, name="  ", owner_id=ann.id)
    seg = create_segment(session=session, workspace_id=ws.id, name="Everyone", is_global=True)
    assert seg.owner_id is None and seg.is_global


def test_another_workspace_s_contacts_and_sources_stay_out(session, ws):
    ann = add_member(session=session, workspace_id=ws.id, name="Ann")
    seg = create_segment(session=session, workspace_id=ws.id, name="Mine", owner_id=ann.id)
    other = create_workspace(session=session, name="Other")
    theirs = f.contact(session, other, "theirs")
    add_contacts_to_segment(session=session, workspace_id=ws.id, segment_id=seg.id, contact_ids=[theirs.id])
    assert _names(session, source_contacts(session=session, workspace_id=ws.id, kind="segment", source_id=seg.id)) == []
    with pytest.raises(NotFound):
        source_contacts(session=session, workspace_id=other.id, kind="segment", source_id=seg.id)
    with pytest.raises(NotFound):
        add_contacts_to_segment(session=session, workspace_id=other.id, segment_id=seg.id, contact_ids=[theirs.id])


def test_a_dynamic_segment_applies_its_criteria_to_every_contact(session, ws):
    f.contact(session, ws, "fr-one", language="fr")
    f.contact(session, ws, "en-one", language="en")
    seg = create_segment(session=session, workspace_id=ws.id, name="French", is_global=True, is_list=False,
                         criteria={"language": ["fr"]})
    assert _names(session, source_contacts(session=session, workspace_id=ws.id, kind="segment", source_id=seg.id)) == ["fr-one"]
