"""Where a campaign form's texts wait between two interactions (a port).

A chat dialog carries only so many texts: the texts of languages written on a page of their own,
and what the form held when such a page was opened, are kept under a random key of the member's
until the form is saved (see `bot.conversation.kept_texts`). A store keeps one text (JSON) per
(member, key) for a day, at most PER_MEMBER of one member (the oldest goes first).
Implementations: `bot.conversation.kept_texts.RedisFormTexts` (web processes share it) and
`MemoryFormTexts` (one process)."""

from __future__ import annotations

from typing import Protocol

TTL_SECONDS = 24 * 3600
PER_MEMBER = 10


class FormTextStore(Protocol):
    def put(self, member_id: int, key: str, payload: str) -> None: ...

    def get(self, member_id: int, key: str) -> str | None: ...

    def drop(self, member_id: int, key: str) -> None: ...
