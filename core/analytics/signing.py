"""Short-lived signed URLs for what the web app serves without a chat session: a campaign's chart
images (a chat client fetches them by URL) and its contacts' CSV (a download link in Teams).

A URL names what it serves, when it expires and, for a chart, the language of its labels (the
member's: `lang`), and carries an HMAC-SHA256 of them all under the
`SIGNED_URL_SECRET` setting; the web app serves nothing without a valid, unexpired signature, and
the same answer (404) for a forged, expired or unknown one. Whoever holds the URL may fetch it until
it expires: it is given only to a member allowed to read what it shows."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from urllib.parse import urlencode


class Signed(StrEnum):
    """What a signed URL serves (each with its path under PUBLIC_URL)."""

    FUNNEL = "funnel"
    WEEKLY = "weekly"
    CONTACTS = "contacts"


CHART_TTL = timedelta(hours=24)  # a card's images outlive the card's own freshness a little
EXPORT_TTL = timedelta(minutes=15)  # contacts' data: just long enough to click


@dataclass(frozen=True)
class SignedRef:
    kind: Signed
    campaign_id: int
    expires: int  # Unix seconds
    language: str | None = None  # a chart's labels (core/i18n.py); None: English

    def path(self) -> str:
        if self.kind == Signed.CONTACTS:
            return f"/exports/{self.campaign_id}/contacts.csv"
        return f"/charts/{self.campaign_id}/{self.kind.value}.png"


def _mac(secret: str, kind: str, campaign_id: int, expires: int, language: str | None) -> str:
    # A URL without a language (signed before charts had one) keeps its signature until it expires.
    message = f"{kind}:{campaign_id}:{expires}" + (f":{language}" if language else "")
    return hmac.new(secret.encode(), message.encode(), hashlib.sha256).hexdigest()


def sign_url(*, secret: str, public_url: str, kind: Signed, campaign_id: int, now: datetime,
             ttl: timedelta | None = None, language: str | None = None) -> str:
    ttl = ttl if ttl is not None else (EXPORT_TTL if kind == Signed.CONTACTS else CHART_TTL)
    ref = SignedRef(kind, campaign_id, int((now + ttl).timestamp()), language)
    params: dict[str, str | int] = {"expires": ref.expires}
    if language:
        params["lang"] = language
    params["sig"] = _mac(secret, kind.value, campaign_id, ref.expires, language)
    return f"{public_url.rstrip('/')}{ref.path()}?{urlencode(params)}"


def verify(*, secret: str, kind: str, campaign_id: str, expires: str | None, sig: str | None,
           now: datetime, language: str | None = None) -> SignedRef | None:
    """The reference a request names when its signature is valid and unexpired, else None."""
    try:
        what = Signed(kind)
        ident, until = int(campaign_id), int(expires or "")
    except ValueError:
        return None
    if not sig or until < now.timestamp() or ident <= 0:
        return None
    if not hmac.compare_digest(_mac(secret, what.value, ident, until, language or None), sig):
        return None
    return SignedRef(what, ident, until, language or None)
