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
from core.i18n import N_, invocation, t, tn
from core.workspace.installs import APP_REMOVED_PAUSE, ChatPlatform
from core.workspace.models import ACCOUNT_DISCONNECTED_PAUSE, LinkedInAccount

GOOD_CONVERSION = 0.30
# The pauses the code puts (`Campaign.paused_reason` holds their stored marker) in the member's words.
PAUSE_REASONS = {
    ACCOUNT_DISCONNECTED_PAUSE: N_("health.paused_disconnected"),
    APP_REMOVED_PAUSE[ChatPlatform.SLACK]: N_("health.paused_slack_removed"),
}


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
    """The health of each campaign (by id), in two queries whatever their number: today's sends by
    status, then the invitations sent, the acceptances and the sender's account status of each."""
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
    sent = (select(func.count()).select_from(Send)
            .where(Send.campaign_id == Campaign.id, Send.step == STEP_INVITATION, Send.status == S_SENT)
            .correlate(Campaign).scalar_subquery())
    accepted = (select(func.count()).select_from(Enrollment)
                .where(Enrollment.campaign_id == Campaign.id, Enrollment.accepted_at.is_not(None))
                .correlate(Campaign).scalar_subquery())
    account = (select(LinkedInAccount.status).where(LinkedInAccount.member_id == Campaign.sender_id)
               .order_by(LinkedInAccount.id).limit(1).correlate(Campaign).scalar_subquery())
    totals = {row[0]: row[1:] for row in session.exec(
        select(Campaign.id, sent, accepted, account).where(Campaign.id.in_(ids))).all()}
    return {c.id: _health(c, now, todays[c.id], today_counts[c.id], *totals[c.id]) for c in campaigns}


def _health(campaign: Campaign, now: datetime, today: date, counts: dict[str, int], sent: int, accepted: int,
            account_status: str | None) -> Health:
    tz = schedule.zone(campaign.timezone)
    ratio = accepted / sent if sent else None
    if campaign.status == STATUS_STOPPED:
        label, detail = "stopped", t("campaign.stopped")
    elif campaign.status == STATUS_DRAFT:
        label, detail = "draft", t("health.draft_detail")
    elif account_status is None or account_status == "invalid":
        label, detail = "fatal", t("health.fatal_detail", command=invocation("connect"))
    elif campaign.paused_reason:
        known = PAUSE_REASONS.get(campaign.paused_reason)
        reason = t(known) if known else campaign.paused_reason
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
