"""`POST /webhooks/linkedin/accounts`: Unipile's hosted-auth callback (`notify_url`), which says that a
member connected their LinkedIn account through the link `invitebot connect` gave them.

Unipile cannot add our secret header to this callback, so the URL carries the member reference and
its HMAC-SHA256 under WEBHOOK_SECRET (`core.delivery.linkedin.unipile_webhooks.account_callback_url`); it is checked in
constant time before anything is read. The body is `{status, account_id, name}` (checked by
`payloads.hosted_auth`: anything else is 400, with one log line); on
`CREATION_SUCCESS` / `RECONNECTED` the account is stored for the member in one unit of work
(`core.workspace.service.connect_linkedin_account`), and a second callback changes nothing. The
answer comes at once; the account's own LinkedIn id (`GET /users/me`, which tells the engine who
wrote a message) is fetched afterwards, and its failure leaves the account connected without it."""

from __future__ import annotations

import asyncio
import hmac
import logging
from datetime import datetime

from aiohttp import web
from sqlalchemy.exc import IntegrityError

from bot.http import payloads
from bot.shapes import Unreadable, parse_json
from core.delivery.linkedin.unipile_webhooks import ACCOUNT_CALLBACK_PATH, member_ref_signature
from core.errors import NotFound
from core.workspace import service

log = logging.getLogger("invitebot.accounts")

CONNECTED_STATUSES = {"CREATION_SUCCESS", "RECONNECTED"}
MAX_BODY = 64 * 1024
# The background look-ups of the account's own profile, awaited at shutdown (and by tests).
ENRICHMENT = web.AppKey("linkedin_account_enrichment", set)


def _connect(services, member_id: int, account_id: str) -> str:
    """Store the account for the member: 'connected', or 'unchanged' when it already is (a replay)."""
    with services.uow() as session:
        current = service.linkedin_account_of(session=session, member_id=member_id)
        if current is not None and current.provider == "unipile" and current.provider_account_id == account_id \
                and current.status == "valid":
            return "unchanged"
        if current is not None and current.provider_account_id != account_id:
            current.provider_user_id = None  # another LinkedIn identity: learnt again below
        # Reconnecting keeps what the member or an admin chose (kind, caps): only what is given changes.
        service.connect_linkedin_account(session=session, member_id=member_id, provider="unipile",
                                         provider_account_id=account_id)
        return "connected"


def _connect_once(services, member_id: int, account_id: str) -> str:
    try:
        return _connect(services, member_id, account_id)
    except IntegrityError:  # a concurrent delivery of the same callback inserted the row first
        return _connect(services, member_id, account_id)


def _learn_owner(services, member_id: int, account_id: str) -> None:
    """The account's own provider id (and premium or free when Unipile says), stored if the member
    still has that account."""
    owner = services.linkedin.own_profile(account_id=account_id)
    with services.uow() as session:
        account = service.linkedin_account_of(session=session, member_id=member_id)
        if account is None or account.provider != "unipile" or account.provider_account_id != account_id:
            return
        if owner.provider_id:
            account.provider_user_id = owner.provider_id[:128]
        if owner.premium is not None:  # a cap over the kind's limits comes down to them
            service.set_account_kind(session=session, account=account, kind="premium" if owner.premium else "free")
        session.add(account)


async def _enrich(services, member_id: int, account_id: str) -> None:
    try:
        await asyncio.to_thread(_learn_owner, services, member_id, account_id)
    except Exception as exc:  # the account stays connected; the worker reads it at the next message event
        log.warning("linkedin account of member %s: own profile not read (%s)", member_id, type(exc).__name__)


def _signed_member(request: web.Request, secret: str, now: datetime) -> str | None:
    """The member the URL was signed for, if the signature holds and the URL has not expired."""
    ref, sig, exp = request.query.get("ref", ""), request.query.get("sig", ""), request.query.get("exp", "")
    if not ref or not exp.isdigit() or len(exp) > 12:
        return None
    expected = member_ref_signature(secret, ref, int(exp))
    if not hmac.compare_digest(sig.encode(), expected.encode()) or int(exp) < now.timestamp():
        return None
    return ref


def register(app: web.Application, services) -> None:
    app[ENRICHMENT] = set()

    async def receive(request: web.Request) -> web.Response:
        secret = services.settings.webhook_secret
        if secret is None:
            log.error("hosted-auth callback refused: WEBHOOK_SECRET is not set, so it cannot be verified")
            return web.json_response({"error": "not configured"}, status=503)
        ref = _signed_member(request, secret.get_secret_value(), services.clock.now())
        if ref is None:
            return web.json_response({"error": "unauthorised"}, status=401)
        if (request.content_length or 0) > MAX_BODY:
            return web.json_response({"error": "too large"}, status=413)
        try:
            callback = payloads.hosted_auth(parse_json(await request.content.read(MAX_BODY + 1)))
        except Unreadable as exc:
            log.info("hosted-auth callback refused: %s", exc.detail)
            return web.json_response({"error": exc.detail}, status=400)
        if not (ref.isascii() and ref.isdigit()) or len(ref) > 18 or (callback.name is not None and callback.name != ref):
            log.info("hosted-auth callback refused: not for this member")
            return web.json_response({"error": "account_id missing or not for this member"}, status=400)
        if callback.status not in CONNECTED_STATUSES:
            log.info("hosted-auth callback for member %s: status %s, nothing stored", ref, callback.status[:40])
            return web.json_response({"status": "ignored"})
        member_id, account_id = int(ref), callback.account_id
        try:
            outcome = await asyncio.to_thread(_connect_once, services, member_id, account_id)
        except NotFound:
            return web.json_response({"error": "unknown member"}, status=404)
        except ValueError as exc:  # e.g. that account is already another member's
            log.info("hosted-auth callback for member %s refused: %s", member_id, exc)
            return web.json_response({"error": "refused"}, status=409)
        log.info("linkedin account of member %s: %s through unipile", member_id, outcome)
        if outcome == "connected" and hasattr(services.linkedin, "own_profile"):
            task = asyncio.get_running_loop().create_task(_enrich(services, member_id, account_id))
            request.app[ENRICHMENT].add(task)
            task.add_done_callback(request.app[ENRICHMENT].discard)
        return web.json_response({"status": outcome})

    async def finish_enrichment(app: web.Application) -> None:
        if app[ENRICHMENT]:
            await asyncio.gather(*list(app[ENRICHMENT]), return_exceptions=True)

    app.router.add_post(ACCOUNT_CALLBACK_PATH, receive)
    app.on_cleanup.append(finish_enrichment)
