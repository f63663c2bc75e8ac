"""`invitebot workspace …` and `invitebot members …`: the customer and its people (P-7)."""

from __future__ import annotations

from typing import Optional

import typer
from rich.table import Table

from core.cli.common import WorkspaceOption, console, resolve_member, resolve_workspace, unit_of_work
from core.workspace import service

workspace_app = typer.Typer(help="Workspaces.", no_args_is_help=True)
members_app = typer.Typer(help="Workspace members and their LinkedIn accounts.", no_args_is_help=True)


@workspace_app.command("create")
def create(name: str = typer.Argument(..., help="Workspace name."),
           timezone: str = typer.Option("UTC", help="IANA timezone, e.g. Europe/Paris."),
           slack_team_id: Optional[str] = typer.Option(None, help="Slack team id (T…)."),
           teams_tenant_id: Optional[str] = typer.Option(None, help="Microsoft Entra tenant id."),
           digest_hour: int = typer.Option(service.DEFAULT_DIGEST_HOUR,
                                            help="Local hour of the moderation digest, 0-23.")) -> None:
    """Create a workspace."""
    with unit_of_work() as session:
        ws = service.create_workspace(session=session, name=name, timezone=timezone, slack_team_id=slack_team_id,
                                      teams_tenant_id=teams_tenant_id, digest_hour=digest_hour)
    console.print(f"Workspace [bold]{ws.name}[/bold] created (id {ws.id}); digest at {ws.digest_hour}:00.")


@workspace_app.command("digest-hour")
def digest_hour_command(hour: int = typer.Argument(..., help="Local hour of the moderation digest, 0-23."),
                        workspace: Optional[str] = WorkspaceOption) -> None:
    """Set when the evening digest of tomorrow's invitations goes out (each campaign's local time)."""
    with unit_of_work() as session:
        ws = service.set_digest_hour(session=session, workspace_id=resolve_workspace(session, workspace).id,
                                     hour=hour)
    console.print(f"Workspace [bold]{ws.name}[/bold]: digest at {ws.digest_hour}:00 local time.")


@members_app.command("add")
def add(name: str = typer.Argument(..., help="Full name."),
        email: Optional[str] = typer.Option(None, help="Email (unique in the workspace)."),
        admin: bool = typer.Option(False, "--admin", help="Make the member a workspace admin."),
        workspace: Optional[str] = WorkspaceOption) -> None:
    """Add a member to the workspace."""
    with unit_of_work() as session:
        ws = resolve_workspace(session, workspace)
        member = service.add_member(session=session, workspace_id=ws.id, name=name, email=email,
                                    role="admin" if admin else "member")
    console.print(f"Member [bold]{member.name}[/bold] added (id {member.id}, {member.role}).")


@members_app.command("list")
def list_(all_: bool = typer.Option(False, "--all", help="Include inactive members."),
          workspace: Optional[str] = WorkspaceOption) -> None:
    """List the members with their LinkedIn account."""
    table = Table("id", "name", "email", "role", "active", "LinkedIn account")
    with unit_of_work() as session:
        ws = resolve_workspace(session, workspace)
        for m in service.list_members(session=session, workspace_id=ws.id, include_inactive=all_):
            account = service.linkedin_account_of(session=session, member_id=m.id)
            linked = f"{account.provider} {account.kind} ({account.status})" if account else "—"
            table.add_row(str(m.id), m.name, m.email or "—", m.role, "yes" if m.active else "no", linked)
        table.title = f"Members of {ws.name}"
    console.print(table)


@members_app.command("deactivate")
def deactivate(member: str = typer.Argument(..., help="Member id, email or name."),
               workspace: Optional[str] = WorkspaceOption) -> None:
    """Deactivate a member: they can no longer be a campaign sender."""
    with unit_of_work() as session:
        ws = resolve_workspace(session, workspace)
        found = resolve_member(session, ws.id, member)
        service.deactivate_member(session=session, workspace_id=ws.id, member_id=found.id)
    console.print(f"Member [bold]{found.name}[/bold] is now inactive.")


@members_app.command("connect")
def connect(member: str = typer.Argument(..., help="Member id, email or name."),
            provider: str = typer.Option("sandbox", help="sandbox or unipile."),
            account_id: Optional[str] = typer.Option(None, help="Provider account id (sandbox: generated)."),
            kind: str = typer.Option("premium", help="premium or free (note limit 300 / 200)."),
            provider_user_id: Optional[str] = typer.Option(None, help="The member's own LinkedIn provider id."),
            daily_invite_cap: Optional[int] = typer.Option(None, min=1),
            weekly_invite_cap: Optional[int] = typer.Option(None, min=1),
            daily_message_cap: Optional[int] = typer.Option(None, min=1),
            workspace: Optional[str] = WorkspaceOption) -> None:
    """Connect (or reconnect) a member's LinkedIn account."""
    with unit_of_work() as session:
        ws = resolve_workspace(session, workspace)
        found = resolve_member(session, ws.id, member)
        if account_id is None:
            if provider != "sandbox":
                raise ValueError("--account-id is required for the unipile provider.")
            from core.delivery.linkedin.sandbox import FREE_SUFFIX, sandbox_account_id

            account_id = sandbox_account_id(found.email or f"member-{found.id}") + (FREE_SUFFIX if kind == "free" else "")
        account = service.connect_linkedin_account(
            session=session, member_id=found.id, provider=provider, provider_account_id=account_id, kind=kind,
            provider_user_id=provider_user_id, daily_invite_cap=daily_invite_cap,
            weekly_invite_cap=weekly_invite_cap, daily_message_cap=daily_message_cap)
    console.print(f"{found.name}'s {account.kind} LinkedIn account is connected through {account.provider} "
                  f"({account.provider_account_id}).")
