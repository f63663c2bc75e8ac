"""Moderation commands (P-21…P-23): read a digest, decide on its invitations, show tomorrow's now.

Every handler gives a digest to its moderators only — the campaign's sender or an active admin of
its workspace (invariant 7); another workspace's digest does not exist for the actor (invariant 8)
— and decides only on invitations of that digest, never once they are claimed."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from sqlmodel import Session

from core.commands import Context, Handler
from core.errors import NotFound, Outcome
from core.i18n import t
from core.moderation import decisions
from core.notify import DigestView
from core.workspace.models import Member


class Decision(StrEnum):
    SKIP = "skip"
    RESTORE = "restore"
    LANGUAGE = "language"  # value: the language code
    EDIT = "edit"  # value: the new text


@dataclass(frozen=True)
class ReadDigest:
    digest_id: int


@dataclass(frozen=True)
class DecideInvitation:
    """One decision on one invitation of the digest; the outcome is the digest as it now is, or
    the field errors of a language or text that cannot be used (nothing changed)."""

    digest_id: int
    send_id: int
    decision: Decision
    value: str | None = None


@dataclass(frozen=True)
class DecideInvitations:
    """Skip (or restore) every invitation named that is still open, of this digest only."""

    digest_id: int
    send_ids: tuple[int, ...]
    skip: bool


@dataclass(frozen=True)
class ShowDigestNow:
    """Tomorrow's digest of a campaign now (planned first if the evening run has not come yet);
    shown, it counts as delivered."""

    campaign_id: int


def read(session: Session, actor: Member, command: ReadDigest, context: Context) -> DigestView:
    return decisions.read_digest(session=session, actor=actor, digest_id=command.digest_id,
                                 public_url=context.public_url)


def decide(session: Session, actor: Member, command: DecideInvitation, context: Context) -> Outcome[DigestView]:
    view = read(session, actor, ReadDigest(command.digest_id), context)
    if not any(item.send_id == command.send_id for item in view.items):
        raise NotFound(t("digest.invitation_gone"))
    outcome = decisions.decide(session=session, actor=actor, send_id=command.send_id, action=command.decision.value,
                               value=command.value, now=context.now, public_url=context.public_url)
    if not outcome.ok:
        return Outcome(errors=outcome.errors)
    return Outcome(value=read(session, actor, ReadDigest(command.digest_id), context), warnings=outcome.warnings)


def decide_many(session: Session, actor: Member, command: DecideInvitations, context: Context) -> DigestView:
    decisions.skip_all(session=session, actor=actor, digest_id=command.digest_id, send_ids=list(command.send_ids),
                       skip=command.skip, now=context.now)
    return read(session, actor, ReadDigest(command.digest_id), context)


def show_now(session: Session, actor: Member, command: ShowDigestNow, context: Context) -> DigestView:
    return decisions.build_digest_now(session=session, actor=actor, campaign_id=command.campaign_id, now=context.now,
                                      settings=context.settings)


HANDLERS: dict[type, Handler] = {ReadDigest: read, DecideInvitation: decide, DecideInvitations: decide_many,
                                 ShowDigestNow: show_now}
