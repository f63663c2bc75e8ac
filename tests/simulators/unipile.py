"""A local simulator of the Unipile API v1 (see ../shared/contracts/unipile.md), over real HTTP.

It keeps an in-memory LinkedIn network (profiles made up from any identifier, invitations,
relations, chats, messages, webhooks), checks `X-API-KEY`, answers with Unipile's error bodies
(`{status, type, title, detail}`), and **records every call it receives** (`calls`) so that tests
check invariants on the provider's own record, not on our client's story.

Fault injection, per route key such as "POST /users/invite":
- `fail_next(route, status, retry_after=, error_type=, times=)`: answer an error without acting
  (a 3xx redirects to the same address); with `after_action=True`, act first (the invitation or
  message really happens), then answer the error (a 500 that hides a success);
- `hang_next(route, seconds, after_action=True)`: act (the invitation or message really happens),
  then stall past the client's timeout;
- `drop_next(route, after_action=True, reset=False)`: act, then close the connection without an
  answer (a FIN, or with `reset=True` a TCP reset); with `after_action=False`, without acting;
- `stall_next(route, seconds)`: read nothing of the request for `seconds` (a server that stops
  reading: a large body cannot all be written), then carry on as usual;
- `disconnected_accounts`, `free_accounts` (note limit 200 instead of 300), `set_account_status`;
  for searches: `search_size` (people per search), `no_sales_navigator` (accounts answered 403
  `errors/feature_not_subscribed` for Sales Navigator), `unknown_parameters` (names no id stands for).
Every call is recorded with its raw path (as percent-encoded on the wire) and raw body (a
multipart body byte for byte). Answers carry only the fields Unipile documents (the official
Node SDK's types); page sizes outside the documented bounds get Unipile's 400.
Helpers: `accept_invitation`, `add_relation`, `receive_message`, and the outgoing side
(`unipile_events`): documented webhook bodies, `emit_webhook` / `deliver`, `complete_hosted_auth`
(the member finished the hosted wizard: posts `{status, account_id, name}` to the link's recorded
`notify_url`, as Unipile does).

Use from sync tests: `base_url = sim.start_in_thread()` / `sim.stop_thread()`; from async tests:
`base_url = await sim.start()` / `await sim.stop()`.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import socket
import struct
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from aiohttp import MultipartReader, web
from aiohttp.base_protocol import BaseProtocol
from aiohttp.streams import StreamReader
from multidict import MultiDict

from tests.simulators.unipile_events import EventsMixin, iso  # noqa: F401 (iso: for the routes)

API_PREFIX = "/api/v1"
FORM = web.RequestKey("unipile_form", MultiDict)  # the form fields of a request, parsed by the middleware
REINVITE_AFTER = timedelta(days=21)


@dataclass
class RecordedCall:
    method: str
    path: str  # below /api/v1, e.g. /users/invite
    route: str  # "POST /users/invite", "POST /chats/{chat_id}/messages"
    query: dict[str, str]
    json: Any
    form: dict[str, list[str]] | None
    content_type: str
    at: datetime
    status: int | None = None
    raw_path: str = ""  # as it came on the wire, percent-encoding included
    raw: bytes = b""  # the body as received


@dataclass
class _Fault:
    status: int = 500
    retry_after: str | None = None
    error_type: str | None = None
    hang_seconds: float = 0.0
    after_action: bool = False
    drop: bool = False
    reset: bool = False


def _cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"start": offset}).encode()).decode()


def _offset(cursor: str | None) -> int:
    if not cursor:
        return 0
    return int(json.loads(base64.urlsafe_b64decode(cursor.encode()))["start"])


async def _multipart(request: web.Request, raw: bytes) -> MultiDict:
    """The fields of a multipart body already read (aiohttp's own parser, over the recorded bytes)."""
    loop = asyncio.get_running_loop()
    stream = StreamReader(BaseProtocol(loop), 2**16, loop=loop)
    stream.feed_data(raw)
    stream.feed_eof()
    reader, fields = MultipartReader(request.headers, stream), MultiDict()
    while (part := await reader.next()) is not None:
        fields.add(part.name or "", (await part.read(decode=True)).decode(part.get_charset("utf-8")))
    return fields


def _error(status: int, error_type: str, title: str, detail: str = "", headers: dict | None = None) -> web.Response:
    body = {"status": status, "type": error_type, "title": title, "detail": detail}
    return web.json_response(body, status=status, headers=headers)


class UnipileSimulator(EventsMixin):
    def __init__(self, api_key: str = "sim-api-key", *, now=None, free_accounts=(), disconnected_accounts=()) -> None:
        self.api_key = api_key
        self._now = now or (lambda: datetime.now(timezone.utc))
        self.free_accounts: set[str] = set(free_accounts)
        self.disconnected_accounts: set[str] = set(disconnected_accounts)
        self.unknown_identifiers: set[str] = set()
        self.calls: list[RecordedCall] = []
        self.invitations: dict[str, dict[str, Any]] = {}
        self.relations: dict[str, dict[str, dict[str, Any]]] = {}  # account -> provider_id -> relation
        self.chats: dict[str, dict[str, Any]] = {}
        self.messages: list[dict[str, Any]] = []
        self.webhooks: dict[str, dict[str, Any]] = {}
        self.hosted_links: list[dict[str, Any]] = []
        self.connected_accounts: dict[str, str] = {}  # account id -> the `name` of its hosted link
        self.account_statuses: dict[str, str] = {}  # account id -> OK, CREDENTIALS… (OK when absent)
        self._faults: dict[str, list[_Fault]] = {}
        self._stalls: dict[str, list[float]] = {}  # route -> seconds to wait before reading a request
        self._profiles: dict[str, dict[str, Any]] = {}  # provider_id -> profile
        self.search_size = 25
        self.no_sales_navigator: set[str] = set()
        self.unknown_parameters: set[str] = set()
        self.search_cursors: dict[str, tuple[str, str, int]] = {}  # cursor -> (api, search stem, next offset)
        self._seq = 0
        self._lock = threading.RLock()
        self._runner: web.AppRunner | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self.base_url: str | None = None

    # -- test controls ---------------------------------------------------------------------

    def fail_next(self, route: str, status: int, *, retry_after: str | float | None = None,
                  error_type: str | None = None, times: int = 1, after_action: bool = False) -> None:
        with self._lock:
            ra = None if retry_after is None else str(retry_after)
            self._faults.setdefault(route, []).extend(_Fault(status, ra, error_type, after_action=after_action)
                                                      for _ in range(times))

    def hang_next(self, route: str, seconds: float, *, after_action: bool = True) -> None:
        with self._lock:
            self._faults.setdefault(route, []).append(_Fault(hang_seconds=seconds, after_action=after_action))

    def drop_next(self, route: str, *, after_action: bool = True, reset: bool = False) -> None:
        with self._lock:
            self._faults.setdefault(route, []).append(_Fault(drop=True, reset=reset, after_action=after_action))

    def stall_next(self, route: str, seconds: float) -> None:
        with self._lock:
            self._stalls.setdefault(route, []).append(seconds)

    def calls_to(self, route: str) -> list[RecordedCall]:
        with self._lock:
            return [c for c in self.calls if c.route == route]

    def _next_id(self, prefix: str) -> str:
        with self._lock:
            self._seq += 1
            return f"{prefix}{self._seq:06d}"

    def profile(self, identifier: str) -> dict[str, Any]:
        """The profile behind a public identifier or a provider id (made up on first sight)."""
        with self._lock:
            if identifier in self._profiles:
                return self._profiles[identifier]
            provider_id = "ACoAA" + hashlib.sha1(identifier.encode()).hexdigest()[:20].upper()
            if provider_id not in self._profiles:
                parts = [p for p in identifier.split("-") if p and not p.isdigit()] or ["x"]
                self._profiles[provider_id] = {
                    "provider_id": provider_id, "public_identifier": identifier,
                    "first_name": parts[0].title(), "last_name": " ".join(p.title() for p in parts[1:2]) or "Doe",
                    "headline": f"Head of things at {identifier.upper()} Corp", "location": "Paris, France",
                    "company": f"{identifier.upper()} Corp", "position": "Head of things",
                }
            return self._profiles[provider_id]

    def add_relation(self, account_id: str, identifier: str, *, at: datetime | None = None) -> str:
        prof = self.profile(identifier)
        with self._lock:
            self.relations.setdefault(account_id, {})[prof["provider_id"]] = {"created_at": at or self._now()}
        return prof["provider_id"]

    def accept_invitation(self, invitation_id: str) -> str:
        """The invited person accepts: the invitation leaves the pending list, a relation appears."""
        with self._lock:
            inv = self.invitations[invitation_id]
            inv["status"], inv["decided_at"] = "accepted", self._now()
            self.relations.setdefault(inv["account_id"], {})[inv["provider_id"]] = {"created_at": self._now()}
            return inv["provider_id"]

    def invitation_for(self, account_id: str, provider_id: str) -> dict[str, Any] | None:
        with self._lock:
            found = [i for i in self.invitations.values() if i["account_id"] == account_id and i["provider_id"] == provider_id]
            return found[-1] if found else None

    def sent_messages(self, account_id: str) -> list[dict[str, Any]]:
        """The simulator's own record of what the account wrote, each with the person it went to."""
        with self._lock:
            return [{**m, "attendee": self.chats[m["chat_id"]]["attendee"]} for m in self.messages
                    if m["account_id"] == account_id and m["is_sender"]]

    def chat_with(self, account_id: str, provider_id: str) -> str | None:
        with self._lock:
            return next((cid for cid, c in self.chats.items()
                         if c["account_id"] == account_id and c["attendee"] == provider_id), None)

    def _add_message(self, chat_id: str, text: str, *, is_sender: bool) -> dict[str, Any]:
        with self._lock:
            chat = self.chats[chat_id]
            msg = {"id": self._next_id("msg_"), "chat_id": chat_id, "account_id": chat["account_id"],
                   "sender_id": self.own_provider_id(chat["account_id"]) if is_sender else chat["attendee"],
                   "text": text, "is_sender": is_sender, "timestamp": self._now()}
            self.messages.append(msg)
            return msg

    def receive_message(self, account_id: str, provider_id: str, text: str) -> dict[str, Any]:
        """The contact writes to the account (a reply), in their chat (created if needed)."""
        with self._lock:
            chat_id = self.chat_with(account_id, provider_id) or self._new_chat(account_id, provider_id)
            return self._add_message(chat_id, text, is_sender=False)

    def _new_chat(self, account_id: str, provider_id: str) -> str:
        chat_id = self._next_id("chat_")
        self.chats[chat_id] = {"account_id": account_id, "attendee": provider_id}
        return chat_id

    # -- server ------------------------------------------------------------------------------

    def make_app(self) -> web.Application:
        from tests.simulators.unipile_routes import add_routes

        app = web.Application(middlewares=[self._middleware])
        add_routes(app, self)
        return app

    @web.middleware
    async def _middleware(self, request: web.Request, handler):
        route = f"{request.method} {request.match_info.route.resource.canonical.removeprefix(API_PREFIX)}" \
            if request.match_info.route.resource else f"{request.method} ?"
        with self._lock:
            stalls = self._stalls.get(route)
            stall = stalls.pop(0) if stalls else 0.0
        if stall:
            await asyncio.sleep(stall)
        form, body = None, None
        raw = await request.read() if request.can_read_body else b""
        if request.content_type == "multipart/form-data":
            try:
                request[FORM] = await _multipart(request, raw)
            except (ValueError, UnicodeDecodeError):  # a malformed body: the route answers 400
                request[FORM] = MultiDict()
        elif request.content_type == "application/x-www-form-urlencoded":
            request[FORM] = await request.post()
        elif raw:
            try:
                body = json.loads(raw)
            except ValueError:
                body = raw.decode(errors="replace")
        if FORM in request:
            form = {k: [str(v) for v in request[FORM].getall(k)] for k in request[FORM].keys()}
        call = RecordedCall(request.method, request.path.removeprefix(API_PREFIX), route, dict(request.query),
                            body, form, request.content_type, self._now(), raw_path=request.raw_path, raw=raw)
        with self._lock:
            self.calls.append(call)
            faults = self._faults.get(route)
            fault = faults.pop(0) if faults else None
        try:
            response = await self._answer(request, handler, fault)
        except web.HTTPException as exc:  # unknown path or method: recorded with its status too
            call.status = exc.status
            raise
        call.status = response.status
        return response

    async def _answer(self, request: web.Request, handler, fault: _Fault | None) -> web.StreamResponse:
        if request.headers.get("X-API-KEY") != self.api_key:
            return _error(401, "errors/missing_credentials", "Missing credentials",
                          "Some credentials are necessary to perform the request.")
        if request.query.get("account_id") in self.disconnected_accounts:
            return _error(401, "errors/disconnected_account", "Disconnected account",
                          "The account appears to be disconnected from the provider service.")
        if fault and fault.drop and not fault.after_action:
            self._drop(request, fault)
        if fault and fault.hang_seconds and not fault.after_action:
            await asyncio.sleep(fault.hang_seconds)
        elif fault and not fault.hang_seconds and not fault.after_action:
            return self._fault_answer(fault, request)
        response = await handler(request)
        if fault and fault.after_action and fault.drop:
            self._drop(request, fault)
        if fault and fault.after_action and fault.hang_seconds:
            await asyncio.sleep(fault.hang_seconds)
        elif fault and fault.after_action and response.status < 400:  # it acted; the answer says otherwise
            return self._fault_answer(fault, request)
        return response

    @staticmethod
    def _drop(request: web.Request, fault: _Fault) -> None:
        """The connection ends here, no answer written: closed, or reset (SO_LINGER 0, then abort)."""
        if fault.reset:
            request.transport.get_extra_info("socket").setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                                                 struct.pack("ii", 1, 0))
            request.transport.abort()
        else:
            request.transport.close()
        raise asyncio.CancelledError  # the handler ends with the connection, as when a client leaves

    @staticmethod
    def _fault_answer(fault: _Fault, request: web.Request) -> web.Response:
        headers = {"Retry-After": fault.retry_after} if fault.retry_after else {}
        if 300 <= fault.status < 400:  # a redirect to the same address
            headers["Location"] = str(request.url)
        kind = fault.error_type or ("errors/too_many_requests" if fault.status == 429 else "errors/unexpected_error")
        return _error(fault.status, kind, "Injected fault", headers=headers)

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        self._runner = web.AppRunner(self.make_app(), shutdown_timeout=0.5, handler_cancellation=True)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        bound = site._server.sockets[0].getsockname()[1]  # the free port the OS chose
        self.base_url = f"http://{host}:{bound}{API_PREFIX}"
        return self.base_url

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    def start_in_thread(self) -> str:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="unipile-simulator", daemon=True)
        self._thread.start()
        return asyncio.run_coroutine_threadsafe(self.start(), self._loop).result(10)

    def stop_thread(self) -> None:
        if self._loop is None:
            return
        asyncio.run_coroutine_threadsafe(self.stop(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop.close()
        self._loop = self._thread = None
