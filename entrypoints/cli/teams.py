"""`invitebot teams …`: the Teams app package."""

from __future__ import annotations

from pathlib import Path

import typer

from bot.teams.package import PackageError, write_package
from core.config import Settings
from core.i18n import t

app = typer.Typer(help="Microsoft Teams: the app package to sideload.", no_args_is_help=True)


@app.callback()
def teams() -> None:
    """Microsoft Teams: the app package to sideload."""


@app.command("package")
def package(
    output: Path | None = typer.Option(None, "--output", "-o",
                                help="Where to write the zip (default: VAR_DIR/invitebot-teams.zip)."),
    bot_id: str | None = typer.Option(None, "--bot-id", help="The Azure Bot's app id (default: MicrosoftAppId)."),
    version: str = typer.Option("1.0.0", "--version", help="The app version (semver); raise it on each upload."),
) -> None:
    """Write the Teams app package (manifest.json + icons) from the settings."""
    settings = Settings()
    try:
        path = write_package(settings, output or settings.var_dir / "invitebot-teams.zip", bot_id=bot_id,
                             version=version)
    except PackageError as exc:
        typer.echo(t("cli.teams_package_failed", problem=exc), err=True)
        raise typer.Exit(code=1) from None
    typer.echo(t("cli.teams_package_written", path=path))
