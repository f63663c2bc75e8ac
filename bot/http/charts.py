"""`GET /charts/{campaign_id}/{funnel|weekly}.png` and `GET /exports/{campaign_id}/contacts.csv`:
a campaign's chart images and its contacts' CSV, behind short-lived signed URLs
(`core.analytics.signing`). The signature is the only authority here: it was given to a member
the core allowed to read what it shows (`core.analytics.commands`). A missing, forged or expired
signature, or a campaign that no longer exists, gets the same plain 404 and no data."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime

from aiohttp import web

from core.analytics import queries
from core.analytics.export import contacts_csv, export_filename
from core.analytics.signing import Signed, SignedRef, verify
from core.campaigns.models import Campaign
from core.i18n import speaking
from core.services import Services

log = logging.getLogger("invitebot.charts")
NOT_FOUND = "Not found, or this link has expired."


def _chart(services: Services, ref: SignedRef) -> bytes | None:
    from bot.conversation import charts

    with services.uow(read_only=True) as session:
        campaign = session.get(Campaign, ref.campaign_id)
        if campaign is None:
            return None
        report = queries.report(session, queries.Scope(campaign.workspace_id, campaign_id=campaign.id),
                                timezone=campaign.timezone)
    with speaking(ref.language):  # the asker's, signed in the URL
        return charts.funnel_png(report) if ref.kind == Signed.FUNNEL else charts.weekly_png(report)


def _export(services: Services, ref: SignedRef, now: datetime) -> tuple[str, str] | None:
    with services.uow(read_only=True) as session:
        campaign = session.get(Campaign, ref.campaign_id)
        if campaign is None:
            return None
        return export_filename(campaign, now), contacts_csv(session, campaign)


def _verified(services: Services, request: web.Request, kind: str) -> SignedRef | None:
    return verify(secret=services.settings.signed_url_secret.get_secret_value(), kind=kind,
                  campaign_id=request.match_info["campaign_id"], expires=request.query.get("expires"),
                  sig=request.query.get("sig"), now=services.clock.now(), language=request.query.get("lang"))


def register(app: web.Application, services: Services) -> None:
    def refused() -> web.Response:
        return web.Response(status=404, text=NOT_FOUND, headers={"Cache-Control": "no-store"})

    async def chart(request: web.Request) -> web.StreamResponse:
        ref = _verified(services, request, request.match_info["kind"])
        if ref is None or ref.kind == Signed.CONTACTS:
            return refused()
        png = await asyncio.to_thread(_chart, services, ref)
        if png is None:
            return refused()
        # Private: chat clients and their image proxies may keep it until the link expires.
        max_age = max(0, ref.expires - int(services.clock.now().timestamp()))
        return web.Response(body=png, content_type="image/png",
                            headers={"Cache-Control": f"private, max-age={max_age}"})

    async def export(request: web.Request) -> web.StreamResponse:
        ref = _verified(services, request, Signed.CONTACTS.value)
        if ref is None:
            return refused()
        found = await asyncio.to_thread(_export, services, ref, services.clock.now())
        if found is None:
            return refused()
        filename, body = found
        return web.Response(text=body, content_type="text/csv", charset="utf-8", headers={
            "Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store",
            "Referrer-Policy": "no-referrer"})

    app.router.add_get(r"/charts/{campaign_id:\d+}/{kind:[a-z]+}.png", chart)
    app.router.add_get(r"/exports/{campaign_id:\d+}/contacts.csv", export)
