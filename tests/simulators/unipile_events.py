"""What the Unipile simulator posts to us: webhook bodies exactly as Unipile documents them
(developer.unipile.com: "New relation", "New messages", "Account status updates") and the
hosted-auth callback — no field the real service does not send.

- `new_relation`: `{event, account_id, account_type, webhook_name, user_full_name, user_provider_id,
  user_public_identifier, user_profile_url, user_picture_url}`;
- messages: `{account_id, account_type, event, chat_id, timestamp, webhook_name, message_id, message,
  sender{attendee_id, attendee_name, attendee_provider_id, attendee_profile_url}, attendees[…],
  attachments[…]}` with `event` one of `message_received`, `message_read`, `message_reaction`
  (`reaction`, `reaction_sender` for the last) — and no `is_sender`: our own messages come back
  with our own provider id as the sender;
- account status: `{"AccountStatus": {account_id, account_type, message}}`, no timestamp.

`deliver` posts an event the way Unipile routes it: to every registered webhook of the event's
source, and for `messaging` only when the webhook's `events` (default `["message_received"]`)
include it; `emit_webhook` posts to one URL whatever the webhooks say.
"""

from __future__ import annotations

import asyncio
import json
from datetime import datetime, timezone
from typing import Any

import aiohttp

MESSAGE_EVENTS = ("message_received", "message_read", "message_reaction")
DEFAULT_MESSAGE_EVENTS = ("message_received",)


def iso(when: datetime) -> str:
    """Unipile's timestamps: ISO 8601 in UTC with milliseconds and a Z."""
    return when.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"


def source_of(payload: dict) -> str | None:
    """The webhook source that carries this body."""
    if "AccountStatus" in payload:
        return "account_status"
    if payload.get("event") == "new_relation":
        return "users"
    if payload.get("event") in MESSAGE_EVENTS:
        return "messaging"
    return None


