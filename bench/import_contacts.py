"""Import 100,000 contacts from a CSV file, against a bare `executemany` of the same rows.

    .venv/bin/python bench/import_contacts.py [--rows 100000]

Runs on a fresh SQLite file, and on PostgreSQL too when DATABASE_URL is set (a scratch
workspace is created there and deleted afterwards). Prints the times and the ratio
import / baseline: the import also parses and checks every row, detects languages, merges
duplicates, upserts and fills the segment, all in one transaction.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import delete, select  # noqa: E402
from sqlmodel import Session  # noqa: E402

from core.db import UnitOfWork
import core.models  # noqa: E402,F401
from core.config import Settings  # noqa: E402
from core.db import make_engine, upgrade  # noqa: E402
from core.demo.people import CITIES, COMPANIES, FIRST, LANGUAGES, LAST, TITLES, slugify  # noqa: E402
from core.sources.importer import import_contacts, read_contacts_file  # noqa: E402
from core.sources.models import Contact, Segment, SegmentContact  # noqa: E402
from core.workspace.models import Member, Workspace  # noqa: E402
from core.workspace.service import add_member, create_workspace  # noqa: E402

EXPERIENCE = {"fr": "{n} ans d'expérience", "en": "{n} years of experience", "de": "{n} Jahre Erfahrung",
              "es": "{n} años de experiencia"}


def write_csv(path: Path, rows: int) -> None:
    """Realistic rows: four languages, varied headlines, half without a language (detected),
    1% duplicates of an earlier row, one custom column."""
    rng = random.Random(42)
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["profile_url", "first_name", "last_name", "headline", "company", "job_title", "location",
                    "language", "birth_year", "lead_score"])
        for i in range(rows):
            n = rng.randrange(i) if i and rng.random() < 0.01 else i  # a duplicate of an earlier row
            person = random.Random(n)  # the same person each time n comes back
            lang = LANGUAGES[n % 4]
            first, last = person.choice(FIRST[lang]), person.choice(LAST[lang])
            title, company = person.choice(TITLES[lang]), person.choice(COMPANIES[lang])
            headline = f"{title} · {company} · {EXPERIENCE[lang].format(n=person.randint(1, 35))}"
            w.writerow([f"https://{rng.choice(['www', 'fr', 'de'])}.linkedin.com/in/{slugify(first)}-{n:07d}/",
                        first, last, headline, company, title, person.choice(CITIES[lang]),
                        lang if n % 2 else "", rng.choice(["", str(person.randint(1960, 2000))]), rng.randint(0, 100)])


def baseline(engine, workspace_id: int, path: Path) -> float:
    """The same rows (already parsed) through one DBAPI executemany: the floor of any import."""
    rows = list(read_contacts_file(path, max_birth_year=2026).contacts.values())
    params = [(workspace_id, r.public_identifier, r.profile_url, r.first_name, r.last_name, r.headline, r.company,
               r.job_title, r.location, r.language, r.birth_year, "{}", "2026-01-01 00:00:00") for r in rows]
    mark = "%s" if engine.dialect.name == "postgresql" else "?"
    sql = ("INSERT INTO contact (workspace_id, public_identifier, profile_url, first_name, last_name, headline, "
           "company, job_title, location, language, birth_year, custom_fields, created_at) VALUES ("
           + ", ".join([mark] * 13) + ")")
    start = time.perf_counter()
    with engine.begin() as conn:
        conn.exec_driver_sql(sql, params)
    return time.perf_counter() - start


def scratch_workspaces(engine, tag: str) -> tuple[int, int, int]:
    with Session(engine) as s:
        a = create_workspace(session=s, name=f"bench import {tag}")
        owner = add_member(session=s, workspace_id=a.id, name="Bench Owner")
        b = create_workspace(session=s, name=f"bench baseline {tag}")
        s.commit()
        return a.id, owner.id, b.id


def cleanup(engine, workspace_ids: list[int]) -> None:
    with engine.begin() as conn:
        segs = select(Segment.id).where(Segment.workspace_id.in_(workspace_ids))
        conn.execute(delete(SegmentContact).where(SegmentContact.segment_id.in_(segs)))
        conn.execute(delete(Segment).where(Segment.workspace_id.in_(workspace_ids)))
        conn.execute(delete(Contact).where(Contact.workspace_id.in_(workspace_ids)))
        conn.execute(delete(Member).where(Member.workspace_id.in_(workspace_ids)))
        conn.execute(delete(Workspace).where(Workspace.id.in_(workspace_ids)))


def run(url: str, label: str, path: Path, rows: int) -> None:
    upgrade(url)
    engine = make_engine(url)
    ws, owner, ws_baseline = scratch_workspaces(engine, str(os.getpid()))
    try:
        floor = baseline(engine, ws_baseline, path)
        start = time.perf_counter()
        report = import_contacts(uow=UnitOfWork(engine), workspace_id=ws, path=path, segment_name="Bench", owner_id=owner)
        first = time.perf_counter() - start
        start = time.perf_counter()
        again = import_contacts(uow=UnitOfWork(engine), workspace_id=ws, path=path, segment_name="Bench", owner_id=owner)
        second = time.perf_counter() - start
    finally:
        cleanup(engine, [ws, ws_baseline])
        engine.dispose()
    print(f"\n[{label}] {rows:,} rows → {report.contacts:,} contacts ({report.merged_in_file:,} duplicates merged, "
          f"{report.languages_detected:,} languages detected)")
    print(f"  baseline executemany : {floor:7.2f} s")
    print(f"  import (all new)     : {first:7.2f} s   ratio {first / floor:5.1f}x   ({rows / first:,.0f} rows/s)")
    print(f"  re-import (all merge): {second:7.2f} s   ratio {second / floor:5.1f}x   ({again.updated:,} updated)")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "contacts.csv"
        write_csv(path, args.rows)
        run(f"sqlite:///{tmp}/bench.db", "sqlite", path, args.rows)
        if os.environ.get("DATABASE_URL"):
            run(Settings(_env_file=None).effective_database_url, "postgresql", path, args.rows)


if __name__ == "__main__":
    main()
