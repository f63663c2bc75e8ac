"""Finder commands from chat (P-8): create a finder and start its first run, list and show
finders, run one now, pause, resume and delete it (segments: `core.sources.segment_commands`).

Who may do what (P-8a, P-8c, and the roles), decided here for every surface:
- a finder is shown to its owner, its additional members and the workspace's active admins; to
  anyone else it does not exist (`NotFound`); only its owner or an admin runs, pauses, resumes or
  deletes it (`NotAllowed`);
- a segment is shown to its owner, to everyone when it is global, and to the admins;
- an inactive member reads and changes nothing (`NotAllowed`); another workspace's finder or
  segment does not exist (`NotFound`).
A run started here is enqueued by the caller once the unit of work has committed."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol, TypeVar

from sqlalchemy import or_, select
from sqlmodel import Session

from core.campaigns.authz import require_active
from core.campaigns.models import Campaign
from core.campaigns.naming import name_key
from core.commands import Context, Handler
from core.errors import FieldError, NotAllowed, NotFound, Outcome
from core.i18n import N_, invocation, t
from core.sources import finder_runs
from core.sources.finder_texts import problem_text, state_text
from core.sources.models import Finder, FinderMember, FinderRun, FinderState, Segment
from core.sources.search import RESULT_CEILING, SearchApi, SearchInputError
from core.sources.segments import create_finder, update_finder
from core.workspace.models import LinkedInAccount, Member

LIST_SEPARATOR = ";"  # between names of companies, locations or industries in a form field
FORM_FIELDS = ("name", "url", "keywords", "title", "company", "location", "industry", "members", "every_days",
               "result_cap")
NOT_FOUND = N_("finder.not_found")
NOT_YOURS = N_("finder.not_yours")  # {name} {doing}
IN_USE = N_("finder.in_use")  # {name} {campaign}
MEMBER_UNKNOWN = N_("finder.members.unknown")
NO_ACCOUNT_WARNING = N_("finder.warning.no_account")


@dataclass(frozen=True)
class FinderForm:
    """What the finder form (or a typed command) gives: a search URL, or keywords and filter names
    (several separated by `;`), additional members, the schedule and the cap."""

    name: str = ""
    url: str = ""
    keywords: str = ""
    title: str = ""
    company: str = ""
    location: str = ""
    industry: str = ""
    member_ids: tuple[int, ...] = ()
    every_days: int = 1
    result_cap: int | None = None
    form_errors: dict[str, str] = field(default_factory=dict)  # what the form itself could not read

    def query(self) -> dict[str, Any]:
        if self.url.strip():
            return {"url": self.url.strip()}
        query: dict[str, Any] = {"keywords": self.keywords.strip() or None, "title": self.title.strip() or None}
        for name in ("company", "location", "industry"):
            names = [n.strip() for n in getattr(self, name).split(LIST_SEPARATOR) if n.strip()]
            if names:
                query[name] = names
        return {k: v for k, v in query.items() if v}


@dataclass(frozen=True)
class CreateFinder:
    form: FinderForm


@dataclass(frozen=True)
class EditFinder:
    """The finder's form values, to edit it: for its owner or an admin."""

    finder_id: int


@dataclass(frozen=True)
class UpdateFinder:
    """Change the finder; a new search stops the run under way and starts one on it."""

    finder_id: int
    form: FinderForm


@dataclass(frozen=True)
class ListFinders:
    """The finders the actor may see (see the module docstring), by name."""


@dataclass(frozen=True)
class ShowFinder:
    finder_id: int


@dataclass(frozen=True)
class RunFinder:
    finder_id: int


@dataclass(frozen=True)
class PauseFinder:
    finder_id: int


@dataclass(frozen=True)
class ResumeFinder:
    finder_id: int


@dataclass(frozen=True)
class DeleteFinder:
    finder_id: int


