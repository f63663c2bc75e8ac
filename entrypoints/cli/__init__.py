"""The `invitebot` command: the processes (serve, web, worker, clock), the admin commands
(db, workspace, members, contacts, segments, finders, linkedin, teams) and the demo. Each command
builds its services with `entrypoints.bootstrap` when it runs, never at import."""

from __future__ import annotations

import typer

from core.i18n import environment_language, use_language
from entrypoints.cli import db, demo, linkedin, processes, sources, teams, workspace

app = typer.Typer(help="invitebot: LinkedIn invitation campaigns from Slack and Microsoft Teams.",
                  no_args_is_help=True, pretty_exceptions_show_locals=False)
processes.register(app)
app.add_typer(db.app, name="db")
app.add_typer(workspace.workspace_app, name="workspace")
app.add_typer(workspace.members_app, name="members")
app.add_typer(sources.contacts_app, name="contacts")
app.add_typer(sources.segments_app, name="segments")
app.add_typer(sources.finders_app, name="finders")
app.add_typer(linkedin.app, name="linkedin")
app.add_typer(teams.app, name="teams")
app.add_typer(demo.app, name="demo")


def main() -> None:
    """`invitebot`: its messages in the operator's language (INVITEBOT_LANGUAGE or the locale, `fr_FR.UTF-8`)."""
    import os

    use_language(environment_language(os.environ))
    app()
