"""The worker's work, asked for by the web app, the clock and the worker itself (a port).

A request only says "do this now" (or in `delay_seconds`): the database is the truth, so a lost
request is found again by the clock's next sweep and a duplicated one finds nothing left to do.
Implementations: `worker.broker.DramatiqTasks` (Redis, or Dramatiq's in-memory broker for the
demo) and `RecordedTasks` below (processes that never ask for work, and tests)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol


class Tasks(Protocol):
    def send(self, send_id: int, *, delay_seconds: float = 0.0) -> None:
        """Carry out send `send_id` (claim, call the provider, record)."""

    def plan_due(self) -> None:
        """Plan every campaign whose evening has come (and build its digest)."""

    def deliver_digest(self, digest_id: int) -> None: ...

    def process_event(self, event_id: int) -> None:
        """Apply a stored provider webhook event."""

    def poll_account(self, account_id: int) -> None: ...

    def withdraw_stale(self, account_id: int) -> None: ...

    def clean_up(self) -> None: ...

    def run_finder(self, finder_id: int) -> None:
        """Start a run of the finder if it is due (core.sources.finder_runs)."""

    def finder_page(self, run_id: int, page: int, *, delay_seconds: float = 0.0) -> None:
        """Fetch and apply page `page` of finder run `run_id`."""

    def problem(self) -> str | None:
        """None when requests can be queued, else what is wrong (the health check)."""

    def hold_clock(self, owner: str, seconds: int) -> bool:
        """Take, or keep for `seconds`, the clock's turn: at most one clock enqueues at a time."""

    def close(self) -> None: ...


@dataclass
class RecordedTasks:
    """Keeps the requests in a list and runs nothing: for processes that never ask for work (the
    admin commands) and for tests, which look at what was asked."""

    requests: list[tuple[str, tuple[int, ...]]] = field(default_factory=list)

    def _ask(self, name: str, *args: int) -> None:
        self.requests.append((name, args))

    def send(self, send_id: int, *, delay_seconds: float = 0.0) -> None:
        self._ask("send", send_id)

    def plan_due(self) -> None:
        self._ask("plan_due")

    def deliver_digest(self, digest_id: int) -> None:
        self._ask("deliver_digest", digest_id)

    def process_event(self, event_id: int) -> None:
        self._ask("process_event", event_id)

    def poll_account(self, account_id: int) -> None:
        self._ask("poll_account", account_id)

    def withdraw_stale(self, account_id: int) -> None:
        self._ask("withdraw_stale", account_id)

    def clean_up(self) -> None:
        self._ask("clean_up")

    def run_finder(self, finder_id: int) -> None:
        self._ask("run_finder", finder_id)

    def finder_page(self, run_id: int, page: int, *, delay_seconds: float = 0.0) -> None:
        self._ask("finder_page", run_id, page)

    def problem(self) -> str | None:
        return None

    def hold_clock(self, owner: str, seconds: int) -> bool:
        return True

    def close(self) -> None:
        return None
