"""Finders and segments from chat (P-8): the typed commands `finders`, `finder create|show|run|pause|
resume|delete NAME`, `segments`, `segment NAME`; the finder form (kind `finder`); the buttons of a
finder's card. Each asks the core one command (`core.sources.commands`), which authorises and
validates; a run it starts is enqueued once the unit of work has committed (the worker then reads
the run it was asked for)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from typing import Any

from sqlalchemy import event, select
from sqlmodel import Session

from bot.conversation.commands import Command
from bot.conversation.finder_cards import CREATE_VERB, finder_card, finder_list, segment_card, segment_list
from bot.conversation.interactions import Asked, Submitted, action, submission
from bot.conversation.runner import ask
from bot.conversation.views import (
    MULTI_SELECT,
    NUMBER,
    SELECT,
    TEXT,
    Card,
    DialogRoom,
    DialogStep,
    Form,
    FormErrors,
    FormField,
    FormSection,
    Notice,
    Option,
    Reply,
)
from core.errors import Outcome
from core.i18n import N_, Language, invocation, t
from core.services import Services
from core.sources.commands import (
    CreateFinder,
    DeleteFinder,
    EditFinder,
    FinderForm,
    FinderStarted,
    FinderSummary,
    ListFinders,
    PauseFinder,
    ResumeFinder,
    RunFinder,
    ShowFinder,
    UpdateFinder,
    by_name,
)
from core.sources.search import RESOLVED_FILTERS, RESULT_CEILING, SearchApi
from core.sources.segment_commands import ListSegments, SegmentSummary, ShowSegment
from core.workspace.models import Member

_LINK = re.compile(r"<(https?://[^|>\s]+)(?:\|[^>]*)?>")
KIND = "finder"
MAX_MEMBER_OPTIONS = 100
NEW_TITLE, EDIT_TITLE = N_("finder.form.title"), N_("finder.form.edit_title")
CREATE_AND_RUN, SAVE = N_("finder.form.submit"), N_("finder.form.save")
SAVED, SAVED_RERUN = N_("finder.updated"), N_("finder.updated_rerun")
LIST_FIELDS = frozenset(RESOLVED_FILTERS)  # names separated by ";"
URL_PLACEHOLDER = N_("finder.form.url_placeholder")
FINDER_EXAMPLE, SEGMENT_EXAMPLE = N_("finder.which.example"), N_("segment.which.example")
# The sub-commands of `finder`, read in either language (`finder voir X`), with or without accents.
VERBS = {"create": CREATE_VERB, "show": N_("finder.verb.show"), "run": N_("finder.verb.run"),
         "pause": N_("finder.verb.pause"), "resume": N_("finder.verb.resume"), "delete": N_("finder.verb.delete"),
         "edit": N_("finder.verb.edit")}
SCHEDULES = (("1", N_("finder.schedule.daily")), ("7", N_("finder.schedule.weekly")),
             ("0", N_("finder.schedule.manual")))
KEYWORD_FIELDS = (("keywords", N_("finder.form.keywords")), ("title", N_("finder.form.title_filter")),
                  ("company", N_("finder.form.company")), ("location", N_("finder.form.location")),
                  ("industry", N_("finder.form.industry")))

# -- enqueueing after the commit ----------------------------------------------------------------

def after_commit(session: Session, do: Callable[[], None]) -> None:
    """Run `do` once the session's transaction has committed (never if it rolls back)."""
    event.listen(session, "after_commit", lambda _session: do(), once=True)


def _enqueue(services: Services, session: Session, started: FinderStarted) -> None:
    run_id = started.run_id
    if run_id is not None:
        after_commit(session, lambda: services.tasks.finder_page(run_id, 0))


# -- the form -----------------------------------------------------------------------------------

