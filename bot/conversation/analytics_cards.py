"""A campaign's results on its card: the funnel with its rates, pending invitations and
withdrawals, the split by language and message, the two charts (signed image URLs), and for its
sender or an admin the CSV export button; and the export's reply."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from sqlmodel import Session

from bot.conversation.runner import ask
from bot.conversation.views import Button, Card, Fact, FileView, Image, Reply
from core.analytics import weekly
from core.analytics.commands import (
    CampaignAnalytics,
    CampaignResults,
    ContactsExport,
    ExportContacts,
    WeeklySummaryNow,
    WeeklySummarySetting,
)
from core.analytics.queries import FUNNEL, Counts, Report, Stage
from core.analytics.signing import EXPORT_TTL
from core.analytics.weekly import Summary
from core.campaigns.authz import can_manage
from core.campaigns.models import Campaign
from core.i18n import N_, invocation, number, percent, t, tn
from core.services import Services
from core.workspace.models import Member

EXPORT_ACTION = "campaign.export"
MAX_ROWS = 8  # lines of a breakdown fact

# A stage as a label (the funnel chart, the CLI's table)…
STAGE_LABELS = {
    "invited": N_("analytics.stage.invited"), "accepted": N_("analytics.stage.accepted"),
    "welcomed": N_("analytics.stage.welcomed"), "replied": N_("analytics.stage.replied"),
    "positive": N_("analytics.stage.positive"), "clicked": N_("analytics.stage.clicked"),
}

# …and as a count in a sentence, `3 invited` (plural texts: each id written out for the extractor).
_COUNTS: dict[Stage, Callable[[int], str]] = {
    Stage.INVITED: lambda n: tn("analytics.count.invited", n),
    Stage.ACCEPTED: lambda n: tn("analytics.count.accepted", n),
    Stage.WELCOMED: lambda n: tn("analytics.count.welcomed", n),
    Stage.REPLIED: lambda n: tn("analytics.count.replied", n),
    Stage.POSITIVE: lambda n: tn("analytics.count.positive", n),
    Stage.CLICKED: lambda n: tn("analytics.count.clicked", n),
}


def stage_count(stage: Stage, count: int) -> str:
    return _COUNTS[stage](count)


def rate_text(rate: float | None) -> str:
    """A share as a percentage in the language spoken (`40%` / `40 %`), a dash when there is none."""
    return "–" if rate is None else percent(rate)


def step_label(step: str, position: int) -> str:
    if step == "followup":
        return t("step.followup_n", position=position)
    return t("step.welcome") if step == "welcome" else t("step.invitation")


def funnel_text(total: Counts) -> str:
    """“600 invited → 240 accepted (40%) → …”."""
    parts = [stage_count(Stage.INVITED, total.invited)]
    parts += [f"{stage_count(s, total.stage(s))} ({rate_text(total.rate(s))})"
              for s in FUNNEL if s != Stage.INVITED]
    return " → ".join(parts)


def breakdown_text(report: Report) -> str:
    lines = []
    # Texts given to another text are hoisted: Babel extracts no id written inside a t(…).
    for language, counts in report.by_language.items():
        invited, replied = stage_count(Stage.INVITED, counts.invited), stage_count(Stage.REPLIED, counts.replied)
        shown = language or t("analytics.no_language")
        lines.append(t("analytics.by_language_line", language=shown, invited=invited,
                       acceptance=rate_text(counts.acceptance), replied=replied))
    for m in report.by_message:
        sent, clicked = tn("analytics.count.sent", m.sent), tn("analytics.count.clicks", m.clicked)
        lines.append(t("analytics.by_message_line", step=step_label(m.step, m.position), language=m.language,
                       sent=sent, replied=stage_count(Stage.REPLIED, m.replied), clicked=clicked))
    if len(lines) > MAX_ROWS:
        lines = lines[: MAX_ROWS - 1] + [tn("analytics.more_lines", len(lines) - MAX_ROWS + 1)]
    return "\n".join(lines) or "–"


def with_results(card: Card, results: CampaignResults, *, manage: bool) -> Card:
    """`card` with the campaign's results and charts, and the export button for those who manage it;
    as it is while the campaign has no contact enrolled yet (a draft, a campaign of today)."""
    if not results.report.by_language:
        return card
    total = results.report.total
    name = results.campaign.name
    facts = card.facts + (
        Fact(t("analytics.funnel"), funnel_text(total)),
        Fact(t("analytics.pending_withdrawn"), f"{number(total.pending)} · {number(total.withdrawn)}"),
        Fact(t("analytics.by_language_message"), breakdown_text(results.report)),
    )
    images = (Image(results.funnel_chart_url, t("analytics.funnel_alt", name=name, summary=funnel_text(total))),
              Image(results.weekly_chart_url, t("analytics.weekly_alt", name=name)))
    buttons = card.buttons
    if manage:
        buttons += (Button(t("export.button"), EXPORT_ACTION, str(results.campaign.id)),)
    return replace(card, facts=facts, images=images if total.invited else (), buttons=buttons)


def results_card(services: Services, session: Session, actor: Member, campaign: Campaign, card: Card) -> Card:
    """The campaign's card with its results, as the core lets the actor read them."""
    results: CampaignResults = ask(services, session, actor, CampaignAnalytics(campaign.id, with_days=False))
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
        filename=export.filename, content=export.csv or "",
        title=t("export.ready", name=name, filename=export.filename),
        url=link.url, link_text=t("export.link", name=name, minutes=int(EXPORT_TTL.total_seconds() // 60)),
        link_label=t("export.download"))])


def weekly_summary(services: Services, session: Session, actor: Member, argument: str) -> Reply:
    """`summary`: the actor's summary of last week now; `summary on|off`: the Monday message."""
    word = argument.strip().lower()
    if word in ("on", "off"):
        ask(services, session, actor, WeeklySummarySetting(enabled=word == "on"))
        turned = t("summary.turned_on", command=invocation("summary", "off")) if word == "on" else \
            t("summary.turned_off", command=invocation("summary", "on"))
        return Reply.say(turned, tone="success")
    summary: Summary | None = ask(services, session, actor, WeeklySummaryNow())
    if summary is None:
        return Reply.say(t("summary.nothing"))
    return Reply(messages=[Card(title=summary.title, text=summary.text,
                                facts=(Fact(t("summary.more"), weekly.hint()),))])
