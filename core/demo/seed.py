"""`invitebot demo seed`: a demo workspace to try every feature with, on the sandbox provider.

Idempotent: seeding again finds the demo workspace and adds only what is missing. Deterministic:
the same members, sources and ~300 contacts every time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from core.campaigns.naming import name_key
from core.delivery.linkedin.sandbox import FREE_SUFFIX, sandbox_account_id
from core.demo.people import demo_people
from core.sources.models import Contact, Finder, Segment
from core.sources.segments import add_contacts_to_segment, add_finder_members, create_finder, create_segment
from core.workspace.models import LinkedInAccount, Member, Workspace
from core.workspace.service import add_member, connect_linkedin_account, create_workspace, linkedin_account_of

DEMO_WORKSPACE = "Invitebot demo"
DEMO_TIMEZONE = "Europe/Paris"
# name, email, role, LinkedIn account kind (None: no account), active
MEMBERS = (
    ("Alice Martin", "alice@demo.invitebot.example", "admin", "premium", True),
    ("Bruno Keller", "bruno@demo.invitebot.example", "member", "free", True),
    ("Chloé Durand", "chloe@demo.invitebot.example", "member", None, True),
    ("Diego Ruiz", "diego@demo.invitebot.example", "member", None, False),
)
# name, owner email, additional members' emails, search, languages of the contacts it found
FINDERS = (
    ("Founders in France", "alice@demo.invitebot.example", ("bruno@demo.invitebot.example",),
     {"keywords": "fondateur", "location": "France"}, ("fr",)),
    ("Sales leaders DACH and Spain", "bruno@demo.invitebot.example",
     ("alice@demo.invitebot.example", "chloe@demo.invitebot.example"),
     {"keywords": "head of sales", "location": "DACH, Spain"}, ("de", "es")),
)
GLOBAL_SEGMENT = "All demo contacts"
# A dynamic segment with criteria, owned by Alice.
CRITERIA_SEGMENT = ("English speakers without a negative reply", "alice@demo.invitebot.example",
                    {"language": ["en"], "exclude": {"replied": {"sentiment": ["negative"]}}})


@dataclass
class DemoWorkspace:
    workspace: Workspace
    members: dict[str, Member] = field(default_factory=dict)  # by email
    accounts: dict[str, LinkedInAccount] = field(default_factory=dict)  # by email
    finders: list[Finder] = field(default_factory=list)
    segments: list[Segment] = field(default_factory=list)
    contacts: int = 0


def seed_demo(*, session: Session, provider: str = "sandbox") -> DemoWorkspace:
    """Create (or complete) the demo workspace; the caller commits."""
    workspace = session.execute(select(Workspace).where(Workspace.name == DEMO_WORKSPACE)
                                .order_by(Workspace.id)).scalar()
    if workspace is None:
        workspace = create_workspace(session=session, name=DEMO_WORKSPACE, timezone=DEMO_TIMEZONE)
    demo = DemoWorkspace(workspace=workspace)
    for name, email, role, kind, active in MEMBERS:
        member = session.execute(select(Member).where(Member.workspace_id == workspace.id,
                                                      Member.email == email)).scalar()
        if member is None:
            member = add_member(session=session, workspace_id=workspace.id, name=name, email=email, role=role)
            member.active = active
        demo.members[email] = member
        if kind is not None:
            account = linkedin_account_of(session=session, member_id=member.id)
            if account is None:
                account_id = sandbox_account_id(email) + (FREE_SUFFIX if kind == "free" else "")
                account = connect_linkedin_account(session=session, member_id=member.id, provider=provider,
                                                   provider_account_id=account_id, kind=kind)
            demo.accounts[email] = account
    session.flush()

    contact_ids = _seed_contacts(session, workspace.id)
    demo.contacts = len(contact_ids)
    by_language = _ids_by_language(session, workspace.id)
    for name, owner, extra, query, languages in FINDERS:
        finder = session.execute(select(Finder).where(Finder.workspace_id == workspace.id,
                                                      Finder.name_key == name_key(name))).scalar()
        extra_ids = [demo.members[e].id for e in extra]
        if finder is None:
            finder = create_finder(session=session, workspace_id=workspace.id, name=name,
                                   owner_id=demo.members[owner].id, query=query, additional_member_ids=extra_ids)
        else:
            add_finder_members(session=session, workspace_id=workspace.id, finder_id=finder.id, member_ids=extra_ids)
        found = [cid for lang in languages for cid in by_language.get(lang, [])[:60]]
        segment = session.get_one(Segment, finder.segment_id)
        add_contacts_to_segment(session=session, workspace_id=workspace.id, segment_id=segment.id, contact_ids=found)
        demo.finders.append(finder)
        demo.segments.append(segment)

    everyone = _segment(session, workspace.id, GLOBAL_SEGMENT, owner_id=demo.members[MEMBERS[0][1]].id,
                        is_global=True)
    add_contacts_to_segment(session=session, workspace_id=workspace.id, segment_id=everyone.id, contact_ids=contact_ids)
    name, owner, criteria = CRITERIA_SEGMENT
    demo.segments += [everyone, _segment(session, workspace.id, name, owner_id=demo.members[owner].id,
                                         criteria=criteria, is_list=False)]
    session.flush()
    return demo


def _seed_contacts(session: Session, workspace_id: int) -> list[int]:
    people = demo_people()
    known = set(session.execute(select(Contact.public_identifier)
                                .where(Contact.workspace_id == workspace_id)).scalars())
    session.add_all(Contact(workspace_id=workspace_id, public_identifier=p.public_identifier,
                            profile_url=f"https://www.linkedin.com/in/{p.public_identifier}",
                            first_name=p.first_name, last_name=p.last_name, headline=p.headline,
                            company=p.company, job_title=p.job_title, location=p.location, language=p.language,
                            birth_year=p.birth_year)
                    for p in people if p.public_identifier not in known)
    session.flush()
    wanted = [p.public_identifier for p in people]
    return list(session.execute(select(Contact.id).where(Contact.workspace_id == workspace_id,
                                                         Contact.public_identifier.in_(wanted))).scalars())


def _ids_by_language(session: Session, workspace_id: int) -> dict[str, list[int]]:
    rows = session.execute(select(Contact.language, Contact.id).where(Contact.workspace_id == workspace_id)
                           .order_by(Contact.id))
    grouped: dict[str, list[int]] = {}
    for language, contact_id in rows:
        grouped.setdefault(language, []).append(contact_id)
    return grouped


def _segment(session: Session, workspace_id: int, name: str, **kwargs: Any) -> Segment:
    existing = session.execute(select(Segment).where(Segment.workspace_id == workspace_id,
                                                     Segment.name_key == name_key(name))).scalar()
    return existing or create_segment(session=session, workspace_id=workspace_id, name=name, **kwargs)
