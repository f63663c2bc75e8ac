"""Provider webhooks (docs/linkedin.md): stored by the web app at once, processed by the worker.

What each documented body is, and how a redelivery (the provider retries 5 times) stays harmless:

| body | key | stored as |
|---|---|---|
| `new_relation` | account + user provider id | `new_relation` → acceptance |
| `message_received` | event kind + account + message id | `message` → the conversation |
| `message_read`, `message_reaction` | event kind + account + message id | not stored (logged at debug) |
| `{"AccountStatus": {…}}` | none: every delivery is kept | `account_status` → account valid or not |

A read receipt or a reaction carries the id of the message it is about, so a key made of the
message id alone let it take the message's place; the event kind is part of every key, and only
the arrival of a message is kept. Account status bodies carry no timestamp and the same status can
legitimately come again (CREDENTIALS → OK → CREDENTIALS): each delivery is kept, and the latest
received for an account wins (`core.delivery.account_status`).

A message ends a sequence only when its sender is the enrolled contact. Our own messages come back
too, and the body has no `is_sender`: the sender is compared with the contact's provider id and
with the account's own (learnt from `GET /users/me` when not known yet); while our own id stays
unknown, a message whose sender is not the contact is taken as the account's own, never as a reply.
"""

from __future__ import annotations

import logging
import re
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from core.clock import Clock
from core.config import Settings
from core.db import UnitOfWork, dialect_insert
from core.delivery import acceptance, account_status, conversation
from core.delivery.linkedin.port import ChatMessage, LinkedInError, LinkedInGateway
from core.delivery.models import Enrollment, WebhookEvent
from core.notify import Alert
from core.sources.models import Contact
from core.workspace.models import LinkedInAccount

log = logging.getLogger("invitebot.webhooks")
MESSAGE_RECEIVED = "message_received"
IGNORED_MESSAGE_EVENTS = {"message_read", "message_reaction"}
MESSAGE_EVENTS = {MESSAGE_RECEIVED} | IGNORED_MESSAGE_EVENTS
MAX_ID = 128  # the provider ids we store (LinkedInAccount, ConversationMessage)


def _id(value: Any) -> str | None:
    """A provider id from a body: a non-empty string (or a number) of a sane length, else None."""
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        return None
    text = str(value).strip()
    return text if 0 < len(text) <= MAX_ID else None


def _parse_time(value: Any, default: datetime) -> datetime:
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
            if parsed.tzinfo is not None:
                return parsed
        except ValueError:
            pass
    return default


def _status_prefix(account_id: str) -> str:
    return f"status:{account_id}:"


def event_key(payload: Any) -> tuple[str, str] | None:
    """(key, kind) of a body: the key is made of the event's kind and the provider's own id of what
    it is about. None for a body we do not know (logged)."""
    if not isinstance(payload, dict):
        log.info("webhook ignored: the body is not an object")
        return None
    event, account = payload.get("event"), _id(payload.get("account_id"))
    if event == "new_relation" and account and _id(payload.get("user_provider_id")):
        return f"relation:{account}:{_id(payload['user_provider_id'])}", "new_relation"
    if event in MESSAGE_EVENTS and account and _id(payload.get("message_id")) and _id(payload.get("chat_id")):
        return f"{event}:{account}:{_id(payload['message_id'])}", "message" if event == MESSAGE_RECEIVED else event
    status = payload.get("AccountStatus")
    if isinstance(status, dict) and (of := _id(status.get("account_id"))) and isinstance(status.get("message"), str):
        # Never de-duplicated: each delivery gets a key of its own, under the account's prefix.
        return _status_prefix(of) + uuid.uuid4().hex, "account_status"
    named = isinstance(event, str) and re.fullmatch(r"[a-z_]{1,40}", event) is not None
    log.info("webhook ignored: an event of no kind the engine uses (%s)", event if named else "unnamed")
    return None


def store_event(*, session: Session, payload: Any, now: datetime) -> tuple[int | None, bool]:
    """Keep an incoming event; (id, new). (None, False) for a body we do not keep."""
    key = event_key(payload)
    if key is None:
        return None, False
    if key[1] in IGNORED_MESSAGE_EVENTS:
        log.debug("webhook %s ignored: the engine only reads the arrival of messages", key[1])
        return None, False
    inserted = session.execute(dialect_insert(session, WebhookEvent.__table__).values(
        provider="unipile", event_key=key[0][:200], kind=key[1], payload=payload, received_at=now,
    ).on_conflict_do_nothing(index_elements=["event_key"]).returning(WebhookEvent.__table__.c.id)).first()
    if inserted is not None:
        return inserted[0], True
    return session.execute(select(WebhookEvent.id).where(WebhookEvent.event_key == key[0][:200])).scalar_one(), False


