"""The bolt `AsyncApp` built from settings: single-workspace (bot token) or OAuth (client id/secret),
Web API at `SLACK_API_URL` with retries on 429 (honouring Retry-After) and on connection errors."""

from __future__ import annotations

import logging

from slack_bolt.async_app import AsyncApp
from slack_bolt.error import BoltUnhandledRequestError
from slack_bolt.logger.messages import warning_client_prioritized_and_token_skipped
from slack_bolt.middleware.async_middleware import AsyncMiddleware
from slack_bolt.response import BoltResponse
from slack_bolt.oauth.async_oauth_flow import AsyncOAuthFlow
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler, AsyncRateLimitErrorRetryHandler,
)
from slack_sdk.http_retry.builtin_handlers import ConnectionErrorRetryHandler, RateLimitErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient

from bot.shapes import Unreadable
from bot.slack import payloads
from bot.slack.installations import DatabaseInstallationStore, SignedStateStore

log = logging.getLogger("invitebot.slack")
SERVICES = "invitebot_services"  # where listeners find the process's Services in bolt's context
# The least the code needs (each scope's reason: bot/slack/manifest.py).
SCOPES = ["commands", "chat:write", "im:history", "users:read", "users:read.email", "im:write", "files:write"]
RETRIES = 3


def api_base_url(settings) -> str:
    url = settings.slack_api_url or "https://slack.com/api/"
    return url if url.endswith("/") else url + "/"


def quiet_logger() -> logging.Logger:
    """The logger handed to slack_sdk and bolt. At DEBUG they log whole request and response bodies
    (message texts, views, the people in a digest): theirs stops at INFO whatever the root level,
    so their warnings and errors still show and no message text reaches the log."""
    logger = logging.getLogger("invitebot.slack.sdk")
    logger.setLevel(logging.INFO)
    if not any(isinstance(f, _SameToken) for f in logger.filters):
        logger.addFilter(_SameToken())
    return logger


