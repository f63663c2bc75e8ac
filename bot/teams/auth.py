"""Bot Framework authentication built from settings (standard names `MicrosoftAppId`, …).

Without an app id the bot runs in emulator mode: requests are not authenticated and replies go
out unsigned, which is what the Bot Framework Emulator expects. With one, every request must
carry a valid Bot Framework token."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Mapping

from botbuilder.integration.aiohttp import ConfigurationBotFrameworkAuthentication
from botbuilder.schema import CallerIdConstants
from botframework.connector.auth import AuthenticationConstants

from core.config import Settings

log = logging.getLogger("invitebot.teams")

# Endpoint names understood by botbuilder's configuration (sovereign clouds, local simulators).
_ENDPOINT_KEYS = (
    "TO_CHANNEL_FROM_BOT_LOGIN_URL",
    "TO_CHANNEL_FROM_BOT_OAUTH_SCOPE",
    "TO_BOT_FROM_CHANNEL_TOKEN_ISSUER",
    "OAUTH_URL",
    "TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL",
    "TO_BOT_FROM_EMULATOR_OPENID_METADATA_URL",
    "CALLER_ID",
)

_PUBLIC_CLOUD = {
    "TO_CHANNEL_FROM_BOT_LOGIN_URL": AuthenticationConstants.TO_CHANNEL_FROM_BOT_LOGIN_URL_PREFIX
    + AuthenticationConstants.DEFAULT_CHANNEL_AUTH_TENANT,
    "TO_CHANNEL_FROM_BOT_OAUTH_SCOPE": AuthenticationConstants.TO_CHANNEL_FROM_BOT_OAUTH_SCOPE,
    "TO_BOT_FROM_CHANNEL_TOKEN_ISSUER": AuthenticationConstants.TO_BOT_FROM_CHANNEL_TOKEN_ISSUER,
    "OAUTH_URL": AuthenticationConstants.OAUTH_URL,
    "TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL": AuthenticationConstants.TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL,
    "TO_BOT_FROM_EMULATOR_OPENID_METADATA_URL": AuthenticationConstants.TO_BOT_FROM_EMULATOR_OPENID_METADATA_URL,
    "CALLER_ID": CallerIdConstants.public_azure_channel,
}


@dataclass
class BotFrameworkConfig:
    """The attribute bag botbuilder's `ConfigurationBotFrameworkAuthentication` reads."""

    APP_ID: str
    APP_PASSWORD: str
    APP_TYPE: str
    APP_TENANTID: str | None


def bot_config(settings: Settings) -> BotFrameworkConfig:
    password = settings.microsoft_app_password.get_secret_value() if settings.microsoft_app_password else ""
    return BotFrameworkConfig(
        APP_ID=settings.microsoft_app_id or "",
        APP_PASSWORD=password,
        APP_TYPE=settings.microsoft_app_type or "MultiTenant",
        APP_TENANTID=settings.microsoft_app_tenant_id,
    )


def emulator_mode(settings: Settings) -> bool:
    """No app id: nothing to authenticate against (the Bot Framework Emulator's local mode)."""
    return not settings.microsoft_app_id


def build_authentication(
    settings: Settings, *, endpoints: Mapping[str, str] | None = None, announce: bool = True
) -> ConfigurationBotFrameworkAuthentication:
    """The authentication of `/api/messages` and of outgoing connector calls.

    `endpoints` overrides the public-cloud token issuer, OpenID metadata and login URLs (for a
    sovereign cloud or a local simulator); unknown keys are refused."""
    config = bot_config(settings)
    if endpoints:
        unknown = set(endpoints) - set(_ENDPOINT_KEYS)
        if unknown:
            raise ValueError(f"unknown Bot Framework endpoint settings: {sorted(unknown)}")
        for key in _ENDPOINT_KEYS:
            setattr(config, key, endpoints.get(key, _PUBLIC_CLOUD[key]))
    if announce and emulator_mode(settings):  # said once, by the endpoint's adapter
        log.warning(
            "Teams: MicrosoftAppId is not set: /api/messages answers the Bot Framework Emulator on this "
            "machine only, without authentication (set MicrosoftAppId and MicrosoftAppPassword for Teams)"
        )
    elif announce:
        log.info("Teams: Bot Framework authentication on (app type %s)", config.APP_TYPE)
    return ConfigurationBotFrameworkAuthentication(config)
