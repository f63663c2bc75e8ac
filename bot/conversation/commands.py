"""What they asked: the text of a command (`/invite-campaign list all`, or a Teams message) parsed."""

from __future__ import annotations

import re
from dataclasses import dataclass

from core.i18n import N_, t

COMMAND_WORD = "invite-campaign"

# name → (usage, what it does); the order is the order of `help`.
COMMANDS: dict[str, tuple[str, str]] = {
    "help": ("help", "list these commands"),
    "create": ("create", "create a campaign (opens the form)"),
    "edit": ("edit NAME", "change a campaign"),
    "list": ("list [all]", "your campaigns with their health (`list all`: the workspace's, admins)"),
    "show": ("show NAME", "one campaign: health, today's progress, acceptance"),
    "activate": ("activate NAME", "start sending (from tomorrow for a campaign created today)"),
    "stop": ("stop NAME", "stop a campaign: nothing more is planned or sent"),
    "preview": ("preview NAME", "the messages rendered for a few contacts, with their lengths"),
    "digest": ("digest [NAME]", "tomorrow's invitations to moderate, now"),
    "connect": ("connect", "connect your LinkedIn account"),
    "finders": ("finders", N_("command.finders.what")),
    "finder": (N_("command.finder.usage"), N_("command.finder.what")),
    "segments": ("segments", N_("command.segments.what")),
    "segment": (N_("command.segment.usage"), N_("command.segment.what")),
}
NEEDS_NAME = {"edit", "show", "activate", "stop", "preview"}

_MENTION = re.compile(r"<at>.*?</at>|<@[A-Z0-9]+(?:\|[^>]*)?>", re.IGNORECASE)


@dataclass(frozen=True)
class Command:
    name: str  # one of COMMANDS
    argument: str = ""  # the rest of the text (a campaign name, "all"), trimmed
    unknown: str | None = None  # the word that was not understood, for `help`


def parse_command(text: str | None) -> Command:
    """Parse a command line. Accepts an optional leading `/invite-campaign` or `invite-campaign`
    and chat mentions; no argument or an unknown word gives `help`. Case-insensitive verbs."""
    cleaned = _MENTION.sub(" ", text.replace("\x00", "") if isinstance(text, str) else "")
    cleaned = " ".join(cleaned.replace("\u00a0", " ").split())
    words = cleaned.split(" ", 1) if cleaned else []
    if words and words[0].lower().lstrip("/") == COMMAND_WORD:
        cleaned = words[1] if len(words) > 1 else ""
        words = cleaned.split(" ", 1) if cleaned else []
    if not words:
        return Command("help")
    verb = words[0].lower()
    rest = words[1].strip() if len(words) > 1 else ""
    if verb in COMMANDS:
        return Command(verb, _unquote(rest))
    return Command("help", unknown=words[0])


def _unquote(text: str) -> str:
    for a, b in (('"', '"'), ("'", "'"), ("“", "”"), ("«", "»")):
        if len(text) >= 2 and text.startswith(a) and text.endswith(b):
            return text[1:-1].strip()
    return text


def help_text(unknown: str | None = None) -> str:
    lines = []
    if unknown:
        lines.append(f"I don't know “{unknown}”. Here is what I can do:")
    lines += [f"• `/{COMMAND_WORD} {t(usage)}`: {t(what)}" for usage, what in COMMANDS.values()]
    return "\n".join(lines)
