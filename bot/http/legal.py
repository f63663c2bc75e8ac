"""`GET /privacy` and `GET /terms`: the pages the Teams app's manifest links to (`privacyUrl`,
`termsOfUseUrl`; bot/teams/package.py). Their texts are the HTML files of `bot.http.pages`,
read once at registration."""

from __future__ import annotations

from importlib.resources import files

from aiohttp import web

PAGES = {"/privacy": "privacy.html", "/terms": "terms.html"}


def register(app: web.Application, services: object) -> None:
    for path, name in PAGES.items():
        html = (files("bot.http.pages") / name).read_text(encoding="utf-8")

        async def page(_request: web.Request, html: str = html) -> web.Response:
            return web.Response(text=html, content_type="text/html", charset="utf-8",
                                headers={"Cache-Control": "public, max-age=3600"})

        app.router.add_get(path, page)