def finder_form(session: Session, actor: Member, values: dict[str, Any] | None = None,
                rev: int = 0, finder_id: int | None = None) -> Form:
    """The finder form: empty, or with a finder's values (`finder_id`: saving changes it)."""
    values = values or {}
    others = session.execute(select(Member.id, Member.name).where(Member.workspace_id == actor.workspace_id,
                                                                  Member.active.is_(True), Member.id != actor.id)
                             .order_by(Member.name_key).limit(MAX_MEMBER_OPTIONS)).all()
    first = (FormField("name", TEXT, t("finder.form.name"), required=True, max_length=120,
                       value=values.get("name"), placeholder=t("finder.form.name_placeholder")),
             FormField("url", TEXT, t("finder.form.url"), hint=t("finder.form.url_hint"), value=values.get("url"),
                       max_length=2000, placeholder=t(URL_PLACEHOLDER)))
    several = t("finder.form.several")
    keywords = tuple(FormField(fid, TEXT, t(label), value=values.get(fid), max_length=200,
                               hint=several if fid in LIST_FIELDS else None)
                     for fid, label in KEYWORD_FIELDS)
    options: list[FormField] = []
    if others:
        options.append(FormField("members", MULTI_SELECT, t("finder.form.members"), hint=t("finder.form.members_hint"),
                                 options=tuple(Option(str(i), n) for i, n in others), value=values.get("members")))
    options.append(FormField("every_days", SELECT, t("finder.form.every_days"), required=True,
                             value=values.get("every_days") or "1",
                             options=tuple(Option(v, t(label)) for v, label in SCHEDULES)))
    options.append(FormField("result_cap", NUMBER, t("finder.form.result_cap"), value=values.get("result_cap"),
                             hint=t("finder.form.result_cap_hint"), min_value=1,
                             max_value=RESULT_CEILING[SearchApi.SALES_NAVIGATOR]))
    editing = finder_id is not None
    return Form(kind=KIND, title=t(EDIT_TITLE if editing else NEW_TITLE),
                submit_label=t(SAVE if editing else CREATE_AND_RUN),
                sections=(FormSection(None, fields=first),
                          FormSection(t("finder.form.or_keywords"), fields=keywords),
                          FormSection(t("finder.form.options"), fields=tuple(options))),
                state={"rev": rev, "finder_id": finder_id})


def _text(values: dict[str, Any], key: str) -> str:
    value = values.get(key)
    return value.strip() if isinstance(value, str) else ""


def form_from_values(values: dict[str, Any]) -> FinderForm:
    """What the dialog sent, as the core's form; what cannot be read is a field error."""
    errors: dict[str, str] = {}
    members: list[int] = []
    raw_members = values.get("members") or []
    for raw in raw_members if isinstance(raw_members, list) else [raw_members]:
        if isinstance(raw, str) and raw.isdigit():
            members.append(int(raw))
        else:
            errors["members"] = t("finder.members.unknown")
    every = _text(values, "every_days") or "1"
    if every not in {v for v, _ in SCHEDULES}:
        errors["every_days"] = t("finder.every.choose")
    cap_raw = values.get("result_cap")
    cap: int | None = None
    if isinstance(cap_raw, int) and not isinstance(cap_raw, bool):
        cap = cap_raw
    elif isinstance(cap_raw, str) and cap_raw.strip():
        if cap_raw.strip().isdigit():
            cap = int(cap_raw.strip())
        else:
            errors["result_cap"] = t("finder.cap.number")
    return FinderForm(name=_text(values, "name"), url=_text(values, "url"), keywords=_text(values, "keywords"),
                      title=_text(values, "title"), company=_text(values, "company"),
                      location=_text(values, "location"), industry=_text(values, "industry"),
                      member_ids=tuple(members), every_days=int(every) if every.isdigit() else 1, result_cap=cap,
                      form_errors=errors)


def _warnings(outcome: Outcome[Any]) -> str | None:
    return "\n".join(w.message for w in outcome.warnings) or None


def _created(services: Services, session: Session, outcome: Outcome[FinderStarted]) -> tuple[Card, Notice]:
    assert outcome.value is not None
    _enqueue(services, session, outcome.value)
    card = finder_card(outcome.value.finder, note=_warnings(outcome))
    return card, Notice(t("finder.created", name=outcome.value.finder.name), tone="success")


