"""The Unipile LinkedIn gateway: the port (`core.delivery.linkedin.port`) over the Unipile API v1.

The port is synchronous (Dramatiq calls it from worker threads), the client is aiohttp: the
gateway owns one event loop on a thread of its own, with one `ClientSession` (connection reuse),
and each call submits a coroutine with `run_coroutine_threadsafe(...).result()`. `close()` ends both.

What a failure means decides what the engine may do (DESIGN §6, invariant 2):
- nothing left (connection refused, DNS, timeout while connecting, a connection lost before the
  request was written) → `Transient`;
- the request was written and no answer came (timeout, connection dropped) → `OutcomeUnknown`
  for a write (invite, withdraw, message, webhook, link), `Transient` for a read;
- an HTTP answer → `worker.unipile_mapping.error_for` (429, 5xx — unknown outcome for a write —,
  401/403, Unipile error types).
The API key (`X-API-KEY`) and message texts never reach the logs.

Requests are made as the official Node SDK 1.9.3 makes them: a profile slug is percent-decoded once
and encoded once (`profile_slug`), message texts go out in multipart with CRLF line breaks
(`wire_text`), page sizes stay within the API's bounds (sent invitations 1–100).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import re
import threading
import time
from concurrent.futures import TimeoutError as FutureTimeout
from datetime import datetime, timedelta
from types import SimpleNamespace
from typing import Any
from urllib.parse import quote, unquote, urlencode, urlsplit

import aiohttp
from pydantic import SecretStr

from core.clock import Clock, SystemClock
from core.delivery.linkedin.port import (
    ChatMessage,
    InvitationSent,
    LinkedInError,
    MessageSent,
    NotFound,
    OutcomeUnknown,
    Page,
    Profile,
    Transient,
)
from worker.unipile_mapping import (
    AccountOwner,
    error_for,
    iso,
    message_from,
    owner_from,
    pending_from,
    profile_from,
    relation_from,
    status_from,
)

log = logging.getLogger("invitebot.unipile")

API_KEY_HEADER = "X-API-KEY"
# Our own header on every webhook Unipile sends us: the web app compares it to WEBHOOK_SECRET.
WEBHOOK_SECRET_HEADER = "X-Invitebot-Secret"
MAX_INVITATIONS_PAGE = 100  # GET /users/invite/sent takes limit 1–100
MAX_RELATIONS_PAGE = 1000
MAX_MESSAGES_PAGE = 250
MAX_CHATS_PAGE = 100
MAX_CHAT_PAGES = 5  # one-to-one chats with one person: one, seldom a few
MAX_SEARCH_PAGE = 50  # LinkedIn classic search
# Where Unipile reports an account connected through the hosted link (bot/http/accounts.py).
ACCOUNT_CALLBACK_PATH = "/webhooks/linkedin/accounts"
# Where every other event arrives (bot/http/webhooks.py).
WEBHOOK_PATH = "/webhooks/linkedin"
# The webhooks the engine relies on: acceptances (`new_relation`), replies, account health.
WEBHOOK_SOURCES = ("users", "messaging", "account_status")
# The events a source is asked for, where it takes a list: of messages, only their arrival (read
# receipts and reactions are of no use to the engine).
WEBHOOK_EVENTS = {"messaging": ["message_received"]}
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def wire_text(text: str) -> str:
    """A message text as the official SDK puts it on the wire: its multipart body (the WHATWG
    FormData encoding) turns every line break (LF, CR or CRLF) into CRLF."""
    return _LINE_BREAK.sub("\r\n", text)


def profile_slug(identifier: str) -> str:
    """The public identifier of a profile URL or slug, percent-decoded once: `jos%C3%A9` and `josé`
    are one person (the path segment is encoded once again when the request is made)."""
    ident = (identifier or "").strip()
    if "linkedin.com/in/" in ident:
        ident = ident.split("linkedin.com/in/", 1)[1]
    ident = ident.split("?", 1)[0].split("#", 1)[0].strip().strip("/").split("/", 1)[0]  # not a /en suffix
    return unquote(ident).strip()


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


async def _headers_sent(_session, ctx, _params) -> None:
    ctx.trace_request_ctx.sent = True


class UnipileGateway:
    name = "unipile"

    def __init__(self, *, base_url: str, api_key: SecretStr | str, timeout_seconds: float = 20.0,
                 clock: Clock | None = None, public_url: str | None = None,
                 webhook_secret: SecretStr | str | None = None) -> None:
        self._base = base_url.rstrip("/")
        self._key = api_key if isinstance(api_key, SecretStr) else SecretStr(api_key)
        # For the hosted link's notify_url: where Unipile reports the account, and how we sign it.
        self._public_url = public_url
        self._webhook_secret = webhook_secret if isinstance(webhook_secret, SecretStr) or webhook_secret is None \
            else SecretStr(webhook_secret)
        self._timeout = float(timeout_seconds)
        self._clock = clock or SystemClock()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="unipile-gateway", daemon=True)
        self._thread.start()
        self._closed = False
        self._session: aiohttp.ClientSession = self._run(self._open())

    @classmethod
    def from_settings(cls, settings: Any, *, clock: Clock | None = None) -> "UnipileGateway":
        if not settings.unipile_base_url or not settings.unipile_api_key:
            raise ValueError("LINKEDIN_PROVIDER=unipile needs UNIPILE_BASE_URL and UNIPILE_API_KEY")
        if settings.webhook_secret is None:
            log.warning("unipile: WEBHOOK_SECRET is not set: members cannot connect accounts and "
                        "webhooks are refused until it is")
        return cls(base_url=settings.unipile_base_url, api_key=settings.unipile_api_key,
                   timeout_seconds=settings.unipile_timeout_seconds, clock=clock,
                   public_url=settings.public_url, webhook_secret=settings.webhook_secret)

    def __repr__(self) -> str:
        return f"UnipileGateway({self._base!r})"

    # -- the loop thread -----------------------------------------------------------------------

    async def _open(self) -> aiohttp.ClientSession:
        trace = aiohttp.TraceConfig()
        trace.on_request_headers_sent.append(_headers_sent)
        timeout = aiohttp.ClientTimeout(total=self._timeout, connect=min(self._timeout, 10.0))
        return aiohttp.ClientSession(
            headers={API_KEY_HEADER: self._key.get_secret_value(), "Accept": "application/json"},
            timeout=timeout, trace_configs=[trace], raise_for_status=False,
        )

    def _run(self, coro):
        if self._closed:
            coro.close()
            raise Transient("the Unipile gateway is closed")
        future = asyncio.run_coroutine_threadsafe(coro, self._loop)
        try:
            # aiohttp's own timeout ends the request first; this only guards against a stuck loop.
            return future.result(self._timeout + 30)
        except FutureTimeout:
            future.cancel()
            raise OutcomeUnknown("no answer from the gateway loop") from None

    def close(self) -> None:
        if self._closed:
            return
        self._run(self._session.close())
        self._closed = True
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop.close()

    def __enter__(self) -> "UnipileGateway":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- one request ---------------------------------------------------------------------------

    async def _request(self, method: str, route: str, path: str, *, params=None, json=None, data=None):
        state = SimpleNamespace(sent=False)
        write = method != "GET"
        started = time.perf_counter()
        query = {k: str(v) for k, v in (params or {}).items() if v is not None}
        try:
            async with self._session.request(method, self._base + path, params=query, json=json, data=data,
                                             trace_request_ctx=state) as resp:
                try:
                    body = await resp.json(content_type=None)
                except ValueError:
                    body = None
                status, headers = resp.status, dict(resp.headers)
        except aiohttp.ClientConnectorError as exc:
            log.warning("unipile %s %s: cannot connect (%s)", method, route, type(exc).__name__)
            raise Transient("cannot reach Unipile") from exc
        except (asyncio.TimeoutError, aiohttp.ClientError) as exc:
            elapsed = (time.perf_counter() - started) * 1000
            log.warning("unipile %s %s: %s after %.0f ms (request sent: %s)", method, route,
                        type(exc).__name__, elapsed, state.sent)
            if state.sent and write:
                raise OutcomeUnknown(f"no answer to {method} {route}: the action may have happened") from exc
            raise Transient(f"{method} {route} failed before an answer") from exc
        log.info("unipile %s %s -> %s in %.0f ms", method, route, status, (time.perf_counter() - started) * 1000)
        if status >= 400:
            raise error_for(status, body, headers, write=write)
        return body if isinstance(body, dict) else {}

    def _call(self, method: str, route: str, path: str, **kwargs) -> dict:
        return self._run(self._request(method, route, path, **kwargs))

    # -- the port ------------------------------------------------------------------------------

    def resolve_profile(self, *, account_id: str, identifier: str) -> Profile:
        ident = profile_slug(identifier)
        if not ident:
            raise NotFound("empty identifier")
        body = self._call("GET", "/users/{identifier}", f"/users/{quote(ident, safe='')}",
                          params={"account_id": account_id})
        profile = profile_from(body)
        if not profile.provider_id:
            raise LinkedInError("profile without provider_id", status=200)
        return profile

    def send_invitation(self, *, account_id: str, provider_id: str, note: str | None) -> InvitationSent:
        payload: dict[str, Any] = {"account_id": account_id, "provider_id": provider_id}
        if note:
            payload["message"] = note
        body = self._call("POST", "/users/invite", "/users/invite", json=payload)
        return InvitationSent(invitation_id=body.get("invitation_id"))

    def list_sent_invitations(self, *, account_id: str, cursor: str | None = None, limit: int = 100) -> Page:
        body = self._call("GET", "/users/invite/sent", "/users/invite/sent", params={
            "account_id": account_id, "limit": max(1, min(limit, MAX_INVITATIONS_PAGE)), "cursor": cursor})
        items = [pending_from(i) for i in body.get("items") or [] if isinstance(i, dict)]
        return Page(items=[i for i in items if i.invitation_id], cursor=body.get("cursor") or None)

    def withdraw_invitation(self, *, account_id: str, invitation_id: str) -> None:
        self._call("DELETE", "/users/invite/sent/{invitation_id}", f"/users/invite/sent/{quote(invitation_id, safe='')}",
                   params={"account_id": account_id})

    def list_relations(self, *, account_id: str, cursor: str | None = None, limit: int = 100) -> Page:
        body = self._call("GET", "/users/relations", "/users/relations", params={
            "account_id": account_id, "limit": max(1, min(limit, MAX_RELATIONS_PAGE)), "cursor": cursor})
        items = [relation_from(i) for i in body.get("items") or [] if isinstance(i, dict)]
        return Page(items=[i for i in items if i.provider_user_id], cursor=body.get("cursor") or None)

    def send_message(
        self, *, account_id: str, text: str, chat_id: str | None = None, provider_id: str | None = None
    ) -> MessageSent:
        # Both message routes take multipart/form-data (they accept attachments), like the official SDK.
        form = aiohttp.FormData(default_to_multipart=True)
        text = wire_text(text)
        if chat_id:
            form.add_field("text", text)
            body = self._call("POST", "/chats/{chat_id}/messages", f"/chats/{quote(chat_id, safe='')}/messages", data=form)
            return MessageSent(chat_id=chat_id, message_id=body.get("message_id"))
        if not provider_id:
            raise LinkedInError("a chat id or a recipient is needed", status=400)
        form.add_field("account_id", account_id)
        form.add_field("text", text)
        form.add_field("attendees_ids", provider_id)
        body = self._call("POST", "/chats", "/chats", data=form)
        return MessageSent(chat_id=str(body.get("chat_id") or ""), message_id=body.get("message_id"))

    def list_messages(
        self, *, account_id: str, chat_id: str, after: datetime | None = None, limit: int = 100
    ) -> list[ChatMessage]:
        """Messages of the chat, oldest first. Unipile pages newest first, so every page after
        `after` is read (at most 20 pages) before the oldest `limit` are kept."""
        found: dict[str, ChatMessage] = {}
        cursor = None
        for _ in range(20):
            body = self._call("GET", "/chats/{chat_id}/messages", f"/chats/{quote(chat_id, safe='')}/messages", params={
                "after": iso(after) if after else None, "limit": MAX_MESSAGES_PAGE, "cursor": cursor})
            for item in body.get("items") or []:
                msg = message_from(item, chat_id) if isinstance(item, dict) else None
                if msg and (after is None or msg.timestamp > after):
                    found[msg.message_id] = msg
            cursor = body.get("cursor")
            if not cursor:
                break
        # Newest first from the provider: reversed, then a stable sort keeps its order on equal timestamps.
        return sorted(reversed(list(found.values())), key=lambda m: m.timestamp)[: max(1, limit)]

    def list_chats_with(self, *, account_id: str, provider_id: str) -> list[str]:
        """`GET /chat_attendees/{attendee_id}/chats?account_id=` (the SDK's `getAllChatsFromAttendee`):
        the account's one-to-one chats with the person, newest first. The path takes the attendee's
        Unipile id or, as here, its provider id (Unipile API reference, "List all 1to1 chats for a
        given attendee")."""
        chats: list[str] = []
        cursor = None
        for _ in range(MAX_CHAT_PAGES):
            body = self._call("GET", "/chat_attendees/{attendee_id}/chats",
                              f"/chat_attendees/{quote(provider_id, safe='')}/chats",
                              params={"account_id": account_id, "limit": MAX_CHATS_PAGE, "cursor": cursor})
            chats += [str(i["id"]) for i in body.get("items") or [] if isinstance(i, dict) and i.get("id")
                      and i.get("account_id", account_id) == account_id]
            cursor = body.get("cursor")
            if not cursor:
                break
        return list(dict.fromkeys(chats))

    def search_people(self, *, account_id: str, query: dict[str, Any], limit: int = 50) -> list[Profile]:
        payload = {"url": query["url"]} if query.get("url") else {"api": "classic", "category": "people", **query}
        body = self._call("POST", "/linkedin/search", "/linkedin/search", json=payload,
                          params={"account_id": account_id, "limit": max(1, min(limit, MAX_SEARCH_PAGE))})
        profiles = [profile_from(i) for i in body.get("items") or [] if isinstance(i, dict)]
        return [p for p in profiles if p.provider_id]

    def hosted_link(self, *, member_ref: str, success_url: str | None = None) -> str:
        """A Unipile hosted-auth URL where the member connects LinkedIn. Valid one hour. Unipile posts
        `{status, account_id, name}` to `notify_url` once the account is connected; `name` carries
        `member_ref` and the URL carries it signed (`account_callback_url`), which
        `bot/http/accounts.py` verifies before storing the account."""
        if not self._public_url or self._webhook_secret is None:
            raise LinkedInError("PUBLIC_URL and WEBHOOK_SECRET are needed to connect Unipile accounts")
        parts = urlsplit(self._base)
        payload: dict[str, Any] = {
            "type": "create", "providers": ["LINKEDIN"], "api_url": f"{parts.scheme}://{parts.netloc}",
            "expiresOn": iso(self._clock.now() + timedelta(hours=1)), "name": member_ref,
            "notify_url": account_callback_url(self._public_url, self._webhook_secret.get_secret_value(), member_ref,
                                               int((self._clock.now() + CALLBACK_VALIDITY).timestamp())),
        }
        if success_url:
            payload["success_redirect_url"] = success_url
        body = self._call("POST", "/hosted/accounts/link", "/hosted/accounts/link", json=payload)
        if not body.get("url"):
            raise LinkedInError("no URL in the hosted link answer", status=200)
        return str(body["url"])

    def account_status(self, *, account_id: str) -> str:
        """The account's status as the provider reads it now (`GET /accounts/{id}`): its sources'
        worst status (`OK`, `CREDENTIALS`, `ERROR`…), the words of the account status webhook."""
        body = self._call("GET", "/accounts/{account_id}", f"/accounts/{quote(account_id, safe='')}")
        return status_from(body)

    def own_profile(self, *, account_id: str) -> AccountOwner:
        """The connected account's own LinkedIn identity (`GET /users/me`): its provider id tells the
        engine which messages the account wrote. Not part of the port (the sandbox needs none)."""
        body = self._call("GET", "/users/me", "/users/me", params={"account_id": account_id})
        return owner_from(body)

    def register_webhook(self, *, request_url: str, secret: str, source: str) -> str:
        """Webhooks made through the API carry no JSON content type unless asked: we set it, and our
        secret header so the web app can authenticate the calls."""
        payload: dict[str, Any] = {
            "request_url": request_url, "name": f"invitebot-{source}", "format": "json", "source": source,
            "headers": [{"key": "Content-Type", "value": "application/json"},
                        {"key": WEBHOOK_SECRET_HEADER, "value": secret}],
        }
        if source in WEBHOOK_EVENTS:
            payload["events"] = list(WEBHOOK_EVENTS[source])
        body = self._call("POST", "/webhooks", "/webhooks", json=payload)
        return str(body.get("webhook_id") or "")

    def list_webhooks(self) -> list[dict[str, Any]]:
        """Every webhook of the Unipile tenant (`GET /webhooks`, all pages): id, name, request_url and the
        events it is subscribed to (None when the listing does not say)."""
        found: list[dict[str, Any]] = []
        cursor = None
        for _ in range(50):
            body = self._call("GET", "/webhooks", "/webhooks", params={"limit": 100, "cursor": cursor})
            found += [{"id": str(i.get("id") or ""), "name": i.get("name"), "request_url": i.get("request_url"),
                       "events": i.get("events") if isinstance(i.get("events"), list) else None}
                      for i in body.get("items") or [] if isinstance(i, dict)]
            cursor = body.get("cursor")
            if not cursor:
                break
        return found

    def delete_webhook(self, *, webhook_id: str) -> None:
        self._call("DELETE", "/webhooks/{webhook_id}", f"/webhooks/{quote(webhook_id, safe='')}")
