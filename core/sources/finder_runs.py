"""Finder runs: a finder's search paged through from its owner's LinkedIn account (P-8a).

A run fetches one page per worker job, seconds apart with jitter (`finder_page_seconds` +
up to `finder_page_jitter_seconds`): the job that applied a page asks for the next one later
(`fetch_page` says when), and the clock finds a run whose request was lost (`due_runs`).

Each page is fetched by the one worker holding the run's lease for that page number, then
applied in one transaction that moves the page number on only if the lease is still that
worker's: a duplicated message finds the page taken or done, a worker that died mid-page leaves
a lease that expires and the page is fetched again (the only refetch), and a page is never
applied twice. Applying a page de-duplicates against the workspace (provider id, then public
identifier, then the normalised profile URL), creates the new people as contacts (language
detected as the CSV import does), puts every result in the finder's segment and records
first-degree connections as relations of the owner's account, which keeps them out of every
invitation audience.

A finder runs when created, then every `every_days` days (0: only when asked) until its segment
holds `result_cap` people. What stops a run is a state the owner sees (`Finder.problem`, a key of
`finder_texts.PROBLEMS`): no or a disconnected account, Sales Navigator without the
subscription, LinkedIn's commercial-use limit, a search LinkedIn refuses, a filter name it does
not know. A 429 makes the run wait (`RunState.WAITING`); the account's invitations are not paused.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlmodel import Session

from core.clock import Clock
from core.config import Settings
from core.db import UnitOfWork
from core.delivery.linkedin.port import (
    AccountDisconnected,
    FeatureNotSubscribed,
    LinkedInError,
    LinkedInGateway,
    OutcomeUnknown,
    PeopleSearch,
    Profile,
    RateLimited,
    SearchLimitReached,
    SearchPage,
    Transient,
)
from core.delivery.models import Relation
from core.i18n import N_, invocation, speaking, t
from core.notify import Alert
from core.sources.bulk import upsert
from core.sources.contacts import MAX_LENGTHS, normalise_profile_url
from core.sources.finder_texts import problem_text
from core.sources.language import detect_languages, profile_text
from core.sources.models import Contact, Finder, FinderRun, FinderState, RunState, SegmentContact
from core.sources.search import RESOLVED_FILTERS, FinderSearch, SearchApi, SearchInputError, parse_finder_query
from core.workspace.language import language_of_member_id
from core.workspace.models import LinkedInAccount

ALERT_FAILED = N_("finder.alert.failed")  # {name}
ALERT_DONE = N_("finder.alert.done")  # {name}
ALERT_DONE_TEXT = N_("finder.alert.done_text")  # {found} {results} {new}
ALERT_HINT = N_("finder.alert.hint")  # {command}
SHOW_VERB = N_("finder.verb.show")
PAGE_SIZE = {SearchApi.CLASSIC: 50, SearchApi.SALES_NAVIGATOR: 100}
LEASE = timedelta(minutes=2)
RATE_LIMIT_WAIT = timedelta(minutes=15)
TRANSIENT_WAIT = timedelta(minutes=5)
ACTIVE_RUN = (RunState.RUNNING, RunState.WAITING)
ACTIVE_FINDER = (FinderState.RUNNING, FinderState.WAITING)
SCHEDULED = (FinderState.NEW, FinderState.IDLE)


class FilterUnknown(Exception):
    def __init__(self, kind: str, name: str) -> None:
        super().__init__(f"{kind}: {name}")
        self.kind, self.name = kind, name


@dataclass(frozen=True)
class PageOutcome:
    """What a page job did. `page`: the page number to ask for next; `delay_seconds`: when
    (None: nothing more to ask for this run)."""

    status: str  # applied | done | waiting | failed | stopped | skipped | early | lost
    run_id: int
    page: int
    delay_seconds: float | None = None


@dataclass(frozen=True)
class Ingested:
    results: int = 0   # people on the page with a usable identifier
    new: int = 0       # contacts created
    skipped: int = 0   # results without a public identifier or profile URL
    added: int = 0     # people put in the segment (not in it before)


def page_spacing(settings: Settings, rng: random.Random | None = None) -> float:
    """Seconds between two pages of a run: the least gap plus a random jitter."""
    jitter = max(0.0, settings.finder_page_jitter_seconds)
    return max(0.0, settings.finder_page_seconds) + (rng or random).uniform(0.0, jitter)


# -- starting and scheduling --------------------------------------------------------------------

def start_run(session: Session, *, finder_id: int, now: datetime, trigger: str = "schedule") -> int | None:
    """Begin a run of the finder now, unless it is paused, complete, or already running; the
    run's id, or None. Atomic: of two callers at once, one starts it."""
    finder = session.get(Finder, finder_id)
    if finder is None or finder.paused or finder.state == FinderState.COMPLETE:
        return None
    taken = session.execute(update(Finder).where(Finder.id == finder_id, Finder.state.not_in(ACTIVE_FINDER))
                            .values(state=FinderState.RUNNING, problem=None)
                            .execution_options(synchronize_session=False))
    if getattr(taken, "rowcount", 0) != 1:
        return None
    run = FinderRun(finder_id=finder_id, workspace_id=finder.workspace_id, trigger=trigger, next_page_at=now,
                    started_at=now)
    session.add(run)
    session.flush()
    session.refresh(finder)
    finder.run_id = run.id
    finder.found = segment_size(session, finder.segment_id)
    session.add(finder)
    session.flush()
    return run.id


