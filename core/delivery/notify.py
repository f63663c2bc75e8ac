"""The chat notifier port: how the delivery engine reaches a member (digest, alerts).

The engine builds neutral structures; Slack and Teams notifiers render them. A logging
notifier serves the embedded run and tests that do not care about chat."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Protocol

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


@dataclass(frozen=True)
class Alert:
    """Something a member must know and act on: account disconnected, limit hit, campaign paused."""

    workspace_id: int
    member_id: int
    kind: str  # account_disconnected | rate_limited | note_limit | campaign_paused | campaign_error
    title: str
    text: str
    action_hint: str
    campaign_id: int | None = None


class Notifier(Protocol):
    def send_digest(self, digest: DigestView) -> dict:
        """Post the digest (all pages); return platform references to store on the Digest row."""
        ...

    def send_alert(self, alert: Alert) -> None: ...


@dataclass
class LoggingNotifier:
    """Logs that a digest or alert went out (ids and counts only: no message text in logs)."""

    sent_digests: list[DigestView] = field(default_factory=list)
    sent_alerts: list[Alert] = field(default_factory=list)

    def send_digest(self, digest: DigestView) -> dict:
        self.sent_digests.append(digest)
        log.info("digest campaign=%s date=%s items=%d", digest.campaign_id, digest.for_date, len(digest.items))
        return {"logged": True}

    def send_alert(self, alert: Alert) -> None:
        self.sent_alerts.append(alert)
        log.info("alert kind=%s member=%s campaign=%s", alert.kind, alert.member_id, alert.campaign_id)


@dataclass
class FanoutNotifier:
    """Sends to every configured chat platform; a member only gets what their platforms can reach."""

    notifiers: list[Notifier]

    def send_digest(self, digest: DigestView) -> dict:
        refs: dict = {}
        for n in self.notifiers:
            refs.update(n.send_digest(digest) or {})
        return refs

    def send_alert(self, alert: Alert) -> None:
        for n in self.notifiers:
            n.send_alert(alert)
