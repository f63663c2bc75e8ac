"""The pieces of `invitebot demo` that belong to the product: the demo campaign (made through the
campaign service, moderation on), the sender's evening decisions, and the day-by-day figures read
back from the database and the sandbox's own record."""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta, tzinfo

from sqlalchemy import func, select
from sqlmodel import Session

from core.campaigns import schedule
from core.campaigns.models import STEP_FOLLOWUP, STEP_INVITATION, STEP_WELCOME, Campaign
from core.campaigns.service import CampaignDraft, FollowupDraft, SlotDraft, activate_campaign, create_campaign
from core.delivery import caps
from core.delivery.linkedin.sandbox_models import SandboxInvitation
from core.delivery.models import S_SENT, S_SKIPPED, Enrollment, Send
from core.demo.seed import GLOBAL_SEGMENT, seed_demo
from core.moderation.decisions import SKIPPED_BY_MODERATOR, decide
from core.notify import DigestView
from core.sources.models import Finder, Segment
from core.workspace.models import LinkedInAccount, Member

SENDER_EMAIL = "alice@demo.invitebot.example"
INVITATION = {
    "en": "Hi {{firstName|default('there')}}, I enjoy following {{company|default('your work')}}. Shall we connect?",
    "fr": "Bonjour {{firstName|default('')}}, je suis avec intérêt {{company|default('votre parcours')}}. "
          "On se connecte ?",
}
WELCOME = {"en": "Thanks for connecting, {{firstName|default('there')}}!",
           "fr": "Merci pour la connexion, {{firstName|default('')}} !"}
FOLLOWUPS = [
    (2, {"en": "Our short case study may interest you: https://example.com/case-study",
         "fr": "Notre étude de cas pourrait vous intéresser : https://example.com/etude"}),
    (3, {"en": "Would a 15-minute call next week work for you?",
         "fr": "Un appel de 15 minutes la semaine prochaine vous conviendrait ?"}),
]


@dataclass
class DayRow:
    day: str
    planned: int = 0
    skipped_by_moderation: int = 0
    sent: int = 0
    accepted: int = 0
    welcomed: int = 0
    followed_up: int = 0
    replied: int = 0
    withdrawn: int = 0
    cap_reached: bool = False


def start_demo_campaign(*, session: Session, now: datetime, public_url: str) -> tuple[Campaign, Member]:
    """Seed (or reuse) the demo workspace and activate a new moderated campaign from its sender."""
    demo = seed_demo(session=session)
    sender = demo.members[SENDER_EMAIL]
    segment = session.execute(select(Segment).where(Segment.workspace_id == demo.workspace.id,
                                                    Segment.name == GLOBAL_SEGMENT)).scalar_one()
    runs = session.execute(select(func.count()).select_from(Campaign).where(
        Campaign.workspace_id == demo.workspace.id)).scalar_one()
    draft = CampaignDraft(
        name=f"Demo invitations {runs + 1}", program="Demo", description="Made by `invitebot demo`.",
        sender_id=sender.id, source_kind="segment", source_id=segment.id, languages=["en", "fr"],
        default_language="en", invitation=dict(INVITATION), welcome=dict(WELCOME),
        followups=[FollowupDraft(delay_days=d, texts=dict(t)) for d, t in FOLLOWUPS], moderation=True,
        timezone=demo.workspace.timezone, cohort_size=10,
        slots=[SlotDraft(weekday=d, start=s, end=e)
               for d in range(5) for s, e in (("09:00", "11:00"), ("14:00", "16:00"))],
    )
    created = create_campaign(session=session, actor=sender, draft=draft, now=now, public_url=public_url)
    if not created.ok or created.value is None:
        raise RuntimeError(f"demo campaign refused: {created.errors_by_field()}")
    activated = activate_campaign(session=session, actor=sender, campaign_id=created.value.id, now=now,
                                  public_url=public_url)
    if not activated.ok or activated.value is None:
        raise RuntimeError(f"demo campaign not activated: {activated.errors_by_field()}")
    return activated.value, sender


