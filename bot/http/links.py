"""`GET/HEAD /l/{token}`: a tracked link (P-16). A person's click is recorded, then redirected
(302); HEAD requests and link-preview robots are redirected without counting; an unknown token
gets a plain 404 page."""

from __future__ import annotations

import asyncio
import logging

from aiohttp import web

from core.links import tracking as links

log = logging.getLogger("invitebot.links")
NOT_FOUND = ("<!doctype html><html><head><meta charset='utf-8'><title>Link not found</title></head>"
             "<body><p>This link does not exist or has expired.</p></body></html>")


def _follow(services, token: str, count: bool) -> str | None:
    with services.uow() as session:
        return links.follow(session=session, token=token, count=count, now=services.clock.now())


def register(app: web.Application, services) -> None:
    async def follow(request: web.Request) -> web.StreamResponse:
        token = request.match_info["token"]
        count = request.method == "GET" and not links.is_preview_bot(request.headers.get("User-Agent"))
        url = await asyncio.to_thread(_follow, services, token, count)
        if url is None:
            return web.Response(status=404, text=NOT_FOUND, content_type="text/html")
        return web.Response(status=302, headers={"Location": url, "Cache-Control": "no-store",
                                                 "Referrer-Policy": "no-referrer"})

    # aiohttp answers HEAD on a GET route by itself (allow_head), through the same handler.
    app.router.add_get("/l/{token}", follow)