@submission(KIND)
def submit_finder(services: Services, session: Session, actor: Member, submitted: Submitted) -> Reply:
    values = submitted.values if isinstance(submitted.values, dict) else {}
    state = submitted.state if isinstance(submitted.state, dict) else {}
    finder_id = state.get("finder_id")  # the client's input: the core checks who may change it
    if finder_id is not None and (isinstance(finder_id, bool) or not isinstance(finder_id, int)):
        raise ValueError(t("finder.button.no_finder"))
    form_values = form_from_values(values)
    outcome: Outcome[FinderStarted] = ask(services, session, actor, CreateFinder(form_values) if finder_id is None
                                          else UpdateFinder(finder_id, form_values))
    if not outcome.ok:
        rev = state.get("rev", 0)
        form = finder_form(session, actor, values, rev=(rev if isinstance(rev, int) else 0) + 1, finder_id=finder_id)
        known = {f.id for f in form.fields}
        errors = outcome.errors_by_field()
        placed = {k: v for k, v in errors.items() if k in known}
        others = [v for k, v in errors.items() if k not in known]
        return Reply(dialog=form, errors=FormErrors(placed, summary="\n".join(others) or None))
    if finder_id is not None:
        assert outcome.value is not None
        _enqueue(services, session, outcome.value)
        note = t(SAVED_RERUN if outcome.value.run_id else SAVED, name=outcome.value.finder.name)
        return Reply(step=DialogStep.CLOSE, messages=[finder_card(outcome.value.finder, note=note)])
    card, notice = _created(services, session, outcome)
    return Reply(step=DialogStep.CLOSE, messages=[card], notice=notice)


def edit_form(services: Services, session: Session, actor: Member, finder_id: int) -> Reply:
    """The form filled with the finder's values (the core gives them to its owner or an admin)."""
    form: FinderForm = ask(services, session, actor, EditFinder(finder_id))
    values: dict[str, Any] = {"name": form.name, "url": form.url, "keywords": form.keywords, "title": form.title,
                              "company": form.company, "location": form.location, "industry": form.industry,
                              "members": [str(m) for m in form.member_ids], "every_days": str(form.every_days),
                              "result_cap": str(form.result_cap) if form.result_cap else None}
    return Reply(dialog=finder_form(session, actor, values, finder_id=finder_id))


# -- typed commands -----------------------------------------------------------------------------

def _find(services: Services, session: Session, actor: Member, name: str) -> FinderSummary | Reply:
    if not name:
        return Reply.say(t("finder.which", command=invocation("finder", t(FINDER_EXAMPLE))), tone="warning")
    visible: list[FinderSummary] = ask(services, session, actor, ListFinders())
    found, suggestions = by_name(visible, name)
    if found is not None:
        return found
    if suggestions:
        return Reply.say(t("finder.did_you_mean", name=name, names=", ".join(f"“{s}”" for s in suggestions)),
                         tone="warning")
    return Reply.say(t("finder.no_such", name=name, command=invocation("finders")), tone="warning")


def create_from_text(services: Services, session: Session, actor: Member, argument: str) -> Reply:
    """`finder create NAME | URL or keywords`: created at once; without a search, the form."""
    name, sep, search = argument.partition("|")
    if not sep or not search.strip():
        return Reply(dialog=finder_form(session, actor, {"name": name.strip()} if name.strip() else None))
    search = _LINK.sub(r"\1", search.strip())  # Slack writes a link in a message as <url> or <url|text>
    is_url = "linkedin.com" in search.lower() or "://" in search
    form = FinderForm(name=name.strip(), url=search if is_url else "", keywords="" if is_url else search)
    outcome: Outcome[FinderStarted] = ask(services, session, actor, CreateFinder(form))
    if not outcome.ok:
        return Reply.say("\n".join("• " + e.message for e in outcome.errors), tone="error")
    card, notice = _created(services, session, outcome)
    return Reply(messages=[card], notice=notice)