class _SameToken(logging.Filter):
    """bolt reads SLACK_BOT_TOKEN from the environment by itself (the variable our settings read
    too) and, given our client, warns that the client's token wins: it is the same token. A
    warning nobody can act on is dropped; every other line passes."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.getMessage() != warning_client_prioritized_and_token_skipped()


def oauth_logger() -> logging.Logger:
    """The OAuth flow's logger: bolt's only line there (a failed `oauth.v2.access`) writes the
    one-time code; `OAuthFlow` says what failed instead."""
    logger = logging.getLogger("invitebot.slack.oauth")
    logger.setLevel(logging.ERROR)
    return logger


class OAuthFlow(AsyncOAuthFlow):
    """bolt's OAuth flow, saying in one line (without the code) why an install was not completed:
    Slack refused the code, or did not answer in a way slack_sdk reads (then bolt's failure page,
    not a 500)."""

    async def run_installation(self, code: str):
        try:
            installation = await super().run_installation(code)
        except Exception as exc:  # noqa: BLE001 - Slack's answer unreadable (a proxy's page) or absent
            log.warning("slack: install not completed: oauth.v2.access failed (%s)", type(exc).__name__)
            return None
        if installation is None:
            log.warning("slack: install not completed: Slack refused the code")
        return installation


def async_client(settings, token: str | None = None) -> AsyncWebClient:
    return AsyncWebClient(token=token, base_url=api_base_url(settings), logger=quiet_logger(), retry_handlers=[
        AsyncConnectionErrorRetryHandler(max_retry_count=RETRIES),
        AsyncRateLimitErrorRetryHandler(max_retry_count=RETRIES),
    ])


def sync_client(settings, token: str | None) -> WebClient:
    return WebClient(token=token, base_url=api_base_url(settings), logger=quiet_logger(), retry_handlers=[
        ConnectionErrorRetryHandler(max_retry_count=RETRIES),
        RateLimitErrorRetryHandler(max_retry_count=RETRIES),
    ])


def _secret(value) -> str | None:
    return value.get_secret_value() if value is not None else None


def oauth_mode(settings) -> bool:
    return bool(settings.slack_client_id and settings.slack_client_secret)


def share_http_session(app: AsyncApp, context) -> None:
    """One aiohttp session for every Web API call and response_url answer (slack_sdk opens a new
    one per call otherwise). Made on first use, inside the running loop."""
    if app.client.session is None or app.client.session.closed:
        import aiohttp

        app.client.session = aiohttp.ClientSession()
    if context.client is not None and context.client.session is None:
        context.client.session = app.client.session


async def close_http_session(app: AsyncApp) -> None:
    if app.client.session is not None and not app.client.session.closed:
        await app.client.session.close()


def build_app(services) -> AsyncApp:
    """The bolt app with every listener registered. The OAuth flow is used when client id and
    secret are set; otherwise the single bot token."""
    from bot.slack import listeners

    settings = services.settings
    bot_token = _secret(settings.slack_bot_token)
    signing_secret = _secret(settings.slack_signing_secret)
    # Listeners ack first and start their slow work with `surface.after_ack` themselves: bolt's own
    # background mode polls for the ack every 10 ms, which is most of an ack's latency. Signatures
    # are checked by `gate` before bolt reads the body (bolt logs the body of a refused request).
    common = dict(signing_secret=signing_secret, process_before_response=True, logger=quiet_logger(),
                  request_verification_enabled=False, raise_error_for_unhandled_request=True)
    if oauth_mode(settings):
        client = async_client(settings)
        state_secret = _secret(settings.slack_state_secret) or _secret(settings.slack_client_secret)
        flow = OAuthFlow(client=client, logger=oauth_logger(), settings=AsyncOAuthSettings(
            client_id=settings.slack_client_id, client_secret=_secret(settings.slack_client_secret),
            scopes=SCOPES, redirect_uri=settings.public_url.rstrip("/") + "/slack/oauth_redirect",
            installation_store=DatabaseInstallationStore(services.uow), state_store=SignedStateStore(state_secret),
            installation_store_bot_only=True,
        ))
        app = AsyncApp(client=client, oauth_flow=flow, **common)
    else:
        app = AsyncApp(client=async_client(settings, bot_token), **common)

    app.use(ProvideContext(app, services))
    listeners.register(app)
    app.error(on_error)
    return app


async def on_error(error: Exception, body: dict) -> BoltResponse | None:
    """bolt's last resort. A payload no listener takes (an event we do not read, another command)
    is acknowledged with one line: bolt's own warning writes the payload to the log. A listener
    that raised is logged with its traceback (never the payload) and answered as bolt does."""
    kind = body.get("type") if isinstance(body, dict) else None
    if isinstance(error, BoltUnhandledRequestError):
        log.info("slack: no listener for this %s; acknowledged", kind or "command")
        return BoltResponse(status=200, body="")
    log.error("slack: a listener of a %s failed: %s", kind or "command", type(error).__name__, exc_info=error)
    return None


class ProvideContext(AsyncMiddleware):
    """Puts the process's Services in bolt's context for the listeners, and checks a Socket Mode
    payload first. A class, not a function middleware: bolt builds a function's arguments (`action`,
    `view`, …) out of the body before calling it, and raises on a malformed one before we checked it."""

    def __init__(self, app: AsyncApp, services) -> None:
        self.app, self.services = app, services

    async def async_process(self, *, req, resp, next):  # noqa: A002 - bolt's name
        if req.mode == "socket_mode":  # over HTTP, `gate` checked the payload before bolt read it
            try:
                payloads.check(req.body)
            except Unreadable as exc:
                # Acknowledged and left alone: Socket Mode has no 400, an envelope not acked is sent again.
                log.info("slack: request refused: %s", exc.detail)
                return BoltResponse(status=200, body="")
        req.context[SERVICES] = self.services
        share_http_session(self.app, req.context)
        return await next()