def stop_run(session: Session, finder: Finder, now: datetime, *, state: FinderState = FinderState.IDLE) -> None:
    """End the finder's run under way, if any (pause, delete, edit): its next page finds nothing to do."""
    if finder.run_id is not None:
        session.execute(update(FinderRun).where(FinderRun.id == finder.run_id, FinderRun.state.in_(ACTIVE_RUN))
                        .values(state=RunState.STOPPED, finished_at=now, lease_until=None)
                        .execution_options(synchronize_session=False))
    if finder.state in ACTIVE_FINDER:
        finder.state = state
    session.add(finder)


def due_finders(session: Session, *, now: datetime, limit: int = 500) -> list[int]:
    """Finders whose next scheduled run has come (not paused, not running, not failed, not complete)."""
    return list(session.execute(select(Finder.id).where(Finder.paused.is_(False), Finder.state.in_(SCHEDULED),
                                                        Finder.next_run_at <= now)
                                .order_by(Finder.next_run_at).limit(limit)).scalars())


def due_runs(session: Session, *, now: datetime, limit: int = 500) -> list[tuple[int, int]]:
    """(run id, page) of the runs whose next page is due and that no worker holds."""
    stmt = (select(FinderRun.id, FinderRun.pages)
            .where(FinderRun.state.in_(ACTIVE_RUN), FinderRun.next_page_at <= now,
                   or_(FinderRun.lease_until.is_(None), FinderRun.lease_until < now))
            .order_by(FinderRun.next_page_at).limit(limit))
    return [(run_id, pages) for run_id, pages in session.execute(stmt).all()]


# -- one page -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Claim:
    lease: datetime
    account_key: str
    account_id: int
    search: FinderSearch
    filter_ids: dict[str, list[str]]
    cursor: str | None


def _fail(session: Session, run: FinderRun, finder: Finder | None, problem: str, now: datetime) -> None:
    run.state, run.problem, run.finished_at, run.lease_until = RunState.FAILED, problem, now, None
    session.add(run)
    if finder is not None and finder.run_id == run.id:
        finder.state, finder.problem, finder.last_run_at, finder.next_run_at = FinderState.FAILED, problem, now, None
        session.add(finder)


