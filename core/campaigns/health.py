"""Campaign health as the original shows it: created today (starts tomorrow), running, running
with warnings or errors, paused with the reason, fatal, stopped; today's progress; conversion."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func
from sqlmodel import Session, select

from core.campaigns import schedule
from core.campaigns.models import STATUS_ACTIVE, STATUS_DRAFT, STATUS_STOPPED, STEP_INVITATION, Campaign
from core.delivery.models import S_FAILED, S_SENT, S_SKIPPED, Enrollment, Send
from core.i18n import invocation, t, tn
from core.workspace.models import ACCOUNT_DISCONNECTED_PAUSE, LinkedInAccount

GOOD_CONVERSION = 0.30


@dataclass
class Health:
    label: str  # draft | starts_tomorrow | running | warnings | errors | paused | fatal | stopped
    detail: str
    today_planned: int
    today_sent: int
    invitations_sent: int
    accepted: int
    ratio: float | None
    ratio_good: bool | None
    next_slot: datetime | None

    @property
    def ratio_text(self) -> str:
        if self.ratio is None:
            return t("health.ratio_none")
        percent, accepted, sent = f"{self.ratio:.0%}", self.accepted, self.invitations_sent
        if self.ratio_good:
            return t("health.ratio_good", percent=percent, accepted=accepted, sent=sent)
        return t("health.ratio_low", percent=percent, accepted=accepted, sent=sent)


def next_slot_start(campaign: Campaign, now: datetime) -> datetime | None:
    try:
        tz = schedule.zone(campaign.timezone)
        slots = schedule.parse_slots(campaign.slots)
    except ValueError:
        return None
    today = now.astimezone(tz).date()
    for offset in range(8):
        day = today + timedelta(days=offset)
        for slot in schedule.slots_on(slots, day):
            start, end = schedule.slot_window(slot, day, tz)
            if end > now:
                return max(start, now)
    return None


def campaign_health(*, session: Session, campaign: Campaign, now: datetime) -> Health:
    return campaigns_health(session=session, campaigns=[campaign], now=now)[campaign.id]


def campaigns_health(*, session: Session, campaigns: list[Campaign], now: datetime) -> dict[int, Health]:
    """The health of each campaign (by id), in four grouped queries whatever their number: a list
    of campaigns asked four queries per campaign."""
    if not campaigns:
        return {}
    ids = [c.id for c in campaigns]
    todays = {c.id: now.astimezone(schedule.zone(c.timezone)).date() for c in campaigns}
    today_counts: dict[int, dict[str, int]] = {i: {} for i in ids}
    for campaign_id, local_date, status, count in session.exec(
            select(Send.campaign_id, Send.local_date, Send.status, func.count())
            .where(Send.campaign_id.in_(ids), Send.local_date.in_(set(todays.values())))
            .group_by(Send.campaign_id, Send.local_date, Send.status)).all():
        if local_date == todays[campaign_id]:
            today_counts[campaign_id][status] = count
    sent = dict(session.exec(select(Send.campaign_id, func.count()).where(
        Send.campaign_id.in_(ids), Send.step == STEP_INVITATION, Send.status == S_SENT
    ).group_by(Send.campaign_id)).all())
    accepted = dict(session.exec(select(Enrollment.campaign_id, func.count()).where(
        Enrollment.campaign_id.in_(ids), Enrollment.accepted_at.is_not(None)).group_by(Enrollment.campaign_id)).all())
    accounts: dict[int, LinkedInAccount] = {}
    for account in session.exec(select(LinkedInAccount).where(
            LinkedInAccount.member_id.in_({c.sender_id for c in campaigns})).order_by(LinkedInAccount.id)).all():
        accounts.setdefault(account.member_id, account)
    return {c.id: _health(c, now, todays[c.id], today_counts[c.id], sent.get(c.id, 0), accepted.get(c.id, 0),
                          accounts.get(c.sender_id)) for c in campaigns}


def _health(campaign: Campaign, now: datetime, today: date, counts: dict[str, int], sent: int, accepted: int,
            account: LinkedInAccount | None) -> Health:
    tz = schedule.zone(campaign.timezone)
    ratio = accepted / sent if sent else None
    if campaign.status == STATUS_STOPPED:
        label, detail = "stopped", t("campaign.stopped")
    elif campaign.status == STATUS_DRAFT:
        label, detail = "draft", t("health.draft_detail")
    elif account is None or account.status == "invalid":
        label, detail = "fatal", t("health.fatal_detail", command=invocation("connect"))
    elif campaign.paused_reason:
        reason = t("health.paused_disconnected") if campaign.paused_reason == ACCOUNT_DISCONNECTED_PAUSE \
            else campaign.paused_reason
        label, detail = "paused", t("health.paused_detail", reason=reason)
    elif campaign.activated_at and campaign.activated_at.astimezone(tz).date() == today and not sum(counts.values()):
        label, detail = "starts_tomorrow", t("health.starts_tomorrow_detail")
    elif counts.get(S_FAILED):
        label, detail = "errors", tn("health.errors_detail", counts[S_FAILED])
    elif counts.get(S_SKIPPED):
        label, detail = "warnings", tn("health.warnings_detail", counts[S_SKIPPED])
    else:
        label, detail = "running", t("health.running_detail")
    return Health(
        label=label, detail=detail,
        today_planned=sum(counts.values()), today_sent=counts.get(S_SENT, 0),
        invitations_sent=sent, accepted=accepted, ratio=ratio,
        ratio_good=None if ratio is None else ratio >= GOOD_CONVERSION,
        next_slot=next_slot_start(campaign, now) if campaign.status == STATUS_ACTIVE else None,
    )
