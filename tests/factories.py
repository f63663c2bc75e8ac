"""Builders of real objects for the integration and e2e tests, through the product's own services
(STYLE: fixtures use the services): workspaces, members and their LinkedIn accounts
(`core.workspace.service`), segments (`core.sources.segments`), campaigns created and activated
(`core.campaigns.service`). A campaign the service refuses fails the test that builds it, naming
the errors.

Two exceptions, each a state no service makes:
- contacts are rows: the product's only way in is the CSV import of a whole file;
- a cap over LinkedIn's limits (`core.workspace.limits`) is written on the account: the service
  refuses it, and only a row stored before the limits were checked holds one (throughput tests
  use them so that the caps never bind).

Small builders (`workspace`, `member`, `sender`, `contacts`, `segment`, `campaign`) let a test
control each field (slots, timezones, caps); `chat_member` makes members as Slack and Teams do
on first contact; `running_campaign` is the chat tests' active campaign; `make_team` gives a
whole cast at once."""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone

from sqlmodel import Session

from core.delivery.linkedin.port import Profile
from core.campaigns.drafts import CampaignDraft, FollowupDraft, SlotDraft
from core.campaigns.models import STATUS_ACTIVE, STATUS_STOPPED, Campaign
from core.campaigns.service import activate_campaign, create_campaign, stop_campaign
from core.sources.models import Contact, Segment
from core.sources.segments import add_contacts_to_segment, create_segment
from core.workspace.limits import CAPS
from core.workspace.models import LinkedInAccount, Member, Workspace
from core.workspace.service import (
    add_member, connect_linkedin_account, create_workspace, deactivate_member, ensure_member_for_chat,
)

PUBLIC_URL = "https://invitebot.example"
WEEKDAYS = range(7)
LONG_AGO = datetime(2020, 1, 1, tzinfo=timezone.utc)

_seq = itertools.count(1)


def _id(workspace: Workspace | int) -> int:
    return workspace if isinstance(workspace, int) else workspace.id


# -- workspaces, members, accounts --------------------------------------------------------------

def workspace(session: Session, *, digest_hour: int = 18, name: str = "Acme", timezone: str = "UTC") -> Workspace:
    """A workspace named `name` and a number (names are unique)."""
    return create_workspace(session=session, name=f"{name} {next(_seq)}", timezone=timezone, digest_hour=digest_hour)


def member(session: Session, ws: Workspace | int, *, name: str = "Other", role: str = "member",
           email: str | None = None) -> Member:
    return add_member(session=session, workspace_id=_id(ws), name=name, role=role,
                      email=email or f"o{next(_seq)}@example.com")


def connect(session: Session, who: Member, *, account_key: str | None = None, provider: str = "sandbox",
            kind: str = "premium", daily: int | None = None, weekly: int | None = None,
            messages: int | None = None) -> LinkedInAccount:
    """Connect a LinkedIn account to `who` (a free sandbox account's id ends with ":free", as the
    sandbox reads it). Caps left out are the kind's defaults."""
    key = account_key or f"acct-{next(_seq)}" + (":free" if kind == "free" else "")
    caps = {"daily_invite_cap": daily, "weekly_invite_cap": weekly, "daily_message_cap": messages}
    allowed = {cap: value for cap, value in caps.items() if value is None or value <= CAPS[cap].maximum[kind]}
    account = connect_linkedin_account(session=session, member_id=who.id, provider=provider, provider_account_id=key,
                                       kind=kind, **allowed)
    for cap, value in caps.items():
        if cap not in allowed:  # over LinkedIn's limits: only an old row holds that (see the module)
            setattr(account, cap, value)
    session.add(account)
    session.flush()
    return account


def sender(session: Session, ws: Workspace | int, *, name: str = "Sam Sender", role: str = "member",
           kind: str = "premium", daily: int | None = None, weekly: int | None = None, messages: int | None = None,
           account_key: str | None = None, provider: str = "sandbox") -> tuple[Member, LinkedInAccount]:
    """A member with a connected LinkedIn account."""
    who = member(session, ws, name=name, role=role, email=f"m{next(_seq)}@example.com")
    return who, connect(session, who, account_key=account_key, provider=provider, kind=kind, daily=daily,
                        weekly=weekly, messages=messages)


