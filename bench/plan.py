"""Plan 10,000 campaigns over 200,000 contacts, against a bare Core `executemany` of the same rows.

    .venv/bin/python bench/plan.py [--campaigns 10000] [--contacts 200000]

Runs on a fresh SQLite file, or on the database of DATABASE_URL (a scratch database is created
next to it on PostgreSQL, then dropped). The planner does everything a real evening does — the
day markers, set-based eligibility over every campaign, skipped enrollments, rendering each
invitation, slots, spacing, enrollments and sends — and the baseline only inserts the sends it
produced. Prints sends planned per second for both and the ratio planner / baseline (goal ≥ 0.3).
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import delete, insert, select, text  # noqa: E402
from sqlmodel import Session  # noqa: E402

import core.models  # noqa: E402,F401  (every table, for the migrations)
from bench.support.scratch import scratch_url  # noqa: E402
from core.campaigns.models import Campaign, CampaignMessage  # noqa: E402
from core.config import Settings  # noqa: E402
from core.db import make_engine, upgrade  # noqa: E402
from core.delivery.models import Send  # noqa: E402
from core.delivery.planner import plan_days  # noqa: E402
from core.sources.models import Contact, Segment, SegmentContact  # noqa: E402
from core.workspace.models import LinkedInAccount, Member, Workspace  # noqa: E402

NOW = datetime(2026, 11, 26, 18, 0, tzinfo=timezone.utc)
PER_SENDER = 10
FIRST = ["Ann", "Bruno", "Chloé", "Dieter", "Elena", "Farid", "Grace", "Hugo", "Inès", "Jonas"]


def seed(engine, campaigns: int, contacts: int, per_sender: int = PER_SENDER) -> dict[int, object]:
    """A workspace of `campaigns` campaigns (`per_sender` per sender), each over its own list
    segment of contacts; caps that let every contact be planned tomorrow."""
    per_campaign = contacts // campaigns
    senders = max(campaigns // per_sender, 1)
    with engine.begin() as conn:
        ws = conn.execute(insert(Workspace).values(name="Bench", digest_hour=18, timezone="UTC", ui_language="en",
                                                   created_at=NOW).returning(Workspace.id)).scalar_one()
        members = conn.execute(insert(Member).returning(Member.id, sort_by_parameter_order=True), [
            dict(workspace_id=ws, name=f"Sender {i}", name_key=f"sender {i}", email=f"s{i}@bench.example",
                 role="member", active=True, created_at=NOW) for i in range(senders)]).scalars().all()
        conn.execute(insert(LinkedInAccount), [
            dict(workspace_id=ws, member_id=m, provider="sandbox", provider_account_id=f"bench-{m}", status="valid",
                 kind="premium", daily_invite_cap=per_campaign * per_sender, weekly_invite_cap=10 * per_campaign * per_sender,
                 created_at=NOW) for m in members])
        contact_ids = conn.execute(insert(Contact).returning(Contact.id, sort_by_parameter_order=True), [
            dict(workspace_id=ws, public_identifier=f"p-{i}", profile_url=f"https://www.linkedin.com/in/p-{i}",
                 first_name=FIRST[i % 10], last_name="Lee", company=f"Co {i % 97}", language=("en", "fr")[i % 2],
                 custom_fields={}, created_at=NOW) for i in range(contacts)]).scalars().all()
        segments = conn.execute(insert(Segment).returning(Segment.id, sort_by_parameter_order=True), [
            dict(workspace_id=ws, name=f"Seg {i}", name_key=f"seg {i}", owner_id=members[i % senders], is_global=False,
                 is_list=True, criteria={}, created_at=NOW) for i in range(campaigns)]).scalars().all()
        conn.execute(insert(SegmentContact), [
            dict(segment_id=segments[i // per_campaign], contact_id=cid, added_at=NOW)
            for i, cid in enumerate(contact_ids[: per_campaign * campaigns])])
        slots = [{"weekday": d, "start": "09:00", "end": "17:00"} for d in range(7)]
        campaign_ids = conn.execute(insert(Campaign).returning(Campaign.id, sort_by_parameter_order=True), [
            dict(workspace_id=ws, name=f"Campaign {i}", name_key=f"campaign {i}", description="",
                 sender_id=members[i % senders], source_kind="segment", source_id=segments[i], status="active",
                 moderation=bool(i % 2), timezone="UTC", slots=slots, cohort_size=per_campaign, languages=["en", "fr"],
                 default_language="en", stop_if_ongoings=True, stop_if_incomings=True, created_at=NOW,
                 updated_at=NOW, activated_at=NOW) for i in range(campaigns)]).scalars().all()
        conn.execute(insert(CampaignMessage), [
            dict(campaign_id=c, step="invitation", position=0, delay_days=0, language=lang,
                 template=f"{'Hello' if lang == 'en' else 'Bonjour'} {{{{firstName}}}}, {{{{company|default('')}}}} "
                          "looks great: shall we connect?")
            for c in campaign_ids for lang in ("en", "fr")])
    if engine.dialect.name == "postgresql":  # fresh tables have no statistics yet; a live database has
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("ANALYZE"))
    return {c: NOW.date() + timedelta(days=1) for c in campaign_ids}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--campaigns", type=int, default=10_000)
    parser.add_argument("--contacts", type=int, default=200_000)
    args = parser.parse_args()
    url, drop = scratch_url("plan")
    try:
        upgrade(url)
        engine = make_engine(url)
        targets = seed(engine, args.campaigns, args.contacts)
        settings = Settings(_env_file=None, DATABASE_URL=url)

        started = time.perf_counter()
        with Session(engine) as session:
            report = plan_days(session=session, targets=targets, now=NOW, settings=settings)
            session.commit()
        planning = time.perf_counter() - started

        columns = [c.name for c in Send.__table__.columns if c.name != "id"]
        with engine.begin() as conn:
            rows = [dict(r._mapping) for r in conn.execute(select(*(Send.__table__.c[c] for c in columns)))]
            conn.execute(delete(Send))
        started = time.perf_counter()
        with engine.begin() as conn:
            conn.execute(insert(Send), rows)
        baseline = time.perf_counter() - started

        assert report.planned == len(rows) > 0
        print(f"database: {engine.dialect.name}; {args.campaigns} campaigns, {args.contacts} contacts")
        print(f"planner : {report.planned} sends in {planning:.2f} s = {report.planned / planning:,.0f} sends/s "
              f"({report.campaigns} campaigns, {report.skipped} skipped)")
        print(f"baseline: {len(rows)} rows by Core executemany in {baseline:.2f} s = {len(rows) / baseline:,.0f} rows/s")
        print(f"ratio planner / baseline: {baseline / planning:.2f} (goal >= 0.30)")
        engine.dispose()
    finally:
        drop()


if __name__ == "__main__":
    main()
