"""The Slack app manifest (`invitebot slack manifest`), built for `PUBLIC_URL`: paste it in
https://api.slack.com/apps → Create New App → From an app manifest (JSON).

Its scopes are the least the code needs (`bot.slack.app.SCOPES`), each for the Web API methods and
events it uses: `commands` (the slash command), `chat:write` (chat.postMessage to a member's id —
the app's own DM, no conversations.open —, chat.postEphemeral, chat.update), `im:history` (the
`message.im` event: a direct message read as a command), `users:read` and `users:read.email`
(users.info: a new Slack user matched to a member by email), `im:write` and `files:write` (the CSV
export: conversations.open for the DM's channel id, then files upload v2). views.open/push/update/publish
need none. It subscribes to `app_home_opened`, `message.im`, and to `app_uninstalled` and
`tokens_revoked` (no scope), after which the team's token is never used again."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from bot.conversation.commands import COMMANDS, usage
from bot.slack.app import SCOPES
from core.config import Settings
from core.i18n import Language

COMMAND = "/invite-campaign"
EVENTS = ("app_home_opened", "message.im", "app_uninstalled", "tokens_revoked")
EVENTS_PATH, REDIRECT_PATH = "/slack/events", "/slack/oauth_redirect"
USAGE = " | ".join(usage(name, Language.EN) for name in COMMANDS)  # a manifest has one language


class ManifestError(ValueError):
    """The manifest cannot be built from these settings; the message says what to set."""


def _https_base(settings: Settings) -> str:
    parts = urlsplit(settings.public_url.rstrip("/"))
    if parts.scheme != "https" or not parts.hostname:
        raise ManifestError(f"PUBLIC_URL must be the public https address Slack reaches (got "
                            f"'{settings.public_url}'), or use --socket-mode.")
    return f"https://{parts.netloc}{parts.path}"


def build_manifest(settings: Settings, *, socket_mode: bool = False) -> dict[str, Any]:
    """The manifest: every request URL is `PUBLIC_URL/slack/events`, the OAuth redirect
    `PUBLIC_URL/slack/oauth_redirect`; with `socket_mode`, no URL (Slack talks over the socket)."""
    base = "" if socket_mode else _https_base(settings)
    events = base + EVENTS_PATH
    command: dict[str, Any] = {"command": COMMAND, "description": "Create, list, show, activate, stop, preview "
                               "and moderate invite campaigns", "usage_hint": USAGE, "should_escape": False}
    interactivity: dict[str, Any] = {"is_enabled": True}
    subscriptions: dict[str, Any] = {"bot_events": list(EVENTS)}
    if not socket_mode:
        command["url"] = events
        interactivity.update(request_url=events, message_menu_options_url=events)
        subscriptions["request_url"] = events
    manifest: dict[str, Any] = {
        "_metadata": {"major_version": 1, "minor_version": 1},
        "display_information": {
            "name": "invitebot",
            "description": "LinkedIn invitation campaigns, created and moderated from Slack",
            "background_color": "#1d4f91",
        },
        "features": {
            "app_home": {"home_tab_enabled": True, "messages_tab_enabled": True,
                         "messages_tab_read_only_enabled": False},
            "bot_user": {"display_name": "invitebot", "always_online": True},
            "slash_commands": [command],
        },
        "oauth_config": {"scopes": {"bot": list(SCOPES)}},
        "settings": {
            "event_subscriptions": subscriptions,
            "interactivity": interactivity,
            "org_deploy_enabled": False,
            "socket_mode_enabled": socket_mode,
            "token_rotation_enabled": False,
        },
    }
    if not socket_mode:
        manifest["oauth_config"]["redirect_urls"] = [base + REDIRECT_PATH]
    return manifest


def write_manifest(settings: Settings, output: Path, *, socket_mode: bool = False) -> Path:
    manifest = build_manifest(settings, socket_mode=socket_mode)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return output