def chat_member(session: Session, platform: str, tenant: str, user_id: str, name: str, email: str | None = None, *,
                workspace_name: str | None = None) -> Member:
    """A member as the chat surfaces make one on first contact (`ensure_member_for_chat`): in the
    workspace of the Slack team or Teams tenant, created with it; the first of a workspace is its admin."""
    return ensure_member_for_chat(session=session, platform=platform, tenant=tenant, external_user_id=user_id,
                                  name=name, email=email, workspace_name=workspace_name)


# -- contacts and segments ----------------------------------------------------------------------

def contact(session: Session, ws: Workspace | int, public_identifier: str, **fields) -> Contact:
    """One contact of the workspace (a row: see the module), its profile URL made from its identifier."""
    row = Contact(workspace_id=_id(ws), public_identifier=public_identifier,
                  profile_url=f"https://www.linkedin.com/in/{public_identifier}", **fields)
    session.add(row)
    session.flush()
    return row


def contacts(session: Session, ws: Workspace | int, count: int, *, language: str | None = "en",
             prefix: str = "person", **fields) -> list[Contact]:
    """`count` contacts named Ann<n> Lee at Initech unless `fields` say otherwise."""
    out = []
    for _ in range(count):
        n = next(_seq)
        out.append(contact(session, ws, f"{prefix}-{n}", first_name=fields.get("first_name", f"Ann{n}"),
                           last_name=fields.get("last_name", "Lee"), company=fields.get("company", "Initech"),
                           language=language))
    return out


def contacts_from(session: Session, ws: Workspace | int, described: list[dict]) -> list[Contact]:
    """One contact per dict of fields; a sandbox provider id (`sbx-<identifier>`) unless given."""
    out = []
    for i, fields in enumerate(described):
        fields = dict(fields)
        ident = fields.pop("public_identifier", None) or f"person-{_id(ws)}-{i}"
        fields.setdefault("provider_id", f"sbx-{ident}")
        out.append(contact(session, ws, ident, **fields))
    return out


# Three founders of different name lengths and languages (the chat worlds' segment).
FOUNDERS = [
    {"public_identifier": f"p{i}", "first_name": first, "last_name": last, "headline": "Founder", "company": "Acme",
     "language": lang, "provider_id": None}
    for i, (first, last, lang) in enumerate((("Ann", "Lee", "en"), ("Maximilianus", "Vandenberghe", "fr"),
                                             ("Jo", "Park", "en")))
]


def segment(session: Session, ws: Workspace | int, members: list[Contact], *, owner: Member | None = None,
            name: str | None = None) -> Segment:
    """A list segment holding `members`: `owner`'s, or global without one."""
    seg = create_segment(session=session, workspace_id=_id(ws), name=name or f"Segment {next(_seq)}",
                         owner_id=owner.id if owner else None, is_global=owner is None)
    add_contacts_to_segment(session=session, workspace_id=_id(ws), segment_id=seg.id,
                            contact_ids=[c.id for c in members])
    return seg


# -- campaigns ----------------------------------------------------------------------------------

def save_campaign(session: Session, actor: Member, draft: CampaignDraft, *, now: datetime,
                  activate: bool = False) -> Campaign:
    """Create (and activate) a campaign as `actor` would from the form; the test fails when refused."""
    outcome = create_campaign(session=session, actor=actor, draft=draft, now=now, public_url=PUBLIC_URL)
    assert outcome.ok, outcome.errors
    if activate:
        activated = activate_campaign(session=session, actor=actor, campaign_id=outcome.value.id, now=now,
                                      public_url=PUBLIC_URL)
        assert activated.ok, activated.errors
    return outcome.value


EVERY_DAY = [SlotDraft(weekday=d, start="09:00", end="17:00") for d in range(7)]
HELLO = {"en": "Hi {{firstName}}, shall we connect?", "fr": "Bonjour {{firstName}}, on se connecte ?"}


def running_campaign(session: Session, sender_member: Member, segment_id: int, *, now: datetime,
                     name: str = "Digest run", invitation: dict[str, str] | None = None) -> Campaign:
    """An active campaign of `sender_member` over their segment, in the languages of `invitation`
    (English and French unless given), sending every day 09:00-17:00, 25 a slot, moderated (the chat
    tests' digests come from it)."""
    invitation = dict(invitation or HELLO)
    draft = CampaignDraft(name=name, program="Growth", sender_id=sender_member.id, source_kind="segment",
                          source_id=segment_id, languages=list(invitation), invitation=invitation,
                          slots=list(EVERY_DAY), cohort_size=25)
    return save_campaign(session, sender_member, draft, now=now, activate=True)


