"""Slack: bolt mounted on the one aiohttp app (`POST /slack/events`, and `/slack/install`,
`/slack/oauth_redirect` in OAuth mode), or Socket Mode when `SLACK_APP_TOKEN` is set.

`register(app, services)` is a no-op (with a log line naming what is missing) when Slack is not configured.
"""

from __future__ import annotations

import logging
import time

from aiohttp import web

from core.metrics import Surface

log = logging.getLogger("invitebot.slack")
BOLT_KEY = web.AppKey("slack_bolt_app", object)
# Slack's answers to apps.connections.open that no retry will change: the token itself is wrong.
REFUSED_TOKEN = frozenset({"invalid_auth", "not_authed", "not_allowed_token_type", "missing_scope", "token_revoked",
                           "token_expired", "account_inactive"})


def missing_settings(settings) -> list[str]:
    """What Slack over HTTP still needs; empty when it can run."""
    missing = []
    if not settings.slack_signing_secret:
        missing.append("SLACK_SIGNING_SECRET")
    if not (settings.slack_bot_token or (settings.slack_client_id and settings.slack_client_secret)):
        missing.append("SLACK_BOT_TOKEN (or SLACK_CLIENT_ID and SLACK_CLIENT_SECRET)")
    return missing


def register(app: web.Application, services) -> None:
    """Mount Slack on the web app when configured for HTTP."""
    from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
    from slack_sdk.signature import SignatureVerifier

    from bot.slack.app import build_app, close_http_session, oauth_mode
    from bot.slack.gate import bolt_request

    missing = missing_settings(services.settings)
    if missing:
        if services.settings.slack_app_token and services.settings.slack_bot_token:
            log.info("Slack: Socket Mode (SLACK_APP_TOKEN set); /slack/events not mounted")
        else:
            log.info("Slack: disabled, missing %s", ", ".join(missing))
        return
    bolt = build_app(services)
    app[BOLT_KEY] = bolt
    verifier = SignatureVerifier(services.settings.slack_signing_secret.get_secret_value())

    async def events(request: web.Request) -> web.Response:
        started = time.perf_counter()
        parsed = await bolt_request(request, verifier)
        if isinstance(parsed, web.Response):
            return parsed
        response = await to_aiohttp_response(await bolt.async_dispatch(parsed))
        services.metrics.interaction(Surface.SLACK, request_kind(parsed.body), time.perf_counter() - started)
        return response

    app.router.add_post("/slack/events", events)

    async def close(_app: web.Application) -> None:
        await close_http_session(bolt)  # after `bot.web` drained the work after acks

    app.on_cleanup.append(close)
    if oauth_mode(services.settings):
        flow = bolt.oauth_flow

        async def install(request: web.Request) -> web.Response:
            return await to_aiohttp_response(await flow.handle_installation(await to_bolt_request(request)))

        async def oauth_redirect(request: web.Request) -> web.Response:
            if not all(_token(request.query.get(k)) for k in ("code", "state", "error")):
                log.info("slack: oauth redirect refused: its query is not Slack's")
                return web.json_response({"error": "invalid request"}, status=400)
            return await to_aiohttp_response(await flow.handle_callback(await to_bolt_request(request)))

        app.router.add_get(flow.install_path, install)
        app.router.add_get(flow.redirect_uri_path, oauth_redirect)
        log.info("Slack: multi-workspace OAuth at %s", flow.install_path)
    else:
        log.info("Slack: single workspace, events at /slack/events")


# The kinds of request Slack sends us (a closed set: a label of the ack metrics).
KINDS = frozenset({"command", "block_actions", "block_suggestion", "view_submission", "view_closed", "shortcut",
                   "message_action", "event_callback", "url_verification"})


def request_kind(body: dict) -> str:
    """`command`, the interactive payload's type, or `event_callback`; `other` for anything else."""
    kind = "command" if "command" in body and "type" not in body else body.get("type")
    return kind if kind in KINDS else "other"


def _token(value: str | None) -> bool:
    """Absent, or what Slack writes in an OAuth redirect's query (printable ASCII, short)."""
    return value is None or (0 < len(value) <= 255 and value.isascii() and value.isprintable() and " " not in value)


async def start_socket_mode(services):
    """Connect to Slack over Socket Mode (no public URL needed); returns the handler, whose
    `close_async()` disconnects. Needs SLACK_APP_TOKEN and SLACK_BOT_TOKEN."""
    from slack_bolt.adapter.socket_mode.aiohttp import AsyncSocketModeHandler

    from bot.slack.app import build_app

    if not (services.settings.slack_app_token and services.settings.slack_bot_token):
        raise RuntimeError("Socket Mode needs SLACK_APP_TOKEN and SLACK_BOT_TOKEN")
    from slack_sdk.errors import SlackApiError

    handler = AsyncSocketModeHandler(build_app(services), services.settings.slack_app_token.get_secret_value())
    # slack_sdk's connect() logs a refused token and retries every 10 s forever: ask for the first
    # URL here (connect() then uses it) so a wrong token stops the start with Slack's reason.
    # Anything else (Slack or the network failing for a while) is left to connect()'s retries.
    try:
        try:
            handler.client.wss_uri = await handler.client.issue_new_wss_url()
        except SlackApiError as exc:
            error = exc.response.get("error")
            if error in REFUSED_TOKEN:
                raise RuntimeError(f"Slack refused SLACK_APP_TOKEN ({error}): use the app-level token (xapp-…) "
                                   "with the connections:write scope") from None
            log.warning("Slack: apps.connections.open failed (%s); retrying", error)
        await handler.connect_async()
    except BaseException:
        await handler.close_async()
        raise
    log.info("Slack: connected over Socket Mode")
    return handler
