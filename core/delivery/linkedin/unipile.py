"""The Unipile LinkedIn gateway: the port (`core.delivery.linkedin.port`) over the Unipile API v1.

A plain synchronous `httpx.Client` (Dramatiq calls the port from worker threads; httpx's client
"can be shared between threads"): one per gateway, with its connection pool, the base URL, the
`X-API-KEY` header and separate timeouts — connect and waiting for a pooled connection
`min(UNIPILE_TIMEOUT_SECONDS, 10)`, each write and each read of the answer
`UNIPILE_TIMEOUT_SECONDS`. `close()` closes the pool; a closed gateway refuses (`Transient`).

What a failure means decides what the engine may do (DESIGN §6, invariant 2), and httpx's
exception says how far the exchange went:
- nothing left → `Transient`: `ConnectError` (connection refused, DNS, TLS, a connection lost
  while it was being made), `ConnectTimeout`, `PoolTimeout` (no pooled connection free in time),
  `ProxyError` (the proxy's tunnel refused), `UnsupportedProtocol`, `LocalProtocolError` (h11
  refused to build the request). A kept-alive connection the server has closed is never used:
  httpcore checks it before reuse and opens another.
- the request was written, wholly or in part, and no answer came → `OutcomeUnknown` for a write
  (invite, withdraw, message, webhook, link), `Transient` for a read: `ReadTimeout`, `ReadError`
  (a reset), `RemoteProtocolError` (the server closed without answering, or answered garbage),
  and every other `httpx.HTTPError`. `WriteTimeout` and `WriteError` are put here too, on
  purpose: httpx does not say how much of the request left, and what did may have been acted on
  (a proxy may forward what it got; a streaming server may act on the form fields it has parsed
  before the body ends). Wrongly calling it unknown costs one reconciliation read; wrongly calling
  it not done could send an invitation or a message twice. (httpcore itself swallows a
  `WriteError` and reads the answer the server may have sent early.)
- an HTTP answer → `core.delivery.linkedin.unipile_mapping.error_for` (429, 5xx — unknown outcome
  for a write —, 401/403, Unipile error types). Redirects are not followed (a redirected POST
  becomes a GET, and X-API-KEY would go to wherever the redirect points): a 3xx is a
  `LinkedInError` with its status, never a success.
The API key (`X-API-KEY`) and message texts never reach the logs.

Requests are made as the official Node SDK 1.9.3 makes them: a profile slug is percent-decoded once
and encoded once (`profile_slug`), message texts go out in multipart — each field a form part,
as the WHATWG FormData encodes it — with CRLF line breaks (`wire_text`), page sizes stay within
the API's bounds (sent invitations 1–100).

The timeouts bound each phase, not the whole exchange: an answer trickling in a byte at a time
could outlast UNIPILE_TIMEOUT_SECONDS. That is safe for a send: once a status line comes, the
provider has acted or refused, and a claim whose lease ran out meanwhile is reconciled by the
next attempt before it acts (the writes after the call are fenced).
"""

from __future__ import annotations

import json
import logging
import re
import time
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote, unquote, urlsplit

import httpx
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
    PeopleSearch,
    Profile,
    SearchPage,
    SearchParameter,
    Transient,
)
from core.delivery.linkedin.unipile_mapping import (
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
from core.delivery.linkedin.unipile_webhooks import (
    CALLBACK_VALIDITY,
    WEBHOOK_EVENTS,
    WEBHOOK_SECRET_HEADER,
    account_callback_url,
)
from core.metrics import NO_METRICS, Metrics

log = logging.getLogger("invitebot.unipile")

API_KEY_HEADER = "X-API-KEY"
MAX_INVITATIONS_PAGE = 100  # GET /users/invite/sent takes limit 1–100
MAX_RELATIONS_PAGE = 1000
MAX_MESSAGES_PAGE = 250
MAX_CHATS_PAGE = 100
MAX_CHAT_PAGES = 5  # one-to-one chats with one person: one, seldom a few
MAX_SEARCH_PAGE = 50  # LinkedIn classic search
MAX_SALES_SEARCH_PAGE = 100  # Sales Navigator and Recruiter searches
MAX_CONNECT_SECONDS = 10.0
MAX_CONNECTIONS = 100  # as many as aiohttp's connector allowed, far above the worker's threads
# Failures that prove the request never left (see the module docstring); any other is "maybe written".
_NOTHING_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.ProxyError,
                 httpx.UnsupportedProtocol, httpx.LocalProtocolError)
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


