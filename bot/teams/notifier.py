"""The Teams side of the chat notifier port (`core.notify.Notifier`): moderation digests
and alerts sent proactively into the member's personal chat with the bot.

The conversation reference was stored when the bot was installed or first addressed; sending
goes through `continue_conversation` with the bot's app id. Teams allows about 7 messages a
second per conversation and answers 429 beyond: we pace each conversation below that and, on
a 429 all the same, wait as told by Retry-After (else back off exponentially) and try again."""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections import defaultdict
from contextlib import contextmanager
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, Iterator, Mapping

from botbuilder.core import TurnContext
from msrest.exceptions import HttpOperationError

from bot.conversation.digest import alert_card, digest_pages
from bot.teams import references, replies
from bot.teams.cards import render
from core.config import Settings
from core.db import UnitOfWork
from core.i18n import speaking
from core.notify import Alert, DigestDelivery, DigestOutcome, DigestView

log = logging.getLogger("invitebot.teams")

PER_SECOND = 7
WINDOW_SECONDS = 1.05  # a little over a second: arrivals bunch up in transit
MAX_ATTEMPTS = 6


class TeamsDeliveryError(RuntimeError):
    """A message could not be delivered after every retry."""


def _retry_after(exc: HttpOperationError) -> float | None:
    response = getattr(exc, "response", None)
    status = getattr(response, "status_code", None) or getattr(response, "status", None)
    if status != 429:
        return None
    headers = getattr(response, "headers", {}) or {}
    try:
        return max(0.0, float(headers.get("Retry-After", "")))
    except ValueError:
        return -1.0  # 429 without a usable Retry-After: back off exponentially


class ConversationPacer:
    """At most `per_second` sends per conversation in any window, across threads. A send counts
    from its start until the window after it finished (the connector sees it arrive in between)."""

    def __init__(self, per_second: int = PER_SECOND, window: float = WINDOW_SECONDS,
                 monotonic: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep):
        self.per_second, self.window = per_second, window
        self._monotonic, self._sleep = monotonic, sleep
        self._sent: dict[str, list[list[float]]] = defaultdict(list)
        self._lock = threading.Lock()

    @contextmanager
    def turn(self, conversation_id: str) -> Iterator[None]:
        cell = [float("inf")]  # in flight: occupies a slot until it finishes
        while True:
            with self._lock:
                now = self._monotonic()
                sent = self._sent[conversation_id]
                sent[:] = [c for c in sent if now - c[0] < self.window]
                if len(sent) < self.per_second:
                    sent.append(cell)
                    break
                finished = [c[0] for c in sent if c[0] != float("inf")]
                wait = self.window - (now - min(finished)) if finished else 0.05
            self._sleep(max(wait, 0.01))
        try:
            yield
        finally:
            with self._lock:
                cell[0] = self._monotonic()


class TeamsNotifier:
    def __init__(self, settings: Settings, uow: UnitOfWork, adapter, *, pacer: ConversationPacer | None = None,
                 max_attempts: int = MAX_ATTEMPTS, sleep: Callable[[float], None] = time.sleep) -> None:
        self.uow = uow
        self.adapter = adapter
        self.app_id = settings.microsoft_app_id or ""
        self.pacer = pacer or ConversationPacer()
        self.max_attempts = max_attempts
        self._sleep = sleep

    # -- the port ----------------------------------------------------------------------------------

    def send_digest(self, digest: DigestView, posted: Mapping[str, Any] | None = None) -> DigestDelivery:
        """Every page of the digest to the sender's personal chat, except those an earlier attempt
        posted there (`posted["teams"]`). Unreachable when they never used Teams; failed at the
        first page the connector refuses after the 429 retries (a 5xx, no connection)."""
        refs = references.references_of_member(self.uow, digest.sender_member_id)
        if not refs:
            return DigestDelivery(DigestOutcome.UNREACHABLE)
        ref = refs[0]
        conversation_id = ref["conversation"]["id"]
        before = (posted or {}).get("teams") or {}
        ids = list(before.get("activity_ids") or []) if before.get("conversation_id") == conversation_id else []
        user_ids = [ref["user"]["id"]] if ref.get("user") else None
        try:
            with speaking(digest.language):  # the language its texts were written in: the sender's
                cards = [render(page, refresh_user_ids=user_ids) for page in digest_pages(digest)[len(ids):]]
            for card in cards:
                ids.append(self._post(ref, card))
        except Exception as exc:  # the connector refused or could not be reached: the digest is retried
            reason = _failure(exc)
            log.warning("teams digest campaign=%s failed after %d page(s): %s", digest.campaign_id, len(ids), reason,
                        exc_info=not isinstance(exc, TeamsDeliveryError))  # the unexpected with its traceback
            sent = {"teams": {"conversation_id": conversation_id, "activity_ids": ids}} if ids else {}
            return DigestDelivery(DigestOutcome.FAILED, sent, {"teams": reason})
        log.info("teams digest campaign=%s pages=%d", digest.campaign_id, len(ids))
        return DigestDelivery(DigestOutcome.DELIVERED, {"teams": {"conversation_id": conversation_id,
                                                                  "activity_ids": ids}})

    def send_alert(self, alert: Alert) -> None:
        with speaking(alert.language):
            card = render(alert_card(alert))
        for ref in references.references_of_member(self.uow, alert.member_id):
            self._post(ref, card)
        log.info("teams alert kind=%s member=%s", alert.kind, alert.member_id)

    # -- sending -----------------------------------------------------------------------------------

    def _post(self, ref: dict[str, Any], card: dict) -> str | None:
        conversation_id = ref["conversation"]["id"]
        delay = 0.5
        for attempt in range(1, self.max_attempts + 1):
            try:
                with self.pacer.turn(conversation_id):
                    return _run(lambda: self._send(ref, card))
            except HttpOperationError as exc:
                wait = _retry_after(exc)
                if wait is None or attempt == self.max_attempts:
                    raise TeamsDeliveryError(f"Teams refused a message ({type(exc).__name__})") from exc
                wait = delay if wait < 0 else wait
                delay = min(delay * 2, 30.0)
                log.info("teams: 429 on a conversation, retrying in %.2fs (attempt %d)", wait, attempt)
                self._sleep(wait)
        raise TeamsDeliveryError("unreachable")

    async def _send(self, ref: dict[str, Any], card: dict) -> str | None:
        sent: list[str | None] = []

        async def callback(turn_context: TurnContext) -> None:
            response = await turn_context.send_activity(replies.card_activity(card))
            sent.append(response.id if response else None)

        await self.adapter.continue_conversation(references.reference_from(ref), callback, bot_app_id=self.app_id)
        return sent[0] if sent else None


def _failure(exc: BaseException) -> str:
    """What the connector said, for the digest row and the logs: a status, else the error's kind."""
    cause = exc.__cause__ if isinstance(exc, TeamsDeliveryError) and exc.__cause__ is not None else exc
    response = getattr(cause, "response", None)
    status = getattr(response, "status_code", None) or getattr(response, "status", None)
    return f"HTTP {status}" if status else type(cause).__name__


def _run(make_coroutine: Callable[[], Any]) -> Any:
    """Run a coroutine from synchronous code (worker threads), even when called from an event loop's thread."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(make_coroutine())
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(lambda: asyncio.run(make_coroutine())).result()


def build_teams_notifier(settings: Settings, uow: UnitOfWork) -> TeamsNotifier:
    """The Teams notifier of a process (built by `entrypoints.bootstrap`)."""
    from bot.teams import build_adapter

    return TeamsNotifier(settings, uow, build_adapter(settings, proactive=True))
