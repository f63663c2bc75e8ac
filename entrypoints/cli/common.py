"""What every admin command shares: services built when the command runs, one unit of
work, the workspace and member named on the command line, and errors shown as one clear line."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import typer
from rich.console import Console
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError, ProgrammingError
from sqlmodel import Session

from core.campaigns.naming import name_key
from core.config import Settings
from core.errors import NotAllowed, NotFound
from core.i18n import t
from core.services import Services
from core.workspace.models import Member, Workspace

console = Console()
errors = Console(stderr=True)

WorkspaceOption = typer.Option(None, "--workspace", "-w",
                               help="Workspace id or name (default: the only workspace).")


def admin_services() -> Services:
    """The services of an admin command: no task queue (it never asks for work); the embedded
    SQLite file is brought to the latest schema first, as `serve` does."""
    from entrypoints.bootstrap import bootstrap

    return bootstrap(Settings(), queue="none", migrate=True)


def fail(message: str) -> typer.Exit:
    errors.print(t("cli.error", message=message), highlight=False)
    return typer.Exit(code=1)


@contextmanager
def unit_of_work(services: Services | None = None) -> Iterator[Session]:
    """A session committed on success; a refused input rolls everything back and exits 1."""
    own = services is None
    services = services or admin_services()
    try:
        with services.uow() as session:
            yield session
    except (ValueError, NotFound, NotAllowed) as exc:
        raise fail(str(exc)) from None
    except (OperationalError, ProgrammingError) as exc:
        if "no such table" in str(exc) or "does not exist" in str(exc):
            raise fail(t("cli.no_tables")) from None
        raise
    finally:
        if own:
            services.close()


def resolve_workspace(session: Session, ref: str | None) -> Workspace:
    if ref is None:
        found: Sequence[Workspace] = session.execute(
            select(Workspace).order_by(Workspace.id).limit(2)).scalars().all()
        if len(found) == 1:
            return found[0]
        raise ValueError(t("cli.no_workspace") if not found else t("cli.several_workspaces"))
    if ref.isdigit():
        workspace = session.get(Workspace, int(ref))
        if workspace:
            return workspace
    matches: Sequence[Workspace] = session.execute(
        select(Workspace).where(func.lower(Workspace.name) == ref.strip().lower())).scalars().all()
    if len(matches) == 1:
        return matches[0]
    raise ValueError(t("cli.workspace_not_found", ref=ref) if not matches
                     else t("cli.workspaces_same_name", ref=ref))


def resolve_member(session: Session, workspace_id: int, ref: str) -> Member:
    """A member of the workspace by id, email or name: the whole name, else a unique start of it or
    of one of its words ("Chloé" for "Chloé Bézier"); several matches are listed to pick from."""
    ref = ref.strip()
    stmt = select(Member).where(Member.workspace_id == workspace_id)
    found: Sequence[Member]
    if ref.isdigit():
        found = session.execute(stmt.where(Member.id == int(ref))).scalars().all()
    elif "@" in ref:
        found = session.execute(stmt.where(Member.email == ref.lower())).scalars().all()
    else:
        found = session.execute(stmt.where(Member.name_key == name_key(ref))).scalars().all()
        if not found and ref:
            words = ref.casefold().split()
            found = [m for m in session.execute(stmt.order_by(Member.name)).scalars()
                     if _starts_name(m.name.casefold(), words)]
    if len(found) == 1:
        return found[0]
    if not found:
        raise ValueError(t("cli.member_not_found", ref=ref))
    names = ", ".join(f"{m.name} (id {m.id}{', ' + m.email if m.email else ''})" for m in found[:10])
    raise ValueError(t("cli.several_members", ref=ref, names=names))


def _starts_name(name: str, words: list[str]) -> bool:
    """Each typed word starts a word of the name, in order ("chl béz" → "Chloé Bézier")."""
    parts = name.split()
    i = 0
    for word in words:
        while i < len(parts) and not parts[i].startswith(word):
            i += 1
        if i == len(parts):
            return False
        i += 1
    return True
