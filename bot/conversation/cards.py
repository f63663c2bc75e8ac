"""Seeing campaigns: a campaign's card (health, today's progress, acceptance, next slot, buttons),
lists of them and previews, built from the core's read side."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.conversation.views import Button, CampaignList, Card, Fact, PreviewSample, PreviewView
from core.campaigns.health import Health
from core.campaigns.models import Campaign
from core.campaigns.preview import Preview

MAX_CARDS = 20  # a list message stays within both platforms' size limits
HEALTH_TITLES = {
    "draft": "Draft", "starts_tomorrow": "Created today: starts tomorrow", "running": "Running",
    "warnings": "Running with warnings", "errors": "Running with errors", "paused": "Paused",
    "fatal": "Fatal", "stopped": "Stopped",
}
HEALTH_TONES = {"warnings": "warning", "errors": "error", "paused": "warning", "fatal": "error", "running": "success",
                "starts_tomorrow": "success"}
STEP_TITLES = {"invitation": "Invitation", "welcome": "Welcome", "followup": "Follow-up"}


def _local(when: datetime | None, tz: str) -> str:
    if when is None:
        return "none planned"
    try:
        zone = ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):  # a broken timezone is reported by the health, not here
        zone = ZoneInfo("UTC")
    return when.astimezone(zone).strftime("%a %d %b %H:%M ") + tz


def campaign_buttons(campaign: Campaign, *, manage: bool = True) -> tuple[Button, ...]:
    """What the actor may do with the campaign: nothing, unless they manage it (its sender or an admin)."""
    if not manage:
        return ()
    value = str(campaign.id)
    buttons = []
    if campaign.status == "draft":
        buttons.append(Button("Activate", "campaign.activate", value, style="primary"))
    if campaign.status != "stopped":
        buttons.append(Button("Edit", "campaign.edit", value))
    buttons.append(Button("Preview", "campaign.preview", value))
    if campaign.status != "stopped":
        buttons.append(Button("Stop", "campaign.stop", value, style="danger",
                              confirm=f"Stop “{campaign.name}”? Nothing more will be planned or sent."))
    return tuple(buttons)


def campaign_card(campaign: Campaign, health: Health, *, sender_name: str | None = None, program: str | None = None,
                  source_name: str | None = None, note: str | None = None, manage: bool = True) -> Card:
    facts = [
        Fact("Health", health.detail),
        Fact("Today", f"{health.today_sent} sent of {health.today_planned} planned"),
        Fact("Invitations", f"{health.invitations_sent} sent, {health.accepted} accepted"),
        Fact("Acceptance", health.ratio_text),
        Fact("Next slot", _local(health.next_slot, campaign.timezone)),
    ]
    if sender_name:
        facts.append(Fact("Sender", sender_name))
    if source_name:
        facts.append(Fact("Source", source_name))
    return Card(
        title=campaign.name,
        subtitle=f"Program: {program}" if program else None,
        status=HEALTH_TITLES.get(health.label, health.label),
        tone=HEALTH_TONES.get(health.label, "info"),
        text=note,
        facts=tuple(facts),
        buttons=campaign_buttons(campaign, manage=manage),
    )


def campaign_list(title: str, cards: list[Card], *, total: int | None = None) -> CampaignList:
    shown = cards[:MAX_CARDS]
    return CampaignList(
        title=title, cards=tuple(shown),
        empty_text="No campaign yet: create one with `/invite-campaign create`.",
        buttons=(Button("Create a campaign", "campaign.create", style="primary"),),
        more=max(0, (total if total is not None else len(cards)) - len(shown)),
    )


def preview_view(preview: Preview) -> PreviewView:
    samples: list[PreviewSample] = []
    overflowing: list[str] = []
    missing: list[str] = []
    for contact in preview.contacts:
        for m in contact.messages:
            step = STEP_TITLES.get(m.step, m.step) + (f" {m.position}" if m.step == "followup" else "")
            problems = []
            if m.over_limit and m.limit is not None:
                problems.append(f"{m.length - m.limit} characters over the {m.limit} limit")
                overflowing.append(f"{contact.name}: {step} {m.length}/{m.limit} characters")
            if m.missing:
                problems.append("no value for " + ", ".join(m.missing))
                missing.append(f"{contact.name}: {step} misses {', '.join(m.missing)}")
            samples.append(PreviewSample(
                contact_name=f"{contact.name} ({contact.why})", step=step, language=m.language, text=m.text,
                length=m.length, limit=m.limit, problems=tuple(problems)))
    note = None
    if not preview.contacts:
        note = "The source holds no contact yet: nothing to render."
    return PreviewView(
        title=f"Preview of “{preview.campaign_name}” ({preview.total_contacts} contacts in the source)",
        samples=tuple(samples), overflowing=tuple(overflowing), missing_tokens=tuple(missing), note=note)
