"""What reaches bolt: a Slack request whose body bolt can read.

bolt parses the body (and reads the team, user and event out of it) before it checks the
signature, and its middleware and our listeners read the payload's objects with `.get`: a body
that is not UTF-8, not JSON where JSON is due, or whose objects are of another type became a 500
(and a traceback) even unsigned. Such a request is answered 400 here, a timestamp that is not a
number 401 (slack_sdk's verifier raises on it), before any listener can run."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.request.async_internals import build_async_context
from slack_bolt.request.async_request import AsyncBoltRequest

from bot.slack.form_body import parse_body

# Keys of a Slack payload that are objects when present (some may be null, e.g. `enterprise`), and lists
# of objects; the event of an event callback is an object whose fields vary by event type.
_OBJECTS = ("event", "view", "user", "team", "channel", "container", "message", "enterprise", "state")
_LISTS = ("actions", "authorizations")
_VIEW_OBJECTS, _VIEW_LISTS = ("state",), ("blocks",)
# Keys that bolt matches listeners on, or our listeners read as text: strings when present.
_STRINGS = ("type", "action_id", "block_id", "callback_id", "value", "command", "text", "user_id", "team_id",
            "trigger_id", "response_url")
_ACTION_STRINGS, _ACTION_OBJECTS = ("type", "action_id", "block_id", "value"), ("selected_option",)
_VIEW_STRINGS = ("id", "callback_id", "private_metadata", "hash")


async def bolt_request(request: web.Request) -> AsyncBoltRequest | web.Response:
    """The bolt request of `request`, or the refusal to answer instead."""
    timestamp = request.headers.get("X-Slack-Request-Timestamp")
    if timestamp is not None and not (timestamp.isascii() and timestamp.isdigit()):
        return web.json_response({"error": "invalid request"}, status=401)
    raw = await request.read()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return _unreadable("the body is not UTF-8")
    try:
        bolt = ParsedRequest(text, request.query_string, request.headers)
    except (ValueError, TypeError, AttributeError, KeyError, IndexError):
        return _unreadable("the body is not a Slack request")
    if not isinstance(bolt.body, dict) or not _well_shaped(bolt.body):
        return _unreadable("the body is not a Slack request")
    return bolt


class ParsedRequest(AsyncBoltRequest):
    """bolt's request of a raw body (which bolt's signature check reads), parsed by our
    `form_body.parse_body`: bolt's own parsing is a fifth of an options request."""

    def __init__(self, raw_body: str, query: str, headers) -> None:
        super().__init__(body="", query=query, headers=headers)
        self.raw_body = raw_body
        self.body = parse_body(raw_body, self.content_type)
        self.context = build_async_context(AsyncBoltContext({}), self.body)


def _well_shaped(body: dict[str, Any]) -> bool:
    """The payload's objects are objects and its lists lists of objects, the view's too."""
    view, event = body.get("view"), body.get("event")
    return (_shaped(body, _OBJECTS, _LISTS, _STRINGS)
            and (view is None or _shaped(view, _VIEW_OBJECTS, _VIEW_LISTS, _VIEW_STRINGS))
            and (event is None or _shaped(event, (), (), ("type", "text", "channel_type", "tab")))
            and all(_shaped(a, _ACTION_OBJECTS, (), _ACTION_STRINGS) for a in body.get("actions") or []))


def _shaped(node: dict[str, Any], objects: tuple[str, ...], lists: tuple[str, ...], strings: tuple[str, ...]) -> bool:
    if any(node.get(k) is not None and not isinstance(node[k], dict) for k in objects):
        return False
    if any(node.get(k) is not None and not isinstance(node[k], str) for k in strings):
        return False
    return all(node.get(k) is None or (isinstance(node[k], list) and all(isinstance(i, dict) for i in node[k]))
               for k in lists)


def _unreadable(detail: str) -> web.Response:
    return web.json_response({"error": detail}, status=400)