def _claim(session: Session, run: FinderRun, page: int, now: datetime) -> _Claim | PageOutcome:
    row = session.execute(select(Finder, LinkedInAccount).outerjoin(LinkedInAccount,
                                                                    LinkedInAccount.member_id == Finder.owner_id)
                          .where(Finder.id == run.finder_id)).first()
    finder, account = (row[0], row[1]) if row is not None else (None, None)
    if finder is None or finder.paused or finder.run_id != run.id:
        run.state, run.finished_at, run.lease_until = RunState.STOPPED, now, None
        session.add(run)
        if finder is not None and finder.run_id == run.id:
            stop_run(session, finder, now)
        return PageOutcome("stopped", run.id, page)
    if account is None:
        _fail(session, run, finder, "no_account", now)
        return PageOutcome("failed", run.id, page)
    if account.status != "valid":
        _fail(session, run, finder, "account_disconnected", now)
        return PageOutcome("failed", run.id, page)
    try:
        search = parse_finder_query(finder.query)
    except SearchInputError:
        _fail(session, run, finder, "not_people_search", now)
        return PageOutcome("failed", run.id, page)
    lease = now + LEASE
    taken = session.execute(update(FinderRun)
                            .where(FinderRun.id == run.id, FinderRun.pages == page, FinderRun.state.in_(ACTIVE_RUN),
                                   or_(FinderRun.lease_until.is_(None), FinderRun.lease_until < now))
                            .values(lease_until=lease, state=RunState.RUNNING)
                            .execution_options(synchronize_session=False))
    if getattr(taken, "rowcount", 0) != 1:
        return PageOutcome("skipped", run.id, page)
    if finder.state != FinderState.RUNNING:
        finder.state = FinderState.RUNNING
        session.add(finder)
    return _Claim(lease=lease, account_key=account.provider_account_id, account_id=account.id, search=search,
                  filter_ids={k: list(v) for k, v in (finder.filter_ids or {}).items()}, cursor=run.cursor)


def _resolve(gateway: LinkedInGateway, claim: _Claim) -> dict[str, list[str]]:
    """The LinkedIn ids of the search's filter names (kept on the finder: resolved once)."""
    resolved = dict(claim.filter_ids)
    for kind, names in claim.search.filters.items():
        if kind in resolved:
            continue
        ids: list[str] = []
        for name in names:
            found = gateway.search_parameters(account_id=claim.account_key, kind=RESOLVED_FILTERS[kind],
                                              keywords=name, limit=5)
            if not found:
                raise FilterUnknown(kind, name)
            ids.append(found[0].id)
        resolved[kind] = ids
    return resolved


def _mine(session: Session, run_id: int, page: int, lease: datetime) -> tuple[FinderRun, Finder] | None:
    """The run and its finder, if this worker still holds the run's lease for this page."""
    row = session.execute(select(FinderRun, Finder).join(Finder, Finder.id == FinderRun.finder_id)
                          .where(FinderRun.id == run_id)).first()
    if row is None:
        return None
    run, finder = row[0], row[1]
    if run.pages != page or run.lease_until != lease or run.state not in ACTIVE_RUN:
        return None
    return run, finder


