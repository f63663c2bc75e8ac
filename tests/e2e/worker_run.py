"""The clock and a real worker of an e2e test: the clock's jobs (`worker.clock.Clockwork`) enqueue on
Dramatiq's in-memory broker and a worker thread runs the real actors with the test's context (its
chat notifier, the sandbox provider, the frozen clock) — what `invitebot serve` does, minus Redis.

The actors call the chat simulators of the test's event loop over HTTP: call `settle` (and the
jobs) through `asyncio.to_thread`, never straight from the loop."""

from __future__ import annotations

from datetime import timedelta

import dramatiq
from sqlmodel import Session, func, select

from core.delivery.models import S_PLANNED, Send
from core.delivery.linkedin.sandbox_models import SandboxInvitation
from core.services import Services
from worker.clock import Clockwork

QUEUES = ("sends", "delivery")


class WorkerRun:
    def __init__(self, ctx: Services) -> None:
        """`ctx`: services bootstrapped with `queue="stub", worker=True`."""
        self.ctx = ctx
        self.broker = ctx.tasks.broker
        self.worker = dramatiq.Worker(self.broker, worker_threads=1, worker_timeout=100)
        self.work = Clockwork(ctx, reenqueue_after=timedelta(0))  # every tick enqueues what is due

    def start(self) -> "WorkerRun":
        self.worker.start()
        return self

    def stop(self) -> None:
        self.worker.stop()

    def settle(self) -> None:
        for queue in QUEUES:
            self.broker.join(queue, timeout=60_000)
        self.worker.join()

    def plan(self) -> None:
        """The clock's planning job (tomorrow once the digest hour has come; its digests follow)."""
        self.work.plan()
        self.settle()

    def tick(self) -> int:
        """The clock's minute: due sends, webhook events, digests whose next try has come."""
        count = self.work.tick()
        self.settle()
        return count

    def send_now(self, send_id: int) -> None:
        """A broker message for one send, as a duplicated or early message would be."""
        self.ctx.tasks.send(send_id)
        self.settle()

    def run_sends(self, *, limit: int = 50) -> None:
        """Move the clock from one due send to the next, ticking, until none is planned."""
        for _ in range(limit):
            with Session(self.ctx.engine) as s:
                due = s.exec(select(func.min(Send.due_at)).where(Send.status == S_PLANNED)).one()
            if due is None:
                return
            self.ctx.clock.set(max(due, self.ctx.clock.now()))
            self.tick()
        raise AssertionError("sends were still planned after the clock ran them")


def invitations_sent(engine) -> list[SandboxInvitation]:
    """The sandbox provider's own record of the invitations it received."""
    with Session(engine) as s:
        return list(s.exec(select(SandboxInvitation).order_by(SandboxInvitation.id)).all())
