"""Where to reach a Teams member proactively: the conversation reference of their personal chat
with the bot, kept in `ChatIdentity.conversation_ref` when the bot is installed or first addressed."""

from __future__ import annotations

from typing import Any

from botbuilder.core import TurnContext
from botbuilder.schema import Activity, ConversationReference
from sqlmodel import select

from core.db import UnitOfWork
from core.workspace.models import ChatIdentity

PLATFORM = "teams"


def tenant_of(activity: Activity) -> str | None:
    conversation = activity.conversation
    if conversation is not None and conversation.tenant_id:
        return conversation.tenant_id
    channel_data = activity.channel_data if isinstance(activity.channel_data, dict) else {}
    tenant = channel_data.get("tenant") if isinstance(channel_data.get("tenant"), dict) else {}
    return tenant.get("id")


def user_key(activity: Activity) -> str | None:
    """The person behind an activity: their AAD object id (stable across chats), else the channel id."""
    who = activity.from_property
    if who is None:
        return None
    return who.aad_object_id or who.id


def is_personal(activity: Activity) -> bool:
    return bool(activity.conversation and activity.conversation.conversation_type == "personal")


def reference_of(activity: Activity) -> dict[str, Any]:
    return TurnContext.get_conversation_reference(activity).serialize()


def reference_from(data: dict[str, Any]) -> ConversationReference:
    return ConversationReference().deserialize(data)


def save_reference(uow: UnitOfWork, *, tenant: str, user: str, reference: dict[str, Any]) -> bool:
    """Store the personal-chat reference on the member's Teams identity; False when unknown."""
    with uow() as session:
        identity = session.exec(select(ChatIdentity).where(
            ChatIdentity.platform == PLATFORM, ChatIdentity.tenant == tenant,
            ChatIdentity.external_user_id == user)).first()
        if identity is None:
            return False
        if identity.conversation_ref != reference:
            identity.conversation_ref = reference
            session.add(identity)
        return True


def references_of_member(uow: UnitOfWork, member_id: int) -> list[dict[str, Any]]:
    """The stored Teams conversation references of one member (one per tenant identity).

    Read-only: the notifier is called inside the caller's unit of work (`deliver_digest`), which on
    SQLite holds the write lock; a writing transaction here would wait for it forever."""
    with uow(read_only=True) as session:
        rows = session.exec(select(ChatIdentity.conversation_ref).where(
            ChatIdentity.platform == PLATFORM, ChatIdentity.member_id == member_id)).all()
        return [r for r in rows if r]
