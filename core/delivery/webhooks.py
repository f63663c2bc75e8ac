"""Provider webhooks (contracts/unipile.md): stored once by a key (redeliveries are harmless),
answered at once by the web app, processed by the worker: `new_relation` → acceptance; message
events → the conversation (a reply ends the sequence); account status → account valid or not."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session

from core.campaigns.models import STATUS_ACTIVE, Campaign
from core.db import session_scope
from core.delivery import acceptance, conversation
from core.delivery.linkedin.port import ChatMessage
from core.delivery.models import Enrollment, WebhookEvent
from core.delivery.notify import Alert
from core.sources.models import Contact
from core.workspace.models import ACCOUNT_DISCONNECTED_PAUSE

BAD_STATUSES = {"CREDENTIALS", "ERROR", "STOPPED", "DELETED", "DISCONNECTED"}
GOOD_STATUSES = {"OK", "RECONNECTED", "CREATION_SUCCESS", "SYNC_SUCCESS"}


def _parse_time(value: Any, default: datetime) -> datetime:
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
            if parsed.tzinfo is not None:
                return parsed
        except ValueError:
            pass
    return default


def event_key(payload: dict) -> tuple[str, str] | None:
    """(key, kind) of a webhook body, None when it is not one we know."""
    if not isinstance(payload, dict):
        return None
    event = payload.get("event")
    if event == "new_relation" and payload.get("account_id") and payload.get("user_provider_id"):
        return f"relation:{payload['account_id']}:{payload['user_provider_id']}", "new_relation"
    if payload.get("message_id") and payload.get("account_id") and payload.get("chat_id"):
        return f"message:{payload['account_id']}:{payload['message_id']}", "message"
    status = payload.get("AccountStatus")
    if isinstance(status, dict) and status.get("account_id") and status.get("message"):
        return f"status:{status['account_id']}:{status['message']}:{payload.get('timestamp', '')}", "account_status"
    return None


def store_event(*, session: Session, payload: dict, now: datetime) -> tuple[int | None, bool]:
    """Keep an incoming event; (id, new). (None, False) for a body we do not know."""
    key = event_key(payload)
    if key is None:
        return None, False
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    inserted = session.execute(dialect.insert(WebhookEvent.__table__).values(
        provider="unipile", event_key=key[0][:200], kind=key[1], payload=payload, received_at=now,
    ).on_conflict_do_nothing(index_elements=["event_key"]).returning(WebhookEvent.__table__.c.id)).first()
    if inserted is not None:
        return inserted[0], True
    return session.execute(select(WebhookEvent.id).where(WebhookEvent.event_key == key[0][:200])).scalar_one(), False


def process_event(*, engine, clock, settings, event_id: int) -> tuple[str, list[Alert]]:
    """Apply one stored event once (processed_at marks it)."""
    alerts: list[Alert] = []
    with session_scope(engine) as session:
        event = session.get(WebhookEvent, event_id)
        if event is None or event.processed_at is not None:
            return "done", alerts
        p, now = event.payload, clock.now()
        if event.kind == "new_relation":
            account = acceptance.account_by_provider_id(session, str(p["account_id"]))
            if account is not None:
                acceptance.record_relation(session=session, account=account, provider_user_id=str(p["user_provider_id"]),
                                           public_identifier=p.get("user_public_identifier"), connected_at=None,
                                           source="webhook", now=now, public_url=settings.public_url)
        elif event.kind == "message":
            _message(session, p, now)
        elif event.kind == "account_status":
            alerts += _account_status(session, p["AccountStatus"], now)
        event.processed_at = now
        session.add(event)
    return event.kind, alerts


def _message(session: Session, p: dict, now: datetime) -> None:
    account = acceptance.account_by_provider_id(session, str(p["account_id"]))
    if account is None:
        return
    sender = (p.get("sender") or {}).get("attendee_provider_id")
    is_sender = bool(p["is_sender"]) if "is_sender" in p else (sender is not None and sender == account.provider_user_id)
    chat_id = str(p["chat_id"])
    enrollment = session.execute(select(Enrollment).where(Enrollment.account_id == account.id,
                                                          Enrollment.chat_id == chat_id)).scalars().first()
    contact_id = enrollment.contact_id if enrollment else None
    if contact_id is None and not is_sender and sender:
        contact_id = session.execute(select(Contact.id).where(Contact.workspace_id == account.workspace_id,
                                                              Contact.provider_id == sender)).scalar()
    text = str(p.get("message") or "")
    message = ChatMessage(message_id=str(p["message_id"]), chat_id=chat_id, sender_id=sender, is_sender=is_sender,
                          timestamp=min(_parse_time(p.get("timestamp"), now), now), text=text)
    new = conversation.record_message(session=session, account_id=account.id, contact_id=contact_id, message=message)
    if new and not is_sender and contact_id is not None:
        conversation.end_on_reply(session=session, account_id=account.id, contact_id=contact_id,
                                  at=message.timestamp, text=text, now=now)


def _account_status(session: Session, status: dict, now: datetime) -> list[Alert]:
    account = acceptance.account_by_provider_id(session, str(status["account_id"]))
    if account is None:
        return []
    message = str(status["message"]).upper()
    if message in BAD_STATUSES and account.status != "invalid":
        account.status = "invalid"
        session.add(account)
        session.execute(update(Campaign).where(Campaign.sender_id == account.member_id, Campaign.status == STATUS_ACTIVE,
                                               Campaign.paused_reason.is_(None))
                        .values(paused_reason=ACCOUNT_DISCONNECTED_PAUSE, updated_at=now))
        return [Alert(workspace_id=account.workspace_id, member_id=account.member_id, kind="account_disconnected",
                      title="Your LinkedIn account is disconnected",
                      text="Your campaigns are paused until you reconnect your LinkedIn account.",
                      action_hint="Use `connect` to link your account again.")]
    if message in GOOD_STATUSES and account.status == "invalid":
        account.status = "valid"
        session.add(account)
        # Lifts exactly the pause the disconnection put (another pause stays until `activate`).
        session.execute(update(Campaign).where(Campaign.sender_id == account.member_id, Campaign.status == STATUS_ACTIVE,
                                               Campaign.paused_reason == ACCOUNT_DISCONNECTED_PAUSE)
                        .values(paused_reason=None, updated_at=now))
    return []
