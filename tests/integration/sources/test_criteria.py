"""Each segment criterion evaluated in SQL on a small set of contacts (P-8c)."""

import itertools
from datetime import datetime, timezone

import pytest

from core.campaigns.models import STATUS_DRAFT
from core.delivery.models import Enrollment, Relation
from core.links.models import Click, TrackedLink
from core.sources.segments import add_contacts_to_segment, create_segment, source_contacts
from core.workspace.service import add_member, connect_linkedin_account, create_workspace
from tests import factories as f

_numbers = itertools.count()
NOW = datetime(2026, 11, 25, 14, 0, tzinfo=timezone.utc)
PEOPLE = {
    # slug: fields
    "amelie": dict(language="fr", location="Paris, France", company="Acme", job_title="Directrice commerciale",
                   birth_year=1990),
    "bruno": dict(language="fr", location="Lyon", company="Globex", job_title="CTO", age_min=40, age_max=49),
    "carla": dict(language="es", location="Madrid", company="ACME Iberia", job_title="Jefa de ventas", birth_year=1970),
    "dieter": dict(language="de", location="Berlin", company=None, job_title="CTO"),
    "emma": dict(language="en", location="London", company="Initech", job_title="Head of Sales", age_max=28),
}


@pytest.fixture
def world(session):
    ws = create_workspace(session=session, name="Acme")
    sender = add_member(session=session, workspace_id=ws.id, name="Sally Sender")
    account = connect_linkedin_account(session=session, member_id=sender.id, provider="sandbox",
                                       provider_account_id="acc-sally")
    nobody = add_member(session=session, workspace_id=ws.id, name="No Account")
    contacts = {slug: f.contact(session, ws, slug, **fields) for slug, fields in PEOPLE.items()}
    # Two campaigns of the sender's (drafts: their history below is what the criteria read)
    spring, autumn = (f.campaign(session, ws, sender, f.segment(session, ws, []), status=STATUS_DRAFT) for _ in range(2))

    def enroll(slug, campaign, **fields):
        session.add(Enrollment(workspace_id=ws.id, campaign_id=campaign.id, contact_id=contacts[slug].id,
                               account_id=account.id, **fields))

    enroll("amelie", spring, replied_at=NOW, reply_sentiment="positive")
    enroll("bruno", spring, replied_at=NOW, reply_sentiment="negative")
    enroll("carla", autumn)
    enroll("emma", autumn, replied_at=NOW, reply_sentiment="neutral")
    link = TrackedLink(token="tok1", campaign_id=spring.id, contact_id=contacts["amelie"].id, url="https://x.io")
    link2 = TrackedLink(token="tok2", campaign_id=autumn.id, contact_id=contacts["carla"].id, url="https://x.io")
    session.add_all([link, link2])
    session.flush()
    session.add_all([Click(link_id=link.id, campaign_id=spring.id, contact_id=contacts["amelie"].id, clicked_at=NOW),
                     Click(link_id=link2.id, campaign_id=autumn.id, contact_id=contacts["carla"].id, clicked_at=NOW)])
    session.add_all([Relation(account_id=account.id, provider_user_id="p-bruno", contact_id=contacts["bruno"].id),
                     Relation(account_id=account.id, provider_user_id="p-emma", public_identifier="emma")])
    session.flush()
    return dict(ws=ws, sender=sender, nobody=nobody, contacts=contacts, spring=spring, autumn=autumn)


def matches(session, world, criteria, *, sender=None, is_list=False):
    name = f"segment {next(_numbers)}"
    segment = create_segment(session=session, workspace_id=world["ws"].id, name=name, owner_id=world["sender"].id,
                             criteria=criteria, is_list=is_list)
    stmt = source_contacts(session=session, workspace_id=world["ws"].id, kind="segment", source_id=segment.id,
                           sender_id=sender, now=NOW)
    return sorted(c.public_identifier for c in session.execute(stmt).scalars())


ALL = sorted(PEOPLE)