def process_event(*, uow: UnitOfWork, clock: Clock, settings: Settings, event_id: int,
                  gateway: LinkedInGateway | None = None) -> tuple[str, list[Alert]]:
    """Apply one stored event once (processed_at marks it). `gateway` lets a message event learn the
    account's own provider id when it is not known yet."""
    with uow() as session:
        event = session.get(WebhookEvent, event_id)
        if event is None or event.processed_at is not None:
            return "done", []
        kind, payload = event.kind, event.payload
    if kind == "message" and gateway is not None:
        _learn_own_id(uow, gateway, _id(payload.get("account_id")))
    alerts: list[Alert] = []
    with uow() as session:
        event = session.get_one(WebhookEvent, event_id)
        if event.processed_at is not None:
            return "done", alerts
        p, now = event.payload, clock.now()
        if kind == "new_relation":
            account = acceptance.account_by_provider_id(session, str(p["account_id"]))
            if account is not None:
                acceptance.record_relation(session=session, account=account,
                                           provider_user_id=str(p["user_provider_id"]),
                                           public_identifier=p.get("user_public_identifier"), connected_at=None,
                                           source="webhook", now=now, public_url=settings.public_url)
        elif kind == "message":
            _message(session, p, now)
        elif kind == "account_status":
            alerts += _account_status(session, event, now)
        event.processed_at = now
        session.add(event)
    return kind, alerts


def _learn_own_id(uow: UnitOfWork, gateway: LinkedInGateway, provider_account_id: str | None) -> None:
    """Store the account's own provider id (`GET /users/me`) if it is not known yet. A failure
    leaves it unknown (logged): the message is then judged without it."""
    if provider_account_id is None or not hasattr(gateway, "own_profile"):
        return
    with uow() as session:
        account = acceptance.account_by_provider_id(session, provider_account_id)
        if account is None or account.provider_user_id:
            return
        account_id = account.id
    try:
        own = gateway.own_profile(account_id=provider_account_id).provider_id
    except LinkedInError as exc:
        log.warning("linkedin account %s: own provider id not read (%s)", account_id, exc.code)
        return
    if not own:
        return
    with uow() as session:
        account = session.get(LinkedInAccount, account_id)
        if account is not None and account.provider_account_id == provider_account_id and not account.provider_user_id:
            account.provider_user_id = own[:MAX_ID]
            session.add(account)


def _message(session: Session, p: dict, now: datetime) -> None:
    if p.get("event") != MESSAGE_RECEIVED:  # stored by an older version: a read receipt or a reaction
        log.debug("webhook %s ignored", p.get("event"))
        return
    account = acceptance.account_by_provider_id(session, str(p["account_id"]))
    if account is None:
        return
    sender_info = p.get("sender")
    sender = _id(sender_info.get("attendee_provider_id")) if isinstance(sender_info, dict) else None
    own, chat_id = account.provider_user_id, str(p["chat_id"])
    enrollment = session.execute(select(Enrollment).where(Enrollment.account_id == account.id,
                                                          Enrollment.chat_id == chat_id)).scalars().first()
    contact_id, contact_pid = None, None
    if enrollment is not None:
        contact_id = enrollment.contact_id
        contact_pid = session.execute(select(Contact.provider_id).where(Contact.id == contact_id)).scalar()
    elif sender is not None and sender != own:
        contact_id = session.execute(select(Contact.id).where(Contact.workspace_id == account.workspace_id,
                                                              Contact.provider_id == sender)).scalars().first()
        contact_pid = sender if contact_id is not None else None
    from_contact = sender is not None and sender == contact_pid
    if not from_contact and own is not None and sender != own:
        log.debug("message in chat of account %s from someone else than the contact or the account: ignored",
                  account.id)
        return
    text = str(p.get("message") or "")
    message = ChatMessage(message_id=str(_id(p["message_id"])), chat_id=chat_id, sender_id=sender,
                          is_sender=not from_contact, timestamp=min(_parse_time(p.get("timestamp"), now), now),
                          text=text)
    new = conversation.record_message(session=session, account_id=account.id, contact_id=contact_id, message=message)
    if new and from_contact and contact_id is not None:
        conversation.end_on_reply(session=session, account_id=account.id, contact_id=contact_id,
                                  at=message.timestamp, text=text, now=now)


def _account_status(session: Session, event: WebhookEvent, now: datetime) -> list[Alert]:
    """Apply the status unless a later one of the same account was received: the latest wins."""
    status = event.payload["AccountStatus"]
    provider_account_id = _id(status.get("account_id"))
    if provider_account_id is None:  # not kept as an account status (`event_key`)
        return []
    later = session.execute(select(WebhookEvent.id).where(
        WebhookEvent.kind == "account_status", WebhookEvent.id > event.id,
        WebhookEvent.event_key.startswith(_status_prefix(provider_account_id), autoescape=True)).limit(1)).first()
    if later is not None:
        return []
    account = account_status.locked_account(session, provider_account_id=provider_account_id)
    if account is None:
        return []
    return account_status.apply(session=session, account=account, status=str(status["message"]), now=now)
