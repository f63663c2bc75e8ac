"""`invitebot linkedin …`: setting up the LinkedIn provider.

- `register-webhooks`: asks Unipile to post acceptances (`users` → `new_relation`), new messages
  (`messaging`, events `message_received` only) and account status changes to
  `{PUBLIC_URL}/webhooks/linkedin`, with our secret header and a JSON content type (webhooks made
  through the API send none by default). Run once per deployment;
  running it again adds nothing (`--replace` re-creates ours, e.g. after a new WEBHOOK_SECRET).
- `status`: each member's LinkedIn account as stored (provider, status, kind, pauses).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import typer
from rich.table import Table

from core.config import Settings
from core.delivery.linkedin.unipile_webhooks import WEBHOOK_EVENTS, WEBHOOK_PATH, WEBHOOK_SOURCES
from core.i18n import t
from entrypoints.bootstrap import bootstrap
from entrypoints.cli.common import console, fail, resolve_workspace, unit_of_work

if TYPE_CHECKING:
    from core.delivery.linkedin.unipile import UnipileGateway

app = typer.Typer(help="The LinkedIn provider: webhooks and connected accounts.", no_args_is_help=True)


@app.callback()
def linkedin() -> None:
    """The LinkedIn provider: webhooks and connected accounts."""


@dataclass(frozen=True)
class Registered:
    source: str
    webhook_id: str
    action: str  # created | kept | replaced


def webhook_url(public_url: str) -> str:
    return public_url.rstrip("/") + WEBHOOK_PATH


def _outdated(hook: dict, source: str) -> bool:
    """A webhook of ours subscribed to other events than the engine uses (an older registration)."""
    wanted, events = WEBHOOK_EVENTS.get(source), hook.get("events")
    return wanted is not None and events is not None and sorted(events) != sorted(wanted)


def register_webhooks(gateway: UnipileGateway, *, request_url: str, secret: str,
                      replace: bool = False) -> list[Registered]:
    """One webhook per source at `request_url`, ours named `invitebot-<source>`, subscribed to the
    events the engine uses (`messaging`: `message_received` only). An existing one of ours at the
    same URL is kept (or deleted and made again with `replace`, or when its events differ)."""
    existing = {(h["name"], h["request_url"]): h for h in gateway.list_webhooks()}
    done: list[Registered] = []
    for source in WEBHOOK_SOURCES:
        hook = existing.get((f"invitebot-{source}", request_url))
        found = hook["id"] if hook else None
        if hook is not None and found and not replace and not _outdated(hook, source):
            done.append(Registered(source, found, "kept"))
            continue
        if found:
            gateway.delete_webhook(webhook_id=found)
        webhook_id = gateway.register_webhook(request_url=request_url, secret=secret, source=source)
        done.append(Registered(source, webhook_id, "replaced" if found else "created"))
    return done


def _problems(settings: Settings) -> list[str]:
    if settings.linkedin_provider != "unipile":
        return [f"LINKEDIN_PROVIDER is '{settings.linkedin_provider}': webhooks are for the unipile provider "
                "(the sandbox never calls back)."]
    problems = [f"{name} is not set." for name, value in (
        ("UNIPILE_BASE_URL", settings.unipile_base_url), ("UNIPILE_API_KEY", settings.unipile_api_key),
        ("WEBHOOK_SECRET", settings.webhook_secret)) if not value]
    parts = urlsplit(settings.public_url or "")
    if parts.scheme != "https" or not parts.netloc:
        problems.append(f"PUBLIC_URL must be the public https address of the web process "
                        f"(got '{settings.public_url}'): Unipile posts there.")
    return problems


@app.command("register-webhooks")
def register_webhooks_command(
        replace: bool = typer.Option(False, "--replace", help="Delete and re-create our webhooks (after a new "
                                                              "WEBHOOK_SECRET or PUBLIC_URL path).")) -> None:
    """Register the users (new_relation), messaging and account_status webhooks with Unipile."""
    settings = Settings()
    problems = _problems(settings)
    if problems:
        raise fail(t("cli.webhooks_problems", problems=" ".join(problems)))
    from core.delivery.linkedin.port import LinkedInError
    from core.delivery.linkedin.unipile import UnipileGateway

    url = webhook_url(settings.public_url)
    services = bootstrap(settings, queue="none")
    gateway, secret = services.linkedin, settings.webhook_secret
    assert isinstance(gateway, UnipileGateway) and secret is not None  # `_problems` made sure of both
    try:
        done = register_webhooks(gateway, request_url=url, secret=secret.get_secret_value(), replace=replace)
    except LinkedInError as exc:
        raise fail(t("cli.unipile_refused", code=str(exc.code), problem=exc)) from None
    finally:
        services.close()
    for item in done:
        console.print(f"{item.source}: {item.action} ({item.webhook_id})")
    console.print(t("cli.unipile_posts", url=url))


@app.command("status")
def status(workspace: str | None = typer.Option(None, "--workspace", "-w",
                                                   help="Workspace id or name (default: every workspace).")) -> None:
    """Each member's LinkedIn account: provider, status, kind, and whether invitations are paused."""
    from sqlalchemy import select

    from core.clock import SystemClock
    from core.workspace.models import LinkedInAccount, Member, Workspace

    table = Table("workspace", "member", "provider", "account", "status", "kind", "own id", "invitations",
                  title="LinkedIn accounts")
    now = SystemClock().now()
    with unit_of_work() as session:
        stmt = (select(Workspace.name, Member.id, Member.name, LinkedInAccount)
                .join(Member, Member.workspace_id == Workspace.id)
                .outerjoin(LinkedInAccount, LinkedInAccount.member_id == Member.id)
                .where(Member.active.is_(True)).order_by(Workspace.id, Member.id))
        if workspace is not None:
            stmt = stmt.where(Workspace.id == resolve_workspace(session, workspace).id)
        rows = session.execute(stmt).all()
        for ws_name, member_id, member_name, account in rows:
            if account is None:
                table.add_row(ws_name, f"{member_name} ({member_id})", "—", "—", "not connected", "—", "—", "—")
                continue
            paused = account.invitations_paused_reason or (
                f"paused until {account.invitations_paused_until:%Y-%m-%d %H:%M} UTC"
                if account.invitations_paused_until and account.invitations_paused_until > now else "on")
            table.add_row(ws_name, f"{member_name} ({member_id})", account.provider, account.provider_account_id,
                          account.status, account.kind, "yes" if account.provider_user_id else "no", paused)
    if not rows:
        console.print(t("cli.no_members"))
        return
    console.print(table)
