"""Seeing campaigns: a campaign's card (health, today's progress, acceptance, next slot, buttons),
lists of them and previews, built from the core's read side."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.conversation.views import Button, CampaignList, Card, Fact, PreviewSample, PreviewView
from core.campaigns.health import Health
from core.campaigns.models import Campaign
from core.campaigns.preview import Preview
from core.i18n import N_, current_language, invocation, language_name, t, tn

MAX_CARDS = 20  # a list message stays within both platforms' size limits
HEALTH_TITLES = {
    "draft": N_("health.draft"), "starts_tomorrow": N_("health.starts_tomorrow"), "running": N_("health.running"),
    "warnings": N_("health.warnings"), "errors": N_("health.errors"), "paused": N_("health.paused"),
    "fatal": N_("health.fatal"), "stopped": N_("health.stopped"),
}
HEALTH_TONES = {"warnings": "warning", "errors": "error", "paused": "warning", "fatal": "error", "running": "success",
                "starts_tomorrow": "success"}
STEP_TITLES = {"invitation": N_("step.invitation"), "welcome": N_("step.welcome"), "followup": N_("step.followup")}


def _local(when: datetime | None, tz: str) -> str:
    if when is None:
        return t("card.none_planned")
    try:
        zone = ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):  # a broken timezone is reported by the health, not here
        zone = ZoneInfo("UTC")
    from babel.dates import format_datetime

    return format_datetime(when.astimezone(zone), t("date.slot_pattern"), locale=current_language().value) + " " + tz


def campaign_buttons(campaign: Campaign, *, manage: bool = True) -> tuple[Button, ...]:
    """What the actor may do with the campaign: nothing, unless they manage it (its sender or an admin)."""
    if not manage:
        return ()
    value = str(campaign.id)
    buttons = []
    if campaign.status == "draft":
        buttons.append(Button(t("button.activate"), "campaign.activate", value, style="primary"))
    if campaign.status != "stopped":
        buttons.append(Button(t("button.edit"), "campaign.edit", value))
    buttons.append(Button(t("button.preview"), "campaign.preview", value))
    if campaign.status != "stopped":
        buttons.append(Button(t("button.stop"), "campaign.stop", value, style="danger",
                              confirm=t("campaign.stop_confirm", name=campaign.name)))
    return tuple(buttons)


def campaign_card(campaign: Campaign, health: Health, *, sender_name: str | None = None, program: str | None = None,
                  source_name: str | None = None, note: str | None = None, manage: bool = True) -> Card:
    facts = [
        Fact(t("card.health"), health.detail),
        Fact(t("card.today"), t("card.today_value", sent=health.today_sent, planned=health.today_planned)),
        Fact(t("card.invitations"), t("card.invitations_value", sent=health.invitations_sent,
                                      accepted=health.accepted)),
        Fact(t("card.acceptance"), health.ratio_text),
        Fact(t("card.next_slot"), _local(health.next_slot, campaign.timezone)),
    ]
    if sender_name:
        facts.append(Fact(t("card.sender"), sender_name))
    if source_name:
        facts.append(Fact(t("card.source"), source_name))
    return Card(
        title=campaign.name,
        subtitle=t("card.program", program=program) if program else None,
        status=t(HEALTH_TITLES[health.label]) if health.label in HEALTH_TITLES else health.label,
        tone=HEALTH_TONES.get(health.label, "info"),
        text=note,
        facts=tuple(facts),
        buttons=campaign_buttons(campaign, manage=manage),
    )


def campaign_list(title: str, cards: list[Card], *, total: int | None = None) -> CampaignList:
    shown = cards[:MAX_CARDS]
    return CampaignList(
        title=title, cards=tuple(shown),
        empty_text=t("list.empty", command=invocation("create")),
        buttons=(Button(t("home.create_button"), "campaign.create", style="primary"),),
        more=max(0, (total if total is not None else len(cards)) - len(shown)),
    )


def preview_view(preview: Preview) -> PreviewView:
    samples: list[PreviewSample] = []
    overflowing: list[str] = []
    missing: list[str] = []
    for contact in preview.contacts:
        for m in contact.messages:
            step = t(STEP_TITLES[m.step]) if m.step in STEP_TITLES else m.step
            if m.step == "followup":
                step = t("step.followup_n", position=m.position)
            problems = []
            if m.over_limit and m.limit is not None:
                problems.append(t("preview.over_limit", over=m.length - m.limit, limit=m.limit))
                overflowing.append(t("preview.overflowing", name=contact.name, step=step, length=m.length,
                                     limit=m.limit))
            if m.missing:
                fields = ", ".join(m.missing)
                problems.append(t("preview.no_value", fields=fields))
                missing.append(t("preview.misses", name=contact.name, step=step, fields=fields))
            samples.append(PreviewSample(
                contact_name=f"{contact.name} ({contact.why})", step=step, language=language_name(m.language),
                text=m.text, length=m.length, limit=m.limit, problems=tuple(problems)))
    note = None
    if not preview.contacts:
        note = t("preview.no_contact")
    return PreviewView(
        title=tn("preview.title", preview.total_contacts, name=preview.campaign_name),
        samples=tuple(samples), overflowing=tuple(overflowing), missing_tokens=tuple(missing), note=note)
