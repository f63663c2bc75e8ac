"""Builders of real objects through the product's own services (STYLE: fixtures use the services)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import Session

from core.campaigns.drafts import CampaignDraft, FollowupDraft, SlotDraft
from core.campaigns.models import Campaign
from core.campaigns.service import activate_campaign, create_campaign
from core.sources.models import Contact, Segment
from core.sources.segments import add_contacts_to_segment, create_finder, create_segment
from core.workspace.models import LinkedInAccount, Member, Workspace
from core.workspace.service import add_member, connect_linkedin_account, create_workspace

PUBLIC_URL = "https://invitebot.example"


@dataclass
class Team:
    """A workspace with an admin, a sender with a premium account, a colleague with a free
    account, a member without account, an inactive member, and a segment of contacts."""

    workspace: Workspace
    admin: Member
    sender: Member
    colleague: Member
    no_account: Member
    inactive: Member
    sender_account: LinkedInAccount
    colleague_account: LinkedInAccount
    segment: Segment
    contacts: list[Contact] = field(default_factory=list)


def make_contacts(session: Session, workspace_id: int, people: list[dict]) -> list[Contact]:
    contacts = []
    for i, p in enumerate(people):
        ident = p.get("public_identifier") or f"person-{workspace_id}-{i}"
        c = Contact(workspace_id=workspace_id, public_identifier=ident,
                    profile_url=f"https://www.linkedin.com/in/{ident}", provider_id=f"sbx-{ident}",
                    **{k: v for k, v in p.items() if k != "public_identifier"})
        session.add(c)
        contacts.append(c)
    session.flush()
    return contacts


DEFAULT_PEOPLE = [
    {"first_name": "Anna", "last_name": "Schmidt", "company": "Siemens", "language": "de", "job_title": "CTO"},
    {"first_name": "Louis", "last_name": "Martin", "company": "Renault", "language": "fr", "job_title": "CEO"},
    {"first_name": "Jane", "last_name": "Doe", "company": "Acme", "language": "en", "job_title": "VP Sales"},
    {"first_name": "Carlos", "last_name": "García", "company": None, "language": "es", "job_title": "CFO"},
]


def make_team(session: Session, *, name: str = "Acme Sales", people: list[dict] | None = None,
              timezone: str = "Europe/Paris") -> Team:
    ws = create_workspace(session=session, name=name, timezone=timezone)
    admin = add_member(session=session, workspace_id=ws.id, name="Alice Admin", email=f"alice@{ws.id}.test", role="admin")
    sender = add_member(session=session, workspace_id=ws.id, name="Sam Sender", email=f"sam@{ws.id}.test")
    colleague = add_member(session=session, workspace_id=ws.id, name="Carl Colleague", email=f"carl@{ws.id}.test")
    no_account = add_member(session=session, workspace_id=ws.id, name="Nora Noaccount", email=f"nora@{ws.id}.test")
    inactive = add_member(session=session, workspace_id=ws.id, name="Ian Inactive", email=f"ian@{ws.id}.test")
    sender_account = connect_linkedin_account(session=session, member_id=sender.id, provider="sandbox",
                                              provider_account_id=f"acc-sam-{ws.id}")
    colleague_account = connect_linkedin_account(session=session, member_id=colleague.id, provider="sandbox",
                                                 provider_account_id=f"acc-carl-{ws.id}", kind="free")
    connect_linkedin_account(session=session, member_id=inactive.id, provider="sandbox",
                             provider_account_id=f"acc-ian-{ws.id}")
    inactive.active = False
    session.add(inactive)
    segment = create_segment(session=session, workspace_id=ws.id, name="Decision makers", owner_id=sender.id)
    contacts = make_contacts(session, ws.id, people if people is not None else DEFAULT_PEOPLE)
    add_contacts_to_segment(session=session, workspace_id=ws.id, segment_id=segment.id,
                            contact_ids=[c.id for c in contacts])
    session.flush()
    return Team(ws, admin, sender, colleague, no_account, inactive, sender_account, colleague_account, segment, contacts)


def draft_for(team: Team, **overrides) -> CampaignDraft:
    base = dict(
        name="Q4 Paris CTOs", program="Enterprise", description="Decision makers in Europe",
        sender_id=team.sender.id, source_kind="segment", source_id=team.segment.id,
        languages=["en", "fr"], default_language="en",
        invitation={"en": "Hi {{firstName}}, let's connect!", "fr": "Bonjour {{firstName}}, échangeons !"},
        welcome={"en": "Thanks {{firstName}}!", "fr": "Merci {{firstName}} !"},
        followups=[FollowupDraft(delay_days=3, texts={"en": "How is {{company|default('work')}}?",
                                                       "fr": "Comment va {{company|default('le travail')}} ?"})],
        timezone="Europe/Paris",
        slots=[SlotDraft(weekday=d, start="09:00", end="11:00") for d in range(5)],
        cohort_size=10,
    )
    base.update(overrides)
    return CampaignDraft(**base)


def make_campaign(session: Session, team: Team, *, now: datetime, activate: bool = False, **overrides) -> Campaign:
    outcome = create_campaign(session=session, actor=team.sender, draft=draft_for(team, **overrides), now=now,
                              public_url=PUBLIC_URL)
    assert outcome.ok, outcome.errors
    if activate:
        activated = activate_campaign(session=session, actor=team.sender, campaign_id=outcome.value.id, now=now,
                                      public_url=PUBLIC_URL)
        assert activated.ok, activated.errors
    return outcome.value
