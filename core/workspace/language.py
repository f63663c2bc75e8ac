"""The language the bot speaks to a member (core/i18n.py): chosen by them, else their chat's
locale, else their workspace's; and the command by which they choose it."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from core.commands import Context, Handler
from core.errors import FieldError, Outcome
from core.i18n import Language, language_of, member_language, t
from core.workspace.models import Member, Workspace


def language_of_member(session: Session, member: Member) -> Language:
    workspace = session.get(Workspace, member.workspace_id)
    return member_language(chosen=member.language, locale=member.locale,
                           workspace=workspace.ui_language if workspace else None)


def language_of_member_id(session: Session, member_id: int) -> Language:
    member = session.get(Member, member_id)
    return language_of_member(session, member) if member is not None else member_language(
        chosen=None, locale=None, workspace=None)


def note_locale(session: Session, member: Member, locale: str | None) -> None:
    """Keep the locale the member's chat reported (flushed by the caller's unit of work)."""
    locale = (locale or "").strip()[:16] or None
    if locale and locale != member.locale:
        member.locale = locale
        session.add(member)


@dataclass(frozen=True)
class ChooseLanguage:
    """The member's own choice (`language fr`); an empty one goes back to their chat's language.
    Anyone may choose their own; the outcome is the language now spoken to them."""

    language: str


def choose_language(session: Session, actor: Member, command: ChooseLanguage, context: Context) -> Outcome[Language]:
    wanted = command.language.strip()
    if not wanted:
        actor.language = None
    else:
        lang = language_of(wanted)
        if lang is None:
            choices = ", ".join(lang.value for lang in Language)
            return Outcome(errors=[FieldError("language", t("language.unknown", value=wanted[:20], choices=choices))])
        actor.language = lang.value
    session.add(actor)
    session.flush()
    return Outcome(value=language_of_member(session, actor))


HANDLERS: dict[type, Handler] = {ChooseLanguage: choose_language}
