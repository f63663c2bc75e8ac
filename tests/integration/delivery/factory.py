"""Builds workspaces, senders, contacts and campaigns straight from the models, so delivery tests
control every field (slots, timezones, caps) without going through the campaign forms."""

from __future__ import annotations

import itertools
from datetime import datetime, timezone

from sqlmodel import Session

from core.campaigns.models import STATUS_ACTIVE, Campaign, CampaignMessage
from core.sources.models import Contact, Segment, SegmentContact
from core.workspace.models import LinkedInAccount, Member, Workspace

_seq = itertools.count(1)
WEEKDAYS = range(7)
LONG_AGO = datetime(2020, 1, 1, tzinfo=timezone.utc)


def workspace(session: Session, *, digest_hour: int = 18, name: str = "Acme") -> Workspace:
    ws = Workspace(name=f"{name} {next(_seq)}", digest_hour=digest_hour)
    session.add(ws)
    session.flush()
    return ws


def sender(session: Session, ws: Workspace, *, name: str = "Sam Sender", role: str = "member", kind: str = "premium",
           daily: int | None = None, weekly: int | None = None, messages: int | None = None,
           account_key: str | None = None, provider: str = "sandbox") -> tuple[Member, LinkedInAccount]:
    n = next(_seq)
    member = Member(workspace_id=ws.id, name=name, name_key=name.lower(), email=f"m{n}@example.com", role=role)
    session.add(member)
    session.flush()
    key = account_key or f"acct-{n}" + (":free" if kind == "free" else "")
    account = LinkedInAccount(workspace_id=ws.id, member_id=member.id, provider=provider, provider_account_id=key,
                              kind=kind, daily_invite_cap=daily, weekly_invite_cap=weekly, daily_message_cap=messages)
    session.add(account)
    session.flush()
    return member, account


def member(session: Session, ws: Workspace, *, name: str = "Other", role: str = "member") -> Member:
    m = Member(workspace_id=ws.id, name=name, name_key=name.lower(), email=f"o{next(_seq)}@example.com", role=role)
    session.add(m)
    session.flush()
    return m


def contacts(session: Session, ws: Workspace, count: int, *, language: str | None = "en", prefix: str = "person",
             **fields) -> list[Contact]:
    out = []
    for _ in range(count):
        n = next(_seq)
        c = Contact(workspace_id=ws.id, public_identifier=f"{prefix}-{n}", profile_url=f"https://www.linkedin.com/in/{prefix}-{n}",
                    first_name=fields.get("first_name", f"Ann{n}"), last_name=fields.get("last_name", "Lee"),
                    company=fields.get("company", "Initech"), language=language)
        session.add(c)
        out.append(c)
    session.flush()
    return out


def segment(session: Session, ws: Workspace, members: list[Contact], *, owner: Member | None = None) -> Segment:
    n = next(_seq)
    seg = Segment(workspace_id=ws.id, name=f"Segment {n}", name_key=f"segment {n}", owner_id=owner.id if owner else None,
                  is_global=owner is None)
    session.add(seg)
    session.flush()
    session.add_all([SegmentContact(segment_id=seg.id, contact_id=c.id) for c in members])
    session.flush()
    return seg


def campaign(session: Session, ws: Workspace, sender_member: Member, seg: Segment, *, tz: str = "UTC",
             slots: list[dict] | None = None, cohort: int = 10, moderation: bool = False,
             languages: tuple[str, ...] = ("en",), default_language: str = "en",
             invitation: dict[str, str] | None = None, welcome: dict[str, str] | None = None,
             followups: list[tuple[int, dict[str, str]]] = (), activated_at: datetime = LONG_AGO,
             status: str = STATUS_ACTIVE, stop_if_ongoings: bool = True, stop_if_incomings: bool = True) -> Campaign:
    n = next(_seq)
    c = Campaign(workspace_id=ws.id, name=f"Campaign {n}", name_key=f"campaign {n}", sender_id=sender_member.id,
                 source_kind="segment", source_id=seg.id, status=status, moderation=moderation, timezone=tz,
                 slots=slots if slots is not None else [{"weekday": d, "start": "09:00", "end": "11:00"} for d in WEEKDAYS],
                 cohort_size=cohort, languages=list(languages), default_language=default_language,
                 stop_if_ongoings=stop_if_ongoings, stop_if_incomings=stop_if_incomings,
                 activated_at=activated_at if status == STATUS_ACTIVE else None)
    session.add(c)
    session.flush()
    invitation = invitation or {lang: f"Hello {{{{firstName}}}}, let us connect ({lang})." for lang in languages}
    for lang, text in invitation.items():
        session.add(CampaignMessage(campaign_id=c.id, step="invitation", position=0, language=lang, template=text))
    for lang, text in (welcome or {}).items():
        session.add(CampaignMessage(campaign_id=c.id, step="welcome", position=0, language=lang, template=text))
    for position, (delay, texts) in enumerate(followups, start=1):
        for lang, text in texts.items():
            session.add(CampaignMessage(campaign_id=c.id, step="followup", position=position, delay_days=delay,
                                        language=lang, template=text))
    session.flush()
    return c
