"""`invitebot campaigns export NAME` (a campaign's contacts as CSV) and `invitebot campaigns results
[NAME]` (the funnel of a campaign, or of the workspace, with its charts written as PNG)."""

from __future__ import annotations

import sys
from contextlib import nullcontext
from pathlib import Path

import typer
from rich.table import Table
from sqlalchemy import select
from sqlmodel import Session
from sqlmodel import select as sqlmodel_select

from core.analytics import queries
from core.analytics.export import contact_rows, export_filename
from core.campaigns.models import Campaign
from core.campaigns.naming import name_key
from core.i18n import number, t, tn
from entrypoints.cli.common import WorkspaceOption, admin_services, console, resolve_workspace, unit_of_work

app = typer.Typer(help="Campaigns: results and exports.", no_args_is_help=True)


def _campaign(session: Session, workspace_id: int, name: str) -> Campaign:
    found = session.exec(sqlmodel_select(Campaign).where(Campaign.workspace_id == workspace_id,
                                                         Campaign.name_key == name_key(name))).first()
    if found is None:
        raise ValueError(t("cli.campaign_not_found", name=name))
    return found


@app.command("export")
def export(name: str = typer.Argument(..., help="Campaign name."),
           output: Path | None = typer.Option(None, "--output", "-o", dir_okay=True,
                                              help="CSV file, or a folder to write it in (default: standard output)."),
           workspace: str | None = WorkspaceOption) -> None:
    """A campaign's contacts with their states and dates, as CSV (dates in the campaign's timezone)."""
    import csv

    services = admin_services()
    with unit_of_work(services) as session:
        campaign = _campaign(session, resolve_workspace(session, workspace).id, name)
        if output is not None and output.is_dir():
            output = output / export_filename(campaign, services.clock.now())
        target = output.open("w", newline="", encoding="utf-8") if output else nullcontext(sys.stdout)
        with target as out:
            writer = csv.writer(out)
            rows = -1
            for row in contact_rows(session, campaign):
                writer.writerow(row)
                rows += 1
    if output is not None:
        console.print(tn("cli.contacts_written", rows, name=campaign.name, path=output), highlight=False)


@app.command("results")
def results(name: str | None = typer.Argument(None, help="Campaign name (default: the whole workspace)."),
            charts: Path | None = typer.Option(None, "--charts", file_okay=False,
                                               help="Folder to write the funnel and weekly charts in, as PNG."),
            workspace: str | None = WorkspaceOption) -> None:
    """The funnel (invited → accepted → welcomed → replied → positive → clicked) with its rates,
    pending and withdrawn, by language and message; a workspace's also by campaign."""
    services = admin_services()
    with unit_of_work(services) as session:
        ws = resolve_workspace(session, workspace)
        campaign = _campaign(session, ws.id, name) if name else None
        scope = queries.Scope(ws.id, campaign_id=campaign.id if campaign else None)
        report = queries.report(session, scope, timezone=campaign.timezone if campaign else ws.timezone,
                                by_campaign=campaign is None)
        names = dict(session.execute(select(Campaign.id, Campaign.name).where(Campaign.workspace_id == ws.id))
                     .tuples().all())
    console.print(results_table(report, title=campaign.name if campaign else ws.name, names=names))
    if charts is not None:
        written = write_charts(report, charts, campaign.name_key if campaign else "workspace")
        console.print(t("cli.charts_written", paths=", ".join(str(p) for p in written)), highlight=False)


def results_table(report: queries.Report, *, title: str, names: dict[int, str]) -> Table:
    from bot.conversation.analytics_cards import STAGE_LABELS, rate_text, stage_count

    total = report.total
    invited = stage_count(queries.Stage.INVITED, total.invited)
    pending, withdrawn = tn("analytics.count.pending", total.pending), tn("analytics.count.withdrawn", total.withdrawn)
    table = Table(title=t("cli.results_title", title=title, invited=invited, pending=pending, withdrawn=withdrawn))
    table.add_column("")
    for stage in queries.FUNNEL:
        table.add_column(t(STAGE_LABELS[stage.value]), justify="right")

    def row(label: str, counts: queries.Counts) -> None:
        table.add_row(label, *(number(counts.stage(s)) + ("" if s == queries.Stage.INVITED else
                                                          f" ({rate_text(counts.rate(s))})")
                               for s in queries.FUNNEL))

    row(t("cli.results_all"), report.total)
    for language, counts in report.by_language.items():
        shown = language or t("analytics.no_language")
        row(t("cli.results_language", language=shown), counts)
    for campaign_id, counts in sorted(report.by_campaign.items(), key=lambda kv: -kv[1].invited)[:20]:
        row(names.get(campaign_id, str(campaign_id)), counts)
    return table


def write_charts(report: queries.Report, folder: Path, stem: str) -> list[Path]:
    from bot.conversation import charts

    folder.mkdir(parents=True, exist_ok=True)
    safe = "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in stem).strip("-") or "campaign"
    written = []
    for kind, draw in (("funnel", charts.funnel_png), ("weekly", charts.weekly_png)):
        path = folder / f"{safe}-{kind}.png"
        path.write_bytes(draw(report))
        written.append(path)
    return written
