"""A campaign's results on its card: the funnel with its rates, pending invitations and
withdrawals, the split by language and message, the two charts (signed image URLs), and for its
sender or an admin the CSV export button; and the export's reply."""

from __future__ import annotations

from dataclasses import replace

from sqlmodel import Session

from bot.conversation import analytics_texts as texts
from bot.conversation.runner import ask
from bot.conversation.views import Button, Card, Fact, FileView, Image, Reply
from core.analytics import summary_texts
from core.analytics.commands import (
    CampaignAnalytics,
    CampaignResults,
    ContactsExport,
    ExportContacts,
    WeeklySummaryNow,
    WeeklySummarySetting,
)
from core.analytics.queries import FUNNEL, Counts, Report, Stage
from core.analytics.weekly import Summary
from core.campaigns.authz import can_manage
from core.campaigns.models import Campaign
from core.services import Services
from core.workspace.models import Member

EXPORT_ACTION = "campaign.export"
MAX_ROWS = 8  # lines of a breakdown fact


def funnel_text(total: Counts) -> str:
    """“600 invited → 240 accepted (40%) → …”."""
    parts = [f"{total.invited:,} {texts.STAGE_LABELS['invited'].lower()}"]
    parts += [f"{total.stage(s):,} {texts.STAGE_LABELS[s.value].lower()} ({texts.percent(total.rate(s))})"
              for s in FUNNEL if s != Stage.INVITED]
    return " → ".join(parts)


def breakdown_text(report: Report) -> str:
    lines = []
    for language, counts in report.by_language.items():
        lines.append(f"{language or texts.NO_LANGUAGE}: {counts.invited:,} invited, "
                     f"{texts.percent(counts.acceptance)} accepted, {counts.replied:,} replied")
    for m in report.by_message:
        lines.append(f"{texts.step_label(m.step, m.position)} ({m.language}): {m.sent:,} sent, "
                     f"{m.replied:,} replied, {m.clicked:,} clicked")
    if len(lines) > MAX_ROWS:
        lines = lines[: MAX_ROWS - 1] + [f"… {len(lines) - MAX_ROWS + 1} more"]
    return "\n".join(lines) or "–"


def with_results(card: Card, results: CampaignResults, *, manage: bool) -> Card:
    """`card` with the campaign's results and charts, and the export button for those who manage it;
    as it is while the campaign has no contact enrolled yet (a draft, a campaign of today)."""
    if not results.report.by_language:
        return card
    total = results.report.total
    name = results.campaign.name
    facts = card.facts + (
        Fact(texts.FACT_FUNNEL, funnel_text(total)),
        Fact(f"{texts.FACT_PENDING} · {texts.FACT_WITHDRAWN}", f"{total.pending:,} · {total.withdrawn:,}"),
        Fact(f"{texts.FACT_LANGUAGES} · {texts.FACT_MESSAGES}", breakdown_text(results.report)),
    )
    images = (Image(results.funnel_chart_url, texts.CHART_ALT_FUNNEL.format(name=name, summary=funnel_text(total))),
              Image(results.weekly_chart_url, texts.CHART_ALT_WEEKLY.format(name=name)))
    buttons = card.buttons
    if manage:
        buttons += (Button(texts.EXPORT_BUTTON, EXPORT_ACTION, str(results.campaign.id)),)
    return replace(card, facts=facts, images=images if total.invited else (), buttons=buttons)


def results_card(services: Services, session: Session, actor: Member, campaign: Campaign, card: Card) -> Card:
    """The campaign's card with its results, as the core lets the actor read them."""
    results: CampaignResults = ask(services, session, actor, CampaignAnalytics(campaign.id))
    return with_results(card, results, manage=can_manage(actor, campaign))


def export(services: Services, session: Session, actor: Member, campaign_id: int) -> Reply:
    """The campaign's contacts as CSV, to the asker's direct conversation (its sender or an admin)."""
    exported: ContactsExport = ask(services, session, actor, ExportContacts(campaign_id))
    link: ContactsExport = ask(services, session, actor, ExportContacts(campaign_id, as_link=True))
    return export_reply(exported, link)


def export_reply(export: ContactsExport, link: ContactsExport) -> Reply:
    """The CSV as a file (a surface that uploads files sends it), with its signed link for the others."""
    name = export.campaign.name
    return Reply(direct=[FileView(
        filename=export.filename, content=export.csv or "", title=texts.EXPORT_READY.format(
            name=name, filename=export.filename),
        url=link.url, link_text=texts.EXPORT_LINK.format(name=name), link_label=texts.EXPORT_DOWNLOAD)])


def weekly_summary(services: Services, session: Session, actor: Member, argument: str) -> Reply:
    """`summary`: the actor's summary of last week now; `summary on|off`: the Monday message."""
    word = argument.strip().lower()
    if word in ("on", "off"):
        ask(services, session, actor, WeeklySummarySetting(enabled=word == "on"))
        return Reply.say(summary_texts.TURNED_ON if word == "on" else summary_texts.TURNED_OFF, tone="success")
    summary: Summary | None = ask(services, session, actor, WeeklySummaryNow())
    if summary is None:
        return Reply.say(texts.SUMMARY_NOTHING)
    return Reply(messages=[Card(title=summary.title, text=summary.text,
                                facts=(Fact(texts.SUMMARY_HINT_LABEL, summary_texts.HINT),))])
