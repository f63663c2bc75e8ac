"""The type-ahead while someone types: each keystroke of a campaign name or a source is a request,
and asking the database each time (a query over thousands of campaigns or segments, on a worker
thread) was most of an options request. The first keystroke loads every name that lookup can
offer the member (`options`: what the core lets them see and pick), kept as a snapshot per scope
of that list: per workspace for programs and for an admin's campaign names, per member for a
member's own campaigns, per sender for sources (the sender an admin picked, or the member
themself; nobody's while a member's form names someone else); the next ones are
answered from memory, in the order the database gives (names starting with the typed text, then
names containing it, each by name in code-point order; finders before segments).

A snapshot lives SNAPSHOT_SECONDS; an interaction of this process that writes forgets its
workspace's snapshots at once, so a campaign just created is offered on the next keystroke. A
write by another process (another web process, the CLI) shows within SNAPSHOT_SECONDS. The
choices are suggestions only: what is submitted is checked by the core (a source the sender may
no longer use is refused on submit). A lookup with more than SNAPSHOT_MAX names is not kept: its
keystrokes ask the database as before. Who may see what is learnt from the database at each load,
so a member made admin, or no longer admin, sees their new lists within SNAPSHOT_SECONDS.
"""

from __future__ import annotations

import asyncio
import threading
import time
from bisect import bisect_left, bisect_right
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Callable, Generic, Sequence, TypeVar

from sqlmodel import Session

from bot.conversation import options as opts
from bot.conversation.views import Option, OptionGroup
from core.campaigns.naming import name_key
from core.workspace.models import Member

SNAPSHOT_SECONDS = 15.0
SNAPSHOT_MAX = 20_000
MAX_NAMES_HELD = 200_000  # per process, all snapshots together; the least recently used go first
CACHED = frozenset({"campaign_name", "program", "source"})
T = TypeVar("T")


class NameIndex(Generic[T]):
    """Items sorted by (name key, id), searched as the type-ahead queries search: keys starting
    with the typed key first, then keys containing it, each in key order. The prefix is a range of
    the sorted keys; containing keys are found by `str.find` over all keys joined (C speed)."""

    def __init__(self, rows: Sequence[tuple[str, int, T]]) -> None:
        ordered = sorted(rows, key=lambda r: (r[0], r[1]))
        self.keys = [r[0] for r in ordered]
        self.items = [r[2] for r in ordered]
        self.starts, offset = [], 0
        for key in self.keys:
            self.starts.append(offset)
            offset += len(key) + 1
        self.blob = "\n".join(self.keys)  # keys hold no whitespace (`name_key` removes it)

    def __len__(self) -> int:
        return len(self.keys)

    def search(self, key: str, limit: int) -> list[T]:
        if limit <= 0:
            return []
        if not key:
            return self.items[:limit]
        found = []
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


@dataclass
class _Snapshot:
    loaded_at: float
    workspace_id: int
    indexes: tuple[NameIndex, ...]  # names: one; sources: finders, segments

    @property
    def size(self) -> int:
        return sum(len(index) for index in self.indexes)


