"""`invitebot workspace …` and `invitebot members …`: the customer and its people (P-7)."""

from __future__ import annotations

import typer
from rich.table import Table
from sqlmodel import select

from core.campaigns.naming import name_key
from core.delivery.caps import caps_for
from core.delivery.linkedin.sandbox import FREE_SUFFIX, sandbox_account_id
from core.i18n import t
from core.workspace import service
from core.workspace.limits import CAPS, FREE, PREMIUM
from core.workspace.models import LinkedInAccount, Member
from entrypoints.cli.common import WorkspaceOption, console, resolve_member, resolve_workspace, unit_of_work

workspace_app = typer.Typer(help="Workspaces.", no_args_is_help=True)
members_app = typer.Typer(help="Workspace members and their LinkedIn accounts.", no_args_is_help=True)


@workspace_app.command("create")
def create(name: str = typer.Argument(..., help="Workspace name."),
           timezone: str = typer.Option("UTC", help="IANA timezone, e.g. Europe/Paris."),
           slack_team_id: str | None = typer.Option(None, help="Slack team id (T…)."),
           teams_tenant_id: str | None = typer.Option(None, help="Microsoft Entra tenant id."),
           digest_hour: int = typer.Option(service.DEFAULT_DIGEST_HOUR,
                                            help="Local hour of the moderation digest, 0-23.")) -> None:
    """Create a workspace."""
    with unit_of_work() as session:
        ws = service.create_workspace(session=session, name=name, timezone=timezone, slack_team_id=slack_team_id,
                                      teams_tenant_id=teams_tenant_id, digest_hour=digest_hour)
    console.print(t("cli.workspace_created", name=ws.name, id=str(ws.id), hour=str(ws.digest_hour)))


@workspace_app.command("digest-hour")
def digest_hour_command(hour: int = typer.Argument(..., help="Local hour of the moderation digest, 0-23."),
                        workspace: str | None = WorkspaceOption) -> None:
    """Set when the evening digest of tomorrow's invitations goes out (each campaign's local time)."""
    with unit_of_work() as session:
        ws = service.set_digest_hour(session=session, workspace_id=resolve_workspace(session, workspace).id,
                                     hour=hour)
    console.print(t("cli.digest_hour", name=ws.name, hour=str(ws.digest_hour)))


@members_app.command("add")
def add(name: str = typer.Argument(..., help="Full name."),
        email: str | None = typer.Option(None, help="Email (unique in the workspace)."),
        admin: bool = typer.Option(False, "--admin", help="Make the member a workspace admin."),
        workspace: str | None = WorkspaceOption) -> None:
    """Add a member to the workspace. Running it again adds nobody: the email is unique, and without
    an email so is the name (give --email to add another person of the same name)."""
    with unit_of_work() as session:
        ws = resolve_workspace(session, workspace)
        if not (email or "").strip():
            same = session.exec(select(Member).where(Member.workspace_id == ws.id,
                                                     Member.name_key == name_key(" ".join(name.split())))).first()
            if same is not None:
                raise ValueError(t("cli.member_name_taken", name=same.name, id=str(same.id)))
        member = service.add_member(session=session, workspace_id=ws.id, name=name, email=email,
                                    role="admin" if admin else "member")
    console.print(t("cli.member_added", name=member.name, id=str(member.id), role=member.role))


@members_app.command("list")
def list_(all_: bool = typer.Option(False, "--all", help="Include inactive members."),
          workspace: str | None = WorkspaceOption) -> None:
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
               workspace: str | None = WorkspaceOption) -> None:
    """Deactivate a member: they can no longer be a campaign sender."""
    with unit_of_work() as session:
        ws = resolve_workspace(session, workspace)
        found = resolve_member(session, ws.id, member)
        service.deactivate_member(session=session, workspace_id=ws.id, member_id=found.id)
    console.print(t("cli.member_inactive", name=found.name))


CAP_OPTIONS = {"daily_invite_cap": "--daily-invite-cap", "weekly_invite_cap": "--weekly-invite-cap",
               "daily_message_cap": "--daily-message-cap"}


