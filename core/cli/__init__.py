"""Typer groups of the core commands, mounted by the `invitebot` entry point (worker/cli.py).

Each command reads `Settings()` when it runs (never at import) and builds its own engine."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add `db`, `workspace`, `members`, `contacts`, `segments`, `finders` and `demo` to `app`."""
    from core.cli import db, demo, sources, workspace

    app.add_typer(db.app, name="db")
    app.add_typer(workspace.workspace_app, name="workspace")
    app.add_typer(workspace.members_app, name="members")
    app.add_typer(sources.contacts_app, name="contacts")
    app.add_typer(sources.segments_app, name="segments")
    app.add_typer(sources.finders_app, name="finders")
    app.add_typer(demo.app, name="demo")
