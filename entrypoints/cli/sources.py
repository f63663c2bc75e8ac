"""`invitebot contacts import`, `invitebot segments …`, `invitebot finders …` (P-8)."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlalchemy import func, select
from sqlmodel import Session

from core.i18n import t
from core.sources import segments as service
from core.sources.models import FinderMember, SegmentContact
from core.workspace.models import Member
from entrypoints.cli.common import (
    WorkspaceOption,
    admin_services,
    console,
    fail,
    resolve_member,
    resolve_workspace,
    unit_of_work,
)

contacts_app = typer.Typer(help="Contacts of the workspace.", no_args_is_help=True)
segments_app = typer.Typer(help="Segments: saved selections of contacts.", no_args_is_help=True)
finders_app = typer.Typer(help="Finders: searches whose results fill a segment of the same name.",
                          no_args_is_help=True)
SHOWN_BAD_ROWS = 20


@contacts_app.command("import")
def import_(path: Path = typer.Argument(..., exists=True, dir_okay=False, readable=True, help="CSV file."),
            segment: str = typer.Option(..., "--segment", "-s",
                                        help="Segment to put the contacts in (created if new)."),
            owner: str | None = typer.Option(None, help="Owner of a new segment (member id, email or name); "
                                                        "an existing segment keeps its owner."),
            global_: bool = typer.Option(False, "--global", help="Make a new segment global to the workspace."),
            skip_bad_rows: bool = typer.Option(False, "--skip-bad-rows",
                                               help="Import the good rows of a file with bad ones."),
            workspace: str | None = WorkspaceOption) -> None:
    """Import contacts from a CSV file (columns: see docs/contacts.md). A file with a bad row
    imports nothing unless --skip-bad-rows."""
    from core.campaigns.naming import name_key
    from core.sources.importer import import_contacts
    from core.sources.models import Segment

    services = admin_services()
    with unit_of_work(services) as session:
        ws = resolve_workspace(session, workspace)
        owner_id = resolve_member(session, ws.id, owner).id if owner else None
        existing = session.execute(select(Segment.id).where(Segment.workspace_id == ws.id,
                                                            Segment.name_key == name_key(segment))).first()
        if existing is None and owner_id is None and not global_:
            raise ValueError(t("cli.no_segment", name=segment))
    columns = (TextColumn("Importing"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True) as bar:
        task = bar.add_task("import", total=None)
        try:
            report = import_contacts(uow=services.uow, workspace_id=ws.id, path=path, segment_name=segment,
                                     owner_id=owner_id, is_global=global_, skip_bad_rows=skip_bad_rows,
                                     progress=lambda done, total: bar.update(task, completed=done, total=total))
        except ValueError as exc:
            raise fail(str(exc)) from None
        finally:
            services.close()
    if report.bad_rows:
        table = Table("line", "problem", title=f"{len(report.bad_rows)} bad row(s)")
        for bad in report.bad_rows[:SHOWN_BAD_ROWS]:
            table.add_row(str(bad.line), bad.reason)
        if len(report.bad_rows) > SHOWN_BAD_ROWS:
            table.add_row("…", f"and {len(report.bad_rows) - SHOWN_BAD_ROWS} more")
        console.print(table)
    console.print(report.summary(), highlight=False)
    if not report.imported:
        if report.bad_rows and not skip_bad_rows:
            console.print(t("cli.fix_rows"))
        raise typer.Exit(code=1)


def _criteria(criteria: str | None, criteria_file: Path | None) -> dict | None:
    if criteria and criteria_file:
        raise ValueError(t("cli.criteria_twice"))
    text = criteria_file.read_text(encoding="utf-8") if criteria_file else criteria
    if not text:
        return None
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(t("cli.criteria_not_json", problem=exc.msg, line=str(exc.lineno),
                           column=str(exc.colno))) from None
    if not isinstance(value, dict):
        raise ValueError(t("cli.criteria_not_object"))
    return value


@segments_app.command("create")
def create_segment(name: str = typer.Argument(..., help="Segment name (unique in the workspace)."),
                   owner: str | None = typer.Option(None, help="Owner (member id, email or name)."),
                   global_: bool = typer.Option(False, "--global", help="Visible to every member."),
                   criteria: str | None = typer.Option(None, help='Criteria as JSON, e.g. \'{"language": ["fr"]}\'.'),
                   criteria_file: Path | None = typer.Option(None, exists=True, dir_okay=False),
                   dynamic: bool = typer.Option(False, "--dynamic", help="Apply the criteria to every contact of "
                                                "the workspace instead of the segment's own list."),
                   workspace: str | None = WorkspaceOption) -> None:
    """Create a segment."""
    with unit_of_work() as session:
        ws = resolve_workspace(session, workspace)
        owner_id = resolve_member(session, ws.id, owner).id if owner else None
        seg = service.create_segment(session=session, workspace_id=ws.id, name=name, owner_id=owner_id,
                                     is_global=global_, criteria=_criteria(criteria, criteria_file),
                                     is_list=not dynamic)
    console.print(t("cli.segment_created", name=seg.name, id=str(seg.id)))


@segments_app.command("list")
def list_segments(workspace: str | None = WorkspaceOption) -> None:
    """List the segments with their owner and number of contacts."""
    table = Table("id", "name", "owner", "scope", "kind", "contacts", "criteria")
    with unit_of_work() as session:
        ws = resolve_workspace(session, workspace)
        names = _member_names(session, ws.id)
        listed = dict(session.execute(select(SegmentContact.segment_id, func.count()).join_from(
            SegmentContact, service.Segment, service.Segment.id == SegmentContact.segment_id).where(
            service.Segment.workspace_id == ws.id).group_by(SegmentContact.segment_id)).all())
        for seg in service.list_segments(session=session, workspace_id=ws.id):
            count = (_count(session, ws.id, seg.id) if seg.criteria or not seg.is_list else listed.get(seg.id, 0))
            owner = names.get(seg.owner_id, "—") if seg.owner_id is not None else "—"
            table.add_row(str(seg.id), seg.name, owner, "global" if seg.is_global else "owner",
                          ("finder results" if seg.finder_id else "list") if seg.is_list else "dynamic", str(count),
                          json.dumps(seg.criteria, ensure_ascii=False) if seg.criteria else "")
        table.title = f"Segments of {ws.name}"
    console.print(table)


def _count(session: Session, workspace_id: int, segment_id: int) -> str:
    stmt = service.source_contacts(session=session, workspace_id=workspace_id, kind="segment", source_id=segment_id)
    try:
        return str(session.execute(select(func.count()).select_from(stmt.subquery())).scalar_one())
    except ValueError:
        return "per sender"  # the criteria compare with the campaign's sender


def _member_names(session: Session, workspace_id: int) -> dict[int, str]:
    return dict(session.execute(select(Member.id, Member.name).where(Member.workspace_id == workspace_id)).all())


@finders_app.command("create")
def create_finder(name: str = typer.Argument(..., help="Finder name (its segment gets the same name)."),
                  owner: str = typer.Option(..., help="Owner (member id, email or name)."),
                  member: list[str] = typer.Option([], "--member", "-m", help="Additional member (repeatable)."),
                  query: str | None = typer.Option(None, help='Search filters as JSON, e.g. \'{"keywords": "CTO"}\'.'),
                  url: str | None = typer.Option(None, help="A LinkedIn or Sales Navigator people search URL."),
                  every_days: int = typer.Option(1, help="Run every N days (0: only when asked)."),
                  cap: int | None = typer.Option(None, help="Result cap (default: the search's ceiling)."),
                  workspace: str | None = WorkspaceOption) -> None:
    """Create a finder and the segment of the same name that holds its results; it runs at the
    clock's next sweep, then on its schedule."""
    with unit_of_work() as session:
        ws = resolve_workspace(session, workspace)
        owner_id = resolve_member(session, ws.id, owner).id
        extra = [resolve_member(session, ws.id, m).id for m in member]
        filters = _criteria(query, None) or {}
        if url:
            filters["url"] = url
        finder = service.create_finder(session=session, workspace_id=ws.id, name=name, owner_id=owner_id,
                                       query=filters or None, additional_member_ids=extra, every_days=every_days,
                                       result_cap=cap)
    console.print(t("cli.finder_created", name=finder.name, id=str(finder.id), segment=str(finder.segment_id)))


@finders_app.command("list")
def list_finders(workspace: str | None = WorkspaceOption) -> None:
    """List the finders with their owner and additional members."""
    table = Table("id", "name", "owner", "additional members", "segment id", "search", "state", "found")
    with unit_of_work() as session:
        ws = resolve_workspace(session, workspace)
        names = _member_names(session, ws.id)
        shared: dict[int, list[str]] = {}
        for finder_id, member_id in session.execute(select(FinderMember.finder_id, FinderMember.member_id).join(
                service.Finder, service.Finder.id == FinderMember.finder_id
        ).where(service.Finder.workspace_id == ws.id)):
            shared.setdefault(finder_id, []).append(names.get(member_id, str(member_id)))
        for f in service.list_finders(session=session, workspace_id=ws.id):
            table.add_row(str(f.id), f.name, names.get(f.owner_id, "—"), ", ".join(sorted(shared.get(f.id, []))) or "—",
                          str(f.segment_id or "—"), json.dumps(f.query, ensure_ascii=False) if f.query else "",
                          ("paused · " if f.paused else "") + f.state + (f" ({f.problem})" if f.problem else ""),
                          str(f.found))
        table.title = f"Finders of {ws.name}"
    console.print(table)
