"""A campaign's charts and CSV over HTTP: served for a valid signed URL only (a forged, expired,
unsigned or re-pointed one gets a 404 and no data), and the image is a PNG of a sensible size."""

from __future__ import annotations

import io
from datetime import datetime, timedelta, timezone
from urllib.parse import urlsplit

import pytest
from PIL import Image

from bot.web import build_web_app
from core.analytics.signing import Signed, sign_url
from core.clock import FrozenClock
from core.db import UnitOfWork
from core.delivery.models import Enrollment
from core.notify import LoggingNotifier
from entrypoints.bootstrap import bootstrap
from tests import factories as f

NOW = datetime(2026, 11, 26, 10, 0, tzinfo=timezone.utc)


@pytest.fixture
def ctx(db, settings):
    return bootstrap(settings, clock=FrozenClock(NOW), notifier=LoggingNotifier(), engine=db, queue="none")


@pytest.fixture
async def client(aiohttp_client, ctx):
    return await aiohttp_client(build_web_app(ctx))


@pytest.fixture
def campaign_ids(db):
    with UnitOfWork(db)() as s:
        ws = f.workspace(s)
        m, acct = f.sender(s, ws)
        people = f.contacts(s, ws, 3)
        camp = f.campaign(s, ws, m, f.segment(s, ws, people, owner=m))
        other = f.campaign(s, ws, m, f.segment(s, ws, people, owner=m))
        for i, contact in enumerate(people):
            s.add(Enrollment(workspace_id=ws.id, campaign_id=camp.id, contact_id=contact.id, account_id=acct.id,
                             state="accepted" if i else "invited", language="en",
                             invited_at=NOW - timedelta(days=9 - i),
                             accepted_at=NOW - timedelta(days=2) if i else None))
        return camp.id, other.id


def path(ctx, kind: Signed, campaign_id: int, *, now: datetime = NOW, secret: str | None = None,
         language: str | None = None) -> str:
    url = sign_url(secret=secret or ctx.settings.signed_url_secret.get_secret_value(),
                   public_url=ctx.settings.public_url, kind=kind, campaign_id=campaign_id, now=now, language=language)
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


@pytest.mark.parametrize("kind", [Signed.FUNNEL, Signed.WEEKLY])
async def test_a_signed_chart_url_serves_a_png_of_sensible_size(client, ctx, campaign_ids, kind):
    resp = await client.get(path(ctx, kind, campaign_ids[0]))
    assert resp.status == 200 and resp.content_type == "image/png"
    body = await resp.read()
    assert body.startswith(b"\x89PNG\r\n\x1a\n") and 2_000 < len(body) < 300_000
    image = Image.open(io.BytesIO(body))
    assert image.format == "PNG" and 400 <= image.width <= 1600 and 200 <= image.height <= 900
    assert image.mode == "RGBA" and image.getpixel((0, 0))[3] == 0  # transparent: any chat theme shows through
    assert "private" in resp.headers["Cache-Control"]


@pytest.mark.parametrize("kind", [Signed.FUNNEL, Signed.WEEKLY])
async def test_a_chart_is_drawn_in_the_language_its_url_was_signed_for(client, ctx, campaign_ids, kind):
    english, french = path(ctx, kind, campaign_ids[0], language="en"), path(ctx, kind, campaign_ids[0], language="fr")
    assert "lang=fr" in french
    drawn = {}
    for lang, url in (("en", english), ("fr", french)):
        resp = await client.get(url)
        assert resp.status == 200
        drawn[lang] = await resp.read()
    assert drawn["en"] != drawn["fr"]  # other labels, other dates
    assert drawn["en"] == await (await client.get(path(ctx, kind, campaign_ids[0]))).read()  # English by default
    # The language is under the signature: another one on the same URL is refused
    assert (await client.get(french.replace("lang=fr", "lang=en"))).status == 404
    assert (await client.get(french.replace("lang=fr&", ""))).status == 404


async def test_unsigned_forged_expired_and_repointed_urls_get_nothing(client, ctx, campaign_ids):
    camp, other = campaign_ids
    good = path(ctx, Signed.FUNNEL, camp)
    refused = [
        f"/charts/{camp}/funnel.png",  # unsigned
        good.replace("sig=", "sig=0"),  # forged
        good[:-1] + ("0" if good[-1] != "0" else "1"),  # one character changed
        good.replace(f"/charts/{camp}/", f"/charts/{other}/"),  # another campaign with this signature
        good.replace("funnel.png", "weekly.png"),  # another chart with this signature
        path(ctx, Signed.FUNNEL, camp, now=NOW - timedelta(days=2)),  # expired
        path(ctx, Signed.FUNNEL, camp, secret="not-the-secret"),  # signed with another secret
        path(ctx, Signed.CONTACTS, camp).replace("/exports/", "/charts/").replace("contacts.csv", "contacts.png"),
        path(ctx, Signed.FUNNEL, 999_999),  # signed, but no such campaign
    ]
    for url in refused:
        resp = await client.get(url)
        assert resp.status == 404, url
        assert "image" not in resp.content_type
        assert b"PNG" not in await resp.read()


async def test_the_contacts_csv_needs_its_own_signature(client, ctx, campaign_ids):
    camp, _ = campaign_ids
    resp = await client.get(path(ctx, Signed.CONTACTS, camp))
    assert resp.status == 200 and resp.content_type == "text/csv"
    assert "attachment" in resp.headers["Content-Disposition"] and resp.headers["Cache-Control"] == "no-store"
    lines = (await resp.text()).splitlines()
    assert lines[0].startswith("first_name,last_name,profile_url") and len(lines) == 4
    chart_signed = path(ctx, Signed.FUNNEL, camp).replace(f"/charts/{camp}/funnel.png", f"/exports/{camp}/contacts.csv")
    assert (await client.get(chart_signed)).status == 404
    assert (await client.get(f"/exports/{camp}/contacts.csv")).status == 404
    expired = path(ctx, Signed.CONTACTS, camp, now=NOW - timedelta(minutes=16))
    assert (await client.get(expired)).status == 404
