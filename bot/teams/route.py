"""`POST /api/messages`: the Bot Framework endpoint, on the project's one aiohttp app.

We call `CloudAdapter.process_activity` ourselves rather than `CloudAdapter.process`, because
botbuilder-integration-aiohttp 4.17.1 trips on two things a new user meets at once:
- `process` serialises an invoke response body that the activity handler already serialised,
  and answers 500 (`'dict' object has no attribute ...`) to `task/fetch` and every invoke
  that returns a body: we serialise the body once, only when it is still a model;
- a malformed bearer token raises PyJWT's decode error, which `process` lets through as a 500
  (so do a token signed with an unknown key and one without the channel's endorsement):
  any authentication failure here is a 401."""

from __future__ import annotations

import ipaddress
import json
import logging
import time
from contextvars import ContextVar
from http import HTTPStatus
from urllib.parse import urlsplit

import requests
from aiohttp import web
from botbuilder.core import Bot, InvokeResponse, TurnContext, serializer_helper
from botbuilder.integration.aiohttp import CloudAdapter
from botbuilder.schema import Activity, ActivityTypes, DeliveryModes
from msrest.serialization import Model

from bot import background
from bot.shapes import Unreadable, parse_json
from bot.teams import payloads
from core.metrics import NO_METRICS, Metrics, Surface

log = logging.getLogger("invitebot.teams")
ERROR_TYPE = "application/vnd.microsoft.error"
# The request's activity kind once authenticated (the ack metrics), set by `_answer` for `__call__`.
_KIND: ContextVar[str | None] = ContextVar("invitebot_teams_kind", default=None)


def _is_loopback(host: str | None) -> bool:
    try:
        return bool(host) and ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return host == "localhost"


class MessagesEndpoint:
    """The aiohttp handler of `/api/messages` for one adapter and one bot.

    `local_only` (emulator mode, no app id): nothing can be authenticated, so only a caller on
    this machine whose replies also go to this machine (the Bot Framework Emulator) is served;
    anyone else gets 401 rather than being whoever the body claims."""

    def __init__(self, adapter: CloudAdapter, bot: Bot, *, local_only: bool = False,
                 metrics: Metrics = NO_METRICS) -> None:
        self.adapter = adapter
        self.bot = bot
        self.local_only = local_only
        self.metrics = metrics

    async def __call__(self, request: web.Request) -> web.StreamResponse:
        started = time.perf_counter()
        token = _KIND.set(None)
        try:
            response = await self._answer(request)
            kind = _KIND.get()
        finally:
            _KIND.reset(token)
        if kind is not None:  # an authenticated activity, answered
            self.metrics.interaction(Surface.TEAMS, kind, time.perf_counter() - started)
        return response

    async def _answer(self, request: web.Request) -> web.StreamResponse:
        if "application/json" not in request.headers.get("Content-Type", ""):
            return _problem(HTTPStatus.UNSUPPORTED_MEDIA_TYPE, "expected application/json")
        body = None
        try:
            body = parse_json(await request.read())
            payloads.check(body)
            activity = Activity().deserialize(body)
        except Unreadable as exc:
            return refused(exc.detail, invoke=payloads.is_invoke(body))
        except Exception as exc:  # msrest raises its own DeserializationError family
            return refused(f"not deserialisable ({type(exc).__name__})", invoke=payloads.is_invoke(body))
        if self.local_only and not (_is_loopback(request.remote)
                                    and _is_loopback(urlsplit(activity.service_url).hostname)):
            log.warning("teams: emulator mode serves this machine only: set MicrosoftAppId and "
                        "MicrosoftAppPassword to answer Teams")
            return _problem(HTTPStatus.UNAUTHORIZED, "unauthorized")

        auth_header = request.headers.get("Authorization", "")
        try:
            authenticated = await self.adapter.bot_framework_authentication.authenticate_request(
                activity, auth_header
            )
        except requests.RequestException as exc:
            # The channel's signing keys could not be fetched: we cannot tell, the channel retries.
            log.warning("teams: signing keys unavailable: %s", type(exc).__name__)
            return _problem(HTTPStatus.SERVICE_UNAVAILABLE, "cannot verify the token now")
        except Exception as exc:  # noqa: BLE001 - see below
            # botbuilder 4.17.1 reports a bad token as PermissionError, PyJWT's errors, IndexError
            # (unknown key id) or a bare Exception (endorsements): all of them mean "not
            # authenticated", none of them may become a 500.
            log.info("teams: request refused: %s", type(exc).__name__)
            return _problem(HTTPStatus.UNAUTHORIZED, "unauthorized")

        _KIND.set(activity_kind(activity))
        if activity.type == ActivityTypes.message and activity.delivery_mode != DeliveryModes.expect_replies:
            # A message is answered by the bot's own calls to the connector, not in this HTTP
            # answer: the channel gets its 200 now and the turn runs after it, as Slack's acks.
            background.after_ack(self._turn(authenticated, activity), what="Teams turn after the 200")
            return web.Response(status=HTTPStatus.OK)
        response = await self.adapter.process_activity(authenticated, activity, self.bot.on_turn)
        if response is None:
            return web.Response(status=HTTPStatus.OK)
        return invoke_http_response(response)


    async def _turn(self, authenticated, activity: Activity) -> None:
        await self.adapter.process_activity(authenticated, activity, self.bot.on_turn)


