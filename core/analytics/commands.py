"""Analytics commands: a campaign's results (with its signed chart URLs), a sender's, the
workspace's, and a campaign's contacts as CSV.

Who reads what (`core.campaigns.authz`):
- a campaign's results are counts, like its card: any active member of its workspace;
- a sender's results: that sender, or an active admin;
- the workspace's results: active admins only (from the hourly rollup, not live);
- a campaign's contacts (names, profiles, states, dates): its sender or an active admin."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlmodel import Session

from core.analytics import queries, rollup, weekly
from core.analytics.export import contacts_csv, export_filename
from core.analytics.signing import Signed, sign_url
from core.campaigns.authz import require_active, require_manage
from core.campaigns.models import Campaign
from core.campaigns.service import get_campaign
from core.commands import Context, Handler
from core.errors import NotAllowed, NotFound
from core.i18n import current_language, t
from core.workspace.models import Member, Workspace


@dataclass(frozen=True)
class CampaignAnalytics:
    campaign_id: int
    with_days: bool = True  # the events of each day (a card shows none: its weekly chart is drawn apart)


@dataclass(frozen=True)
class CampaignResults:
    campaign: Campaign
    report: queries.Report
    funnel_chart_url: str
    weekly_chart_url: str


@dataclass(frozen=True)
class SenderAnalytics:
    sender_id: int


@dataclass(frozen=True)
class WorkspaceAnalytics:
    pass


@dataclass(frozen=True)
class ExportContacts:
    """The CSV itself (`as_link` False), or a signed download link to it."""

    campaign_id: int
    as_link: bool = False


@dataclass(frozen=True)
class ContactsExport:
    campaign: Campaign
    filename: str
    csv: str | None = None
    url: str | None = None


def chart_url(context: Context, kind: Signed, campaign_id: int) -> str:
    """A signed URL; a chart's is drawn in the language being spoken (the asker's)."""
    language = None if kind == Signed.CONTACTS else current_language().value
    return sign_url(secret=context.settings.signed_url_secret.get_secret_value(), public_url=context.public_url,
                    kind=kind, campaign_id=campaign_id, now=context.now, language=language)


def campaign_results(session: Session, actor: Member, command: CampaignAnalytics, context: Context) -> CampaignResults:
    campaign = get_campaign(session=session, actor=actor, campaign_id=command.campaign_id)
    report = queries.report(session, queries.Scope(campaign.workspace_id, campaign_id=campaign.id),
                            timezone=campaign.timezone, with_days=command.with_days)
    return CampaignResults(campaign, report, chart_url(context, Signed.FUNNEL, campaign.id),
                           chart_url(context, Signed.WEEKLY, campaign.id))


def _workspace_timezone(session: Session, workspace_id: int) -> str:
    workspace = session.get(Workspace, workspace_id)
    return workspace.timezone if workspace is not None else "UTC"


def sender_results(session: Session, actor: Member, command: SenderAnalytics, context: Context) -> queries.Report:
    require_active(actor)
    sender = session.get(Member, command.sender_id)
    if sender is None or sender.workspace_id != actor.workspace_id:
        raise NotFound(t("analytics.no_member"))
    if sender.id != actor.id and not actor.is_admin:
        raise NotAllowed(t("analytics.own_results_only"))
    return queries.report(session, queries.Scope(actor.workspace_id, sender_id=sender.id),
                          timezone=_workspace_timezone(session, actor.workspace_id), by_campaign=True)


def workspace_results(session: Session, actor: Member, command: WorkspaceAnalytics,
                      context: Context) -> queries.Report:
    require_active(actor)
    if not actor.is_admin:
        raise NotAllowed(t("analytics.admins_only"))
    # From the rollup (`core.analytics.rollup`, refreshed hourly by the worker): `as_of` says when.
    return rollup.workspace_report(session, actor.workspace_id,
                                   timezone=_workspace_timezone(session, actor.workspace_id))


def export_contacts(session: Session, actor: Member, command: ExportContacts, context: Context) -> ContactsExport:
    campaign = get_campaign(session=session, actor=actor, campaign_id=command.campaign_id)
    require_manage(actor, campaign, doing="export the contacts of")
    filename = export_filename(campaign, context.now)
    if command.as_link:
        return ContactsExport(campaign, filename, url=chart_url(context, Signed.CONTACTS, campaign.id))
    return ContactsExport(campaign, filename, csv=contacts_csv(session, campaign))


@dataclass(frozen=True)
class WeeklySummarySetting:
    """Turn the actor's own weekly summary on or off."""

    enabled: bool


@dataclass(frozen=True)
class WeeklySummaryNow:
    """The actor's weekly summary for last week, now (None: they have nothing to hear)."""


def weekly_setting(session: Session, actor: Member, command: WeeklySummarySetting, context: Context) -> bool:
    require_active(actor)
    weekly.set_enabled(session, actor, command.enabled)
    return command.enabled


def weekly_now(session: Session, actor: Member, command: WeeklySummaryNow,
               context: Context) -> weekly.Summary | None:
    require_active(actor)
    tz = queries.zone(_workspace_timezone(session, actor.workspace_id))
    today = context.now.astimezone(tz).date()
    return weekly.build(session, actor, today - timedelta(days=today.weekday()), context.now)


HANDLERS: dict[type, Handler] = {
    CampaignAnalytics: campaign_results, SenderAnalytics: sender_results, WorkspaceAnalytics: workspace_results,
    ExportContacts: export_contacts, WeeklySummarySetting: weekly_setting, WeeklySummaryNow: weekly_now,
}
