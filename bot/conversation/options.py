"""Type-ahead of the form's external selects: campaign names, programs, senders, sources, timezones.

`options_for` returns a list of `Option`, or of `OptionGroup` (sources: "Finders" and "Segments").
Every list is what the core says the asking member may see and pick (P-7, P-8): a member is
offered their own campaigns, themself as the sender and their own sources; an admin, every
campaign and member, and the sources of the sender *currently chosen in the form* (the surface
passes the form's current values, read from its view state, in `values`); an inactive member,
nothing. The form's values are the client's input: they narrow a list, never widen it.

Names, programs and sources are searched in the names of their scope kept by the process's
`core.typeahead.NameCache` (a few seconds; a campaign saved here is offered at once).
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import Any

from sqlmodel import Session

from bot.conversation.form import EXISTING_CAMPAIGN, EXISTING_PROGRAM, NEW, parse_id
from bot.conversation.views import Option, OptionGroup
from core.campaigns.naming import name_key
from core.campaigns.queries import SenderChoice, editable_campaign_names, program_names
from core.i18n import t
from core.services import Services
from core.sources.visibility import SourceOption, selectable_sources, sources_sender
from core.typeahead import MAX_PER_SCOPE, NameIndex
from core.workspace.models import Member

LIMIT = 20  # what a person reads in a type-ahead; well under Slack's 100 options
MAX_TYPED = 100
LOOKUPS = ("campaign_name", "program", "sender", "source", "timezone")
# The lookups that offer “Create “typed text”” (a new campaign or program from what was typed):
# a surface must let people type into them, never offer only a fixed list.
CREATE_FROM_TYPED = frozenset({"campaign_name", "program"})


def typed_text(query: str | None) -> str:
    return " ".join((query if isinstance(query, str) else "").replace("\x00", "").split())[:MAX_TYPED]


def _with_create(typed: str, existing: list[tuple[int, str]], prefix: str,
                 value_of: Callable[[int, str], str]) -> list[Option]:
    options = [Option(value_of(ident, name), name) for ident, name in existing]
    if typed and not any(name.casefold() == typed.casefold() for _, name in existing):
        options.insert(0, Option(f"{NEW}{typed}", t("option.create", typed=typed)))
    return options[:LIMIT]


def campaign_choices(typed: str, found: list[tuple[int, str]]) -> list[Option]:
    return _with_create(typed, found, EXISTING_CAMPAIGN, lambda ident, _name: f"{EXISTING_CAMPAIGN}{ident}")


def program_choices(typed: str, found: list[tuple[int, str]]) -> list[Option]:
    return _with_create(typed, found, EXISTING_PROGRAM, lambda _ident, name: f"{EXISTING_PROGRAM}{name}")


def _kept(services: Services, scope: tuple, workspace_id: int,
          load: Callable[[int], list[tuple[str, int, Any]]], groups: int = 1) -> tuple[NameIndex, ...] | None:
    """The names of `scope` from the process's `NameCache`, loaded once (`load(limit)` gives
    (name key, id, item) rows, sorted into `groups` indexes by `_group`); None when the scope is
    too large to keep."""
    indexes = services.typeahead.get(scope)
    if indexes is None:
        rows = load(MAX_PER_SCOPE + 1)
        if len(rows) > MAX_PER_SCOPE:
            return None
        indexes = tuple(NameIndex([r for r in rows if _group(r[2]) == g]) for g in range(groups))
        services.typeahead.put(scope, workspace_id, indexes)
    return indexes


def _group(item: Any) -> int:
    return 0 if getattr(item, "kind", "finder") == "finder" else 1


def campaign_name_options(services: Services, session: Session, actor: Member, query: str) -> list[Option]:
    typed = typed_text(query)
    scope = ("campaign_name", actor.workspace_id, None if actor.is_admin else actor.id)  # what the actor may edit
    indexes = _kept(services, scope, actor.workspace_id, lambda limit: [
        (name_key(name), ident, (ident, name))
        for ident, name in editable_campaign_names(session=session, actor=actor, limit=limit)])
    found = (indexes[0].search(name_key(typed), LIMIT) if indexes is not None else
             editable_campaign_names(session=session, actor=actor, query=typed, limit=LIMIT))
    return campaign_choices(typed, found)


def program_options(services: Services, session: Session, actor: Member, query: str) -> list[Option]:
    typed = typed_text(query)
    workspace_id = actor.workspace_id
    indexes = _kept(services, ("program", workspace_id), workspace_id, lambda limit: [
        (name_key(name), ident, (ident, name))
        for ident, name in program_names(session=session, workspace_id=workspace_id, limit=limit)])
    found = (indexes[0].search(name_key(typed), LIMIT) if indexes is not None else
             program_names(session=session, workspace_id=workspace_id, query=typed, limit=LIMIT))
    return program_choices(typed, found)


def sender_options(session: Session, actor: Member, query: str) -> list[Option]:
    """Who may send (P-7): those with a valid LinkedIn account first; the others are offered with
    why they cannot send yet and how to fix it (a chat surface cannot grey an option out)."""
    from core.campaigns.service import sender_choices

    choices = sender_choices(session=session, actor=actor, query=typed_text(query), limit=LIMIT)
    return [Option(str(c.member.id), c.member.name, c.member.email if c.can_send else _why_not(c, actor))
            for c in choices]


def _why_not(choice: SenderChoice, actor: Member) -> str:
    yours = choice.member.id == actor.id
    if choice.account_status is None:
        return t("sender.yours_not_connected") if yours else t("sender.theirs_not_connected")
    status = choice.account_status
    return t("sender.yours_status", status=status) if yours else t("sender.theirs_status", status=status)


def sender_id_of(values: dict[str, Any], member_id: int) -> int:
    """The sender chosen in the form, else the member asking (what the client says: the core
    decides whose sources that shows, `core.sources.visibility.sources_sender`)."""
    raw = values.get("sender")
    if isinstance(raw, (list, tuple)):
        raw = raw[0] if raw else None
    return parse_id(raw) or member_id


def source_options(services: Services, session: Session, actor: Member, query: str,
                   values: dict[str, Any]) -> list[OptionGroup]:
    typed = typed_text(query)
    sender_id = sender_id_of(values, actor.id)
    scope = ("source", actor.workspace_id, sources_sender(actor, sender_id))  # whose sources the actor sees
    indexes = _kept(services, scope, actor.workspace_id, lambda limit: [
        (name_key(s.name), s.id, s)
        for s in selectable_sources(session=session, actor=actor, sender_id=sender_id, limit=limit)], groups=2)
    if indexes is None:
        return source_groups(selectable_sources(session=session, actor=actor, sender_id=sender_id, query=typed,
                                                limit=2 * LIMIT))
    key = name_key(typed)
    finders = indexes[0].search(key, 2 * LIMIT)
    return source_groups(finders + indexes[1].search(key, 2 * LIMIT - len(finders)))


def source_groups(found: Sequence[SourceOption]) -> list[OptionGroup]:
    """`SourceOption`s as the groups "Finders" and "Segments", at most LIMIT each."""
    groups = []
    for kind, label in (("finder", t("source.finders")), ("segment", t("source.segments"))):
        options = tuple(Option(f"{s.kind}:{s.id}", s.name, s.detail or None) for s in found if s.kind == kind)[:LIMIT]
        if options:
            groups.append(OptionGroup(label, options))
    return groups


@lru_cache(maxsize=1)
def _zones() -> tuple[tuple[str, str, str], ...]:
    """Each timezone with its name and its last part as typed text is compared (casefolded)."""
    zones = sorted(z for z in zoneinfo.available_timezones() if "/" in z or z == "UTC")
    return tuple((z, z.casefold(), z.casefold().split("/")[-1]) for z in zones)


def timezone_options(query: str) -> list[Option]:
    """Zones whose name or city starts with what was typed, then those that contain it."""
    typed = typed_text(query).replace(" ", "_").casefold()
    starts = [z for z, name, city in _zones() if name.startswith(typed) or city.startswith(typed)]
    if len(starts) < LIMIT:
        first = set(starts)
        starts += [z for z, name, _ in _zones() if typed in name and z not in first]
    return [Option(z, z.replace("_", " ")) for z in starts[:LIMIT]]


def options_for(services: Services, session: Session, actor: Member, lookup: str, query: str,
                values: dict[str, Any] | None = None) -> list[Option] | list[OptionGroup]:
    """The choices of one type-ahead for what was typed. Unknown lookups have no choice, and an
    inactive member none at all (they may create or change nothing: `core.campaigns.authz`)."""
    if not actor.active:
        return []
    if lookup == "campaign_name":
        return campaign_name_options(services, session, actor, query)
    if lookup == "program":
        return program_options(services, session, actor, query)
    if lookup == "sender":
        return sender_options(session, actor, query)
    if lookup == "source":
        return source_options(services, session, actor, query, values or {})
    if lookup == "timezone":
        return timezone_options(query)
    return []


async def suggest(services: Services, member_id: int, lookup: str, query: str,
                  values: dict[str, Any] | None = None) -> list[Option] | list[OptionGroup]:
    """The choices of one type-ahead keystroke, read in a read-only unit of work (it neither waits
    for writers nor blocks them): no choice when the asker cannot be read."""
    from bot.conversation.runner import run

    choices: list[Option] | list[OptionGroup] = await run(services, member_id, options_for, lookup, query,
                                                          values or {}, fallback=[], read_only=True)
    return choices
