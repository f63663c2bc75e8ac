"""`invitebot db …`: the database schema."""

from __future__ import annotations

import typer

from core.config import Settings
from core.i18n import t
from entrypoints.cli.common import console

app = typer.Typer(help="Database schema.", no_args_is_help=True)


@app.command("upgrade")
def upgrade(revision: str = typer.Argument("head", help="Alembic revision to reach.")) -> None:
    """Run the migrations (the Procfile's release step)."""
    from core.db import upgrade as run_upgrade

    url = Settings().effective_database_url
    run_upgrade(url, revision)
    console.print(t("cli.database_at", url=_safe(url), revision=revision))


def _safe(url: str) -> str:
    """The URL without its password, fit for a terminal."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)
