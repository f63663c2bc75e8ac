"""The conversation between an account and a contact: messages learnt from the provider (webhook,
polling, a fresh read before a welcome), replies that end a sequence, and the welcome's stop rules
(P-12a/b, invariant 6). Message texts are not stored: only who wrote, when, and a sentiment."""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime

from sqlalchemy import select, update
from sqlmodel import Session

from core.campaigns.models import STEP_INVITATION
from core.db import dialect_insert
from core.delivery.linkedin.port import ChatMessage
from core.delivery.models import (
    E_ACCEPTED,
    E_FOLLOWING_UP,
    E_INVITED,
    E_PLANNED,
    E_REPLIED,
    E_WELCOMED,
    S_CANCELLED,
    S_PLANNED,
    ConversationMessage,
    Enrollment,
    Send,
)

SEQUENCE_STATES = (E_INVITED, E_ACCEPTED, E_WELCOMED, E_FOLLOWING_UP)
_NEGATIVE = re.compile(r"\b(not interested|no thanks|no thank you|unsubscribe|stop|remove me|pas intéress|non merci|"
                       r"kein interesse|nein danke|no me interesa|no gracias)", re.IGNORECASE)
_POSITIVE = re.compile(r"\b(thanks|thank you|great|sure|happy to|interested|let'?s|merci|avec plaisir|volontiers|"
                       r"danke|gerne|gracias|encantad|claro)", re.IGNORECASE)


_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def comparable_text(text: str | None) -> str:
    """A message text as two spellings of it compare equal: Unicode NFC, every line break as LF
    (the provider's multipart carries CRLF), no trailing spaces on a line, no blank edges."""
    text = unicodedata.normalize("NFC", text or "")
    return "\n".join(line.rstrip() for line in _LINE_BREAK.split(text)).strip()


def same_text(a: str | None, b: str | None) -> bool:
    """Is `a` the message `b` as the provider gives it back? (reconciliation after a lost answer)"""
    return comparable_text(a) == comparable_text(b)


def sentiment(text: str) -> str:
    """A coarse reading of a reply, for segment criteria (P-8c): positive, negative or neutral."""
    if _NEGATIVE.search(text or ""):
        return "negative"
    if _POSITIVE.search(text or ""):
        return "positive"
    return "neutral"


def record_message(*, session: Session, account_id: int, contact_id: int | None, message: ChatMessage,
                   by_us: bool = False) -> bool:
    """Store one message once (by provider message id); True when it was new."""
    row = dict(account_id=account_id, contact_id=contact_id, chat_id=message.chat_id,
               provider_message_id=message.message_id, is_sender=message.is_sender, sent_at=message.timestamp,
               sentiment=None if message.is_sender else sentiment(message.text), by_us=by_us)
    table = ConversationMessage.__table__
    inserted = session.execute(dialect_insert(session, table).values(**row).on_conflict_do_nothing(
        index_elements=["account_id", "provider_message_id"]).returning(table.c.id)).first()
    return inserted is not None


def end_on_reply(*, session: Session, account_id: int, contact_id: int, at: datetime, text: str, now: datetime) -> int:
    """The contact wrote: every live sequence of this account with them ends as replied, its planned
    messages cancelled. Returns the number of enrollments ended."""
    enrollments = list(session.execute(select(Enrollment).where(
        Enrollment.account_id == account_id, Enrollment.contact_id == contact_id,
        Enrollment.state.in_(SEQUENCE_STATES))).scalars())
    for e in enrollments:
        e.state, e.replied_at, e.reply_sentiment, e.updated_at = E_REPLIED, at, sentiment(text), now
        e.reason = "the contact replied"
        session.add(e)
        session.execute(update(Send).where(Send.enrollment_id == e.id, Send.status == S_PLANNED,
                                           Send.step != STEP_INVITATION)
                        .values(status=S_CANCELLED, reason="the contact replied", updated_at=now))
    return len(enrollments)


def learn_messages(*, session: Session, enrollment: Enrollment, messages: list[ChatMessage], now: datetime) -> None:
    """Record a fresh provider read of the chat; a message from the contact is a reply."""
    for m in messages:
        if enrollment.chat_id is None and m.chat_id:
            enrollment.chat_id = m.chat_id
            session.add(enrollment)
        new = record_message(session=session, account_id=enrollment.account_id, contact_id=enrollment.contact_id,
                             message=m)
        if new and not m.is_sender and enrollment.accepted_at and m.timestamp >= enrollment.accepted_at:
            end_on_reply(session=session, account_id=enrollment.account_id, contact_id=enrollment.contact_id,
                         at=m.timestamp, text=m.text, now=now)


def stop_reason(*, session: Session, enrollment: Enrollment, since: datetime, ongoings: bool, incomings: bool,
                ) -> str | None:
    """Why a message must not go (invariant 6): the contact wrote since `since` (always ends a
    follow-up; ends a welcome when `incomings`), or the sender wrote by hand (`ongoings`)."""
    rows = session.execute(select(ConversationMessage.is_sender, ConversationMessage.by_us).where(
        ConversationMessage.account_id == enrollment.account_id,
        ConversationMessage.contact_id == enrollment.contact_id,
        ConversationMessage.sent_at >= since)).all()
    if incomings and any(not is_sender for is_sender, _ in rows):
        return "the contact wrote since acceptance"
    if ongoings and any(is_sender and not by_us for is_sender, by_us in rows):
        return "the sender wrote to the contact since acceptance"
    return None


def live(enrollment: Enrollment) -> bool:
    return enrollment.state in SEQUENCE_STATES or enrollment.state == E_PLANNED
