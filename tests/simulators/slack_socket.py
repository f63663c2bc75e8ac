"""The WebSocket end of Slack's Socket Mode, served by the Slack Web API simulator (`slack_api.py`).

Slack's contract: `apps.connections.open` (app-level token) hands out a one-use `wss://…/link/?ticket=…`
URL; once connected, Slack sends `{"type": "hello", …}`, then envelopes
`{"envelope_id", "type": "slash_commands" | "interactive" | "events_api", "payload", "accepts_response_payload"}`
that the app acknowledges with `{"envelope_id", "payload"?}`; Slack may send
`{"type": "disconnect", "reason": "refresh_requested"}`, after which the app opens a new connection.

Here the URL is `ws://127.0.0.1:<port>/link/?ticket=…&app_id=…`. Every message sent (`sent`) and
every ack received (`acks`) is recorded. A test sends with `await socket.send(kind, payload)` (the
envelope id) and awaits the ack with `await socket.ack_of(envelope_id)`, or both with
`await socket.request(kind, payload)`; `await socket.connected(n)` waits for the n-th connection.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

WAIT_SECONDS = 15  # how long a test waits for the app before failing (never reached when it works)
LINK_PATH = "/link/"


@dataclass
class Connection:
    n: int
    app_id: str
    ws: web.WebSocketResponse
    received: list[dict[str, Any]] = field(default_factory=list)

    @property
    def open(self) -> bool:
        return not self.ws.closed


class SocketModeEndpoint:
    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []  # hello, envelopes and disconnects, in order
        self.acks: list[dict[str, Any]] = []  # every ack received, in order
        self.connections: list[Connection] = []
        self.refused: list[str] = []  # tickets refused at connection (unknown or already used)
        self._tickets: dict[str, str] = {}  # ticket → app id, until used
        self._ack_waiters: dict[str, asyncio.Future] = {}
        self._changed = asyncio.Condition()
        self._ids = itertools.count(1)
        self.base_ws = ""

    # -- apps.connections.open ------------------------------------------------------------
    def issue_url(self, app_id: str) -> str:
        ticket = f"tk{next(self._ids):06d}"
        self._tickets[ticket] = app_id
        return f"{self.base_ws}{LINK_PATH}?ticket={ticket}&app_id={app_id}"

    def route(self, app: web.Application) -> None:
        """Serve the WebSocket on the simulator's app; its `base_ws` is set once the port is known."""
        app.router.add_get(LINK_PATH, self._serve)

    # -- the connection -------------------------------------------------------------------
    async def _serve(self, request: web.Request) -> web.StreamResponse:
        app_id = self._tickets.pop(request.query.get("ticket", ""), None)
        if app_id is None:
            self.refused.append(request.query.get("ticket", ""))
            return web.Response(status=401, text="invalid ticket")
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        conn = Connection(len(self.connections) + 1, app_id, ws)
        await self._send(conn, {"type": "hello", "num_connections": 1,
                                "debug_info": {"host": "applink-sim", "build_number": 1,
                                               "approximate_connection_time": 18060},
                                "connection_info": {"app_id": app_id}})
        async with self._changed:
            self.connections.append(conn)
            self._changed.notify_all()
        async for message in ws:
            if message.type == WSMsgType.TEXT:
                self._received(conn, json.loads(message.data))
        async with self._changed:
            self._changed.notify_all()
        return ws

    def _received(self, conn: Connection, message: dict[str, Any]) -> None:
        conn.received.append(message)
        envelope_id = message.get("envelope_id")
        if envelope_id is None:
            return
        self.acks.append(message)
        waiter = self._ack_waiters.get(envelope_id)
        if waiter is not None and not waiter.done():
            waiter.set_result(message)

    async def _send(self, conn: Connection, message: dict[str, Any]) -> None:
        self.sent.append(message)
        await conn.ws.send_str(json.dumps(message))

    async def connected(self, n: int = 1) -> Connection:
        """The n-th connection, once the app has opened it (hello sent)."""
        async with self._changed:
            try:
                await asyncio.wait_for(self._changed.wait_for(lambda: len(self.connections) >= n), WAIT_SECONDS)
            except TimeoutError:
                raise AssertionError(f"the app opened {len(self.connections)} connection(s), not {n}") from None
        return self.connections[n - 1]

    async def current(self) -> Connection:
        """The newest open connection (waits for the first one)."""
        await self.connected(1)
        live = [c for c in self.connections if c.open]
        assert live, "the app has no open Socket Mode connection"
        return live[-1]

    # -- what a test does -----------------------------------------------------------------
    async def send(self, kind: str, payload: dict[str, Any], *, accepts_response_payload: bool = False,
                   retry_attempt: int | None = None) -> str:
        """Send an envelope on the newest open connection; returns its envelope id."""
        envelope_id = f"env-{next(self._ids):04d}-{int(time.time())}"
        envelope = {"envelope_id": envelope_id, "type": kind, "payload": payload,
                    "accepts_response_payload": accepts_response_payload}
        if kind == "events_api":
            envelope.update(retry_attempt=retry_attempt or 0, retry_reason="")
        self._ack_waiters[envelope_id] = asyncio.get_running_loop().create_future()
        await self._send(await self.current(), envelope)
        return envelope_id

    async def ack_of(self, envelope_id: str) -> dict[str, Any]:
        """The app's ack of that envelope, once it arrives."""
        try:
            return await asyncio.wait_for(asyncio.shield(self._ack_waiters[envelope_id]), WAIT_SECONDS)
        except TimeoutError:
            raise AssertionError(f"no ack of {envelope_id}; acks: {self.acks}") from None

    async def request(self, kind: str, payload: dict[str, Any], **kw) -> dict[str, Any]:
        return await self.ack_of(await self.send(kind, payload, **kw))

    async def disconnect(self, reason: str = "refresh_requested") -> Connection:
        """Ask the app to reconnect, as Slack does before recycling a connection."""
        conn = await self.current()
        await self._send(conn, {"type": "disconnect", "reason": reason,
                                "debug_info": {"host": "applink-sim"}})
        return conn

    async def close(self) -> None:
        for conn in self.connections:
            if conn.open:
                await conn.ws.close()
