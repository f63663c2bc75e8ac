"""Analytics at scale: a campaign's card data and charts, and a workspace summary, over 1,000
campaigns and 1 million sends with their events, against a bare aggregate of the same rows.

    .venv/bin/python bench/analytics.py [--campaigns 1000] [--sends 1000000] [--cards 200]

Runs on a fresh SQLite file, or on the database of DATABASE_URL (a scratch database is created
next to it on PostgreSQL, then dropped). The rows are bulk-loaded (sqlite3 `executemany`,
PostgreSQL `COPY`): per campaign 60 % of its sends are invitations, 40 % of the invited accept and
are welcomed, two thirds of those get a follow-up; 15 % of the accepted reply (a third of them
positively), 10 % of the others are withdrawn, 5 % of the contacts click a tracked link; events
spread over 13 weeks.

Measured, each with its baseline in the same run (goal: ratio <= 3):
- card: what a campaign's card asks (`CampaignAnalytics`: funnel by language, messages, days, the
  signed chart URLs; and the card's health) for `--cards` random campaigns, p50 and p99 (goal
  p99 < 100 ms), against one bare count of a column of that campaign's enrollments, sends and
  clicks each (the rows read, not an index-only `count(*)`);
- chart: the chart route's work (the report, then the funnel and weekly PNGs), p50 and p99;
- workspace summary: `WorkspaceAnalytics` (by campaign, sender and language, messages, days) read
  from the rollup, median of 5 (goal < 1 s), against a bare `GROUP BY campaign_id` sum of a column
  of each rollup table; with the time to refresh the rollup of every campaign, and for comparison the same
  summary computed live from every enrollment, send and click against bare counts of those rows.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import func, insert, select, text  # noqa: E402
from sqlmodel import Session  # noqa: E402

import core.models  # noqa: E402,F401  (every table, for the migrations)
from bench.support.scratch import scratch_url  # noqa: E402
from core.analytics import queries, rollup  # noqa: E402
from core.analytics.commands import CampaignAnalytics, WorkspaceAnalytics  # noqa: E402
from core.analytics.models import CampaignStatsDay, CampaignStatsFunnel, CampaignStatsMessage  # noqa: E402
from core.campaigns.health import campaign_health  # noqa: E402
from core.campaigns.models import Campaign  # noqa: E402
from core.clock import FrozenClock  # noqa: E402
from core.commands import Context, handle  # noqa: E402
from core.config import Settings  # noqa: E402
from core.db import UnitOfWork, make_engine, upgrade  # noqa: E402
from core.delivery.models import Enrollment, Send  # noqa: E402
from core.links.models import Click  # noqa: E402
from core.workspace.models import LinkedInAccount, Member, Workspace  # noqa: E402

NOW = datetime(2026, 11, 30, 18, 0, tzinfo=UTC)
PER_SENDER = 10
SPAN_DAYS = 91
CHUNK = 50_000


class Loader:
    """Bulk rows into a table: PostgreSQL COPY, or sqlite3 executemany (datetimes as SQLAlchemy
    stores them in SQLite: naive UTC text)."""

    def __init__(self, engine: Any) -> None:
        self.engine = engine
        self.pg = engine.dialect.name == "postgresql"

    def load(self, table: str, columns: Sequence[str], rows: Iterable[tuple]) -> int:
        count = 0
        raw = self.engine.raw_connection()
        try:
            cur = raw.cursor()
            if not self.pg:
                cur.execute("BEGIN")  # the engine's connections autocommit each statement otherwise
            batch: list[tuple] = []
            for row in rows:
                batch.append(row if self.pg else tuple(_sqlite(v) for v in row))
                if len(batch) >= CHUNK:
                    count += self._flush(cur, table, columns, batch)
                    batch = []
            count += self._flush(cur, table, columns, batch)
            raw.commit()
        finally:
            raw.close()
        return count

    def _flush(self, cur: Any, table: str, columns: Sequence[str], batch: list[tuple]) -> int:
        if not batch:
            return 0
        names = ", ".join(columns)
        if self.pg:
            with cur.copy(f'COPY "{table}" ({names}) FROM STDIN') as copy:
                for row in batch:
                    copy.write_row(row)
        else:
            marks = ", ".join("?" for _ in columns)
            cur.executemany(f'INSERT INTO "{table}" ({names}) VALUES ({marks})', batch)
        return len(batch)


def _sqlite(value: object) -> object:
    if isinstance(value, datetime):
        return value.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ")
    return value


def seed(engine: Any, campaigns: int, sends: int) -> tuple[int, int, list[int]]:
    """The workspace, its admin, and the campaign ids; returns the rows of sends loaded."""
    rng = random.Random(13)
    senders = max(campaigns // PER_SENDER, 1)
    per_campaign = sends // campaigns
    enrolled = max(int(per_campaign * 0.6), 1)  # invitations per campaign
    contacts_needed = enrolled * PER_SENDER * 3  # a contact is in campaigns of several senders
    with engine.begin() as conn:
        ws = conn.execute(insert(Workspace).values(name="Bench", timezone="Europe/Paris", ui_language="en",
                                                   digest_hour=18, created_at=NOW).returning(Workspace.id)).scalar_one()
        admin = conn.execute(insert(Member).values(workspace_id=ws, name="Admin", name_key="admin", role="admin",
                                                   active=True, created_at=NOW).returning(Member.id)).scalar_one()
        members = conn.execute(insert(Member).returning(Member.id, sort_by_parameter_order=True), [
            dict(workspace_id=ws, name=f"Sender {i}", name_key=f"sender {i}", email=f"s{i}@bench.example",
                 role="member", active=True, created_at=NOW) for i in range(senders)]).scalars().all()
        accounts = conn.execute(insert(LinkedInAccount).returning(LinkedInAccount.id, sort_by_parameter_order=True), [
            dict(workspace_id=ws, member_id=m, provider="sandbox", provider_account_id=f"bench-{m}", status="valid",
                 kind="premium", created_at=NOW) for m in members]).scalars().all()
        slots = [{"weekday": d, "start": "09:00", "end": "17:00"} for d in range(5)]
        campaign_ids = conn.execute(insert(Campaign).returning(Campaign.id, sort_by_parameter_order=True), [
            dict(workspace_id=ws, name=f"Campaign {i}", name_key=f"campaign {i}", description="",
                 sender_id=members[i // PER_SENDER % senders], source_kind="segment", source_id=1, status="active",
                 moderation=False, timezone="Europe/Paris", slots=slots, cohort_size=20, languages=["en", "fr"],
                 default_language="en", stop_if_ongoings=True, stop_if_incomings=True, created_at=NOW,
                 updated_at=NOW, activated_at=NOW - timedelta(days=SPAN_DAYS))
            for i in range(campaigns)]).scalars().all()
    loader = Loader(engine)
    loader.load("contact", ("id", "workspace_id", "public_identifier", "profile_url", "first_name", "last_name",
                            "language", "custom_fields", "created_at"),
                ((i, ws, f"p-{i}", f"https://www.linkedin.com/in/p-{i}", "Ann", "Lee", ("en", "fr")[i % 2], "{}", NOW)
                 for i in range(1, contacts_needed + 1)))

    enrollments: list[tuple] = []
    send_rows: list[tuple] = []
    links: list[tuple] = []
    clicks: list[tuple] = []
    enrollment_id = send_id = 0
    start = NOW - timedelta(days=SPAN_DAYS)

    def at(base: datetime, days: float) -> datetime:
        return min(base + timedelta(days=days), NOW)

    def send(cid: int, eid: int, acct: int, contact: int, step: str, pos: int, lang: str, when: datetime) -> int:
        nonlocal send_id
        send_id += 1
        send_rows.append((send_id, ws, cid, eid, acct, contact, step, pos, lang, "", False, when.date(), 0, when,
                          "sent", 1, False, when, NOW, NOW))
        return send_id

    for index, cid in enumerate(campaign_ids):
        sender_index = index // PER_SENDER % senders
        acct = accounts[sender_index]
        budget = per_campaign
        for k in range(enrolled):
            if budget <= 0:
                break
            enrollment_id += 1
            contact = (sender_index * PER_SENDER * enrolled + (index % PER_SENDER) * enrolled + k) % contacts_needed + 1
            lang = "fr" if contact % 3 == 0 else "en"
            invited = at(start, rng.random() * SPAN_DAYS)
            accepted = welcomed = replied = withdrawn = last = None
            sentiment, state = None, "invited"
            send(cid, enrollment_id, acct, contact, "invitation", 0, lang, invited)
            budget -= 1
            last = invited
            if rng.random() < 0.4:
                accepted = at(invited, rng.random() * 5)
                welcomed = at(accepted, 1 + rng.random())
                state = "welcomed"
                welcome = send(cid, enrollment_id, acct, contact, "welcome", 0, lang, welcomed)
                budget -= 1
                last = welcomed
                if rng.random() < 0.05 * 2.5:
                    links.append((welcome, f"t{welcome}", welcome, cid, contact, "https://example.com", welcomed))
                    clicks.append((welcome, cid, contact, at(welcomed, rng.random() * 3)))
                if rng.random() < 2 / 3 and budget > 0:
                    last = at(welcomed, 7)
                    send(cid, enrollment_id, acct, contact, "followup", 1, lang, last)
                    budget -= 1
                    state = "following_up"
                if rng.random() < 0.15:
                    replied = at(last, rng.random() * 3)
                    sentiment = ("positive", "neutral", "negative")[rng.randrange(3)]
                    state = "replied"
            elif rng.random() < 0.1:
                withdrawn = at(invited, 21)
                state = "withdrawn"
            enrollments.append((enrollment_id, ws, cid, contact, acct, state, lang, invited, accepted, welcomed,
                                last, replied, sentiment, withdrawn, invited, NOW))
    loader.load("enrollment", ("id", "workspace_id", "campaign_id", "contact_id", "account_id", "state", "language",
                               "invited_at", "accepted_at", "welcomed_at", "last_step_at", "replied_at",
                               "reply_sentiment", "withdrawn_at", "created_at", "updated_at"), enrollments)
    loaded = loader.load("send", ("id", "workspace_id", "campaign_id", "enrollment_id", "account_id", "contact_id",
                                  "step", "position", "language", "text", "edited", "local_date", "slot_index",
                                  "due_at", "status", "attempt", "outcome_unknown", "sent_at", "created_at",
                                  "updated_at"), send_rows)
    loader.load("trackedlink", ("id", "token", "send_id", "campaign_id", "contact_id", "url", "created_at"), links)
    loader.load("click", ("link_id", "campaign_id", "contact_id", "clicked_at"), clicks)
    if engine.dialect.name == "postgresql":
        # Fresh tables have no statistics nor visibility map yet (index-only scans); autovacuum gives
        # a live database both.
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
    else:
        with engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
    return admin, loaded, list(campaign_ids)


def timed(fn: Callable[[], object], runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        out.append(time.perf_counter() - started)
    return out


def p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:7.1f} ms"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--campaigns", type=int, default=1000)
    parser.add_argument("--sends", type=int, default=1_000_000)
    parser.add_argument("--cards", type=int, default=200)
    args = parser.parse_args()
    url, drop = scratch_url("analytics")
    try:
        upgrade(url)
        engine = make_engine(url)
        started = time.perf_counter()
        admin_id, loaded, campaign_ids = seed(engine, args.campaigns, args.sends)
        setup = time.perf_counter() - started
        settings = Settings(_env_file=None, DATABASE_URL=url)
        context = Context(now=NOW, settings=settings)
        rng = random.Random(5)
        picks = [rng.choice(campaign_ids) for _ in range(args.cards)]
        with Session(engine) as session:
            counts = session.execute(select(func.count()).select_from(Enrollment)).scalar_one(), \
                session.execute(select(func.count()).select_from(Click)).scalar_one()
            admin = session.get(Member, admin_id)
            assert admin is not None
            ws = admin.workspace_id

            def card(cid: int) -> None:
                results = handle(CampaignAnalytics(cid), session=session, actor=admin, context=context)
                campaign_health(session=session, campaign=results.campaign, now=NOW)

            def bare_card(cid: int) -> None:
                # One aggregate per table the card reads, reading its rows (a column, not an index-only count).
                for column in (Enrollment.accepted_at, Send.sent_at, Click.clicked_at):
                    session.execute(select(func.count(column)).where(column.class_.campaign_id == cid)).all()

            def chart(cid: int) -> None:
                from bot.conversation import charts

                results = handle(CampaignAnalytics(cid), session=session, actor=admin, context=context)
                charts.funnel_png(results.report)
                charts.weekly_png(results.report)

            def summary() -> None:
                handle(WorkspaceAnalytics(), session=session, actor=admin, context=context)

            def bare_summary() -> None:
                ids = select(Campaign.id).where(Campaign.workspace_id == ws)
                for column in (CampaignStatsFunnel.invited, CampaignStatsMessage.sent, CampaignStatsDay.invited):
                    model = column.class_
                    session.execute(select(model.campaign_id, func.sum(column)).where(model.campaign_id.in_(ids))
                                    .group_by(model.campaign_id)).all()

            def live_summary() -> None:
                queries.report(session, queries.Scope(ws), timezone="Europe/Paris", by_campaign=True)

            def bare_live() -> None:
                for column in (Enrollment.accepted_at, Send.sent_at):
                    model = column.class_
                    session.execute(select(model.campaign_id, func.count(column)).where(model.workspace_id == ws)
                                    .group_by(model.campaign_id)).all()
                session.execute(select(Click.campaign_id, func.count(Click.clicked_at))
                                .where(Click.campaign_id.in_(select(Campaign.id).where(Campaign.workspace_id == ws)))
                                .group_by(Click.campaign_id)).all()

            for cid in picks[:10]:  # warm the caches and the statement cache
                card(cid)
                bare_card(cid)
            cards, bares = [], []
            for cid in picks:  # interleaved: both see the same machine load
                cards += timed(lambda cid=cid: card(cid), 1)
                bares += timed(lambda cid=cid: bare_card(cid), 1)
            charts_t = [t for cid in picks[:20] for t in timed(lambda cid=cid: chart(cid), 1)]
            session.commit()
            started = time.perf_counter()
            refreshed = rollup.refresh(uow=UnitOfWork(engine), clock=FrozenClock(NOW))
            refresh = time.perf_counter() - started
            summary()
            bare_summary()
            sums, bare_sums = [], []
            for _ in range(5):
                sums += timed(summary, 1)
                bare_sums += timed(bare_summary, 1)
            lives, bare_lives = [], []
            for _ in range(2):
                lives += timed(live_summary, 1)
                bare_lives += timed(bare_live, 1)
        print(f"database: {engine.dialect.name}; {args.campaigns} campaigns, {loaded:,} sends, {counts[0]:,} "
              f"enrollments, {counts[1]:,} clicks (loaded in {setup:.1f} s)")
        print(f"card    : p50 {ms(p(cards, .5))}  p99 {ms(p(cards, .99))}  (goal p99 < 100 ms)")
        print(f"  bare  : p50 {ms(p(bares, .5))}  p99 {ms(p(bares, .99))}")
        print(f"  ratio card / bare (p99): {p(cards, .99) / p(bares, .99):.2f} (goal <= 3)")
        print(f"chart   : report + funnel and weekly PNG (20 campaigns): p50 {ms(p(charts_t, .5))}  "
              f"max {ms(max(charts_t))}")
        print(f"summary : from the rollup: median {ms(statistics.median(sums))}  max {ms(max(sums))}  (goal < 1 s)")
        print(f"  bare  : GROUP BY campaign sums of the rollup's rows: median {ms(statistics.median(bare_sums))}")
        print(f"  ratio summary / bare (median): {statistics.median(sums) / statistics.median(bare_sums):.2f} "
              "(goal <= 3)")
        print(f"rollup  : refresh of {refreshed} campaigns in {refresh:.1f} s ({refresh / refreshed * 1000:.1f} ms each; "
              "the worker's hourly job, in batches)")
        print(f"live    : the same summary straight from enrollments, sends and clicks: median "
              f"{ms(statistics.median(lives))}; bare GROUP BY campaign of those rows: {ms(statistics.median(bare_lives))}"
              f" (ratio {statistics.median(lives) / statistics.median(bare_lives):.2f})")
        engine.dispose()
    finally:
        drop()


if __name__ == "__main__":
    main()
