"""What a campaign form carries, platform-neutral: the input of create and update.

Field ids used in errors (the chat forms name their blocks after them):
`name`, `program`, `description`, `sender`, `source`, `languages`, `default_language`,
`messages.invitation.<lang>`, `messages.welcome.<lang>`, `messages.followup.<n>.<lang>`,
`followups.<n>.delay` (n from 1), `timezone`, `slots`, `cohort_size`, `moderation`."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class FollowupDraft:
    delay_days: int | None
    texts: dict[str, str] = field(default_factory=dict)


@dataclass
class SlotDraft:
    weekday: int
    start: str
    end: str


@dataclass
class CampaignDraft:
    name: str = ""
    program: str | None = None
    description: str = ""
    sender_id: int | None = None
    source_kind: str | None = None  # finder | segment
    source_id: int | None = None
    languages: list[str] = field(default_factory=lambda: ["en"])
    default_language: str | None = None
    invitation: dict[str, str] = field(default_factory=dict)
    welcome: dict[str, str] = field(default_factory=dict)
    followups: list[FollowupDraft] = field(default_factory=list)
    stop_if_ongoings: bool = True
    stop_if_incomings: bool = True
    moderation: bool = True
    timezone: str = "UTC"
    slots: list[SlotDraft] = field(default_factory=list)
    cohort_size: int | None = 10


def invitation_field(lang: str) -> str:
    return f"messages.invitation.{lang}"


def welcome_field(lang: str) -> str:
    return f"messages.welcome.{lang}"


def followup_field(position: int, lang: str) -> str:
    return f"messages.followup.{position}.{lang}"