class Suggestions:
    """This process's snapshots, safe across threads (loads happen on worker threads)."""

    def __init__(self, *, seconds: float = SNAPSHOT_SECONDS, clock: Callable[[], float] = time.monotonic) -> None:
        self.seconds, self.clock = seconds, clock
        self._snapshots: OrderedDict[tuple, _Snapshot] = OrderedDict()
        # member id → (when, workspace id, who they were then: what the core's rules read of them)
        self._workspace_of: dict[int, tuple[float, int, _Asker]] = {}
        self._held = 0  # names in all snapshots
        self._lock = threading.Lock()
        # Bumped by forgets (all of them; and per workspace): a load that began before a forget
        # of its workspace does not keep what it read.
        self._generation = 0
        self._generations: dict[int, int] = {}

    def choices(self, member_id: int, lookup: str, query: str, values: dict[str, Any]):
        """The choices from memory, or None when this must ask the database."""
        with self._lock:
            known = self._workspace_of.get(member_id)
            if lookup not in CACHED or known is None or self.clock() - known[0] > self.seconds:
                return None
            key = _key(lookup, known[1], member_id, known[2], values)
            snapshot = self._snapshots.get(key)
            if snapshot is None or self.clock() - snapshot.loaded_at > self.seconds:
                return None
            self._snapshots.move_to_end(key)
        return _answer(lookup, snapshot.indexes, query)

    def ticket(self, member_id: int) -> tuple:
        """Taken before the unit of work that loads a snapshot begins (see `load`)."""
        with self._lock:
            known = self._workspace_of.get(member_id)
            if known is None:
                return None, self._generation
            return known[1], self._generations.get(known[1], 0)

    def _still_valid(self, ticket: tuple | None, workspace_id: int) -> bool:
        if ticket is None:
            return True
        ticket_workspace, generation = ticket
        if ticket_workspace is None:
            return generation == self._generation
        return ticket_workspace == workspace_id and generation == self._generations.get(workspace_id, 0)

    def load(self, session: Session, actor: Member, lookup: str, query: str, values: dict[str, Any],
             ticket: tuple | None = None):
        """The choices from the database, keeping the snapshot when it is small enough (runs in
        the interaction's unit of work, on a worker thread). `ticket`: `self.ticket()` taken before
        that unit of work began; if the workspace was forgotten since, the snapshot may predate a
        write and is not kept."""
        if not actor.active:
            # An inactive member creates no campaign: nothing to suggest, nothing kept, and nothing
            # answered from memory any more.
            with self._lock:
                self._workspace_of.pop(actor.id, None)
            return []
        now = self.clock()
        with self._lock:
            self._workspace_of[actor.id] = (now, actor.workspace_id, _Asker.of(actor))
        if lookup not in CACHED:
            return opts.options_for(None, session, actor, lookup, query, values)
        indexes = _load(session, actor, lookup, values)
        if indexes is None:
            return opts.options_for(None, session, actor, lookup, query, values)
        with self._lock:
            if self._still_valid(ticket, actor.workspace_id):
                self._keep(_key(lookup, actor.workspace_id, actor.id, _Asker.of(actor), values),
                           _Snapshot(now, actor.workspace_id, indexes))
        return _answer(lookup, indexes, query)

    def _keep(self, key: tuple, snapshot: _Snapshot) -> None:
        self._drop(key)
        self._snapshots[key] = snapshot
        self._held += snapshot.size
        while self._held > MAX_NAMES_HELD and len(self._snapshots) > 1:
            self._drop(next(iter(self._snapshots)))

    def _drop(self, key: tuple) -> None:
        gone = self._snapshots.pop(key, None)
        if gone is not None:
            self._held -= gone.size

    def forget_workspace(self, workspace_id: int) -> None:
        with self._lock:
            self._generation += 1
            self._generations[workspace_id] = self._generations.get(workspace_id, 0) + 1
            for key in [k for k, s in self._snapshots.items() if s.workspace_id == workspace_id]:
                self._drop(key)


@dataclass(frozen=True)
class _Asker:
    """What the core's visibility rules read of a member (`sources_sender`), as last loaded: the
    keystrokes answered from memory apply them without asking the database who is asking."""

    id: int
    active: bool
    is_admin: bool

    @classmethod
    def of(cls, member: Member) -> "_Asker":
        return cls(member.id, member.active, member.is_admin)


def _key(lookup: str, workspace_id: int, member_id: int, asker: _Asker, values: dict[str, Any]) -> tuple:
    """The scope of a snapshot: who else is offered the same list (`options` and the core decide)."""
    if lookup == "source":
        from core.sources.visibility import sources_sender

        return lookup, workspace_id, sources_sender(asker, opts.sender_id_of(values, member_id))
    if lookup == "campaign_name" and not asker.is_admin:
        return lookup, workspace_id, "own", member_id
    return lookup, workspace_id