def _plain(word: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", word.lower()) if not unicodedata.combining(c))


def sub_verb(word: str) -> str | None:
    """`create`, `créer`, `creer` → create; None for another word."""
    typed = _plain(word)
    for name, msgid in VERBS.items():
        if typed == name or any(typed == _plain(t(msgid, lang=lang)) for lang in Language):
            return name
    return None


def finders_command(services: Services, session: Session, actor: Member, command: Command,
                    room: DialogRoom) -> Reply:
    return Reply(messages=[finder_list(ask(services, session, actor, ListFinders()))])


def finder_command(services: Services, session: Session, actor: Member, command: Command,
                   room: DialogRoom) -> Reply:
    typed_verb, _, rest = command.argument.partition(" ")
    verb, rest = sub_verb(typed_verb), rest.strip()
    if verb is None:  # `finder NAME` shows it
        verb, rest = "show", command.argument
    if verb == "create":
        return create_from_text(services, session, actor, rest)
    found = _find(services, session, actor, rest.strip("“”\"'"))
    if isinstance(found, Reply):
        return found
    return _act(services, session, actor, verb, found.id)


def _act(services: Services, session: Session, actor: Member, verb: str, finder_id: int) -> Reply:
    if verb == "run":
        started: FinderStarted = ask(services, session, actor, RunFinder(finder_id))
        _enqueue(services, session, started)
        note = t("finder.running") if started.run_id else t("finder.not_started")
        return Reply(messages=[finder_card(started.finder, note=note)])
    if verb == "pause":
        return Reply(messages=[finder_card(ask(services, session, actor, PauseFinder(finder_id)),
                                           note=t("finder.paused"))])
    if verb == "resume":
        return Reply(messages=[finder_card(ask(services, session, actor, ResumeFinder(finder_id)),
                                           note=t("finder.resumed"))])
    if verb == "edit":
        return edit_form(services, session, actor, finder_id)
    if verb == "delete":
        name = ask(services, session, actor, DeleteFinder(finder_id))
        return Reply.say(t("finder.deleted", name=name), tone="success")
    return Reply(messages=[finder_card(ask(services, session, actor, ShowFinder(finder_id)))])


def segments_command(services: Services, session: Session, actor: Member, command: Command,
                     room: DialogRoom) -> Reply:
    return Reply(messages=[segment_list(ask(services, session, actor, ListSegments()))])


def segment_command(services: Services, session: Session, actor: Member, command: Command,
                    room: DialogRoom) -> Reply:
    name = command.argument
    if name.lower().startswith("show "):
        name = name[5:].strip()
    if not name:
        return Reply.say(t("segment.which", command=invocation("segment", t(SEGMENT_EXAMPLE))),
                         tone="warning")
    segments: list[SegmentSummary] = ask(services, session, actor, ListSegments())
    found, suggestions = by_name(segments, name)
    if found is None:
        text = t("segment.did_you_mean", name=name, names=", ".join(f"“{s}”" for s in suggestions)) if suggestions \
            else t("segment.no_such", name=name, command=invocation("segments"))
        return Reply.say(text, tone="warning")
    return Reply(messages=[segment_card(ask(services, session, actor, ShowSegment(found.id)))])


COMMANDS = {"finders": finders_command, "finder": finder_command, "segments": segments_command,
            "segment": segment_command}


# -- buttons ------------------------------------------------------------------------------------

def _finder_id(asked: Asked) -> int:
    if not asked.value.isdigit():
        raise ValueError(t("finder.button.no_finder"))
    return int(asked.value)


@action("finder.create")
def open_form(services: Services, session: Session, actor: Member, asked: Asked) -> Reply:
    return Reply(dialog=finder_form(session, actor))


@action("finder.edit")
def open_edit_form(services: Services, session: Session, actor: Member, asked: Asked) -> Reply:
    return edit_form(services, session, actor, _finder_id(asked))


@action("finder.refresh", read_only=True)
def refresh(services: Services, session: Session, actor: Member, asked: Asked) -> Reply:
    """The card drawn again in place with the finder's state now (a run's progress)."""
    return Reply(replace=finder_card(ask(services, session, actor, ShowFinder(_finder_id(asked)))))


def _in_place(verb: str) -> Callable[[Services, Session, Member, Asked], Reply]:
    def handle(services: Services, session: Session, actor: Member, asked: Asked) -> Reply:
        reply = _act(services, session, actor, verb, _finder_id(asked))
        if reply.messages and verb != "delete":
            return Reply(replace=reply.messages[0])
        return reply
    return handle


for _verb in ("run", "pause", "resume", "delete"):
    action(f"finder.{_verb}")(_in_place(_verb))
