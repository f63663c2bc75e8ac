"""Tracked links (P-16): every URL of a message becomes `{PUBLIC_URL}/l/{token}` for its send; a
click is recorded and redirected, a link-preview robot or a HEAD request only redirected."""

from __future__ import annotations

import re
import secrets
import string
from datetime import datetime

from sqlalchemy import select
from sqlmodel import Session

from core.campaigns.templates import TRACKED_TOKEN_LENGTH, URL_RE
from core.delivery.models import Send
from core.links.models import Click, TrackedLink

ALPHABET = string.ascii_letters + string.digits  # 62^10 ≈ 8·10^17 tokens: not guessable
TOKEN_RE = re.compile(rf"^[A-Za-z0-9]{{{TRACKED_TOKEN_LENGTH}}}$")
PREVIEW_BOTS = re.compile(
    r"LinkedInBot|Slackbot|Slack-ImgProxy|Twitterbot|facebookexternalhit|Facebot|WhatsApp|TelegramBot|Discordbot|"
    r"SkypeUriPreview|MicrosoftPreview|Googlebot|bingbot|Applebot|redditbot|Embedly|Iframely|preview",
    re.IGNORECASE,
)


def new_token() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(TRACKED_TOKEN_LENGTH))


def has_links(text: str) -> bool:
    return URL_RE.search(text or "") is not None


def tracked_text(*, session: Session, send: Send, public_url: str) -> str:
    """The send's text with each URL replaced by its tracked link; the same links on every call
    for one send (a retry or a reconciliation compares the very text that left)."""
    urls = list(dict.fromkeys(m.group(0) for m in URL_RE.finditer(send.text)))
    if not urls:
        return send.text
    known = {link.url: link.token for link in session.execute(
        select(TrackedLink).where(TrackedLink.send_id == send.id)).scalars()}
    for url in urls:
        if url not in known:
            token = new_token()
            session.add(TrackedLink(token=token, send_id=send.id, campaign_id=send.campaign_id,
                                    contact_id=send.contact_id, url=url))
            known[url] = token
    session.flush()
    base = public_url.rstrip("/")
    return URL_RE.sub(lambda m: f"{base}/l/{known[m.group(0)]}", send.text)


def is_preview_bot(user_agent: str | None) -> bool:
    return bool(user_agent and PREVIEW_BOTS.search(user_agent))


def follow(*, session: Session, token: str, count: bool, now: datetime) -> str | None:
    """The target URL of a token (None when unknown); records a click when `count`."""
    if not TOKEN_RE.match(token or ""):
        return None
    link: TrackedLink | None = session.execute(
        select(TrackedLink).where(TrackedLink.token == token)).scalar_one_or_none()
    if link is None:
        return None
    if count:
        session.add(Click(link_id=link.id, campaign_id=link.campaign_id, contact_id=link.contact_id, clicked_at=now))
        session.flush()
    return link.url
