"""The web app's log ids and access log.

Each request gets an id (the caller's `X-Request-Id` when it is a short plain token, else a new
one), set for every log line written while it is handled (`core.log_ids.REQUEST_ID`) and sent
back in the `X-Request-Id` header. The access log writes one line per request: method, route
*template* (`/l/{token}`, never the path: paths and query strings carry tokens and signatures),
status, size and time; never a header or a body."""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Awaitable, Callable

from aiohttp import web
from aiohttp.abc import AbstractAccessLogger, BaseRequest, StreamResponse
from aiohttp.typedefs import Middleware

from bot.metrics import route_of
from core.log_ids import REQUEST_ID

HEADER = "X-Request-Id"
_PLAIN = re.compile(r"[A-Za-z0-9._-]{1,64}")

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def request_id(request: web.Request) -> str:
    given = request.headers.get(HEADER, "")
    return given if _PLAIN.fullmatch(given) else uuid.uuid4().hex


def middleware() -> Middleware:
    @web.middleware
    async def with_id(request: web.Request, handler: Handler) -> web.StreamResponse:
        rid = request_id(request)
        token = REQUEST_ID.set(rid)
        try:
            try:
                response = await handler(request)
            except web.HTTPException as exc:
                exc.headers[HEADER] = rid
                raise
            response.headers[HEADER] = rid
            return response
        finally:
            REQUEST_ID.reset(token)

    return with_id


class AccessLog(AbstractAccessLogger):
    """One line per request, with its id; no path, query string, header or body."""

    def log(self, request: BaseRequest, response: StreamResponse, time: float) -> None:
        rid = response.headers.get(HEADER)  # set by the middleware on every answer
        route = route_of(request) if isinstance(request, web.Request) else "unmatched"
        self.logger.info("%s %s -> %s %sB %.1f ms", request.method, route, response.status,
                         response.body_length, time * 1000, extra={"request_id": rid} if rid else None)


def install(app: web.Application) -> None:
    """The id middleware, first: every other middleware and handler logs with the id."""
    app.middlewares.insert(0, middleware())


ACCESS_LOGGER = logging.getLogger("aiohttp.access")
