"""What reaches bolt: a request signed by Slack whose body bolt can read.

The signature is checked first (slack_sdk's `SignatureVerifier`, as bolt would: bolt's own check
is off, since it writes every refused body to the log at INFO), so nothing of an unsigned body is
parsed: 401, and one log line. bolt then parses the body and reads the team, user and event out of
it, and its middleware and our listeners read the payload's objects: a body that is not UTF-8, not
JSON where JSON is due (or nested 10,000 deep), that bolt cannot read, or whose parts we read are
of another type (`payloads`) would be a 500 and a traceback. Such a request is answered 400 here
with one log line naming the problem (never the payload), before any listener runs."""

from __future__ import annotations

import json
import logging

from aiohttp import web
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.signature import SignatureVerifier

from bot.shapes import Unreadable
from bot.slack import payloads

log = logging.getLogger("invitebot.slack")


async def bolt_request(request: web.Request, verifier: SignatureVerifier) -> AsyncBoltRequest | web.Response:
    """The bolt request of `request` (as bolt's `to_bolt_request` builds it), or the refusal to answer instead."""
    try:
        text = (await request.read()).decode("utf-8")  # what Slack signs: its verifier reads text
    except UnicodeDecodeError:
        return refused("the body is not UTF-8")
    if not signed(verifier, text, request.headers.get("X-Slack-Request-Timestamp"),
                  request.headers.get("X-Slack-Signature")):
        log.info("slack: request refused: not signed by Slack")
        return web.json_response({"error": "invalid request"}, status=401)
    try:
        bolt = AsyncBoltRequest(body=text, query=request.query_string, headers=request.headers)
        payloads.check(bolt.body)
    except Unreadable as exc:
        return refused(exc.detail)
    except RecursionError:  # json.loads recurses once per level of nesting
        return refused("the body is nested too deeply")
    except json.JSONDecodeError:
        return refused("the body is not JSON")
    except (ValueError, TypeError, AttributeError, KeyError, IndexError) as exc:  # bolt reading the team, user…
        return refused(f"the body is not a Slack request ({type(exc).__name__})")
    return bolt


def signed(verifier: SignatureVerifier, body: str, timestamp: str | None, signature: str | None) -> bool:
    """Whether Slack signed `body`. The verifier reads the timestamp as a number and compares ASCII
    only (it raises otherwise): anything else is no signature."""
    readable = timestamp is not None and timestamp.isascii() and timestamp.isdigit() and len(timestamp) < 16 \
        and signature is not None and signature.isascii()
    return readable and verifier.is_valid(body, timestamp, signature)


def refused(detail: str) -> web.Response:
    """The answer to a body we do not read, and its one log line."""
    log.info("slack: request refused: %s", detail)
    return web.json_response({"error": detail}, status=400)
