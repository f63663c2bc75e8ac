"""A local simulator of the Slack Web API, over real HTTP, for the Slack surface's tests.

It checks the bot token (`Authorization: Bearer …`, or `token` in the body), answers the methods
the bot uses (auth.test, users.info, views.open/update/push/publish, chat.postMessage/update/
postEphemeral, oauth.v2.access) with Slack's shapes, refuses what Slack refuses (`invalid_auth`,
more than 50 blocks in a message or 100 in a view, modal titles over 24 characters), records
every call (`calls`), receives `response_url` posts (`responses`), and can answer 429 with
Retry-After (`rate_limit_next`) or fail a method for a while (`fail_next`: an error answer, or an
HTTP 5xx as when Slack is down; `recover` ends it), or answer what a proxy in front of Slack
answers when Slack is down: a 503 whose body is not JSON (`break_next`).

Socket Mode: `sim.add_app_token("xapp-…", "A1")`; `apps.connections.open` takes only an app-level
token, in the Authorization header (`not_allowed_token_type` for a bot token, `invalid_auth` for an
unknown one or one sent in the body), and answers a `ws://` URL to `sim.socket`
(`tests/simulators/slack_socket.py`), which sends envelopes and records the app's acks. An app-level
token is refused (`not_allowed_token_type`) by every other method, as Slack does.

Use: `base_url = await sim.start()` (Web API base, ends with `/api/`), `sim.response_url(n)`,
`await sim.stop()`.
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.simulators.slack_socket import SocketModeEndpoint


@dataclass
class Call:
    method: str
    args: dict[str, Any]
    token: str | None
    status: int = 200
    answer: dict[str, Any] = field(default_factory=dict)


@dataclass
class SlackUser:
    id: str
    team_id: str
    name: str
    email: str | None = None
    locale: str = "en-US"


class SlackSimulator:
    def __init__(self, tokens: dict[str, str] | None = None) -> None:
        self.tokens = dict(tokens or {})  # bot token → team id
        self.app_tokens: dict[str, str] = {}  # app-level token (xapp-…) → app id
        self.socket = SocketModeEndpoint()
        self.users: dict[str, SlackUser] = {}
        self.calls: list[Call] = []
        self.responses: list[dict[str, Any]] = []
        self.oauth_codes: dict[str, dict[str, str]] = {}  # code → {team_id, team_name, token}
        self.client_credentials: tuple[str, str] | None = None
        self._rate_limits: dict[str, list[int]] = {}
        self._failures: dict[str, list[tuple[str, int]]] = {}
        self._failing_after: dict[str, int] = {}
        self._breaks: dict[str, list[tuple[int, str, str]]] = {}
        self._ts = itertools.count(1)
        self._views = itertools.count(1)
        self._runner: web.AppRunner | None = None
        self.base = ""

    # -- set-up ---------------------------------------------------------------------------
    def add_user(self, user_id: str, team_id: str, name: str, email: str | None = None,
                 locale: str = "en-US") -> None:
        self.users[user_id] = SlackUser(user_id, team_id, name, email, locale)

    def add_app_token(self, token: str, app_id: str = "A1") -> None:
        self.app_tokens[token] = app_id

    def rate_limit_next(self, method: str, *, retry_after: int = 1, times: int = 1) -> None:
        """The next `times` calls of `method` get 429 with `Retry-After: retry_after`."""
        self._rate_limits[method] = [retry_after] * times

    def fail_next(self, method: str, error: str, *, times: int = 1, status: int = 200, after: int = 0) -> None:
        """The next `times` calls of `method` (once `after` more have succeeded) answer
        `{"ok": false, "error": error}` with HTTP `status` (Slack failing for a while; 503 when down)."""
        self._failures[method] = [(error, status)] * times
        self._failing_after[method] = after

    def recover(self, method: str) -> None:
        """`method` answers normally again."""
        self._failures.pop(method, None)
        self._failing_after.pop(method, None)

    def break_next(self, method: str, *, times: int = 1, status: int = 503, content_type: str = "text/plain",
                   body: str = "Service Unavailable") -> None:
        """The next `times` calls of `method` get no answer from Slack: a proxy's `status` with a body
        that is not JSON (text/plain, or an HTML error page with `content_type="text/html"`)."""
        self._breaks[method] = [(status, content_type, body)] * times

    def response_url(self, n: int | str) -> str:
        return f"{self.base}/response/{n}"

    # -- reading the record ---------------------------------------------------------------
    def of(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method and c.status == 200 and c.answer.get("ok")]

    def last(self, method: str) -> Call:
        found = self.of(method)
        assert found, f"no successful {method} call; got {[c.method for c in self.calls]}"
        return found[-1]

    def clear(self) -> None:
        self.calls.clear()
        self.responses.clear()

    # -- server ---------------------------------------------------------------------------
    async def start(self) -> str:
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._api)
        app.router.add_post("/response/{n}", self._response)
        self.socket.route(app)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]
        self.base = f"http://127.0.0.1:{port}"
        self.socket.base_ws = f"ws://127.0.0.1:{port}"
        return f"{self.base}/api/"

    async def stop(self) -> None:
        await self.socket.close()
        if self._runner is not None:
            await self._runner.cleanup()

    async def _args(self, request: web.Request) -> dict[str, Any]:
        args: dict[str, Any] = dict(request.query)
        if request.can_read_body:
            if request.content_type == "application/json":
                args.update(await request.json())
            else:
                args.update(dict(await request.post()))
        for key in ("blocks", "view"):
            if isinstance(args.get(key), str):
                args[key] = json.loads(args[key])
        return args

    async def _response(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.responses.append({"n": request.match_info["n"], **body})
        return web.Response(text="ok")

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        args = await self._args(request)
        auth = request.headers.get("Authorization", "")
        token = auth.removeprefix("Bearer ").strip() or args.pop("token", None)
        call = Call(method, args, token)
        self.calls.append(call)
        broken = self._breaks.get(method)
        if broken:
            call.status, content_type, body = broken.pop(0)
            return web.Response(status=call.status, text=body, content_type=content_type)
        pending = self._rate_limits.get(method)
        if pending:
            call.status = 429
            retry_after = pending.pop(0)
            return web.json_response({"ok": False, "error": "ratelimited"}, status=429,
                                     headers={"Retry-After": str(retry_after)})
        failures = self._failures.get(method)
        if failures and self._failing_after.get(method, 0) > 0:
            self._failing_after[method] -= 1
            failures = None
        if failures:
            error, call.status = failures.pop(0)
            call.answer = {"ok": False, "error": error}
            return web.json_response(call.answer, status=call.status)
        if method == "oauth.v2.access":
            call.answer = self._oauth(args, request)
        elif method == "apps.connections.open":
            call.answer = self._apps_connections_open(auth.removeprefix("Bearer ").strip(), token)
        elif token in self.app_tokens:
            call.answer = {"ok": False, "error": "not_allowed_token_type"}
        elif token not in self.tokens:
            call.answer = {"ok": False, "error": "invalid_auth" if token else "not_authed"}
        else:
            handler = getattr(self, "_" + method.replace(".", "_"), None)
            call.answer = handler(self.tokens[token], args) if handler else {"ok": False, "error": "unknown_method"}
        return web.json_response(call.answer)

    # -- methods --------------------------------------------------------------------------
    def _oauth(self, args, request) -> dict[str, Any]:
        basic = request.headers.get("Authorization", "")
        grant = self.oauth_codes.pop(args.get("code", ""), None)
        if grant is None or not basic.startswith("Basic "):
            return {"ok": False, "error": "invalid_code"}
        self.tokens[grant["token"]] = grant["team_id"]
        return {"ok": True, "access_token": grant["token"], "token_type": "bot", "scope": "commands,chat:write",
                "bot_user_id": "UBOT", "app_id": "A1", "team": {"id": grant["team_id"], "name": grant["team_name"]},
                "enterprise": None, "is_enterprise_install": False, "authed_user": {"id": "UINSTALLER"}}

    def _apps_connections_open(self, header_token: str, token: str | None) -> dict[str, Any]:
        """Only an app-level token, and only in the Authorization header (Slack refuses it in the body)."""
        if header_token in self.tokens:
            return {"ok": False, "error": "not_allowed_token_type"}
        if header_token not in self.app_tokens:
            return {"ok": False, "error": "invalid_auth" if token else "not_authed"}
        return {"ok": True, "url": self.socket.issue_url(self.app_tokens[header_token])}

    def _auth_test(self, team_id, args) -> dict[str, Any]:
        return {"ok": True, "url": "https://example.slack.com/", "team": "Example", "user": "invitebot",
                "team_id": team_id, "user_id": "UBOT", "bot_id": "BBOT", "is_enterprise_install": False}

    def _users_info(self, team_id, args) -> dict[str, Any]:
        user = self.users.get(args.get("user", ""))
        if user is None or user.team_id != team_id:
            return {"ok": False, "error": "user_not_found"}
        answer = {"id": user.id, "team_id": user.team_id, "name": user.name.lower(), "real_name": user.name,
                  "profile": {"real_name": user.name, "email": user.email}}
        if str(args.get("include_locale", "")).lower() in ("true", "1"):  # Slack says it only when asked
            answer["locale"] = user.locale
        return {"ok": True, "user": answer}

    @staticmethod
    def _check_view(view: dict[str, Any]) -> str | None:
        if not isinstance(view, dict) or not view.get("type"):
            return "invalid_arguments"
        if len(view.get("blocks") or []) > 100 or not view.get("blocks"):
            return "invalid_blocks"
        if view["type"] == "modal" and len((view.get("title") or {}).get("text", "")) > 24:
            return "invalid_arguments"
        return None

    def _view(self, args) -> dict[str, Any]:
        problem = self._check_view(args.get("view"))
        if problem:
            return {"ok": False, "error": problem}
        view = dict(args["view"])
        view.setdefault("id", f"V{next(self._views):04d}")
        view["hash"] = f"h{next(self._ts)}"
        return {"ok": True, "view": view}

    def _views_open(self, team_id, args):
        return self._view(args) if args.get("trigger_id") else {"ok": False, "error": "invalid_trigger_id"}

    def _views_push(self, team_id, args):
        return self._views_open(team_id, args)

    def _views_update(self, team_id, args):
        if not args.get("view_id") and not args.get("external_id"):
            return {"ok": False, "error": "not_found"}
        answer = self._view(args)
        if answer["ok"]:
            answer["view"]["id"] = args.get("view_id")
        return answer

    def _views_publish(self, team_id, args):
        return self._view(args) if args.get("user_id") else {"ok": False, "error": "invalid_arguments"}

    def _message(self, args) -> dict[str, Any] | None:
        if not args.get("channel"):
            return {"ok": False, "error": "channel_not_found"}
        if len(args.get("blocks") or []) > 50:
            return {"ok": False, "error": "invalid_blocks"}
        if not args.get("text") and not args.get("blocks"):
            return {"ok": False, "error": "no_text"}
        return None

    def _channel(self, channel: str) -> str:
        return "D" + channel[1:] if channel.startswith("U") else channel

    def _chat_postMessage(self, team_id, args):
        problem = self._message(args)
        if problem:
            return problem
        channel = self._channel(args["channel"])
        return {"ok": True, "channel": channel, "ts": f"{1700000000 + next(self._ts)}.000100",
                "message": {"text": args.get("text"), "blocks": args.get("blocks")}}

    def _chat_update(self, team_id, args):
        problem = self._message(args)
        if problem:
            return problem
        if not args.get("ts"):
            return {"ok": False, "error": "message_not_found"}
        return {"ok": True, "channel": args["channel"], "ts": args["ts"], "text": args.get("text")}

    def _chat_postEphemeral(self, team_id, args):
        problem = self._message(args)
        if problem:
            return problem
        if not args.get("user"):
            return {"ok": False, "error": "user_not_in_channel"}
        return {"ok": True, "message_ts": f"{1700000000 + next(self._ts)}.000200"}