def moderate(*, session: Session, view: DigestView, actor: Member, now: datetime, public_url: str) -> int:
    """The sender's evening: skip one invitation in six, send one French contact's note in
    English, personalise one. Returns how many were skipped."""
    skipped = 0
    for n, item in enumerate(view.items):
        if n % 6 == 5:
            skipped += decide(session=session, actor=actor, send_id=item.send_id, action="skip", value=None, now=now,
                              public_url=public_url).ok
        elif n == 1 and item.language == "fr":
            decide(session=session, actor=actor, send_id=item.send_id, action="language", value="en", now=now,
                   public_url=public_url)
        elif n == 2:
            decide(session=session, actor=actor, send_id=item.send_id, action="edit", now=now, public_url=public_url,
                   value="Hi {{firstName|default('there')}}, we met at the Lyon meetup: happy to connect!")
    return skipped


def _local(instant: datetime | None, tz: tzinfo) -> date | None:
    return instant.astimezone(tz).date() if instant else None


def day_rows(*, session: Session, campaign: Campaign, first: date, days: int) -> list[DayRow]:
    tz = schedule.zone(campaign.timezone)
    rows = {first + timedelta(days=i): DayRow(day=(first + timedelta(days=i)).isoformat()) for i in range(days)}
    account = session.execute(select(LinkedInAccount)
                              .where(LinkedInAccount.member_id == campaign.sender_id)).scalar_one()
    daily_cap = caps.caps_for(account).daily_invitations
    for s in session.execute(select(Send).where(Send.campaign_id == campaign.id)).scalars():
        if s.step == STEP_INVITATION and s.local_date in rows:
            rows[s.local_date].planned += 1
            if s.status == S_SKIPPED and s.reason == SKIPPED_BY_MODERATOR:
                rows[s.local_date].skipped_by_moderation += 1
        day = _local(s.sent_at, tz)
        if s.status == S_SENT and day in rows:
            field = {STEP_INVITATION: "sent", STEP_WELCOME: "welcomed", STEP_FOLLOWUP: "followed_up"}[s.step]
            setattr(rows[day], field, getattr(rows[day], field) + 1)
    for e in session.execute(select(Enrollment).where(Enrollment.campaign_id == campaign.id)).scalars():
        for field, instant in (("accepted", e.accepted_at), ("replied", e.replied_at), ("withdrawn", e.withdrawn_at)):
            day = _local(instant, tz)
            if day in rows:
                setattr(rows[day], field, getattr(rows[day], field) + 1)
    planned_by_account = Counter(d for (d,) in session.execute(select(Send.local_date).where(
        Send.account_id == account.id, Send.step == STEP_INVITATION)))
    weekly = caps.caps_for(account).weekly_invitations
    for day, row in rows.items():
        week = sum(n for d, n in planned_by_account.items() if day - timedelta(days=6) <= d <= day)
        planned = planned_by_account.get(day, 0)
        row.cap_reached = planned >= daily_cap or (planned > 0 and week >= weekly)
    return list(rows.values())


def invariants(*, session: Session, campaign: Campaign) -> dict[str, int]:
    """What the sandbox itself recorded: duplicates and the busiest 24 h and 7 days of the account."""
    account = session.execute(select(LinkedInAccount)
                              .where(LinkedInAccount.member_id == campaign.sender_id)).scalar_one()
    invitations = list(session.execute(select(SandboxInvitation.provider_user_id, SandboxInvitation.created_at).where(
        SandboxInvitation.account_key == account.provider_account_id).order_by(SandboxInvitation.created_at)))
    times = [t for _, t in invitations]

    def busiest(window: timedelta) -> int:
        best, lo = 0, 0
        for hi, t in enumerate(times):
            while t - times[lo] >= window:
                lo += 1
            best = max(best, hi - lo + 1)
        return best

    people = Counter(p for p, _ in invitations)
    return {"invitations": len(invitations), "duplicate_invitations": sum(n - 1 for n in people.values() if n > 1),
            "busiest_24h": busiest(timedelta(hours=24)), "busiest_7_days": busiest(timedelta(days=7)),
            "daily_cap": caps.caps_for(account).daily_invitations,
            "weekly_cap": caps.caps_for(account).weekly_invitations}


def as_dicts(rows: list[DayRow]) -> list[dict]:
    return [asdict(r) for r in rows]


def finder_figures(*, session: Session, workspace_id: int) -> str:
    """Each demo finder with the people its segment holds and how many its runs brought in."""
    finders = session.execute(select(Finder).where(Finder.workspace_id == workspace_id)
                              .order_by(Finder.name_key)).scalars()
    return ", ".join(f"{f.name} {f.found} ({f.added} new, {f.state})" for f in finders)
