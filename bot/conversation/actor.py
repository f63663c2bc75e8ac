"""Who is asking: a chat user (platform, tenant, user id) mapped to a workspace member.

A known chat identity answers at once; otherwise the surface fetches the profile (Slack
`users.info`, Teams `TeamsInfo.get_member`) so the member is matched by email, else created
in the tenant's workspace (the first member of a workspace is its admin) — by
`core.workspace.service.ensure_member_for_chat`.

When the platform cannot give the profile (an error, an answer it cannot read, no answer in
time), the lookup raises `ProfileUnavailable` and nothing is created: a member made from half an
identity (no email) would stand for that person for good, beside the member their email names.
The surface tells them to try again (`TRY_AGAIN`); a later attempt that reads the profile links
them by email.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from sqlmodel import Session, select

from core.db import UnitOfWork
from core.i18n import N_, Language, t, use_language
from core.services import Services
from core.workspace.language import language_of_member, language_of_member_id
from core.workspace.models import ChatIdentity, Member


@dataclass(frozen=True)
class ChatUser:
    platform: str  # "slack" | "teams"
    tenant: str  # Slack team id | Teams tenant id
    user_id: str  # Slack user id | AAD object id
    name: str | None = None
    email: str | None = None
    workspace_name: str | None = None
    locale: str | None = None  # when the platform says it with every message (Teams' activity locale)


@dataclass(frozen=True)
class Profile:
    """What a surface learnt about a user from its platform (only asked for unknown users)."""

    name: str | None = None
    email: str | None = None
    workspace_name: str | None = None
    locale: str | None = None  # Slack's users.info with include_locale


ProfileLookup = Callable[[ChatUser], Awaitable[Profile]]
TRY_AGAIN = N_("error.profile_unavailable")


class ProfileUnavailable(Exception):
    """The platform could not say who a new user is: nothing is created, they are asked to try again."""

    def __init__(self, platform: str) -> None:
        super().__init__(f"the {platform} profile could not be read")
        self.platform = platform

    @property
    def notice(self) -> str:
        return t(TRY_AGAIN, platform={"slack": "Slack", "teams": "Teams"}.get(self.platform, self.platform))


def known_member(*, session: Session, who: ChatUser) -> Member | None:
    """The member behind an already-seen chat identity, or None (then the surface looks the profile up)."""
    row = session.exec(
        select(Member)
        .join(ChatIdentity, ChatIdentity.member_id == Member.id)
        .where(
            ChatIdentity.platform == who.platform,
            ChatIdentity.tenant == who.tenant,
            ChatIdentity.external_user_id == who.user_id,
        )
    ).first()
    return row


def resolve_member(*, session: Session, who: ChatUser, profile: Profile) -> Member:
    """Known identity → its member; else match by email or create (core rule), from the profile
    the platform gave (never without one: see `ProfileUnavailable`)."""
    from core.workspace.service import ensure_member_for_chat

    member = known_member(session=session, who=who)
    if member is not None:
        return member
    return ensure_member_for_chat(
        session=session,
        platform=who.platform,
        tenant=who.tenant,
        external_user_id=who.user_id,
        name=profile.name or who.name or who.user_id,
        email=profile.email or who.email,
        workspace_name=profile.workspace_name or who.workspace_name,
        locale=who.locale or profile.locale,
    )


def resolve_member_id(uow: UnitOfWork, who: ChatUser, profile: Profile) -> int:
    """Resolve in its own unit of work (called with `asyncio.to_thread`); returns the member id."""
    with uow() as session:
        return resolve_member(session=session, who=who, profile=profile).id


def known_member_and_language(uow: UnitOfWork, who: ChatUser) -> tuple[int, Language] | None:
    """The id of the member behind a known chat identity and the language spoken to them, read
    together (one unit of work per interaction to identify the asker); None for a new identity."""
    with uow(read_only=True) as session:
        member = known_member(session=session, who=who)
        if member is None:
            return None
        found = member.id, language_of_member(session, member)
        changed = bool(who.locale) and (who.locale or "")[:16] != member.locale
    if changed and who.locale:  # rare: written once, then when it changes
        _note_locale(uow, found[0], who.locale)
        with uow(read_only=True) as session:  # the new locale may change the language spoken
            return found[0], language_of_member_id(session, found[0])
    return found


def _note_locale(uow: UnitOfWork, member_id: int, locale: str) -> int:
    from core.workspace.language import note_locale

    with uow() as session:
        member = session.get(Member, member_id)
        if member is not None:
            note_locale(session, member, locale)
    return member_id


def member_language_by_id(uow: UnitOfWork, member_id: int) -> Language:
    with uow(read_only=True) as session:
        return language_of_member_id(session, member_id)


async def identify(services: Services, who: ChatUser, lookup: ProfileLookup) -> int:
    """Async helper for surfaces: the member id of `who`, asking the platform for the profile
    only when the identity is new. Raises `ProfileUnavailable` (from `lookup`) when the platform
    cannot give it: then nothing was created.

    The rest of the surface's task speaks the member's language (`core.i18n.use_language`): what
    the surface says itself is in it too, not only what the handlers say."""
    if who.locale:
        use_language(who.locale)  # until the member is known (a profile to try again for, say)
    known = await asyncio.to_thread(known_member_and_language, services.uow, who)
    if known is None:
        profile = await lookup(who)
        member_id = await asyncio.to_thread(resolve_member_id, services.uow, who, profile)
        known = member_id, await asyncio.to_thread(member_language_by_id, services.uow, member_id)
    use_language(known[1])
    return known[0]