def campaign(session: Session, ws: Workspace | int, sender_member: Member, seg: Segment, *, tz: str = "UTC",
             slots: list[dict] | None = None, cohort: int = 10, moderation: bool = False,
             languages: tuple[str, ...] = ("en",), default_language: str = "en",
             invitation: dict[str, str] | None = None, welcome: dict[str, str] | None = None,
             followups: Iterable[tuple[int, dict[str, str]]] = (), activated_at: datetime = LONG_AGO,
             status: str = STATUS_ACTIVE, stop_if_ongoings: bool = True, stop_if_incomings: bool = True) -> Campaign:
    """A campaign of `sender_member` over `seg`, saved and activated by them at `activated_at`
    (then stopped for `status=STATUS_STOPPED`); every weekday 09:00-11:00 unless `slots` say."""
    assert _id(ws) == sender_member.workspace_id
    n = next(_seq)
    raw_slots = slots if slots is not None else [{"weekday": d, "start": "09:00", "end": "11:00"} for d in WEEKDAYS]
    draft = CampaignDraft(
        name=f"Campaign {n}", program="Delivery", sender_id=sender_member.id, source_kind="segment", source_id=seg.id,
        languages=list(languages), default_language=default_language,
        invitation=invitation or {lang: f"Hello {{{{firstName}}}}, let us connect ({lang})." for lang in languages},
        welcome=dict(welcome or {}), followups=[FollowupDraft(delay_days=d, texts=t) for d, t in followups],
        stop_if_ongoings=stop_if_ongoings, stop_if_incomings=stop_if_incomings, moderation=moderation, timezone=tz,
        slots=[SlotDraft(**s) for s in raw_slots], cohort_size=cohort)
    saved = save_campaign(session, sender_member, draft, now=activated_at, activate=status in (STATUS_ACTIVE,
                                                                                               STATUS_STOPPED))
    if status == STATUS_STOPPED:
        stopped = stop_campaign(session=session, actor=sender_member, campaign_id=saved.id, now=activated_at)
        assert stopped.ok, stopped.errors
    return saved


# -- a whole team -------------------------------------------------------------------------------

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


DEFAULT_PEOPLE = [
    {"first_name": "Anna", "last_name": "Schmidt", "company": "Siemens", "language": "de", "job_title": "CTO"},
    {"first_name": "Louis", "last_name": "Martin", "company": "Renault", "language": "fr", "job_title": "CEO"},
    {"first_name": "Jane", "last_name": "Doe", "company": "Acme", "language": "en", "job_title": "VP Sales"},
    {"first_name": "Carlos", "last_name": "García", "company": None, "language": "es", "job_title": "CFO"},
]


def make_team(session: Session, *, name: str = "Acme Sales", people: list[dict] | None = None,
              timezone: str = "Europe/Paris") -> Team:
    ws = create_workspace(session=session, name=name, timezone=timezone)

    def add(who: str, first: str, **kw) -> Member:
        return member(session, ws, name=who, email=f"{first}@{ws.id}.test", **kw)

    admin = add("Alice Admin", "alice", role="admin")
    sender_ = add("Sam Sender", "sam")
    colleague = add("Carl Colleague", "carl")
    no_account = add("Nora Noaccount", "nora")
    inactive = add("Ian Inactive", "ian")
    sender_account = connect(session, sender_, account_key=f"acc-sam-{ws.id}")
    colleague_account = connect(session, colleague, account_key=f"acc-carl-{ws.id}", kind="free")
    connect(session, inactive, account_key=f"acc-ian-{ws.id}")
    deactivate_member(session=session, workspace_id=ws.id, member_id=inactive.id)
    contacts_ = contacts_from(session, ws, people if people is not None else DEFAULT_PEOPLE)
    seg = segment(session, ws, contacts_, owner=sender_, name="Decision makers")
    return Team(ws, admin, sender_, colleague, no_account, inactive, sender_account, colleague_account, seg, contacts_)


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
    return save_campaign(session, team.sender, draft_for(team, **overrides), now=now, activate=activate)


# -- people a LinkedIn search finds ---------------------------------------------------------------

def search_result(i: int, **fields) -> Profile:
    """Person `i` of a people search (a French headline: their language is detected as French)."""
    values = {"provider_id": f"ACo{i}", "public_identifier": f"person-{i}", "first_name": f"Ann{i}",
              "last_name": "Lee", "headline": "Fondatrice et directrice générale d'une jeune entreprise",
              "company": "Acme", "location": "Paris, France", **fields}
    return Profile(**values)
