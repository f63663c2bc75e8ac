"""The Teams app package (`invitebot teams package`): manifest.json v1.29 and its two icons, zipped.

The icons are files of this package: `color.png` (192×192, an envelope in white on the accent
colour) and `outline.png` (32×32, white strokes on transparent), as the manifest schema wants.

Teams sideloads this zip ("Upload a custom app"); the bot id is the Azure Bot registration's
`MicrosoftAppId`, and the endpoint Teams calls is `PUBLIC_URL/api/messages` (set in Azure)."""

from __future__ import annotations

import json
import uuid
import zipfile
from importlib.resources import files
from pathlib import Path
from urllib.parse import urlsplit

from bot.conversation.commands import usage, what, word
from core.config import Settings
from core.i18n import Language, t

MANIFEST_VERSION = "1.29"
MANIFEST_SCHEMA = (
    f"https://developer.microsoft.com/en-us/json-schemas/teams/v{MANIFEST_VERSION}/MicrosoftTeams.schema.json"
)
LOCALIZATION_SCHEMA = (
    f"https://developer.microsoft.com/en-us/json-schemas/teams/v{MANIFEST_VERSION}/MicrosoftTeams.Localization.schema.json"
)
# The commands Teams lists in its command menu (personal chat and channel @mention).
MENU_COMMANDS = ("help", "create", "list", "show", "activate", "stop", "preview", "digest", "connect")
ACCENT = "#2F6FDE"  # the colour icon's background
ICONS = ("color.png", "outline.png")
# A stable namespace: one bot id always gives the same Teams app id, so re-uploading updates it.
_APP_NAMESPACE = uuid.UUID("0c1f7e0e-3f4b-4d6e-9a51-6e7669746562")


class PackageError(ValueError):
    """The package cannot be built from these settings; the message says what to set."""


def teams_app_id(bot_id: str) -> str:
    return str(uuid.uuid5(_APP_NAMESPACE, bot_id.lower()))


def _bot_id(settings: Settings, bot_id: str | None) -> str:
    value = (bot_id or settings.microsoft_app_id or "").strip()
    if not value:
        raise PackageError(t("teams.package.no_bot_id"))
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise PackageError(t("teams.package.bad_bot_id", value=value)) from None


def _https_base(settings: Settings) -> str:
    parts = urlsplit(settings.public_url.rstrip("/"))
    if parts.scheme != "https" or not parts.hostname:
        raise PackageError(t("teams.package.bad_public_url", url=settings.public_url))
    return f"https://{parts.netloc}{parts.path}"


def _command(name: str, lang: Language = Language.EN) -> dict:
    """A command of the menu: its word in `lang` (what picking it sends), what it does."""
    title = name if lang is Language.EN else word(name, lang)
    return {"title": title[:32], "description": f"{usage(name, lang)}: {what(name, lang)}"[:128]}


# The other languages of the app (`localizationInfo`): a file of translated strings each.
LANGUAGE_TAGS = {Language.FR: "fr-fr"}


def localization(lang: Language) -> dict:
    """The strings of the manifest in `lang`, keyed as Teams' localization schema wants them."""
    strings = {
        "$schema": LOCALIZATION_SCHEMA,
        "name.short": "invitebot",
        "name.full": t("teams.app.name_full", lang=lang)[:100],
        "description.short": t("teams.app.description_short", lang=lang)[:80],
        "description.full": t("teams.app.description_full", lang=lang)[:4000],
    }
    for scope in range(2):
        for i, name in enumerate(MENU_COMMANDS):
            command = _command(name, lang)
            prefix = f"bots[0].commandLists[{scope}].commands[{i}]"
            strings[f"{prefix}.title"] = command["title"]
            strings[f"{prefix}.description"] = command["description"]
    return strings


def build_manifest(settings: Settings, *, bot_id: str | None = None, version: str = "1.0.0") -> dict:
    """The manifest of the invitebot Teams app: one bot, personal and team scopes, the command menu.
    A setting missing or wrong is a `PackageError` naming every one of them at once."""
    problems: list[str] = []
    bot = base = ""
    try:
        bot = _bot_id(settings, bot_id)
    except PackageError as exc:
        problems.append(str(exc))
    try:
        base = _https_base(settings)
    except PackageError as exc:
        problems.append(str(exc))
    if problems:
        raise PackageError(" ".join(problems))
    commands = [_command(name) for name in MENU_COMMANDS]
    return {
        "$schema": MANIFEST_SCHEMA,
        "manifestVersion": MANIFEST_VERSION,
        "version": version,
        "id": teams_app_id(bot),
        "developer": {
            "name": "invitebot",
            "websiteUrl": base,
            "privacyUrl": f"{base}/privacy",
            "termsOfUseUrl": f"{base}/terms",
        },
        "name": {"short": "invitebot", "full": t("teams.app.name_full", lang=Language.EN)[:100]},
        "description": {
            "short": t("teams.app.description_short", lang=Language.EN)[:80],
            "full": t("teams.app.description_full", lang=Language.EN)[:4000],
        },
        "localizationInfo": {
            "defaultLanguageTag": "en-us",
            "additionalLanguages": [{"languageTag": tag, "file": f"{tag}.json"} for tag in LANGUAGE_TAGS.values()],
        },
        "icons": {"color": ICONS[0], "outline": ICONS[1]},
        "accentColor": ACCENT,
        "bots": [
            {
                "botId": bot,
                "scopes": ["personal", "team"],
                "supportsFiles": False,
                "isNotificationOnly": False,
                "commandLists": [
                    {"scopes": ["personal"], "commands": commands},
                    {"scopes": ["team"], "commands": commands},
                ],
            }
        ],
        "permissions": ["identity", "messageTeamMembers"],
        "validDomains": [urlsplit(base).netloc],
        "defaultInstallScope": "personal",
    }


def write_package(settings: Settings, output: Path, *, bot_id: str | None = None, version: str = "1.0.0") -> Path:
    """Write the zip Teams sideloads: manifest.json, color.png, outline.png at its root."""
    manifest = build_manifest(settings, bot_id=bot_id, version=version)
    output.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(output, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("manifest.json", json.dumps(manifest, indent=2, ensure_ascii=False))
        for lang, tag in LANGUAGE_TAGS.items():
            archive.writestr(f"{tag}.json", json.dumps(localization(lang), indent=2, ensure_ascii=False))
        for icon in ICONS:
            archive.writestr(icon, (files("bot.teams") / icon).read_bytes())
    return output
