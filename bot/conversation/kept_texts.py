"""What a campaign form holds beyond its own inputs, kept by the bot between two interactions.

A dialog has room for the texts of only so many languages (the surface's `DialogRoom`); the texts of the
other languages are written on a page of their own, opened on top of the form. Neither a Slack
modal (3,000 characters of private metadata) nor a Teams card (28 KB) can carry dozens of texts,
so the bot keeps them, under a random key held in the form's state and the member's id:

- `texts`: the texts of the languages written on their own page, by field id;
- `typed`: everything the form held when such a page was opened, to redraw the form once the
  page is done (the form underneath does not travel with the page's submission).

The key is no capability: entries live under the member's id, so a key taken from another
member's form finds nothing (the form then reads the campaign's saved texts, which the core gives
only to who may edit it).

Kept in the process's `FormTextStore` (`core.campaigns.form_texts`): Redis when the process has
one (web processes share it), else its memory. Entries expire after a day.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from collections import OrderedDict
from typing import Any

import redis

from core.campaigns.form_texts import PER_MEMBER, TTL_SECONDS, FormTextStore
from core.i18n import t

MEMORY_ENTRIES = 1000
MAX_BYTES = 1_000_000  # 18 languages × 12 texts of a few KB; a client sending more is refused
_PREFIX = "invitebot:form-texts:"


def new_key() -> str:
    return secrets.token_hex(16)


def is_key(value: Any) -> bool:
    return isinstance(value, str) and len(value) == 32 and all(c in "0123456789abcdef" for c in value)


def keep(store: FormTextStore, member_id: int, key: str, *, texts: dict[str, Any],
         typed: dict[str, Any] | None = None) -> None:
    """Keep `texts` (and `typed`, else what was typed before) under the member's `key`."""
    if typed is None:
        typed = (kept(store, member_id, key) or {}).get("typed") or {}
    payload = json.dumps({"texts": texts, "typed": typed}, ensure_ascii=False, separators=(",", ":"))
    if len(payload.encode()) > MAX_BYTES:
        raise ValueError(t("form.texts_too_long"))
    store.put(member_id, key, payload)


def kept(store: FormTextStore, member_id: int, key: str) -> dict[str, dict[str, Any]] | None:
    """{"texts": …, "typed": …} kept under the member's `key`, or None (never kept, or expired)."""
    raw = store.get(member_id, key)
    if raw is None:
        return None
    data = json.loads(raw)
    return {"texts": dict(data.get("texts") or {}), "typed": dict(data.get("typed") or {})}


def forget(store: FormTextStore, member_id: int, key: str) -> None:
    store.drop(member_id, key)


def _name(member_id: int, key: str) -> str:
    return f"{_PREFIX}{member_id}:{key}"


class RedisFormTexts:
    """The store in Redis (web processes share it): each entry expires, and the member's index of
    entries drops the oldest beyond PER_MEMBER."""

    def __init__(self, client: redis.Redis) -> None:
        self.client = client

    def put(self, member_id: int, key: str, payload: str) -> None:
        index = f"{_PREFIX}{member_id}"
        pipe = self.client.pipeline()
        pipe.set(_name(member_id, key), payload, ex=TTL_SECONDS)
        pipe.zadd(index, {key: time.time()})
        pipe.expire(index, TTL_SECONDS)
        pipe.execute()
        extra = int(self.client.zcard(index)) - PER_MEMBER
        if extra > 0:
            oldest: list[tuple[bytes | str, float]] = self.client.zpopmin(index, extra)  # type: ignore[assignment]
            for old, _score in oldest:
                self.client.delete(_name(member_id, old.decode() if isinstance(old, bytes) else old))

    def get(self, member_id: int, key: str) -> str | None:
        raw = self.client.get(_name(member_id, key))
        return raw.decode() if isinstance(raw, bytes) else raw

    def drop(self, member_id: int, key: str) -> None:
        self.client.delete(_name(member_id, key))
        self.client.zrem(f"{_PREFIX}{member_id}", key)


class MemoryFormTexts:
    """The store in this process's memory (one process only: tests, a web process without Redis)."""

    def __init__(self, entries: int = MEMORY_ENTRIES) -> None:
        self._items: OrderedDict[str, tuple[float, str]] = OrderedDict()
        self._entries = entries
        self._lock = threading.Lock()

    def put(self, member_id: int, key: str, payload: str) -> None:
        name = _name(member_id, key)
        with self._lock:
            self._items[name] = (time.monotonic() + TTL_SECONDS, payload)
            self._items.move_to_end(name)
            mine = [k for k in self._items if k.startswith(_name(member_id, ""))]
            for old in mine[:-PER_MEMBER]:
                del self._items[old]
            while len(self._items) > self._entries:
                self._items.popitem(last=False)

    def get(self, member_id: int, key: str) -> str | None:
        with self._lock:
            expires, raw = self._items.get(_name(member_id, key), (0.0, None))
            if raw is not None and expires < time.monotonic():
                self._items.pop(_name(member_id, key), None)
                return None
            return raw

    def drop(self, member_id: int, key: str) -> None:
        with self._lock:
            self._items.pop(_name(member_id, key), None)
