"""The demo workspace: everything a first try needs, the same every time (`invitebot demo seed`)."""

from collections import Counter

from sqlmodel import select

from core.campaigns.templates import context_for, render
from core.sources.models import Contact, FinderMember, Segment
from core.sources.segments import source_contacts
from core.sources.visibility import visible_sources
from core.workspace.models import LinkedInAccount, Member, Workspace
from core.demo.seed import seed_demo

FILLER = "x" * (295 - len("{{firstName}} {{lastName}} {{company}} "))
INVITATION = "{{firstName}} {{lastName}} {{company}} " + FILLER


def test_demo_has_the_members_and_accounts_the_product_needs(session):
    demo = seed_demo(session=session)
    session.commit()
    members = session.exec(select(Member).order_by(Member.id)).all()
    assert len(members) == 4
    assert [m.role for m in members].count("admin") == 1
    assert [m.active for m in members].count(False) == 1
    accounts = session.exec(select(LinkedInAccount)).all()
    assert sorted(a.kind for a in accounts) == ["free", "premium"]
    assert {a.provider for a in accounts} == {"sandbox"} and {a.status for a in accounts} == {"valid"}
    assert sum(1 for m in members if m.active and m.id not in {a.member_id for a in accounts}) == 1
    assert demo.workspace.timezone == "Europe/Paris"


def test_demo_sources_follow_the_visibility_rules(session):
    demo = seed_demo(session=session)
    assert session.exec(select(FinderMember)).all()
    assert any(s.is_global for s in session.exec(select(Segment)).all())
    for finder in demo.finders:
        assert session.get(Segment, finder.segment_id).name == finder.name
        contacts = session.execute(source_contacts(session=session, workspace_id=demo.workspace.id,
                                                   kind="finder", source_id=finder.id)).scalars().all()
        assert len(contacts) > 50
    chloe = demo.members["chloe@demo.invitebot.example"]
    names = {(o.kind, o.name) for o in visible_sources(session=session, workspace_id=demo.workspace.id,
                                                       sender_id=chloe.id)}
    assert ("finder", "Sales leaders DACH and Spain") in names and ("segment", "All demo contacts") in names


def test_demo_contacts_are_varied_and_some_overflow_a_295_character_invitation(session):
    demo = seed_demo(session=session)
    contacts = session.exec(select(Contact)).all()
    assert 280 <= len(contacts) <= 320
    assert set(Counter(c.language for c in contacts)) == {"fr", "en", "de", "es"}
    assert any(c.company is None for c in contacts)
    lengths = {len(c.first_name) for c in contacts}
    assert min(lengths) <= 3 and max(lengths) >= 15
    rendered = [render(INVITATION, context_for(c, "Alice Martin"), public_url="https://x.io") for c in contacts
                if c.company]
    over = [r for r in rendered if r.length > 300]
    assert over and len(over) < len(rendered)
    assert demo.contacts == len(contacts)


def test_seeding_twice_reuses_the_demo_workspace_and_gives_the_same_data(session):
    first = seed_demo(session=session)
    session.commit()
    snapshot = sorted((c.public_identifier, c.first_name, c.company) for c in session.exec(select(Contact)))
    second = seed_demo(session=session)
    session.commit()
    assert second.workspace.id == first.workspace.id
    assert len(session.exec(select(Workspace)).all()) == 1
    assert len(session.exec(select(Member)).all()) == 4
    assert sorted((c.public_identifier, c.first_name, c.company) for c in session.exec(select(Contact))) == snapshot
