"""The names a type-ahead offers, kept a few seconds in the process that asked for them.

Each keystroke of a campaign name, a program or a source is a request; with thousands of names,
asking the database each time for the names *containing* the typed text is a scan, and under a
burst of keystrokes those scans queue up. So the first keystroke of a scope (a workspace's
programs, the campaigns an actor may edit, the sources a sender may use) loads every name of it,
and the next ones are searched in memory, in the database's order: names starting with the typed
text, then names containing it, each by name (`NameIndex`).

A scope is kept SECONDS; whoever changes names in this process forgets the workspace's scopes at
once (a campaign just created is offered on the next keystroke); a change made by another process
shows within SECONDS. What is offered is a suggestion only: what is submitted is checked again by
the core. A scope of more names than MAX_PER_SCOPE is not kept (its keystrokes ask the database)."""

from __future__ import annotations

import threading
import time
from bisect import bisect_left, bisect_right
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from typing import Generic, TypeVar

SECONDS = 15.0
MAX_PER_SCOPE = 20_000
MAX_NAMES = 200_000  # all scopes together; the least recently used go first
T = TypeVar("T")


class NameIndex(Generic[T]):
    """Items sorted by (name key, id), searched as the type-ahead queries search: keys starting
    with the typed key first, then keys containing it, each in key order. The keys starting with it
    are a range of the sorted keys; the keys containing it are found by `str.find` over all keys."""

    def __init__(self, rows: Sequence[tuple[str, int, T]]) -> None:
        ordered = sorted(rows, key=lambda r: (r[0], r[1]))
        self.keys = [r[0] for r in ordered]
        self.items = [r[2] for r in ordered]
        self.starts: list[int] = []
        offset = 0
        for key in self.keys:
            self.starts.append(offset)
            offset += len(key) + 1
        self.blob = "\n".join(self.keys)  # keys hold no line break (`name_key` removes white space)

    def __len__(self) -> int:
        return len(self.keys)

    def search(self, key: str, limit: int) -> list[T]:
        if limit <= 0:
            return []
        if not key:
            return self.items[:limit]
        found: list[T] = []
        i = bisect_left(self.keys, key)
        while i < len(self.keys) and len(found) < limit and self.keys[i].startswith(key):
            found.append(self.items[i])
            i += 1
        position = 0
        while len(found) < limit:
            hit = self.blob.find(key, position)
            if hit < 0:
                break
            j = bisect_right(self.starts, hit) - 1
            if not self.keys[j].startswith(key):
                found.append(self.items[j])
            position = self.starts[j] + len(self.keys[j]) + 1
        return found


class NameCache:
    """Scopes of names of this process (safe across threads), each kept `seconds`."""

    def __init__(self, *, seconds: float = SECONDS, max_names: int = MAX_NAMES,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.seconds, self.max_names, self.clock = seconds, max_names, clock
        self._kept: OrderedDict[Hashable, tuple[float, int, tuple[NameIndex, ...]]] = OrderedDict()
        self._held = 0
        self._lock = threading.Lock()

    def get(self, scope: Hashable) -> tuple[NameIndex, ...] | None:
        with self._lock:
            kept = self._kept.get(scope)
            if kept is None or self.clock() - kept[0] > self.seconds:
                return None
            self._kept.move_to_end(scope)
            return kept[2]

    def put(self, scope: Hashable, workspace_id: int, indexes: tuple[NameIndex, ...]) -> None:
        with self._lock:
            self._drop(scope)
            self._kept[scope] = (self.clock(), workspace_id, indexes)
            self._held += sum(len(i) for i in indexes)
            while self._held > self.max_names and len(self._kept) > 1:
                self._drop(next(iter(self._kept)))

    def forget(self, workspace_id: int) -> None:
        """Names of this workspace changed: its scopes are loaded again at the next keystroke."""
        with self._lock:
            for scope in [s for s, kept in self._kept.items() if kept[1] == workspace_id]:
                self._drop(scope)

    def _drop(self, scope: Hashable) -> None:
        gone = self._kept.pop(scope, None)
        if gone is not None:
            self._held -= sum(len(i) for i in gone[2])
