"""A local Bot Framework connector (the `serviceUrl` side of Teams), for tests and benches.

It runs its own event loop in a thread, so that the bot's synchronous callers (worker threads,
botbuilder's blocking OpenID metadata fetch) can reach it from anywhere. It follows the public
REST contract of the connector (`/v3/conversations/...`):

- `POST /v3/conversations/{id}/activities` and `.../activities/{activityId}` (reply): record the
  activity, answer `{"id": ...}`;
- `PUT /v3/conversations/{id}/activities/{activityId}`: record the update;
- `POST /v3/conversations`: create a conversation (proactive 1:1), answer its id;
- `GET /v3/conversations/{id}/members/{userId}` and `/members`: the users registered with
  `add_user` (what `TeamsInfo.get_member` reads);
- 429 with `Retry-After` on demand (`throttle`) or above a rate (`rate_per_second`);
- a 5xx on activity posts for a while, as when the service is down (`fail`, ended by `recover`);
- member look-ups failing on demand (`break_members`): a proxy's 503 whose body is not JSON, or the
  connector's own JSON error;
- an OpenID configuration and JWKS (`/openid`, `/keys`) and `sign_token`, so that a test can
  send a request signed exactly as the Bot Framework channel signs it, with a key the bot
  fetches from here.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import threading
import time
import uuid
from collections import defaultdict, deque
from dataclasses import dataclass
from typing import Any

import jwt
from aiohttp import web
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

KEY_ID = "bf-sim-key"
CHANNEL_ISSUER = "https://api.botframework.com"


@dataclass
class Recorded:
    """One call the bot made: what it sent where."""

    method: str
    conversation_id: str | None
    activity_id: str | None  # the id we gave (post) or the one updated (put)
    reply_to_id: str | None
    body: dict[str, Any]
    authorization: str | None
    status: int

    @property
    def attachments(self) -> list[dict]:
        return list(self.body.get("attachments") or [])

    @property
    def cards(self) -> list[dict]:
        return [a["content"] for a in self.attachments if a.get("contentType") == "application/vnd.microsoft.card.adaptive"]

    @property
    def text(self) -> str:
        return self.body.get("text") or ""


@dataclass
class SimUser:
    id: str  # the Teams user id ("29:...")
    aad_object_id: str
    name: str
    email: str | None
    upn: str | None
    tenant_id: str


@dataclass
class _Throttle:
    times: int
    retry_after: float
    conversation_id: str | None


class BotFrameworkConnectorSimulator:
    def __init__(self, *, rate_per_second: int | None = None, retry_after: float = 1.0) -> None:
        self.rate_per_second = rate_per_second
        self.retry_after = retry_after
        self.calls: list[Recorded] = []
        self.throttled: list[Recorded] = []
        self.failed: list[Recorded] = []  # refused by `fail`
        self.users: dict[str, SimUser] = {}
        self.created_conversations: list[dict] = []
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._window: dict[str, deque] = defaultdict(deque)
        self._throttles: list[_Throttle] = []
        self._failures: list[int] = []  # statuses of the next activity posts/updates to refuse
        self._member_breaks: list[tuple[int, str, str]] = []
        self._key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._runner: web.AppRunner | None = None
        self._thread: threading.Thread | None = None
        self.port: int | None = None

    # -- lifecycle ---------------------------------------------------------------------------

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def start(self) -> "BotFrameworkConnectorSimulator":
        ready = threading.Event()
        self._loop = asyncio.new_event_loop()

        def run() -> None:
            asyncio.set_event_loop(self._loop)
            self._loop.run_until_complete(self._serve())
            ready.set()
            self._loop.run_forever()

        self._thread = threading.Thread(target=run, name="bf-connector-sim", daemon=True)
        self._thread.start()
        if not ready.wait(10):
            raise RuntimeError("the connector simulator did not start")
        return self

    async def _serve(self) -> None:
        app = web.Application()
        r = app.router
        r.add_post("/v3/conversations", self._create_conversation)
        r.add_post("/v3/conversations/{cid}/activities", self._post_activity)
        r.add_post("/v3/conversations/{cid}/activities/{aid}", self._post_activity)
        r.add_put("/v3/conversations/{cid}/activities/{aid}", self._put_activity)
        r.add_delete("/v3/conversations/{cid}/activities/{aid}", self._delete_activity)
        r.add_get("/v3/conversations/{cid}/members", self._members)
        r.add_get("/v3/conversations/{cid}/members/{uid}", self._member)
        r.add_get("/openid", self._openid)
        r.add_get("/keys", self._keys)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]

    def stop(self) -> None:
        if self._loop is None:
            return
        asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop.close()
        self._loop = None

    def __enter__(self) -> "BotFrameworkConnectorSimulator":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # -- test controls -----------------------------------------------------------------------

    def add_user(self, *, aad_object_id: str, name: str, tenant_id: str, email: str | None = None,
                 upn: str | None = None, user_id: str | None = None) -> SimUser:
        user = SimUser(id=user_id or f"29:{aad_object_id}", aad_object_id=aad_object_id, name=name,
                       email=email, upn=upn or email, tenant_id=tenant_id)
        with self._lock:
            self.users[user.id] = user
        return user

    def throttle(self, times: int = 1, *, retry_after: float | None = None, conversation_id: str | None = None) -> None:
        """Answer the next `times` activity posts/updates (of one conversation, or any) with 429."""
        with self._lock:
            self._throttles.append(_Throttle(times, self.retry_after if retry_after is None else retry_after,
                                             conversation_id))

    def fail(self, times: int = 1, *, status: int = 503) -> None:
        """Answer the next `times` activity posts/updates with `status` (the connector down)."""
        with self._lock:
            self._failures = [status] * times

    def recover(self) -> None:
        """Activity posts are answered normally again."""
        with self._lock:
            self._failures = []
    def break_members(self, times: int = 1, *, status: int = 503, content_type: str = "text/plain",
                      body: str = "Service Unavailable") -> None:
        """The next `times` member look-ups (one member or the list) answer `status` with `body`: by
        default a proxy's 503 that is not JSON."""
        with self._lock:
            self._member_breaks += [(status, content_type, body)] * times

    def heal_members(self) -> None:
        """Member look-ups answer again."""
        with self._lock:
            self._member_breaks.clear()

    @property
    def member_breaks_left(self) -> int:
        with self._lock:
            return len(self._member_breaks)

    def _member_break(self) -> web.Response | None:
        with self._lock:
            if not self._member_breaks:
                return None
            status, content_type, body = self._member_breaks.pop(0)
        return web.Response(status=status, text=body, content_type=content_type)

    def activities(self, conversation_id: str | None = None, *, method: str | None = None) -> list[Recorded]:
        with self._lock:
            return [c for c in self.calls if (conversation_id is None or c.conversation_id == conversation_id)
                    and (method is None or c.method == method)]

    def cards(self, conversation_id: str | None = None) -> list[dict]:
        return [card for c in self.activities(conversation_id) for card in c.cards]

    def clear(self) -> None:
        """Forget what was received (and the rate window): a fresh start for the next step of a test."""
        with self._lock:
            self.calls.clear()
            self.throttled.clear()
            self.failed.clear()
            self._window.clear()

    def sign_token(self, *, app_id: str, service_url: str, issuer: str = CHANNEL_ISSUER,
                   expires_in: int = 3600, key_id: str = KEY_ID, **extra: Any) -> str:
        """A token as the Bot Framework channel signs it: RS256, `aud` the bot's app id."""
        now = int(time.time())
        claims = {"iss": issuer, "aud": app_id, "serviceurl": service_url, "nbf": now - 5,
                  "exp": now + expires_in, **extra}
        return jwt.encode(claims, self._key, algorithm="RS256", headers={"kid": key_id})

    # -- handlers ----------------------------------------------------------------------------

    def _over_limit(self, conversation_id: str) -> float | None:
        """Seconds to wait when this call must be refused with 429, else None (and count it)."""
        with self._lock:
            for t in self._throttles:
                if t.times > 0 and (t.conversation_id in (None, conversation_id)):
                    t.times -= 1
                    return t.retry_after
            if self.rate_per_second:
                now = time.monotonic()
                window = self._window[conversation_id]
                while window and now - window[0] >= 1.0:
                    window.popleft()
                if len(window) >= self.rate_per_second:
                    return max(0.05, 1.0 - (now - window[0]))
                window.append(now)
            return None

    async def _record(self, request: web.Request, method: str, *, activity_id: str | None,
                      reply_to: str | None) -> web.Response:
        cid = request.match_info["cid"]
        try:
            body = await request.json()
        except ValueError:
            return web.json_response({"error": {"code": "BadArgument", "message": "not JSON"}}, status=400)
        if not isinstance(body, dict) or not body.get("type"):
            return web.json_response({"error": {"code": "BadArgument", "message": "no activity"}}, status=400)
        with self._lock:
            failure = self._failures.pop(0) if self._failures else None
        if failure is not None:
            rec = Recorded(method, cid, None, reply_to, body, request.headers.get("Authorization"), failure)
            with self._lock:
                self.failed.append(rec)
            return web.json_response({"error": {"code": "ServiceUnavailable", "message": "try again later"}},
                                     status=failure)
        wait = self._over_limit(cid)
        rec = Recorded(method, cid, activity_id, reply_to, body, request.headers.get("Authorization"),
                       429 if wait is not None else 200)
        if wait is not None:
            with self._lock:
                self.throttled.append(rec)
            return web.json_response({"error": {"code": "TooManyRequests", "message": "throttled"}}, status=429,
                                     headers={"Retry-After": f"{wait:.2f}"})
        with self._lock:
            self.calls.append(rec)
        return web.json_response({"id": activity_id})

    async def _post_activity(self, request: web.Request) -> web.Response:
        return await self._record(request, "post", activity_id=f"act-{next(self._ids)}",
                                  reply_to=request.match_info.get("aid"))

    async def _put_activity(self, request: web.Request) -> web.Response:
        return await self._record(request, "put", activity_id=request.match_info["aid"], reply_to=None)

    async def _delete_activity(self, request: web.Request) -> web.Response:
        with self._lock:
            self.calls.append(Recorded("delete", request.match_info["cid"], request.match_info["aid"], None, {},
                                       request.headers.get("Authorization"), 200))
        return web.Response(status=200)

    async def _create_conversation(self, request: web.Request) -> web.Response:
        params = await request.json()
        members = params.get("members") or []
        if not members or not members[0].get("id"):
            return web.json_response({"error": {"code": "BadArgument", "message": "members required"}}, status=400)
        cid = f"a:{uuid.uuid4().hex}"
        with self._lock:
            self.created_conversations.append({"id": cid, **params})
        return web.json_response({"id": cid, "activityId": None, "serviceUrl": self.url})

    def _account(self, user: SimUser) -> dict:
        return {"id": user.id, "name": user.name, "aadObjectId": user.aad_object_id, "email": user.email,
                "userPrincipalName": user.upn, "tenantId": user.tenant_id, "givenName": user.name.split(" ")[0],
                "userRole": "user"}

    async def _members(self, request: web.Request) -> web.Response:
        broken = self._member_break()
        if broken is not None:
            return broken
        with self._lock:
            users = list(self.users.values())
        return web.json_response([self._account(u) for u in users])

    async def _member(self, request: web.Request) -> web.Response:
        broken = self._member_break()
        if broken is not None:
            return broken
        uid = request.match_info["uid"]
        with self._lock:
            user = self.users.get(uid) or next((u for u in self.users.values() if u.aad_object_id == uid), None)
        if user is None:
            return web.json_response({"error": {"code": "MemberNotFoundInConversation", "message": "not found"}},
                                     status=404)
        return web.json_response(self._account(user))

    async def _openid(self, request: web.Request) -> web.Response:
        return web.json_response({"issuer": CHANNEL_ISSUER, "jwks_uri": f"{self.url}keys",
                                  "id_token_signing_alg_values_supported": ["RS256"]})

    async def _keys(self, request: web.Request) -> web.Response:
        jwk = json.loads(RSAAlgorithm.to_jwk(self._key.public_key()))
        jwk.update({"kid": KEY_ID, "use": "sig", "alg": "RS256", "endorsements": ["msteams", "emulator"]})
        return web.json_response({"keys": [jwk]})