@pytest.mark.parametrize("criteria, expected", [
    ({}, ALL),
    ({"language": ["fr", "es"]}, ["amelie", "bruno", "carla"]),
    ({"language": []}, []),
    ({"location": "paris"}, ["amelie"]),
    ({"company": "acme"}, ["amelie", "carla"]),
    ({"company": "50%"}, []),
    ({"job_title": "cto"}, ["bruno", "dieter"]),
    # 2026: amelie 36 (born 1990), carla 56 (born 1970), bruno estimated 40-49, emma at most 28
    ({"age": {"min": 30, "max": 45}}, ["amelie", "bruno"]),
    ({"age": {"min": 50}}, ["carla"]),
    ({"age": {"max": 30}}, ["emma"]),
    ({"clicked": True}, ["amelie", "carla"]),
    ({"clicked": False}, ["bruno", "dieter", "emma"]),
    ({"replied": True}, ["amelie", "bruno", "emma"]),
    ({"replied": {"sentiment": ["positive"]}}, ["amelie"]),
    ({"replied": {"sentiment": ["negative", "neutral"]}}, ["bruno", "emma"]),
    ({"replied": False}, ["carla", "dieter"]),
    ({"in_campaign": True}, ["amelie", "bruno", "carla", "emma"]),
    ({"not_in_campaign": True}, ["dieter"]),
    ({"exclude": {"company": "acme"}}, ["bruno", "dieter", "emma"]),
    ({"job_title": "cto", "exclude": {"location": "berlin"}}, ["bruno"]),
    ({"exclude": {"exclude": {"language": ["fr"]}}}, ["amelie", "bruno"]),
    ({"exclude": {"replied": {"sentiment": ["negative"]}}, "language": ["fr"]}, ["amelie"]),
])
def test_attribute_and_behaviour_criteria(session, world, criteria, expected):
    assert matches(session, world, criteria) == expected


def test_clicked_and_campaign_membership_by_campaign(session, world):
    spring, autumn = world["spring"].id, world["autumn"].id
    assert matches(session, world, {"clicked": {"campaign_id": spring}}) == ["amelie"]
    assert matches(session, world, {"clicked": {"campaign_id": autumn}}) == ["carla"]
    assert matches(session, world, {"in_campaign": [spring]}) == ["amelie", "bruno"]
    assert matches(session, world, {"not_in_campaign": [spring]}) == ["carla", "dieter", "emma"]
    assert matches(session, world, {"replied": {"campaign_id": autumn}}) == ["emma"]


def test_connected_to_the_sender_by_contact_or_by_public_identifier(session, world):
    sender = world["sender"].id
    assert matches(session, world, {"connected_to_sender": True}, sender=sender) == ["bruno", "emma"]
    assert matches(session, world, {"connected_to_sender": False}, sender=sender) == ["amelie", "carla", "dieter"]
    # the segment's owner is the sender when none is named
    assert matches(session, world, {"connected_to_sender": True}) == ["bruno", "emma"]
    # a sender without a LinkedIn account is connected to nobody
    assert matches(session, world, {"connected_to_sender": True}, sender=world["nobody"].id) == []


def test_connected_criterion_of_a_global_segment_needs_a_sender(session, world):
    seg = create_segment(session=session, workspace_id=world["ws"].id, name="Global net", is_global=True,
                         is_list=False, criteria={"exclude": {"connected_to_sender": True}})
    with pytest.raises(ValueError, match="name the sender"):
        source_contacts(session=session, workspace_id=world["ws"].id, kind="segment", source_id=seg.id)
    stmt = source_contacts(session=session, workspace_id=world["ws"].id, kind="segment", source_id=seg.id,
                           sender_id=world["sender"].id)
    assert sorted(c.public_identifier for c in session.execute(stmt).scalars()) == ["amelie", "carla", "dieter"]


def test_a_list_segment_narrows_its_own_contacts_by_its_criteria(session, world):
    seg = create_segment(session=session, workspace_id=world["ws"].id, name="Picked", owner_id=world["sender"].id,
                         criteria={"job_title": "cto"})
    add_contacts_to_segment(session=session, workspace_id=world["ws"].id, segment_id=seg.id,
                            contact_ids=[world["contacts"][s].id for s in ("bruno", "amelie")])
    stmt = source_contacts(session=session, workspace_id=world["ws"].id, kind="segment", source_id=seg.id, now=NOW)
    assert [c.public_identifier for c in session.execute(stmt).scalars()] == ["bruno"]


def test_evaluation_is_one_query(session, world, db):
    from sqlalchemy import event

    seg = create_segment(session=session, workspace_id=world["ws"].id, name="Busy", owner_id=world["sender"].id,
                         is_list=False, criteria={"language": ["fr"], "clicked": True, "replied": True,
                                                  "not_in_campaign": [world["autumn"].id],
                                                  "exclude": {"connected_to_sender": True}})
    stmt = source_contacts(session=session, workspace_id=world["ws"].id, kind="segment", source_id=seg.id, now=NOW)
    statements = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(db, "before_cursor_execute", listener)
    try:
        rows = session.execute(stmt).scalars().all()
    finally:
        event.remove(db, "before_cursor_execute", listener)
    assert [c.public_identifier for c in rows] == ["amelie"]
    assert len(statements) == 1