@dataclass(frozen=True)
class FinderSummary:
    id: int
    name: str
    owner_name: str
    shared_with: tuple[str, ...]
    query: dict[str, Any]
    api: str
    state: str  # a FinderState, or "paused"
    state_label: str
    problem: str | None  # what stopped it, in words
    found: int
    added: int
    last_run_new: int | None
    run_results: int | None  # people read by the run under way (its progress)
    last_run_at: datetime | None
    next_run_at: datetime | None
    every_days: int
    result_cap: int
    paused: bool
    manage: bool  # the actor may run, pause, resume and delete it


@dataclass(frozen=True)
class FinderStarted:
    """A finder and the run to enqueue once committed (None: nothing started)."""

    finder: FinderSummary
    run_id: int | None


# -- who may see what ---------------------------------------------------------------------------

def _visible(session: Session, actor: Member) -> Any:
    shared = select(FinderMember.finder_id).where(FinderMember.member_id == actor.id)
    return or_(Finder.owner_id == actor.id, Finder.id.in_(shared)) if not actor.is_admin else Finder.id.is_not(None)


def _finder(session: Session, actor: Member, finder_id: int) -> Finder:
    require_active(actor)
    finder = session.get(Finder, finder_id)
    if finder is None or finder.workspace_id != actor.workspace_id:
        raise NotFound(t(NOT_FOUND))
    if finder.owner_id == actor.id or actor.is_admin:
        return finder
    shared = session.execute(select(FinderMember.member_id).where(FinderMember.finder_id == finder_id,
                                                                  FinderMember.member_id == actor.id)).first()
    if shared is None:
        raise NotFound(t(NOT_FOUND))
    return finder


def _managed(session: Session, actor: Member, finder_id: int, doing: str) -> Finder:
    finder = _finder(session, actor, finder_id)
    if finder.owner_id != actor.id and not actor.is_admin:
        raise NotAllowed(t(NOT_YOURS, name=finder.name, doing=t(doing)))
    return finder


def _summaries(session: Session, actor: Member, finders: list[Finder]) -> list[FinderSummary]:
    if not finders:
        return []
    ids = [f.id for f in finders]
    names = dict(session.execute(select(Member.id, Member.name).where(Member.workspace_id == actor.workspace_id)).all())
    shared: dict[int, list[str]] = {}
    for finder_id, member_id in session.execute(select(FinderMember.finder_id, FinderMember.member_id)
                                                .where(FinderMember.finder_id.in_(ids))):
        shared.setdefault(finder_id, []).append(names.get(member_id, "?"))
    runs = {r.id: r for r in session.execute(select(FinderRun).where(
        FinderRun.id.in_([f.run_id for f in finders if f.run_id]))).scalars()}
    out = []
    for f in finders:
        run = runs.get(f.run_id or 0)
        active = run is not None and run.state in finder_runs.ACTIVE_RUN
        out.append(FinderSummary(
            id=f.id, name=f.name, owner_name=names.get(f.owner_id, "?"),
            shared_with=tuple(sorted(shared.get(f.id, []))),
            query=dict(f.query or {}), api=f.api, state="paused" if f.paused else f.state,
            state_label=state_text(f.state, paused=f.paused), problem=problem_text(f.problem), found=f.found,
            added=f.added, last_run_new=run.new if run is not None else None,
            run_results=run.results if active and run is not None else None, last_run_at=f.last_run_at,
            next_run_at=f.next_run_at if not f.paused else None, every_days=f.every_days, result_cap=f.result_cap,
            paused=f.paused, manage=f.owner_id == actor.id or actor.is_admin))
    return out


def summary(session: Session, actor: Member, finder: Finder) -> FinderSummary:
    return _summaries(session, actor, [finder])[0]


# -- handlers -----------------------------------------------------------------------------------

