"""The chat notifier port: how the delivery engine reaches a member (digest, alerts).

The engine builds neutral structures; Slack and Teams notifiers render them. A logging
notifier serves the embedded run and tests that do not care about chat."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any, Protocol

log = logging.getLogger("invitebot.notify")


@dataclass(frozen=True)
class DigestItem:
    send_id: int
    contact_id: int
    contact_name: str
    headline: str | None
    language: str
    languages: tuple[str, ...]  # the campaign's languages, for the "switch language" choice
    text: str
    length: int
    limit: int
    status: str  # planned | skipped | claimed | sent | cancelled | failed
    edited: bool = False
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class DigestView:
    digest_id: int
    workspace_id: int
    campaign_id: int
    campaign_name: str
    sender_member_id: int
    for_date: date
    starts_at: datetime | None  # first due instant (UTC); shown in the campaign's timezone
    timezone: str
    items: tuple[DigestItem, ...] = ()
    sandbox: bool = False
    held: bool = False  # sending waited for this digest to reach the moderator (a late delivery)
    language: str = "en"  # the language of its texts and of the pages made of it (core/i18n.py)
    active: bool = True  # a stopped campaign's digest offers no decision: nothing more will be sent


@dataclass(frozen=True)
class Alert:
    """Something a member must know and act on: account disconnected, limit hit, campaign paused."""

    workspace_id: int
    member_id: int
    kind: str  # account_disconnected | rate_limited | note_limit | campaign_paused | campaign_error | finder_failed
    # | finder_done
    title: str
    text: str
    action_hint: str
    campaign_id: int | None = None
    language: str = "en"  # the member's, in which its texts are written (core/i18n.py)


class DigestOutcome(StrEnum):
    DELIVERED = "delivered"  # a platform showed every page to the moderator
    FAILED = "failed"  # the moderator is reachable, but every platform that could reach them failed
    UNREACHABLE = "unreachable"  # no platform knows the moderator (no chat identity the bot can use)


@dataclass(frozen=True)
class DigestDelivery:
    """What one attempt to post a digest achieved. `refs`: platform → references of the pages
    posted (a failed platform keeps those it did post, so a retry posts only the rest); `errors`:
    platform → why it failed (a status or an error code, never a message text)."""

    outcome: DigestOutcome
    refs: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def delivered(self) -> bool:
        return self.outcome == DigestOutcome.DELIVERED

    @property
    def reason(self) -> str:
        """One line for the digest row and the logs: which platform said what."""
        if self.errors:
            return "; ".join(f"{platform}: {error}" for platform, error in sorted(self.errors.items()))[:200]
        if self.outcome == DigestOutcome.UNREACHABLE:
            return "the sender has no Slack or Teams conversation with the bot"
        return ""



class Notifier(Protocol):
    def send_digest(self, digest: DigestView, posted: Mapping[str, Any] | None = None) -> DigestDelivery:
        """Post the digest (all pages) to the sender; `posted` are the references an earlier,
        partly failed attempt stored (pages already shown are not posted again). Never raises for
        a platform's failure: the outcome says it."""
        ...

    def send_alert(self, alert: Alert) -> None: ...


@dataclass
class LoggingNotifier:
    """Logs that a digest or alert went out (ids and counts only: no message text in logs). The
    chat of the embedded run without Slack or Teams, the demo and the tests that do not look at
    chat: a digest handed to it counts as delivered."""

    sent_digests: list[DigestView] = field(default_factory=list)
    sent_alerts: list[Alert] = field(default_factory=list)

    def send_digest(self, digest: DigestView, posted: Mapping[str, Any] | None = None) -> DigestDelivery:
        self.sent_digests.append(digest)
        log.info("digest campaign=%s date=%s items=%d", digest.campaign_id, digest.for_date, len(digest.items))
        return DigestDelivery(DigestOutcome.DELIVERED, {"logged": True})

    def send_alert(self, alert: Alert) -> None:
        self.sent_alerts.append(alert)
        log.info("alert kind=%s member=%s campaign=%s", alert.kind, alert.member_id, alert.campaign_id)


@dataclass
class FanoutNotifier:
    """Sends to every configured chat platform; a member only gets what their platforms can reach.

    A digest is delivered when at least one platform showed it whole (the moderator has it; the
    others are not retried, so nobody gets it twice); failed when none did and at least one that
    knows the member failed; unreachable when no platform knows the member. A platform that
    raises counts as failed (logged with its traceback), never hiding another's success."""

    notifiers: list[Notifier]

    def send_digest(self, digest: DigestView, posted: Mapping[str, Any] | None = None) -> DigestDelivery:
        results = []
        for n in self.notifiers:
            try:
                results.append(n.send_digest(digest, posted))
            except Exception:  # a bug or an unexpected error of one platform: the others still try
                log.exception("digest %s: %s failed", digest.digest_id, type(n).__name__)
                results.append(DigestDelivery(DigestOutcome.FAILED, errors={type(n).__name__: "unexpected error"}))
        return combine(results)

    def send_alert(self, alert: Alert) -> None:
        for n in self.notifiers:
            n.send_alert(alert)


def combine(results: list[DigestDelivery]) -> DigestDelivery:
    """The outcome of several platforms' attempts at one digest (see `FanoutNotifier`)."""
    refs: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for r in results:
        refs.update(r.refs)
        errors.update(r.errors)
    outcomes = {r.outcome for r in results}
    if DigestOutcome.DELIVERED in outcomes:
        return DigestDelivery(DigestOutcome.DELIVERED, refs, errors)
    if DigestOutcome.FAILED in outcomes:
        return DigestDelivery(DigestOutcome.FAILED, refs, errors)
    return DigestDelivery(DigestOutcome.UNREACHABLE, refs, errors)