def fetch_page(*, uow: UnitOfWork, gateway: LinkedInGateway, clock: Clock, settings: Settings, run_id: int,
               page: int, rng: random.Random | None = None) -> PageOutcome:
    """Fetch and apply page `page` of run `run_id` (see the module docstring). Idempotent."""
    now = clock.now()
    with uow() as session:
        run = session.get(FinderRun, run_id)
        if run is None or run.state not in ACTIVE_RUN or run.pages != page:
            return PageOutcome("skipped", run_id, page)
        if run.next_page_at is not None and run.next_page_at > now:
            return PageOutcome("early", run_id, page, (run.next_page_at - now).total_seconds())
        claim = _claim(session, run, page, now)
    if isinstance(claim, PageOutcome):
        return claim

    resolved = claim.filter_ids
    found: SearchPage | None = None
    problem: str | None = None
    wait: timedelta | None = None
    try:
        resolved = _resolve(gateway, claim)
        request = PeopleSearch(api=claim.search.api, url=claim.search.url, keywords=claim.search.keywords,
                               title=claim.search.title,
                               filters={k: tuple(v) for k, v in resolved.items() if k in claim.search.filters})
        found = gateway.search_page(account_id=claim.account_key, search=request, cursor=claim.cursor,
                                    limit=PAGE_SIZE[claim.search.api])
    except RateLimited as exc:
        wait = timedelta(seconds=exc.retry_after) if exc.retry_after else RATE_LIMIT_WAIT
    except (Transient, OutcomeUnknown):  # a search is a read: nothing happened, try again later
        wait = TRANSIENT_WAIT
    except FeatureNotSubscribed:
        problem = "not_subscribed"
    except SearchLimitReached:
        problem = "commercial_limit"
    except AccountDisconnected:
        problem = "account_disconnected"
    except FilterUnknown as exc:
        problem = f"filter_unknown:{exc.kind}:{exc.name}"[:200]
    except LinkedInError as exc:
        problem = "not_people_search" if exc.status == 400 and page == 0 else f"provider_error:{exc.code}"

    now = clock.now()
    with uow() as session:
        mine = _mine(session, run_id, page, claim.lease)
        if mine is None:
            return PageOutcome("lost", run_id, page)
        run, finder = mine
        if problem is not None:
            _fail(session, run, finder, problem, now)
            return PageOutcome("failed", run_id, page)
        if wait is not None:
            run.state, run.next_page_at, run.lease_until = RunState.WAITING, now + wait, None
            finder.state = FinderState.WAITING
            session.add_all([run, finder])
            return PageOutcome("waiting", run_id, page, wait.total_seconds())
        assert found is not None
        if resolved != claim.filter_ids:
            finder.filter_ids = resolved
        room = max(0, finder.result_cap - finder.found)
        report = ingest_people(session, workspace_id=finder.workspace_id, segment_id=finder.segment_id,
                               account_id=claim.account_id, people=found.people[:room] if room else [], now=now)
        run.pages, run.cursor, run.lease_until = page + 1, found.cursor, None
        run.results += report.results
        run.new += report.new
        finder.added += report.new
        finder.found += report.added  # counted once when the run started, then page by page
        ceiling = finder.result_cap if finder.result_cap else claim.search.default_cap
        finished = found.cursor is None or not found.people or finder.found >= ceiling \
            or run.results >= claim.search.default_cap
        if finished:
            run.state, run.finished_at, run.next_page_at = RunState.DONE, now, None
            finder.state = FinderState.COMPLETE if finder.found >= ceiling else FinderState.IDLE
            finder.problem = None
            finder.last_run_at = now
            finder.next_run_at = now + timedelta(days=finder.every_days) if finder.every_days > 0 else None
            session.add_all([run, finder])
            return PageOutcome("done", run_id, page + 1)
        delay = page_spacing(settings, rng)
        run.state, run.next_page_at = RunState.RUNNING, now + timedelta(seconds=delay)
        session.add_all([run, finder])
        return PageOutcome("applied", run_id, page + 1, delay)


def alert_for(session: Session, *, run_id: int) -> Alert | None:
    """What the owner is told when a run ends: always when it failed (never a silent stop), and when
    a run they asked for (creation, "run now") is done; a scheduled run that went well says nothing."""
    run = session.get(FinderRun, run_id)
    finder = session.get(Finder, run.finder_id) if run is not None else None
    if run is None or finder is None:
        return None
    with speaking(language_of_member_id(session, finder.owner_id)) as lang:
        hint = t(ALERT_HINT, command=invocation("finder", f"{t(SHOW_VERB)} {finder.name}"))
        if run.state == RunState.FAILED:
            return Alert(workspace_id=finder.workspace_id, member_id=finder.owner_id, kind="finder_failed",
                         title=t(ALERT_FAILED, name=finder.name), text=problem_text(run.problem) or "",
                         action_hint=hint, language=lang.value)
        if run.state == RunState.DONE and run.trigger in ("created", "manual"):
            return Alert(workspace_id=finder.workspace_id, member_id=finder.owner_id, kind="finder_done",
                         title=t(ALERT_DONE, name=finder.name),
                         text=t(ALERT_DONE_TEXT, found=finder.found, results=run.results, new=run.new),
                         action_hint=hint, language=lang.value)
    return None


def segment_size(session: Session, segment_id: int | None) -> int:
    if segment_id is None:
        return 0
    return int(session.execute(select(func.count()).select_from(SegmentContact)
                               .where(SegmentContact.segment_id == segment_id)).scalar_one())


# -- applying a page ----------------------------------------------------------------------------

@dataclass(frozen=True)
class _Person:
    profile: Profile
    identifier: str
    url: str


def _key(profile: Profile) -> _Person | None:
    """The person's public identifier and canonical URL, from either; None when neither is usable."""
    for raw in (profile.profile_url, f"linkedin.com/in/{profile.public_identifier}" if profile.public_identifier
                else None):
        if not raw:
            continue
        try:
            identifier, url = normalise_profile_url(raw)
        except ValueError:
            continue
        return _Person(profile, identifier, url)
    return None


def _clip(value: str | None, name: str) -> str | None:
    value = " ".join((value or "").split())
    return value[: MAX_LENGTHS[name]] or None