def create(session: Session, actor: Member, command: CreateFinder, ctx: Context) -> Outcome[FinderStarted]:
    """Create the actor's finder and start its first run; every problem of the form at once, by field."""
    require_active(actor)
    form = command.form
    errors = [FieldError(k, v) for k, v in form.form_errors.items()]
    members = sorted(set(form.member_ids) - {actor.id})
    problem = _members_problem(session, actor, members)
    if problem is not None:
        errors.append(problem)
    if errors:
        return Outcome(errors=errors)
    try:  # create_finder checks everything before it writes anything
        finder = create_finder(session=session, workspace_id=actor.workspace_id, name=form.name, owner_id=actor.id,
                               query=form.query(), additional_member_ids=members, result_cap=form.result_cap,
                               every_days=form.every_days, now=ctx.now)
    except SearchInputError as exc:
        where = exc.field if exc.field in FORM_FIELDS else "keywords"
        return Outcome(errors=[FieldError(where, str(exc))])
    except ValueError as exc:
        return Outcome(errors=[FieldError("name", str(exc))])
    run_id = finder_runs.start_run(session, finder_id=finder.id, now=ctx.now, trigger="created")
    warnings = []
    account = session.execute(select(LinkedInAccount.status).where(LinkedInAccount.member_id == actor.id)).scalar()
    if account != "valid":
        warnings.append(FieldError("owner", t(NO_ACCOUNT_WARNING, connect=invocation("connect"))))
    return Outcome(value=FinderStarted(summary(session, actor, finder), run_id), warnings=warnings)


def _members_problem(session: Session, actor: Member, member_ids: list[int]) -> FieldError | None:
    if not member_ids:
        return None
    known = set(session.execute(select(Member.id).where(Member.workspace_id == actor.workspace_id,
                                                        Member.active.is_(True), Member.id.in_(member_ids))).scalars())
    return FieldError("members", t(MEMBER_UNKNOWN)) if known != set(member_ids) else None


def edit(session: Session, actor: Member, command: EditFinder, ctx: Context) -> FinderForm:
    finder = _managed(session, actor, command.finder_id, N_("finder.doing.edit"))
    members = tuple(session.execute(select(FinderMember.member_id).where(FinderMember.finder_id == finder.id)
                                    .order_by(FinderMember.member_id)).scalars())
    query = finder.query or {}
    lists = {k: LIST_SEPARATOR.join(query.get(k) or []) if isinstance(query.get(k), list) else str(query.get(k) or "")
             for k in ("company", "location", "industry")}
    search_ceiling = RESULT_CEILING[SearchApi(finder.api)]
    return FinderForm(name=finder.name, url=str(query.get("url") or ""), keywords=str(query.get("keywords") or ""),
                      title=str(query.get("title") or ""), company=lists["company"], location=lists["location"],
                      industry=lists["industry"], member_ids=members, every_days=finder.every_days,
                      result_cap=None if finder.result_cap == search_ceiling else finder.result_cap)


def update(session: Session, actor: Member, command: UpdateFinder, ctx: Context) -> Outcome[FinderStarted]:
    """Save the form over the finder (every problem at once, by field, nothing written then)."""
    finder = _managed(session, actor, command.finder_id, N_("finder.doing.edit"))
    form = command.form
    errors = [FieldError(k, v) for k, v in form.form_errors.items()]
    members = sorted(set(form.member_ids) - {finder.owner_id})
    problem = _members_problem(session, actor, members)
    if problem is not None:
        errors.append(problem)
    if errors:
        return Outcome(errors=errors)
    try:  # update_finder checks everything before it writes anything
        changed = update_finder(session=session, finder=finder, name=form.name, query=form.query(),
                                additional_member_ids=members, result_cap=form.result_cap,
                                every_days=form.every_days, now=ctx.now)
    except SearchInputError as exc:
        return Outcome(errors=[FieldError(exc.field if exc.field in FORM_FIELDS else "keywords", str(exc))])
    except ValueError as exc:
        return Outcome(errors=[FieldError("name", str(exc))])
    run_id = None
    if finder.state == FinderState.COMPLETE and finder.found < finder.result_cap:
        finder.state = FinderState.IDLE  # a cap raised: it runs on again
    if changed:
        finder_runs.stop_run(session, finder, ctx.now)
        if finder.state == FinderState.FAILED:
            finder.state, finder.problem = FinderState.IDLE, None
        session.flush()
        if not finder.paused:
            run_id = finder_runs.start_run(session, finder_id=finder.id, now=ctx.now, trigger="manual")
    session.add(finder)
    session.flush()
    session.refresh(finder)
    return Outcome(value=FinderStarted(summary(session, actor, finder), run_id))


