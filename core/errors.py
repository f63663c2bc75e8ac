"""Results the services return to every surface: field errors a user can act on, refusals."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class FieldError:
    """A problem tied to one form field. `field` is a stable id (`name`, `sender`,
    `messages.invitation.fr`, `schedule.slots`, …) that the chat forms map to their blocks."""

    field: str
    message: str


@dataclass
class Outcome(Generic[T]):
    value: T | None = None
    errors: list[FieldError] = field(default_factory=list)
    warnings: list[FieldError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def errors_by_field(self) -> dict[str, str]:
        merged: dict[str, str] = {}
        for e in self.errors:
            merged[e.field] = f"{merged[e.field]} {e.message}" if e.field in merged else e.message
        return merged


class NotAllowed(Exception):
    """The acting member may not do this. The message is safe to show to them."""


class NotFound(Exception):
    """The thing asked for does not exist in the actor's workspace. Safe to show."""