def ingest_people(session: Session, *, workspace_id: int, segment_id: int | None, account_id: int | None,
                  people: Iterable[Profile], now: datetime) -> Ingested:
    """Apply one page of results (see the module docstring): a few set-based statements."""
    persons: list[_Person] = []
    seen: set[str] = set()
    skipped = 0
    for profile in people:
        person = _key(profile)
        if person is None:
            skipped += 1
            continue
        keys = {f"p:{profile.provider_id}" if profile.provider_id else "", f"i:{person.identifier}"} - {""}
        if keys & seen:
            continue
        seen |= keys
        persons.append(person)
    if not persons:
        return Ingested(skipped=skipped)

    provider_ids = [p.profile.provider_id for p in persons if p.profile.provider_id]
    identifiers = [p.identifier for p in persons]
    urls = [p.url for p in persons]
    existing = session.execute(select(Contact.id, Contact.provider_id, Contact.public_identifier, Contact.profile_url)
                               .where(Contact.workspace_id == workspace_id,
                                      or_(Contact.provider_id.in_(provider_ids),
                                          Contact.public_identifier.in_(identifiers),
                                          Contact.profile_url.in_(urls)))).all()
    by_provider = {row.provider_id: row for row in existing if row.provider_id}
    by_identifier = {row.public_identifier: row for row in existing}
    by_url = {row.profile_url: row for row in existing}

    matched: dict[int, _Person] = {}
    fresh: list[_Person] = []
    for person in persons:
        row = (by_provider.get(person.profile.provider_id) if person.profile.provider_id else None) \
            or by_identifier.get(person.identifier) or by_url.get(person.url)
        if row is None:
            fresh.append(person)
            continue
        matched[row.id] = person
        if not row.provider_id and person.profile.provider_id:
            session.execute(update(Contact).where(Contact.id == row.id, Contact.provider_id.is_(None))
                            .values(provider_id=person.profile.provider_id)
                            .execution_options(synchronize_session=False))

    new = 0
    if fresh:
        languages = detect_languages(t for p in fresh if (t := profile_text(p.profile.headline, p.profile.job_title)))
        records: list[dict[str, Any]] = [{
            "workspace_id": workspace_id, "public_identifier": p.identifier, "profile_url": p.url,
            "provider_id": p.profile.provider_id or None, "first_name": _clip(p.profile.first_name, "first_name"),
            "last_name": _clip(p.profile.last_name, "last_name"), "headline": _clip(p.profile.headline, "headline"),
            "company": _clip(p.profile.company, "company"), "job_title": _clip(p.profile.job_title, "job_title"),
            "location": _clip(p.profile.location, "location"),
            "language": languages.get(profile_text(p.profile.headline, p.profile.job_title) or ""),
            "custom_fields": {}, "created_at": now,
        } for p in fresh]
        created = upsert(session, Contact.__table__, records, conflict=("workspace_id", "public_identifier"),
                         returning=Contact.__table__.c.id)
        new = len(created)
        rows = session.execute(select(Contact.id, Contact.public_identifier)
                               .where(Contact.workspace_id == workspace_id,
                                      Contact.public_identifier.in_([p.identifier for p in fresh]))).all()
        by_new = {p.identifier: p for p in fresh}
        matched.update({row.id: by_new[row.public_identifier] for row in rows if row.public_identifier in by_new})

    added = 0
    if segment_id is not None and matched:
        added = len(upsert(session, SegmentContact.__table__,
                           [{"segment_id": segment_id, "contact_id": cid, "added_at": now} for cid in sorted(matched)],
                           conflict=("segment_id", "contact_id"), returning=SegmentContact.__table__.c.contact_id))
    connected = [(cid, p) for cid, p in matched.items()
                 if p.profile.network_distance == "FIRST_DEGREE" and p.profile.provider_id]
    if account_id is not None and connected:
        upsert(session, Relation.__table__,
               [{"account_id": account_id, "provider_user_id": p.profile.provider_id,
                 "public_identifier": p.identifier, "contact_id": cid, "connected_at": now, "source": "search"}
                for cid, p in connected],
               conflict=("account_id", "provider_user_id"))
    session.flush()
    return Ingested(results=len(persons), new=new, skipped=skipped, added=added)
