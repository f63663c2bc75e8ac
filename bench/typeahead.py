"""Type-ahead latency: source picker, sender picker and campaign names, against a primary-key lookup.

    .venv/bin/python bench/typeahead.py [--campaigns 10000] [--segments 5000] [--finders 1000]

One workspace with 10,000 campaigns, 5,000 segments (1,000 of them the segments of finders)
and 60 members, built with bulk inserts in a fresh SQLite file, and in a scratch workspace of
PostgreSQL too when DATABASE_URL is set (deleted afterwards). Each query runs with typed texts
of 0 to 4 characters; p50 and p99 are printed with their ratio to the p50 of a primary-key
lookup measured in the same run.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import delete, insert, select  # noqa: E402
from sqlmodel import Session  # noqa: E402

import core.models  # noqa: E402,F401
from core.campaigns.models import Campaign  # noqa: E402
from core.campaigns.naming import name_key  # noqa: E402
from core.campaigns.queries import campaign_names  # noqa: E402
from core.config import Settings  # noqa: E402
from core.db import make_engine, upgrade, utcnow  # noqa: E402
from core.sources.models import Finder, FinderMember, Segment  # noqa: E402
from core.sources.visibility import visible_sources  # noqa: E402
from core.workspace.models import Member, Workspace  # noqa: E402
from core.workspace.service import member_choices  # noqa: E402

WORDS = ("Paris", "Lyon", "Berlin", "Madrid", "London", "CTO", "Founders", "Sales", "Marketing", "Fintech",
         "SaaS", "Retail", "Q1", "Q2", "Q3", "Q4", "Warm", "Cold", "Leads", "Partners", "Event", "Webinar",
         "Alumni", "DACH", "Iberia", "Nordics", "Startups", "Enterprise", "Healthcare", "Followup")
FIRST = ("Alice", "Bruno", "Chloé", "Diego", "Emma", "Farid", "Greta", "Hugo", "Inès", "Jonas", "Kenji", "Lena")
LAST = ("Martin", "Keller", "Durand", "Ruiz", "Smith", "Haddad", "Berg", "Roy", "Núñez", "Weber")
QUERIES = ("", "p", "pa", "par", "pari", "c", "ct", "cto", "sa", "sal", "q3", "q3p", "war", "ent", "ix", "zzz")
RUNS = 40  # per typed text


def names(rng: random.Random, count: int, label: str) -> list[str]:
    seen, out = set(), []
    while len(out) < count:
        name = " ".join(rng.sample(WORDS, rng.randint(2, 3))) + f" {label}{len(out):05d}"
        if name_key(name) not in seen:
            seen.add(name_key(name))
            out.append(name)
    return out


def build(engine, *, campaigns: int, segments: int, finders: int, tag: str) -> tuple[int, list[int], int]:
    rng = random.Random(7)
    now = utcnow()
    with Session(engine) as s:
        ws = Workspace(name=f"bench typeahead {tag}")
        s.add(ws)
        s.flush()
        member_rows = [{"workspace_id": ws.id, "name": f"{f} {l}", "name_key": name_key(f"{f} {l}"),
                        "email": f"{f.lower()}.{l.lower()}@bench.example", "role": "admin" if i == 1 else "member",
                        "active": i % 9 != 0,
                        "created_at": now} for i, (f, l) in enumerate((f, l) for f in FIRST for l in LAST[:5])]
        s.execute(insert(Member), member_rows)
        member_ids = list(s.execute(select(Member.id).where(Member.workspace_id == ws.id)).scalars())
        finder_rows = [{"workspace_id": ws.id, "name": n, "name_key": name_key(n), "owner_id": rng.choice(member_ids),
                        "query": {}, "created_at": now} for n in names(rng, finders, "F")]
        s.execute(insert(Finder), finder_rows)
        found = s.execute(select(Finder.id, Finder.name, Finder.owner_id).where(Finder.workspace_id == ws.id)).all()
        s.execute(insert(FinderMember), [{"finder_id": fid, "member_id": m} for fid, _, owner in found
                                          for m in rng.sample(member_ids, 3) if m != owner])
        seg_rows = [{"workspace_id": ws.id, "name": n, "name_key": name_key(n), "owner_id": owner, "is_global": False,
                     "is_list": True, "criteria": {}, "finder_id": fid, "created_at": now} for fid, n, owner in found]
        seg_rows += [{"workspace_id": ws.id, "name": n, "name_key": name_key(n), "owner_id": rng.choice(member_ids),
                      "is_global": rng.random() < 0.1, "is_list": True, "criteria": {}, "finder_id": None,
                      "created_at": now} for n in names(rng, segments - finders, "S")]
        s.execute(insert(Segment), seg_rows)
        s.execute(insert(Campaign), [{"workspace_id": ws.id, "name": n[:80], "name_key": name_key(n[:80]),
                                      "sender_id": rng.choice(member_ids), "source_kind": "segment", "source_id": 1,
                                      "status": "draft", "slots": [], "languages": ["en"], "description": "",
                                      "created_at": now, "updated_at": now}
                                     for n in names(rng, campaigns, "C")])
        s.commit()
        return ws.id, member_ids, s.execute(select(Segment.id).where(Segment.workspace_id == ws.id).limit(1)).scalar()


def clean(engine, workspace_id: int) -> None:
    with engine.begin() as conn:
        finders = select(Finder.id).where(Finder.workspace_id == workspace_id)
        conn.execute(delete(Campaign).where(Campaign.workspace_id == workspace_id))
        conn.execute(delete(FinderMember).where(FinderMember.finder_id.in_(finders)))
        conn.execute(delete(Segment).where(Segment.workspace_id == workspace_id))
        conn.execute(delete(Finder).where(Finder.workspace_id == workspace_id))
        conn.execute(delete(Member).where(Member.workspace_id == workspace_id))
        conn.execute(delete(Workspace).where(Workspace.id == workspace_id))


def timed(fn, inputs) -> list[float]:
    out = []
    for x in inputs:
        start = time.perf_counter()
        fn(x)
        out.append((time.perf_counter() - start) * 1000)
    return out


def pct(values: list[float], p: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(p) - 1] if len(values) > 1 else values[0]


def run(url: str, label: str, args) -> None:
    upgrade(url)
    engine = make_engine(url)
    ws, members, segment_id = build(engine, campaigns=args.campaigns, segments=args.segments, finders=args.finders,
                                    tag=str(os.getpid()))
    rng = random.Random(11)
    typed = [q for q in QUERIES for _ in range(RUNS)]
    rng.shuffle(typed)
    try:
        with Session(engine) as s:
            senders = [rng.choice(members) for _ in typed]
            for q in QUERIES[:3]:  # warm caches and the statement cache
                visible_sources(session=s, workspace_id=ws, sender_id=members[0], query=q)
            pk = timed(lambda i: s.execute(select(Segment).where(Segment.id == segment_id + i % 50)).first(),
                       range(len(typed)))
            results = {
                "primary-key lookup": pk,
                "visible_sources": timed(lambda i: visible_sources(session=s, workspace_id=ws, sender_id=senders[i],
                                                                   query=typed[i]), range(len(typed))),
                "member_choices": timed(lambda q: member_choices(session=s, workspace_id=ws, query=q), typed),
                "campaign_names": timed(lambda q: campaign_names(session=s, workspace_id=ws, query=q), typed),
            }
            shown = len(visible_sources(session=s, workspace_id=ws, sender_id=members[1], query="par"))
    finally:
        clean(engine, ws)
        engine.dispose()
    base = statistics.median(pk)
    print(f"\n[{label}] {args.campaigns:,} campaigns, {args.segments:,} segments ({args.finders:,} of finders), "
          f"{len(members)} members; {len(typed)} calls each ('par' shows {shown} sources)")
    print(f"  {'query':<24} {'p50 ms':>8} {'p99 ms':>8} {'p50 ratio':>10} {'p99 ratio':>10}")
    for name, values in results.items():
        print(f"  {name:<24} {pct(values, 50):8.3f} {pct(values, 99):8.3f} {pct(values, 50) / base:9.1f}x "
              f"{pct(values, 99) / base:9.1f}x")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--campaigns", type=int, default=10_000)
    parser.add_argument("--segments", type=int, default=5_000)
    parser.add_argument("--finders", type=int, default=1_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        run(f"sqlite:///{tmp}/typeahead.db", "sqlite", args)
    if os.environ.get("DATABASE_URL"):
        run(Settings(_env_file=None).effective_database_url, "postgresql", args)


if __name__ == "__main__":
    main()