# Invoke names Teams sends us (a closed set: a label of the ack metrics).
INVOKES = frozenset({"task/fetch", "task/submit", "composeExtension/query", "composeExtension/submitAction",
                     "composeExtension/fetchTask", "adaptiveCard/action", "application/search"})


def activity_kind(activity: Activity) -> str:
    """`message`, `conversationUpdate`, … or for an invoke its name (`task/submit`); `other` otherwise."""
    if activity.type == ActivityTypes.invoke:
        return activity.name if activity.name in INVOKES else "invoke"
    known = {t.value for t in ActivityTypes}
    return activity.type if activity.type in known else "other"


def invoke_http_response(response: InvokeResponse) -> web.Response:
    """The HTTP answer to an invoke: its body serialised exactly once."""
    body = response.body
    if isinstance(body, Model):
        body = serializer_helper(body)
    status = int(response.status or HTTPStatus.OK)
    if body is None:
        return web.Response(status=status)
    return web.json_response(body, status=status, dumps=json.dumps)


def _problem(status: HTTPStatus, detail: str) -> web.Response:
    return web.json_response({"error": detail}, status=int(status))


def refused(detail: str, *, invoke: bool) -> web.Response:
    """The answer to an activity we do not read, and its one log line: 400, and for an invoke the
    error reply Teams reads (`application/vnd.microsoft.error`)."""
    log.info("teams: activity refused: %s", detail)
    if not invoke:
        return _problem(HTTPStatus.BAD_REQUEST, detail)
    return web.json_response({"statusCode": 400, "type": ERROR_TYPE,
                              "value": {"code": "BadRequest", "message": f"Unreadable request: {detail}."}},
                             status=HTTPStatus.BAD_REQUEST)


async def on_turn_error(context: TurnContext, error: Exception) -> None:
    """The adapter's last resort: the traceback to the log, a clear answer to the user."""
    activity = context.activity
    log.error(
        "teams: turn failed type=%s name=%s", activity.type, activity.name or "-", exc_info=error
    )
    if activity.type == ActivityTypes.invoke:
        body = {
            "statusCode": 500,
            "type": ERROR_TYPE,
            "value": {"code": "InternalError", "message": "Something went wrong on our side; nothing was changed."},
        }
        await context.send_activity(
            Activity(type=ActivityTypes.invoke_response, value=InvokeResponse(status=500, body=body))
        )
        return
    if activity.type == ActivityTypes.message:
        await context.send_activity("Something went wrong on our side; nothing was changed. Please try again.")