def _form(*fields: tuple[str, str]) -> list[tuple[str, tuple[None, str]]]:
    """Plain form fields as httpx's multipart parts: no file name, no part content type, in order —
    the WHATWG FormData shape the SDK sends (httpx sends `data=` alone urlencoded)."""
    return [(name, (None, value)) for name, value in fields]


def _json(content: bytes) -> Any:
    """The answer's JSON, whatever its content type; None when it is none."""
    try:
        return json.loads(content) if content else None
    except ValueError:
        return None


class UnipileGateway:
    name = "unipile"

    def __init__(self, *, base_url: str, api_key: SecretStr | str, timeout_seconds: float = 20.0,
                 connect_timeout_seconds: float | None = None, max_connections: int = MAX_CONNECTIONS,
                 clock: Clock | None = None, public_url: str | None = None,
                 webhook_secret: SecretStr | str | None = None, metrics: Metrics = NO_METRICS) -> None:
        """`connect_timeout_seconds` (default `min(timeout_seconds, 10)`) bounds connecting and the
        wait for a pooled connection; `timeout_seconds` each write and each read."""
        self._base = base_url.rstrip("/")
        key = api_key if isinstance(api_key, SecretStr) else SecretStr(api_key)
        # For the hosted link's notify_url: where Unipile reports the account, and how we sign it.
        self._public_url = public_url
        self._webhook_secret = webhook_secret if isinstance(webhook_secret, SecretStr) or webhook_secret is None \
            else SecretStr(webhook_secret)
        self._clock = clock or SystemClock()
        self._metrics = metrics  # counts the errors Unipile answers, by code
        timeout = float(timeout_seconds)
        connect = float(connect_timeout_seconds) if connect_timeout_seconds is not None \
            else min(timeout, MAX_CONNECT_SECONDS)
        self._client = httpx.Client(
            base_url=self._base,
            headers={API_KEY_HEADER: key.get_secret_value(), "Accept": "application/json"},
            timeout=httpx.Timeout(connect=connect, read=timeout, write=timeout, pool=connect),
            limits=httpx.Limits(max_connections=max_connections, max_keepalive_connections=max_connections),
            follow_redirects=False,
        )

    @classmethod
    def from_settings(cls, settings: Any, *, clock: Clock | None = None,
                      metrics: Metrics = NO_METRICS) -> UnipileGateway:
        if not settings.unipile_base_url or not settings.unipile_api_key:
            raise ValueError("LINKEDIN_PROVIDER=unipile needs UNIPILE_BASE_URL and UNIPILE_API_KEY")
        if settings.webhook_secret is None:
            log.warning("unipile: WEBHOOK_SECRET is not set: members cannot connect accounts and "
                        "webhooks are refused until it is")
        return cls(base_url=settings.unipile_base_url, api_key=settings.unipile_api_key,
                   timeout_seconds=settings.unipile_timeout_seconds, clock=clock,
                   public_url=settings.public_url, webhook_secret=settings.webhook_secret, metrics=metrics)

    def __repr__(self) -> str:
        return f"UnipileGateway({self._base!r})"

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> UnipileGateway:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- one request ---------------------------------------------------------------------------

    def _call(self, method: str, route: str, path: str, *, params: dict[str, Any] | None = None, json: Any = None,
              files: Any = None) -> dict:
        """One request; its JSON answer (a dict, `{}` when there is none), or the port's error (counted)."""
        try:
            return self._request(method, route, path, params=params, json=json, files=files)
        except LinkedInError as exc:
            self._metrics.provider_error(exc.code)
            raise

    def _request(self, method: str, route: str, path: str, *, params: dict[str, Any] | None, json: Any,
                 files: Any) -> dict:
        write = method != "GET"
        started = time.perf_counter()
        query = {k: str(v) for k, v in (params or {}).items() if v is not None}
        try:
            response = self._client.request(method, path, params=query, json=json, files=files)
        except RuntimeError:
            if self._client.is_closed:  # httpx refuses before sending anything
                raise Transient("the Unipile gateway is closed") from None
            raise
        except httpx.HTTPError as exc:
            written = not isinstance(exc, _NOTHING_SENT)
            log.warning("unipile %s %s: %s after %.0f ms (request written: %s)", method, route,
                        type(exc).__name__, (time.perf_counter() - started) * 1000, "maybe" if written else "no")
            if written and write:
                raise OutcomeUnknown(f"no answer to {method} {route}: the action may have happened") from exc
            if written:
                raise Transient(f"{method} {route} failed before an answer") from exc
            raise Transient("cannot reach Unipile") from exc
        status = response.status_code
        log.info("unipile %s %s -> %s in %.0f ms", method, route, status, (time.perf_counter() - started) * 1000)
        body = _json(response.content)
        if status >= 300:  # redirects are not followed: not done here
            raise error_for(status, body, response.headers, write=write)
        return body if isinstance(body, dict) else {}

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
        self._call("DELETE", "/users/invite/sent/{invitation_id}",
                   f"/users/invite/sent/{quote(invitation_id, safe='')}", params={"account_id": account_id})

    def list_relations(self, *, account_id: str, cursor: str | None = None, limit: int = 100) -> Page:
        body = self._call("GET", "/users/relations", "/users/relations", params={
            "account_id": account_id, "limit": max(1, min(limit, MAX_RELATIONS_PAGE)), "cursor": cursor})
        items = [relation_from(i) for i in body.get("items") or [] if isinstance(i, dict)]
        return Page(items=[i for i in items if i.provider_user_id], cursor=body.get("cursor") or None)

    def send_message(
        self, *, account_id: str, text: str, chat_id: str | None = None, provider_id: str | None = None
    ) -> MessageSent:
        # Both message routes take multipart/form-data (they accept attachments), like the official SDK.
        text = wire_text(text)
        if chat_id:
            body = self._call("POST", "/chats/{chat_id}/messages", f"/chats/{quote(chat_id, safe='')}/messages",
                              files=_form(("text", text)))
            return MessageSent(chat_id=chat_id, message_id=body.get("message_id"))
        if not provider_id:
            raise LinkedInError("a chat id or a recipient is needed", status=400)
        body = self._call("POST", "/chats", "/chats",
                          files=_form(("account_id", account_id), ("text", text), ("attendees_ids", provider_id)))
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

    def search_page(self, *, account_id: str, search: PeopleSearch, cursor: str | None = None,
                    limit: int = 50) -> SearchPage:
        """`POST /linkedin/search`: the first page with the search (a pasted URL, or the classic API's
        keywords and filter ids), the next ones with the cursor alone; `account_id` in the query."""
        bound = MAX_SEARCH_PAGE if search.api == "classic" else MAX_SALES_SEARCH_PAGE
        params: dict[str, Any] = {"account_id": account_id, "limit": max(1, min(limit, bound))}
        payload: dict[str, Any]
        if cursor:
            params["cursor"] = cursor
            payload = {"cursor": cursor}
        elif search.url:
            payload = {"url": search.url}
        else:
            payload = {"api": search.api, "category": "people"}
            if search.keywords:
                payload["keywords"] = search.keywords
            payload.update({name: list(ids) for name, ids in search.filters.items() if ids})
            if search.title:
                payload["advanced_keywords"] = {"title": search.title}
        body = self._call("POST", "/linkedin/search", "/linkedin/search", json=payload, params=params)
        people = [profile_from(i) for i in body.get("items") or [] if isinstance(i, dict)]
        next_cursor = body.get("cursor")
        return SearchPage(people=[p for p in people if p.provider_id],
                          cursor=str(next_cursor) if next_cursor else None)

    def search_parameters(self, *, account_id: str, kind: str, keywords: str, limit: int = 5) -> list[SearchParameter]:
        body = self._call("GET", "/linkedin/search/parameters", "/linkedin/search/parameters",
                          params={"account_id": account_id, "type": kind, "keywords": keywords,
                                  "limit": max(1, min(limit, 100))})
        return [SearchParameter(id=str(i["id"]), title=str(i.get("title") or ""))
                for i in body.get("items") or [] if isinstance(i, dict) and i.get("id") is not None]

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
