"""What the product counts (a port): sends by outcome, caps reached, reconciliations, digests,
finder runs, provider errors, queue lag and chat acks.

`core` says what happened through `Metrics`; the adapter that turns it into Prometheus series
(`bot.metrics.PrometheusMetrics`) is picked by `entrypoints.bootstrap`. `NoMetrics` counts nothing
(tests, admin commands). Every label is a value of a small closed set (an outcome, a cap, a
queue, an error code): never an id, a name or a text."""

from __future__ import annotations

from enum import StrEnum
from typing import Protocol


class Surface(StrEnum):
    SLACK = "slack"
    TEAMS = "teams"


class Cap(StrEnum):
    """The per-account caps (invariant 4)."""

    DAILY_INVITATIONS = "daily_invitations"
    WEEKLY_INVITATIONS = "weekly_invitations"
    DAILY_MESSAGES = "daily_messages"


class Reconciliation(StrEnum):
    """What asking the provider whether an earlier call acted found (invariant 2)."""

    FOUND = "found"  # it had acted: recorded as sent, not called again
    NOT_FOUND = "not_found"  # it provably had not: the send goes ahead
    UNDECIDABLE = "undecidable"  # the provider could not be read: the send waits, marked


class FinderOutcome(StrEnum):
    FOUND = "found"  # the run added contacts
    EMPTY = "empty"  # the run found nothing new
    FAILED = "failed"


class Metrics(Protocol):
    def send_finished(self, outcome: str) -> None:
        """One attempt at a send ended with `outcome` (`core.delivery.sending.perform_send`'s answer)."""

    def cap_reached(self, cap: Cap) -> None:
        """A send was moved to later because the account reached `cap`."""

    def reconciled(self, result: Reconciliation) -> None: ...

    def digest_finished(self, outcome: str) -> None:
        """One attempt to deliver a digest (`core.moderation.digests.deliver_digest`'s answer)."""

    def finder_run(self, outcome: FinderOutcome) -> None: ...

    def provider_error(self, code: str) -> None:
        """The LinkedIn provider answered with an error (`LinkedInError.code`)."""

    def queue_lag(self, queue: str, seconds: float) -> None:
        """A task started `seconds` after it was due (enqueued, or its delay over)."""

    def interaction(self, surface: Surface, kind: str, seconds: float) -> None:
        """A chat request was acknowledged after `seconds`; `kind`: the platform's request type."""


class NoMetrics:
    """Counts nothing."""

    def send_finished(self, outcome: str) -> None:
        pass

    def cap_reached(self, cap: Cap) -> None:
        pass

    def reconciled(self, result: Reconciliation) -> None:
        pass

    def digest_finished(self, outcome: str) -> None:
        pass

    def finder_run(self, outcome: FinderOutcome) -> None:
        pass

    def provider_error(self, code: str) -> None:
        pass

    def queue_lag(self, queue: str, seconds: float) -> None:
        pass

    def interaction(self, surface: Surface, kind: str, seconds: float) -> None:
        pass


NO_METRICS = NoMetrics()
