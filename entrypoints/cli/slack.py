"""`invitebot slack …`: the Slack app manifest."""

from __future__ import annotations

from pathlib import Path

import typer

from bot.slack.manifest import ManifestError, write_manifest
from core.config import Settings
from core.i18n import t

app = typer.Typer(help="Slack: the app manifest.", no_args_is_help=True)


@app.callback()
def slack() -> None:
    """Slack: the app manifest."""


@app.command("manifest")
def manifest(
    output: Path | None = typer.Option(None, "--output", "-o",
                                       help="Where to write it (default: VAR_DIR/invitebot-slack-manifest.json)."),
    socket_mode: bool = typer.Option(False, "--socket-mode",
                                     help="For Socket Mode (SLACK_APP_TOKEN): no request URL, no PUBLIC_URL needed."),
) -> None:
    """Write the Slack app manifest (JSON) for PUBLIC_URL, with the least scopes the bot needs."""
    settings = Settings()
    try:
        path = write_manifest(settings, output or settings.var_dir / "invitebot-slack-manifest.json",
                              socket_mode=socket_mode)
    except ManifestError as exc:
        typer.echo(t("cli.slack_manifest_failed", problem=exc), err=True)
        raise typer.Exit(code=1) from None
    typer.echo(t("cli.slack_manifest_written", path=path))
