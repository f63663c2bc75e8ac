"""`POST /webhooks/linkedin`: provider events (docs/linkedin.md). The secret header is checked
in constant time, the body checked (`payloads.webhook_event`: an event of a kind we read whose
parts are of another type is 400), the event stored (`core.delivery.webhooks`: a redelivered
relation or message answers 200 "duplicate" and does nothing; every account status delivery is
kept, the latest wins), and the processing left to the worker, so the answer comes well within the
provider's 30 s. Events not enqueued (broker down) are found again by the clock."""

from __future__ import annotations

import asyncio
import hmac
import logging

from aiohttp import web

from bot.http import payloads
from bot.shapes import Unreadable, parse_json
from core.delivery import webhooks

log = logging.getLogger("invitebot.webhooks")
SECRET_HEADER = "X-Invitebot-Secret"  # registered with the provider (unipile_webhooks.WEBHOOK_SECRET_HEADER)
MAX_BODY = 256 * 1024


def _store(services, payload: dict) -> tuple[int | None, bool]:
    with services.uow() as session:
        return webhooks.store_event(session=session, payload=payload, now=services.clock.now())


def register(app: web.Application, services) -> None:
    async def receive(request: web.Request) -> web.Response:
        secret = services.settings.webhook_secret
        given = request.headers.get(SECRET_HEADER, "")
        if secret is None or not hmac.compare_digest(given.encode(), secret.get_secret_value().encode()):
            return web.json_response({"error": "unauthorised"}, status=401)
        if (request.content_length or 0) > MAX_BODY:
            return web.json_response({"error": "too large"}, status=413)
        try:
            payload = payloads.webhook_event(parse_json(await request.read()))  # no JSON content type by default
        except Unreadable as exc:
            log.info("webhook refused: %s", exc.detail)
            return web.json_response({"error": exc.detail}, status=400)
        if payload is None:
            log.info("webhook ignored: unknown event shape")
            return web.json_response({"status": "ignored"})
        event_id, new = await asyncio.to_thread(_store, services, payload)
        if event_id is None:  # not an event the engine keeps (core logs which)
            return web.json_response({"status": "ignored"})
        if new:
            try:
                await asyncio.to_thread(services.tasks.process_event, event_id)
            except Exception:  # stored already: the clock enqueues it on its next tick
                log.exception("webhook %s stored but not enqueued", event_id)
        return web.json_response({"status": "accepted" if new else "duplicate", "id": event_id})

    app.router.add_post("/webhooks/linkedin", receive)
