"""Where and how Unipile calls us back: the webhook paths, sources and secret header we register,
and the signed URL of the hosted-auth callback.

No HTTP client here: the web edge (`bot/http/accounts.py`, `bot/http/webhooks.py`) checks what
arrives with these, the gateway (`core.delivery.linkedin.unipile`) registers them.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import timedelta
from urllib.parse import urlencode

# Our own header on every webhook Unipile sends us: the web app compares it to WEBHOOK_SECRET.
WEBHOOK_SECRET_HEADER = "X-Invitebot-Secret"
# Where Unipile reports an account connected through the hosted link (bot/http/accounts.py).
ACCOUNT_CALLBACK_PATH = "/webhooks/linkedin/accounts"
# Where every other event arrives (bot/http/webhooks.py).
WEBHOOK_PATH = "/webhooks/linkedin"
# The webhooks the engine relies on: acceptances (`new_relation`), replies, account health.
WEBHOOK_SOURCES = ("users", "messaging", "account_status")
# The events a source is asked for, where it takes a list: of messages, only their arrival (read
# receipts and reactions are of no use to the engine).
WEBHOOK_EVENTS = {"messaging": ["message_received"]}
# How long a hosted-auth callback URL stays valid: the link's own hour, plus a day of retries.
CALLBACK_VALIDITY = timedelta(hours=25)


def member_ref_signature(secret: str, member_ref: str, expires: int) -> str:
    """HMAC-SHA256 of the member reference and the URL's expiry (Unix seconds) under
    WEBHOOK_SECRET, hex: Unipile cannot add our secret header to the hosted-auth callback, so its
    URL carries this unguessable signature instead — and stops working once it expires."""
    return hmac.new(secret.encode(), f"{member_ref}.{expires}".encode(), hashlib.sha256).hexdigest()


def account_callback_url(public_url: str, secret: str, member_ref: str, expires: int) -> str:
    """`{PUBLIC_URL}/webhooks/linkedin/accounts?ref=…&exp=…&sig=…`, the hosted link's `notify_url`."""
    query = urlencode({"ref": member_ref, "exp": expires, "sig": member_ref_signature(secret, member_ref, expires)})
    return f"{public_url.rstrip('/')}{ACCOUNT_CALLBACK_PATH}?{query}"
