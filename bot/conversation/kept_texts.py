"""What a campaign form holds beyond its own inputs, kept by the bot between two interactions.

A dialog has room for the texts of only so many languages (`form.DIALOG_ROOM`); the texts of the
other languages are written on a page of their own, opened on top of the form. Neither a Slack
modal (3,000 characters of private metadata) nor a Teams card (28 KB) can carry dozens of texts,
so the bot keeps them, under a random key held in the form's state and the member's id:

- `texts`: the texts of the languages written on their own page, by field id;
- `typed`: everything the form held when such a page was opened, to redraw the form once the
  page is done (the form underneath does not travel with the page's submission).

The key is no capability: entries live under the member's id, so a key taken from another
member's form finds nothing (the form then reads the campaign's saved texts, which the core gives
only to who may edit it).

Redis when the process has one (web processes share it), else this process's memory (one
process: tests, a single `invitebot web` without a broker). Entries expire after a day.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from collections import OrderedDict
from typing import Any

TTL_SECONDS = 24 * 3600
MEMORY_ENTRIES = 1000
PER_MEMBER = 10  # forms of one member kept at once; the oldest goes first
MAX_BYTES = 1_000_000  # 18 languages × 12 texts of a few KB; a client sending more is refused
_PREFIX = "invitebot:form-texts:"
_memory: OrderedDict[str, tuple[float, str]] = OrderedDict()
_memory_lock = threading.Lock()


def new_key() -> str:
    return secrets.token_hex(16)


def is_key(value: Any) -> bool:
    return isinstance(value, str) and len(value) == 32 and all(c in "0123456789abcdef" for c in value)


def _name(member_id: int, key: str) -> str:
    return f"{_PREFIX}{member_id}:{key}"


def keep(ctx, member_id: int, key: str, *, texts: dict[str, Any], typed: dict[str, Any] | None = None) -> None:
    """Keep `texts` (and `typed`, else what was typed before) under the member's `key`."""
    if typed is None:
        typed = (kept(ctx, member_id, key) or {}).get("typed") or {}
    payload = json.dumps({"texts": texts, "typed": typed}, ensure_ascii=False, separators=(",", ":"))
    if len(payload.encode()) > MAX_BYTES:
        raise ValueError("these texts are too long to keep: shorten them (a few thousand characters each at most)")
    client = ctx.extras.get("redis")
    if client is not None:
        _keep_in_redis(client, member_id, key, payload)
        return
    name = _name(member_id, key)
    with _memory_lock:
        _memory[name] = (time.monotonic() + TTL_SECONDS, payload)
        _memory.move_to_end(name)
        mine = [k for k in _memory if k.startswith(_name(member_id, ""))]
        for old in mine[:-PER_MEMBER]:
            del _memory[old]
        while len(_memory) > MEMORY_ENTRIES:
            _memory.popitem(last=False)


def _keep_in_redis(client, member_id: int, key: str, payload: str) -> None:
    """The entry, and the member's index of entries (oldest dropped beyond PER_MEMBER)."""
    index = f"{_PREFIX}{member_id}"
    pipe = client.pipeline()
    pipe.set(_name(member_id, key), payload, ex=TTL_SECONDS)
    pipe.zadd(index, {key: time.time()})
    pipe.expire(index, TTL_SECONDS)
    pipe.execute()
    extra = client.zcard(index) - PER_MEMBER
    if extra > 0:
        for old, _score in client.zpopmin(index, extra):
            client.delete(_name(member_id, old.decode() if isinstance(old, bytes) else old))


def kept(ctx, member_id: int, key: str) -> dict[str, dict[str, Any]] | None:
    """{"texts": …, "typed": …} kept under the member's `key`, or None (never kept, or expired)."""
    client = ctx.extras.get("redis")
    if client is not None:
        raw = client.get(_name(member_id, key))
    else:
        with _memory_lock:
            expires, raw = _memory.get(_name(member_id, key), (0.0, None))
            if raw is not None and expires < time.monotonic():
                _memory.pop(_name(member_id, key), None)
                raw = None
    if raw is None:
        return None
    data = json.loads(raw)
    return {"texts": dict(data.get("texts") or {}), "typed": dict(data.get("typed") or {})}


def forget(ctx, member_id: int, key: str) -> None:
    client = ctx.extras.get("redis")
    if client is not None:
        client.delete(_name(member_id, key))
        client.zrem(f"{_PREFIX}{member_id}", key)
    else:
        with _memory_lock:
            _memory.pop(_name(member_id, key), None)