def list_(session: Session, actor: Member, command: ListFinders, ctx: Context) -> list[FinderSummary]:
    require_active(actor)
    finders = list(session.execute(select(Finder).where(Finder.workspace_id == actor.workspace_id,
                                                        _visible(session, actor))
                                   .order_by(Finder.name_key)).scalars())
    return _summaries(session, actor, finders)


def show(session: Session, actor: Member, command: ShowFinder, ctx: Context) -> FinderSummary:
    return summary(session, actor, _finder(session, actor, command.finder_id))


def run(session: Session, actor: Member, command: RunFinder, ctx: Context) -> FinderStarted:
    """Run it now (a failed finder starts afresh); nothing new when it is running or complete."""
    finder = _managed(session, actor, command.finder_id, N_("finder.doing.run"))
    if finder.paused:
        finder.paused = False
        session.add(finder)
    if finder.state == FinderState.FAILED:
        finder.state, finder.problem = FinderState.IDLE, None
        session.add(finder)
    session.flush()
    run_id = finder_runs.start_run(session, finder_id=finder.id, now=ctx.now, trigger="manual")
    session.refresh(finder)
    return FinderStarted(summary(session, actor, finder), run_id)


def pause(session: Session, actor: Member, command: PauseFinder, ctx: Context) -> FinderSummary:
    finder = _managed(session, actor, command.finder_id, N_("finder.doing.pause"))
    finder.paused = True
    finder_runs.stop_run(session, finder, ctx.now)
    session.flush()
    return summary(session, actor, finder)


def resume(session: Session, actor: Member, command: ResumeFinder, ctx: Context) -> FinderSummary:
    """Resume its schedule: due now when its next run has passed while paused."""
    finder = _managed(session, actor, command.finder_id, N_("finder.doing.resume"))
    if finder.paused:
        finder.paused = False
        if finder.every_days > 0 and (finder.next_run_at is None or finder.next_run_at < ctx.now):
            finder.next_run_at = ctx.now
        session.add(finder)
        session.flush()
    return summary(session, actor, finder)


def delete(session: Session, actor: Member, command: DeleteFinder, ctx: Context) -> str:
    """Delete the finder (its segment and the contacts it found stay); refused while a campaign uses it."""
    finder = _managed(session, actor, command.finder_id, N_("finder.doing.delete"))
    using = session.execute(select(Campaign.name).where(Campaign.workspace_id == finder.workspace_id,
                                                        Campaign.source_kind == "finder",
                                                        Campaign.source_id == finder.id).limit(1)).scalar()
    if using is not None:
        raise NotAllowed(t(IN_USE, name=finder.name, campaign=using))
    name = finder.name
    finder_runs.stop_run(session, finder, ctx.now)
    for segment in session.execute(select(Segment).where(Segment.finder_id == finder.id)).scalars():
        segment.finder_id = None
        session.add(segment)
    session.flush()
    for model in (FinderMember, FinderRun):
        for row in session.execute(select(model).where(model.finder_id == finder.id)).scalars():
            session.delete(row)
    session.flush()
    session.delete(finder)
    session.flush()
    return name


class _Named(Protocol):
    @property
    def name(self) -> str: ...


N = TypeVar("N", bound=_Named)


def by_name(items: list[N], name: str) -> tuple[N | None, list[str]]:
    """The item (a summary) named `name` (case- and space-insensitive), else up to three names
    containing what was typed."""
    key = name_key(name)
    for item in items:
        if name_key(item.name) == key:
            return item, []
    return None, [i.name for i in items if key and key in name_key(i.name)][:3]


HANDLERS: dict[type, Handler] = {
    CreateFinder: create, EditFinder: edit, UpdateFinder: update, ListFinders: list_, ShowFinder: show,
    RunFinder: run, PauseFinder: pause,
    ResumeFinder: resume, DeleteFinder: delete,
}
