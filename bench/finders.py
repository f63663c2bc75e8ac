"""People ingested per second by a finder's run over a simulated 1,000-result search, against a
bare insert of the same rows (contacts and the segment's rows) in the same run. Goal: ≥ 0.3×.

    .venv/bin/python bench/finders.py [--results 1000]

The provider answers at once (no network): what is measured is the run itself — a lease and a
transaction per page, de-duplication against the workspace, language detection, the contacts'
upsert, the segment and the relations. SQLite by default; PostgreSQL when DATABASE_URL is set (a
scratch workspace, deleted afterwards). The CSV import from chat is the CLI's importer
(bench/import_contacts.py measures it)."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import delete, insert, select  # noqa: E402

import core.models  # noqa: E402,F401
from core.clock import FrozenClock  # noqa: E402
from core.config import Settings  # noqa: E402
from core.db import UnitOfWork, make_engine, upgrade  # noqa: E402
from core.delivery.linkedin.port import PeopleSearch, Profile, SearchPage, SearchParameter  # noqa: E402
from core.delivery.linkedin.sandbox_people import person_from_token  # noqa: E402
from core.delivery.models import Relation  # noqa: E402
from core.sources import finder_runs  # noqa: E402
from core.sources.models import Contact, Finder, FinderMember, FinderRun, Segment, SegmentContact  # noqa: E402
from core.sources.segments import create_finder, create_segment  # noqa: E402
from core.workspace.models import LinkedInAccount, Member, Workspace  # noqa: E402
from core.workspace.service import add_member, connect_linkedin_account, create_workspace  # noqa: E402

GOAL = 0.3


class InstantSearch:
    """A provider whose search holds `total` people (one in twenty already connected), at once."""

    name = "bench"

    def __init__(self, total: int, salt: str) -> None:
        self.people = []
        for i in range(total):
            p = person_from_token(f"{salt}{i:06d}"[-10:].rjust(10, "0"))
            self.people.append(Profile(provider_id=f"ACo{salt}{i}", public_identifier=p.public_identifier,
                                       first_name=p.first_name, last_name=p.last_name, headline=p.headline,
                                       company=p.company, job_title=p.job_title, location=p.location,
                                       profile_url=f"https://www.linkedin.com/in/{p.public_identifier}",
                                       network_distance="FIRST_DEGREE" if i % 20 == 0 else "SECOND_DEGREE"))

    def search_page(self, *, account_id: str, search: PeopleSearch, cursor: str | None = None,
                    limit: int = 50) -> SearchPage:
        start = int(cursor or 0)
        end = start + limit
        return SearchPage(people=self.people[start:end], cursor=str(end) if end < len(self.people) else None)

    def search_parameters(self, *, account_id: str, kind: str, keywords: str, limit: int = 5) -> list[SearchParameter]:
        return [SearchParameter(id="1", title=keywords)]


def scratch(uow: UnitOfWork, name: str) -> tuple[int, int, int]:
    with uow() as s:
        ws = create_workspace(session=s, name=name)
        owner = add_member(session=s, workspace_id=ws.id, name="Bench Owner", email=f"{name}@example.com")
        account = connect_linkedin_account(session=s, member_id=owner.id, provider="sandbox",
                                           provider_account_id=f"bench-{name}")
        return ws.id, owner.id, account.id


def finder_run(uow: UnitOfWork, results: int, settings: Settings) -> tuple[float, int, int]:
    ws_id, owner_id, _ = scratch(uow, f"bench-finder-{time.time_ns()}")
    clock = FrozenClock(datetime(2026, 12, 1, 9, tzinfo=UTC))
    gateway = InstantSearch(results, "f")
    with uow() as s:
        finder = create_finder(session=s, workspace_id=ws_id, name="Bench", owner_id=owner_id, now=clock.now(),
                               query={"url": "https://www.linkedin.com/search/results/people/?keywords=bench"})
        run_id = finder_runs.start_run(s, finder_id=finder.id, now=clock.now())
    assert run_id is not None
    started = time.perf_counter()
    page = 0
    while True:
        outcome = finder_runs.fetch_page(uow=uow, gateway=gateway, clock=clock, settings=settings,  # type: ignore[arg-type]
                                         run_id=run_id, page=page)
        if outcome.delay_seconds is None:
            break
        clock.advance(timedelta(seconds=outcome.delay_seconds))
        page = outcome.page
    seconds = time.perf_counter() - started
    with uow(read_only=True) as s:
        found = s.get_one(Finder, finder.id).found
    return seconds, found, ws_id


def bare_insert(uow: UnitOfWork, results: int) -> tuple[float, int]:
    ws_id, owner_id, _ = scratch(uow, f"bench-bare-{time.time_ns()}")
    gateway = InstantSearch(results, "b")
    now = datetime(2026, 12, 1, 9, tzinfo=UTC)
    with uow() as s:
        segment_id = create_segment(session=s, workspace_id=ws_id, name="Bare", owner_id=owner_id).id
    started = time.perf_counter()
    with uow() as s:
        rows = [{"workspace_id": ws_id, "public_identifier": p.public_identifier, "profile_url": p.profile_url,
                 "provider_id": p.provider_id, "first_name": p.first_name, "last_name": p.last_name,
                 "headline": p.headline, "company": p.company, "job_title": p.job_title, "location": p.location,
                 "language": None, "custom_fields": {}, "created_at": now} for p in gateway.people]
        s.execute(insert(Contact), rows)
        ids = s.execute(select(Contact.id).where(Contact.workspace_id == ws_id)).scalars().all()
        s.execute(insert(SegmentContact), [{"segment_id": segment_id, "contact_id": i, "added_at": now} for i in ids])
    return time.perf_counter() - started, ws_id


def language_detection_seconds(results: int) -> float:
    """What detecting the languages of the run's people costs by itself, page by page as the run does."""
    from core.sources.language import detect_languages, profile_text

    texts = [profile_text(p.headline, p.job_title) or "" for p in InstantSearch(results, "f").people]
    started = time.perf_counter()
    for start in range(0, len(texts), finder_runs.PAGE_SIZE[finder_runs.SearchApi.CLASSIC]):
        detect_languages(texts[start:start + 50])
    return time.perf_counter() - started


