"""The in-memory stand-ins of the services the core talks to through its ports (STYLE: a protocol,
a real implementation, an in-memory one). The product's own in-memory implementations are used as
they are: `core.clock.FrozenClock`, `core.notify.LoggingNotifier`, `core.tasks.RecordedTasks`,
`bot.conversation.kept_texts.MemoryFormTexts`.

- `FakeGateway`: the LinkedIn gateway (`core.delivery.linkedin.port`), keeping the provider's side
  (pending invitations, relations, chats) and every call, with fault injection (raise an error
  instead of acting, or act and then raise — a timeout after the action; the chat listing can fail
  too).
- `ChatPlatform`: one chat platform behind `core.notify.FanoutNotifier`, answering every digest
  with the delivery it was given (or raising it), keeping what it was handed."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from core.notify import Alert, DigestDelivery, DigestOutcome, DigestView
from core.delivery.linkedin.port import (
    AlreadyConnected, AlreadyInvited, ChatMessage, InvitationSent, MessageSent, Page, PeopleSearch, PendingInvitation,
    Profile, RelationInfo, SearchPage, SearchParameter,
)


@dataclass
class Call:
    op: str
    args: dict[str, Any]


@dataclass
class FakeGateway:
    clock: Any
    name: str = "fake"
    calls: list[Call] = field(default_factory=list)
    pending: dict[tuple[str, str], str] = field(default_factory=dict)  # (account, provider id) -> invitation id
    relations: dict[tuple[str, str], datetime] = field(default_factory=dict)
    messages: dict[str, list[ChatMessage]] = field(default_factory=dict)  # chat id -> messages
    faults: dict[str, list[tuple[Exception, bool]]] = field(default_factory=dict)
    on_call: Any = None  # a hook run inside every acting call (tests pause or kill there)
    statuses: dict[str, str] = field(default_factory=dict)  # account -> status at the provider (OK when absent)
    search_results: list[Profile] = field(default_factory=list)  # what every people search finds, in order
    unknown_names: set[str] = field(default_factory=set)  # filter names no LinkedIn id stands for
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _seq: int = 0

    def fail_next(self, op: str, error: Exception, *, after_action: bool = False, times: int = 1) -> None:
        self.faults.setdefault(op, []).extend([(error, after_action)] * times)

    def _fault(self, op: str):
        queue = self.faults.get(op) or []
        return queue.pop(0) if queue else (None, False)

    def _next(self, prefix: str) -> str:
        self._seq += 1
        return f"{prefix}{self._seq}"

    def acting_calls(self, op: str) -> list[Call]:
        return [c for c in self.calls if c.op == op]

    # -- the port ----------------------------------------------------------------------------

    def resolve_profile(self, *, account_id: str, identifier: str) -> Profile:
        self.calls.append(Call("resolve_profile", {"identifier": identifier}))
        return Profile(provider_id=f"pid-{identifier}", public_identifier=identifier)

    def send_invitation(self, *, account_id: str, provider_id: str, note: str | None) -> InvitationSent:
        with self._lock:
            self.calls.append(Call("send_invitation", {"account_id": account_id, "provider_id": provider_id, "note": note}))
            error, after = self._fault("send_invitation")
            if error is not None and not after:
                raise error
            if (account_id, provider_id) in self.relations:
                raise AlreadyConnected()
            if (account_id, provider_id) in self.pending:
                raise AlreadyInvited()
            invitation_id = self._next("inv-")
            self.pending[(account_id, provider_id)] = invitation_id
        if self.on_call:
            self.on_call("send_invitation")
        if error is not None:
            raise error
        return InvitationSent(invitation_id)

    def list_sent_invitations(self, *, account_id: str, cursor: str | None = None, limit: int = 100) -> Page:
        self.calls.append(Call("list_sent_invitations", {"account_id": account_id}))
        items = [PendingInvitation(invitation_id=i, provider_user_id=p)
                 for (a, p), i in self.pending.items() if a == account_id]
        return Page(items=items)

    def withdraw_invitation(self, *, account_id: str, invitation_id: str) -> None:
        self.calls.append(Call("withdraw_invitation", {"account_id": account_id, "invitation_id": invitation_id}))
        for key, value in list(self.pending.items()):
            if key[0] == account_id and value == invitation_id:
                del self.pending[key]

    def list_relations(self, *, account_id: str, cursor: str | None = None, limit: int = 100) -> Page:
        self.calls.append(Call("list_relations", {"account_id": account_id}))
        return Page(items=[RelationInfo(provider_user_id=p, public_identifier=p.removeprefix("pid-"), connected_at=at)
                           for (a, p), at in self.relations.items() if a == account_id])

    def accept(self, account_id: str, provider_id: str, at: datetime) -> None:
        self.pending.pop((account_id, provider_id), None)
        self.relations[(account_id, provider_id)] = at

    def send_message(self, *, account_id: str, text: str, chat_id: str | None = None,
                     provider_id: str | None = None) -> MessageSent:
        with self._lock:
            self.calls.append(Call("send_message", {"account_id": account_id, "chat_id": chat_id,
                                                    "provider_id": provider_id, "text": text}))
            error, after = self._fault("send_message")
            if error is not None and not after:
                raise error
            chat_id = chat_id or f"chat-{account_id}-{provider_id}"
            message = ChatMessage(message_id=self._next("msg-"), chat_id=chat_id, sender_id=account_id,
                                  is_sender=True, timestamp=self.clock.now(), text=text)
            self.messages.setdefault(chat_id, []).append(message)
        if error is not None:
            raise error
        return MessageSent(chat_id=chat_id, message_id=message.message_id)

    def reply(self, chat_id: str, text: str, at: datetime, *, from_sender: bool = False) -> ChatMessage:
        message = ChatMessage(message_id=self._next("msg-"), chat_id=chat_id, sender_id="x", is_sender=from_sender,
                              timestamp=at, text=text)
        self.messages.setdefault(chat_id, []).append(message)
        return message

    def list_messages(self, *, account_id: str, chat_id: str, after: datetime | None = None,
                      limit: int = 100) -> list[ChatMessage]:
        self.calls.append(Call("list_messages", {"chat_id": chat_id}))
        return [m for m in self.messages.get(chat_id, []) if after is None or m.timestamp > after][:limit]

    def list_chats_with(self, *, account_id: str, provider_id: str) -> list[str]:
        self.calls.append(Call("list_chats_with", {"account_id": account_id, "provider_id": provider_id}))
        error, _ = self._fault("list_chats_with")
        if error is not None:
            raise error
        chat_id = f"chat-{account_id}-{provider_id}"
        return [chat_id] if self.messages.get(chat_id) else []

    def search_people(self, *, account_id: str, query: dict[str, Any], limit: int = 50) -> list[Profile]:
        return []

    def search_page(self, *, account_id: str, search: PeopleSearch, cursor: str | None = None,
                    limit: int = 50) -> SearchPage:
        self.calls.append(Call("search_page", {"account_id": account_id, "search": search, "cursor": cursor,
                                               "limit": limit}))
        error, _ = self._fault("search_page")
        if error is not None:
            raise error
        start = int(cursor or 0)
        end = start + limit
        return SearchPage(people=self.search_results[start:end],
                          cursor=str(end) if end < len(self.search_results) else None)

    def search_parameters(self, *, account_id: str, kind: str, keywords: str, limit: int = 5) -> list[SearchParameter]:
        self.calls.append(Call("search_parameters", {"kind": kind, "keywords": keywords}))
        error, _ = self._fault("search_parameters")
        if error is not None:
            raise error
        return [] if keywords in self.unknown_names else [SearchParameter(id=f"{kind}:{keywords}", title=keywords)]

    def hosted_link(self, *, member_ref: str, success_url: str | None = None) -> str:
        return "https://example.invalid/link"

    def register_webhook(self, *, request_url: str, secret: str, source: str) -> str:
        return "wh-1"

    def account_status(self, *, account_id: str) -> str:
        self.calls.append(Call("account_status", {"account_id": account_id}))
        error, _ = self._fault("account_status")
        if error is not None:
            raise error
        return self.statuses.get(account_id, "OK")


class ChatPlatform:
    """A chat platform answering each digest with `answer` (raised when it is an exception)."""

    def __init__(self, answer: DigestDelivery | Exception = DigestDelivery(DigestOutcome.UNREACHABLE)) -> None:
        self.answer = answer
        self.given: list[tuple[DigestView, Any]] = []  # (digest, what an earlier attempt posted)
        self.alerts: list[Alert] = []

    def send_digest(self, digest: DigestView, posted=None) -> DigestDelivery:
        self.given.append((digest, posted))
        if isinstance(self.answer, Exception):
            raise self.answer
        return self.answer

    def send_alert(self, alert: Alert) -> None:
        self.alerts.append(alert)