def _cap_help(field: str, what: str) -> str:
    rule = CAPS[field]
    return (f"{what}: 1-{rule.maximum[PREMIUM]} for a premium account (default {rule.default[PREMIUM]}), "
            f"1-{rule.maximum[FREE]} for a free one (default {rule.default[FREE]}). Default: unchanged.")


@members_app.command("connect")
def connect(member: str = typer.Argument(..., help="Member id, email or name."),
            provider: str | None = typer.Option(
                None, help="sandbox or unipile. Default: the account's current provider; sandbox for a new account."),
            account_id: str | None = typer.Option(
                None, help="Provider account id. Default: the current one; generated in the sandbox; "
                           "required for a new unipile account."),
            kind: str | None = typer.Option(
                None, help="premium or free (note limit 300 / 200, and the caps' ranges). Default: the account's "
                           "current kind. A new sandbox account is free when its id ends with ':free' (as the "
                           "sandbox reads it), else premium; a new unipile account needs --kind (accounts connected "
                           "through the chat's `connect` learn it from the provider)."),
            provider_user_id: str | None = typer.Option(None, help="The member's own LinkedIn provider id."),
            daily_invite_cap: int | None = typer.Option(None, help=_cap_help("daily_invite_cap", "Invitations a day")),
            weekly_invite_cap: int | None = typer.Option(None,
                                                         help=_cap_help("weekly_invite_cap", "Invitations a week")),
            daily_message_cap: int | None = typer.Option(None, help=_cap_help("daily_message_cap", "Messages a day")),
            default_caps: bool = typer.Option(False, "--default-caps",
                                              help="Set the three caps back to the kind's defaults."),
            workspace: str | None = WorkspaceOption) -> None:
    """Connect (or reconnect) a member's LinkedIn account. Running it again changes only what it is
    given: the kind, the caps and the account id stay as they are unless named."""
    given = {"daily_invite_cap": daily_invite_cap, "weekly_invite_cap": weekly_invite_cap,
             "daily_message_cap": daily_message_cap}
    with unit_of_work() as session:
        if default_caps and any(v is not None for v in given.values()):
            raise ValueError(t("cli.caps_or_default"))
        ws = resolve_workspace(session, workspace)
        found = resolve_member(session, ws.id, member)
        current = service.linkedin_account_of(session=session, member_id=found.id)
        provider = provider or (current.provider if current else "sandbox")
        same_provider = current is not None and current.provider == provider
        if kind is None and current is None:
            if provider != "sandbox":
                raise ValueError(t("cli.kind_required"))
            kind = FREE if (account_id or "").endswith(FREE_SUFFIX) else PREMIUM
        final_kind = kind or (current.kind if current is not None else "")
        if account_id is None:
            if provider == "sandbox":
                account_id = _sandbox_id(found, final_kind, current if same_provider else None)
            elif current is not None and same_provider:
                account_id = current.provider_account_id
            else:
                raise ValueError(t("cli.account_id_required"))
        caps = {f: None for f in given} if default_caps else {
            f: service.KEEP if v is None else v for f, v in given.items()}
        account = service.connect_linkedin_account(
            session=session, member_id=found.id, provider=provider, provider_account_id=account_id, kind=kind,
            provider_user_id=provider_user_id, names={**CAP_OPTIONS, "kind": "--kind"}, **caps)
        effective = caps_for(account)
    console.print(t("cli.account_connected", name=found.name, kind=account.kind, provider=account.provider,
                    account=account.provider_account_id, daily=effective.daily_invitations,
                    weekly=effective.weekly_invitations, messages=effective.daily_messages), highlight=False)


def _sandbox_id(member: Member, kind: str, current: LinkedInAccount | None) -> str:
    """The sandbox reads a free account from its id: the generated id follows the kind; an id
    given by hand earlier stays."""
    base = sandbox_account_id(member.email or f"member-{member.id}")
    if current is not None and current.provider_account_id not in (base, base + FREE_SUFFIX):
        return current.provider_account_id
    return base + (FREE_SUFFIX if kind == FREE else "")