def _load(session: Session, actor: Member, lookup: str, values: dict[str, Any]) -> tuple[NameIndex, ...] | None:
    """Every name of the lookup as indexes, or None when there are more than SNAPSHOT_MAX."""
    if lookup == "source":
        from core.sources.visibility import selectable_sources

        found = selectable_sources(session=session, actor=actor, sender_id=opts.sender_id_of(values, actor.id),
                                   limit=SNAPSHOT_MAX + 1)
        if len(found) > SNAPSHOT_MAX:
            return None
        return tuple(NameIndex([(name_key(s.name), s.id, s) for s in found if s.kind == kind])
                     for kind in ("finder", "segment"))
    from core.campaigns.service import editable_campaign_names, program_names

    if lookup == "campaign_name":
        names = editable_campaign_names(session=session, actor=actor, limit=SNAPSHOT_MAX + 1)
    else:
        names = program_names(session=session, workspace_id=actor.workspace_id, limit=SNAPSHOT_MAX + 1)
    if len(names) > SNAPSHOT_MAX:
        return None
    return (NameIndex([(name_key(name), ident, (ident, name)) for ident, name in names]),)


def _answer(lookup: str, indexes: tuple[NameIndex, ...], query: str) -> list[Option] | list[OptionGroup]:
    typed = opts.typed_text(query)
    key = name_key(typed)
    if lookup == "source":
        finders = indexes[0].search(key, 2 * opts.LIMIT)
        return opts.source_groups(finders + indexes[1].search(key, 2 * opts.LIMIT - len(finders)))
    found = indexes[0].search(key, opts.LIMIT)
    if lookup == "campaign_name":
        return opts.campaign_choices(typed, found)
    return opts.program_choices(typed, found)


_SUGGESTIONS = "conversation.suggestions"
_LOADING = "conversation.suggestions.loading"


def suggestions_of(ctx) -> Suggestions:
    """The snapshots of this context (one per process in production; tests get their own)."""
    found = ctx.extras.get(_SUGGESTIONS)
    if found is None:
        found = ctx.extras.setdefault(_SUGGESTIONS, Suggestions())
    return found


async def suggest(ctx, member_id: int, lookup: str, query: str, values: dict[str, Any] | None = None):
    """The choices of one type-ahead: from memory when a fresh snapshot is there, else from the
    database in a read-only unit of work (keeping the snapshot). Keystrokes arriving while a
    snapshot loads wait for it instead of each loading their own."""
    from bot.conversation.runner import run

    values = values or {}
    cache = suggestions_of(ctx)
    found = cache.choices(member_id, lookup, query, values)
    if found is not None:
        return found
    ticket = cache.ticket(member_id)
    if lookup not in CACHED:
        return await run(ctx, member_id, _load_choices, lookup, query, values, ticket, fallback=[],
                         read_only=True)
    loading = ctx.extras.setdefault(_LOADING, {})
    key = (member_id, lookup, opts.sender_id_of(values, member_id) if lookup == "source" else None)
    if key in loading:
        await asyncio.shield(loading[key])
        found = cache.choices(member_id, lookup, query, values)
        if found is not None:
            return found
        ticket = cache.ticket(member_id)
    task = asyncio.ensure_future(run(ctx, member_id, _load_choices, lookup, query, values, ticket, fallback=[],
                                     read_only=True))
    if key not in loading:
        loading[key] = task
        task.add_done_callback(lambda _: loading.pop(key, None))
    return await asyncio.shield(task)


def _load_choices(ctx, session: Session, actor: Member, lookup: str, query: str, values: dict[str, Any],
                  ticket: tuple):
    return suggestions_of(ctx).load(session, actor, lookup, query, values, ticket)