def clean(uow: UnitOfWork, workspace_ids: list[int]) -> None:
    with uow() as s:
        for ws_id in workspace_ids:
            finders = select(Finder.id).where(Finder.workspace_id == ws_id)
            segments = select(Segment.id).where(Segment.workspace_id == ws_id)
            accounts = select(LinkedInAccount.id).where(LinkedInAccount.workspace_id == ws_id)
            s.execute(delete(Relation).where(Relation.account_id.in_(accounts)))
            s.execute(delete(SegmentContact).where(SegmentContact.segment_id.in_(segments)))
            s.execute(delete(FinderMember).where(FinderMember.finder_id.in_(finders)))
            s.execute(delete(FinderRun).where(FinderRun.workspace_id == ws_id))
            s.execute(delete(Segment).where(Segment.workspace_id == ws_id))
            s.execute(delete(Finder).where(Finder.workspace_id == ws_id))
            s.execute(delete(Contact).where(Contact.workspace_id == ws_id))
            s.execute(delete(LinkedInAccount).where(LinkedInAccount.workspace_id == ws_id))
            s.execute(delete(Member).where(Member.workspace_id == ws_id))
            s.execute(delete(Workspace).where(Workspace.id == ws_id))


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--results", type=int, default=1000)
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL")
    tmp = tempfile.TemporaryDirectory()
    settings = Settings(DATABASE_URL=url or f"sqlite:///{tmp.name}/bench.db", VAR_DIR=tmp.name, _env_file=None,
                        FINDER_PAGE_SECONDS=0, FINDER_PAGE_JITTER_SECONDS=0)
    upgrade(settings.effective_database_url)
    engine = make_engine(settings.effective_database_url)
    uow = UnitOfWork(engine)
    from core.sources.language import detect_language
    # Lingua loads its language models on its first detection (seconds), once per worker process.
    detect_language("Directrice commerciale chez Lumière")
    made: list[int] = []
    try:
        finder_seconds, found, ws_a = finder_run(uow, args.results, settings)
        made.append(ws_a)
        bare_seconds, ws_b = bare_insert(uow, args.results)
        made.append(ws_b)
    finally:
        if url:
            clean(uow, made)
        engine.dispose()
        tmp.cleanup()
    finder_rate, bare_rate = found / finder_seconds, args.results / bare_seconds
    ratio = finder_rate / bare_rate
    detection = language_detection_seconds(args.results)
    print(f"database: {engine.dialect.name}")
    print(f"finder run: {found} people in {finder_seconds:.3f} s ({finder_rate:,.0f}/s)")
    print(f"bare insert: {args.results} rows in {bare_seconds:.3f} s ({bare_rate:,.0f}/s)")
    print(f"of the run, language detection alone (the same headlines, pages of 50): {detection:.3f} s "
          f"({detection / bare_seconds:.1f}× the bare insert)")
    print(f"ratio finder/bare: {ratio:.2f}× (goal ≥ {GOAL}×)")
    return 0 if ratio >= GOAL else 1


if __name__ == "__main__":
    sys.exit(main())
