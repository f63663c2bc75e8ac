"""After the invitation: the welcome on the first slot of the local day after acceptance (P-12)
and each follow-up `delay days` after the previous step, in slots (P-13). Neither is moderated
(P-23). Rendering happens when the step is planned; stop rules are checked when it is sent."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlmodel import Session

from core.campaigns import schedule
from core.campaigns.models import STATUS_ACTIVE, STEP_FOLLOWUP, STEP_WELCOME, Campaign, CampaignMessage
from core.db import dialect_insert
from core.delivery import slots
from core.delivery.models import E_DONE, E_FAILED, S_PLANNED, Enrollment, Send
from core.delivery.rendering import render_step
from core.sources.models import Contact
from core.workspace.models import Member


def _message(session: Session, campaign: Campaign, step: str, position: int,
             language: str | None) -> CampaignMessage | None:
    rows = {m.language: m for m in session.execute(select(CampaignMessage).where(
        CampaignMessage.campaign_id == campaign.id, CampaignMessage.step == step,
        CampaignMessage.position == position)).scalars()}
    return rows.get(language or "") or rows.get(campaign.default_language) or next(iter(rows.values()), None)


def plan_step(*, session: Session, enrollment: Enrollment, step: str, position: int, earliest_day: date, now: datetime,
              public_url: str) -> Send | None:
    """Plan one message step on the first slot of local day `earliest_day` or later. With no such
    message the sequence is over (enrollment done). Idempotent per (enrollment, step, position)."""
    campaign = session.get(Campaign, enrollment.campaign_id)
    if campaign is None or campaign.status != STATUS_ACTIVE:
        return None
    message = _message(session, campaign, step, position, enrollment.language)
    if message is None:
        _finish(session, enrollment, E_DONE, None, now)
        return None
    tz = schedule.zone(campaign.timezone)
    window = slots.next_window(campaign.slots, tz, on_or_after=earliest_day, not_before=now)
    if window is None:
        _finish(session, enrollment, E_FAILED, "the schedule has no slot left", now)
        return None
    contact = session.get(Contact, enrollment.contact_id)
    sender = session.get(Member, campaign.sender_id)
    rendered = render_step(message.template, contact, sender_name=sender.name if sender else None, step=step,
                           note_limit=0, public_url=public_url)
    if rendered.problem:
        _finish(session, enrollment, E_FAILED, f"{step}: {rendered.problem}", now)
        return None
    rng = random.Random(f"{enrollment.id}:{step}:{position}")
    start = max(window.start, now)
    due = start + (window.end - start) * rng.uniform(0.05, 0.95)
    row = dict(workspace_id=enrollment.workspace_id, campaign_id=campaign.id, enrollment_id=enrollment.id,
               account_id=enrollment.account_id, contact_id=enrollment.contact_id, step=step, position=position,
               language=message.language, text=rendered.text, edited=False, local_date=window.day,
               slot_index=window.index, due_at=due.replace(microsecond=0), status=S_PLANNED, attempt=0,
               outcome_unknown=False, created_at=now, updated_at=now)
    session.execute(dialect_insert(session, Send.__table__).values(**row).on_conflict_do_nothing(
        index_elements=["enrollment_id", "step", "position"]))
    send: Send = session.execute(select(Send).where(Send.enrollment_id == enrollment.id, Send.step == step,
                                                    Send.position == position)).scalar_one()
    return send


def plan_welcome(*, session: Session, enrollment: Enrollment, accepted_at: datetime, now: datetime,
                 public_url: str) -> Send | None:
    """The welcome, on the first slot of the local day after acceptance at the earliest (invariant 6)."""
    campaign = session.get_one(Campaign, enrollment.campaign_id)
    tz = schedule.zone(campaign.timezone)
    return plan_step(session=session, enrollment=enrollment, step=STEP_WELCOME, position=0,
                     earliest_day=slots.local_day(accepted_at, tz) + timedelta(days=1), now=now,
                     public_url=public_url)


def plan_next_followup(*, session: Session, enrollment: Enrollment, after_position: int, sent_at: datetime,
                       now: datetime, public_url: str) -> Send | None:
    """Follow-up n+1, `delay days` (local calendar days) after the step just sent."""
    campaign = session.get_one(Campaign, enrollment.campaign_id)
    position = after_position + 1
    message = _message(session, campaign, STEP_FOLLOWUP, position, enrollment.language)
    if message is None:
        _finish(session, enrollment, E_DONE, None, now)
        return None
    tz = schedule.zone(campaign.timezone)
    day = slots.local_day(sent_at, tz) + timedelta(days=max(message.delay_days, 1))
    return plan_step(session=session, enrollment=enrollment, step=STEP_FOLLOWUP, position=position,
                     earliest_day=day, now=now, public_url=public_url)


def _finish(session: Session, enrollment: Enrollment, state: str, reason: str | None, now: datetime) -> None:
    enrollment.state = state
    enrollment.reason = reason[:200] if reason else None
    enrollment.updated_at = now
    session.add(enrollment)