class EventsMixin:
    """The outgoing side of `UnipileSimulator` (it provides profile, chats, webhooks, _lock, _loop)."""

    def own_provider_id(self, account_id: str) -> str:
        """The LinkedIn provider id of the connected account itself (what `GET /users/me` answers)."""
        return f"me-{account_id}"

    def _attendee(self, provider_id: str, account_id: str) -> dict[str, Any]:
        if provider_id == self.own_provider_id(account_id):
            name = "Account Owner"
        else:
            prof = self.profile(provider_id)
            name = f"{prof['first_name']} {prof['last_name']}"
        return {"attendee_id": f"att-{provider_id[-12:]}", "attendee_name": name,
                "attendee_provider_id": provider_id,
                "attendee_profile_url": f"https://www.linkedin.com/in/{provider_id}/"}

    def new_relation_event(self, account_id: str, provider_id: str, webhook_name: str = "invitebot-users") -> dict:
        prof = self.profile(provider_id)
        return {"event": "new_relation", "account_id": account_id, "account_type": "LINKEDIN",
                "webhook_name": webhook_name, "user_full_name": f"{prof['first_name']} {prof['last_name']}",
                "user_provider_id": provider_id, "user_public_identifier": prof["public_identifier"],
                "user_profile_url": f"https://www.linkedin.com/in/{prof['public_identifier']}",
                "user_picture_url": None}

    def message_event(self, message: dict[str, Any], event: str = "message_received",
                      webhook_name: str = "invitebot-messaging", reaction: str = "👍") -> dict:
        """The body Unipile posts for `message` (one of `self.messages`): its arrival, its reading or a
        reaction to it. A reaction or a read carries the message's own id, text and sender."""
        if event not in MESSAGE_EVENTS:
            raise ValueError(f"unknown message event {event!r}")
        chat = self.chats[message["chat_id"]]
        account_id = message["account_id"]
        me, contact = self.own_provider_id(account_id), chat["attendee"]
        sender = self._attendee(me if message["is_sender"] else contact, account_id)
        body = {"account_id": account_id, "account_type": "LINKEDIN", "event": event, "chat_id": message["chat_id"],
                "timestamp": iso(message["timestamp"]), "webhook_name": webhook_name, "message_id": message["id"],
                "message": message["text"], "sender": sender,
                "attendees": [self._attendee(contact, account_id)], "attachments": []}
        if event == "message_reaction":  # the contact reacts to the message
            body["reaction"], body["reaction_sender"] = reaction, self._attendee(contact, account_id)
        return body

    def account_status_event(self, account_id: str, message: str) -> dict:
        return {"AccountStatus": {"account_id": account_id, "account_type": "LINKEDIN", "message": message}}

    def set_account_status(self, account_id: str, message: str) -> dict:
        """The account's status changes at the provider (`GET /accounts/{id}` answers it from now on;
        CREDENTIALS also makes account calls answer 401); returns the webhook body announcing it."""
        with self._lock:
            self.account_statuses[account_id] = message
            if message == "CREDENTIALS":
                self.disconnected_accounts.add(account_id)
            else:
                self.disconnected_accounts.discard(account_id)
        return self.account_status_event(account_id, message)

    # -- posting -------------------------------------------------------------------------------

    async def emit_webhook_async(self, url: str, payload: dict, *, headers: dict[str, str] | None = None) -> int:
        """POST an event like Unipile does: the headers registered for that URL, JSON text body."""
        if headers is None:
            with self._lock:
                hook = next((w for w in self.webhooks.values() if w["request_url"] == url), None)
            headers = {h["key"]: h["value"] for h in (hook or {}).get("headers", [])}
        async with aiohttp.ClientSession() as session:
            async with session.post(url, data=json.dumps(payload).encode(), headers=headers) as resp:
                await resp.read()
                return resp.status

    def subscribed(self, payload: dict) -> list[dict[str, Any]]:
        """The registered webhooks Unipile would post this body to."""
        source = source_of(payload)
        with self._lock:
            hooks = [dict(h) for h in self.webhooks.values() if h.get("source") == source]
        if source == "messaging":
            hooks = [h for h in hooks if payload["event"] in (h.get("events") or DEFAULT_MESSAGE_EVENTS)]
        return hooks

    async def deliver_async(self, payload: dict) -> list[int]:
        """Post the body to every webhook subscribed to it (our HTTP statuses, one per webhook)."""
        return [await self.emit_webhook_async(h["request_url"], payload) for h in self.subscribed(payload)]

    async def complete_hosted_auth_async(self, link: int = -1, *, account_id: str | None = None,
                                         status: str = "CREATION_SUCCESS", notify_url: str | None = None) -> tuple[int, str]:
        """The member went through the hosted wizard of `hosted_links[link]`: the account exists, and
        Unipile posts `{status, account_id, name}` to the link's `notify_url` (or `notify_url` given,
        e.g. a forged one). Returns (our HTTP status, the account id)."""
        with self._lock:
            request = self.hosted_links[link]
            account_id = account_id or self._next_id("acc_")
            self.connected_accounts[account_id] = str(request.get("name") or "")
        body = {"status": status, "account_id": account_id, "name": request.get("name")}
        async with aiohttp.ClientSession() as session:
            async with session.post(notify_url or request["notify_url"], data=json.dumps(body).encode()) as resp:
                await resp.read()
                return resp.status, account_id

    def _sync(self, coro, name: str):
        if self._loop is None or self._thread is None:
            coro.close()
            raise RuntimeError(f"{name} needs start_in_thread(); use {name}_async in async tests")
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(30)

    def complete_hosted_auth(self, link: int = -1, **kwargs) -> tuple[int, str]:
        """Sync form, for a simulator started with `start_in_thread`."""
        return self._sync(self.complete_hosted_auth_async(link, **kwargs), "complete_hosted_auth")

    def emit_webhook(self, url: str, payload: dict, *, headers: dict[str, str] | None = None) -> int:
        """Sync form, for a simulator started with `start_in_thread`."""
        return self._sync(self.emit_webhook_async(url, payload, headers=headers), "emit_webhook")

    def deliver(self, payload: dict) -> list[int]:
        """Sync form, for a simulator started with `start_in_thread`."""
        return self._sync(self.deliver_async(payload), "deliver")
