"""Type-ahead of the form's external selects: campaign names, programs, senders, sources, timezones.

`options_for` returns a list of `Option`, or of `OptionGroup` (sources: "Finders" and "Segments").
Every list is what the core says the asking member may see and pick (P-7, P-8): a member is
offered their own campaigns, themself as the sender and their own sources; an admin, every
campaign and member, and the sources of the sender *currently chosen in the form* (the surface
passes the form's current values, read from its view state, in `values`); an inactive member,
nothing. The form's values are the client's input: they narrow a list, never widen it.
"""

from __future__ import annotations

import zoneinfo
from functools import lru_cache
from typing import Any

from sqlmodel import Session

from bot.conversation.form import EXISTING_CAMPAIGN, EXISTING_PROGRAM, NEW, parse_id
from bot.conversation.views import Option, OptionGroup
from core.workspace.models import Member

LIMIT = 20  # what a person reads in a type-ahead; well under Slack's 100 options
MAX_TYPED = 100
LOOKUPS = ("campaign_name", "program", "sender", "source", "timezone")
# The lookups that offer “Create “typed text”” (a new campaign or program from what was typed):
# a surface must let people type into them, never offer only a fixed list.
CREATE_FROM_TYPED = frozenset({"campaign_name", "program"})


def typed_text(query: str | None) -> str:
    return " ".join((query if isinstance(query, str) else "").replace("\x00", "").split())[:MAX_TYPED]


def _with_create(typed: str, existing: list[tuple[int, str]], prefix: str, value_of) -> list[Option]:
    options = [Option(value_of(ident, name), name) for ident, name in existing]
    if typed and not any(name.casefold() == typed.casefold() for _, name in existing):
        options.insert(0, Option(f"{NEW}{typed}", f"Create “{typed}”"))
    return options[:LIMIT]


def campaign_choices(typed: str, found: list[tuple[int, str]]) -> list[Option]:
    return _with_create(typed, found, EXISTING_CAMPAIGN, lambda ident, _name: f"{EXISTING_CAMPAIGN}{ident}")


def program_choices(typed: str, found: list[tuple[int, str]]) -> list[Option]:
    return _with_create(typed, found, EXISTING_PROGRAM, lambda _ident, name: f"{EXISTING_PROGRAM}{name}")


def campaign_name_options(session: Session, actor: Member, query: str) -> list[Option]:
    from core.campaigns.service import editable_campaign_names

    typed = typed_text(query)
    return campaign_choices(typed, editable_campaign_names(session=session, actor=actor, query=typed, limit=LIMIT))


def program_options(session: Session, actor: Member, query: str) -> list[Option]:
    from core.campaigns.service import program_names

    typed = typed_text(query)
    return program_choices(typed, program_names(session=session, workspace_id=actor.workspace_id, query=typed,
                                                limit=LIMIT))


def sender_options(session: Session, actor: Member, query: str) -> list[Option]:
    from core.campaigns.service import sender_choices

    members = sender_choices(session=session, actor=actor, query=typed_text(query), limit=LIMIT)
    return [Option(str(m.id), m.name, m.email) for m in members]


def sender_id_of(values: dict[str, Any], member_id: int) -> int:
    """The sender chosen in the form, else the member asking (what the client says: the core
    decides whose sources that shows, `core.sources.visibility.sources_sender`)."""
    raw = values.get("sender")
    if isinstance(raw, (list, tuple)):
        raw = raw[0] if raw else None
    return parse_id(raw) or member_id


def source_options(session: Session, actor: Member, query: str, values: dict[str, Any]) -> list[OptionGroup]:
    from core.sources.visibility import selectable_sources

    return source_groups(selectable_sources(session=session, actor=actor, sender_id=sender_id_of(values, actor.id),
                                            query=typed_text(query), limit=2 * LIMIT))


def source_groups(found) -> list[OptionGroup]:
    """`SourceOption`s as the groups "Finders" and "Segments", at most LIMIT each."""
    groups = []
    for kind, label in (("finder", "Finders"), ("segment", "Segments")):
        options = tuple(Option(f"{s.kind}:{s.id}", s.name, s.detail or None) for s in found if s.kind == kind)[:LIMIT]
        if options:
            groups.append(OptionGroup(label, options))
    return groups


@lru_cache(maxsize=1)
def _zones() -> tuple[str, ...]:
    return tuple(sorted(z for z in zoneinfo.available_timezones() if "/" in z or z == "UTC"))


def timezone_options(query: str) -> list[Option]:
    typed = typed_text(query).replace(" ", "_").casefold()
    zones = _zones()
    starts = [z for z in zones if z.casefold().startswith(typed) or z.casefold().split("/")[-1].startswith(typed)]
    contains = [z for z in zones if typed in z.casefold() and z not in starts]
    return [Option(z, z.replace("_", " ")) for z in (starts + contains)[:LIMIT]]


def options_for(services, session: Session, actor: Member, lookup: str, query: str,
                values: dict[str, Any] | None = None) -> list[Option] | list[OptionGroup]:
    """The choices of one type-ahead for what was typed. Unknown lookups have no choice, and an
    inactive member none at all (they may create or change nothing: `core.campaigns.authz`)."""
    if not actor.active:
        return []
    if lookup == "campaign_name":
        return campaign_name_options(session, actor, query)
    if lookup == "program":
        return program_options(session, actor, query)
    if lookup == "sender":
        return sender_options(session, actor, query)
    if lookup == "source":
        return source_options(session, actor, query, values or {})
    if lookup == "timezone":
        return timezone_options(query)
    return []


async def suggest(services, member_id: int, lookup: str, query: str, values: dict[str, Any] | None = None):
    """The choices of one type-ahead keystroke, read in a read-only unit of work (it neither waits
    for writers nor blocks them): no choice when the asker cannot be read."""
    from bot.conversation.runner import run

    return await run(services, member_id, options_for, lookup, query, values or {}, fallback=[], read_only=True)
