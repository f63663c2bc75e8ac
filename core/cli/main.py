"""The core commands on their own (`python -m core.cli.main`); `invitebot` mounts the same groups."""

from __future__ import annotations

import typer

from core.cli import register

app = typer.Typer(help="invitebot core commands: database, workspace, members, contacts, sources, demo.",
                  no_args_is_help=True, pretty_exceptions_show_locals=False)
register(app)

if __name__ == "__main__":
    app()
