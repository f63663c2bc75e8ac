"""What they asked: the text of a command (`/invite-campaign list all`, or a Teams message) parsed.

Members type the command words of either language (`create` or `créer`, `list all` or `liste
tout`, with or without accents); help and notices name a command in the member's language with
`invocation(name, argument)`, which each surface writes as its users type it: Slack as the slash
command in code (`/invite-campaign voir X`), Teams as the message to the bot (no backticks shown).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache

from core.i18n import INVOKE_END, INVOKE_START, N_, Language, t
from core.i18n import invocation as invocation  # the surfaces' names for them: a command named in a text
from core.i18n import render_invocations as render_invocations
from core.i18n import split_invocations as split_invocations

COMMAND_WORD = "invite-campaign"

# The commands, in the order of `help`; each has a word (`command.<name>.word`), what follows
# it (`command.<name>.args`, e.g. "NAME") and what it does (`command.<name>.what`) in the catalogues.
COMMANDS: tuple[str, ...] = (
    "help", "create", "edit", "list", "show", "activate", "stop", "preview", "digest", "connect", "language", "export",
    "summary", "finders", "finder", "segments", "segment",
)
_TEXTS: dict[str, tuple[str, str, str]] = {
    "help": (N_("command.help.word"), N_("command.help.args"), N_("command.help.what")),
    "create": (N_("command.create.word"), N_("command.create.args"), N_("command.create.what")),
    "edit": (N_("command.edit.word"), N_("command.edit.args"), N_("command.edit.what")),
    "list": (N_("command.list.word"), N_("command.list.args"), N_("command.list.what")),
    "show": (N_("command.show.word"), N_("command.show.args"), N_("command.show.what")),
    "activate": (N_("command.activate.word"), N_("command.activate.args"), N_("command.activate.what")),
    "stop": (N_("command.stop.word"), N_("command.stop.args"), N_("command.stop.what")),
    "preview": (N_("command.preview.word"), N_("command.preview.args"), N_("command.preview.what")),
    "digest": (N_("command.digest.word"), N_("command.digest.args"), N_("command.digest.what")),
    "connect": (N_("command.connect.word"), N_("command.connect.args"), N_("command.connect.what")),
    "language": (N_("command.language.word"), N_("command.language.args"), N_("command.language.what")),
    "export": (N_("command.export.word"), N_("command.export.args"), N_("command.export.what")),
    "summary": (N_("command.summary.word"), N_("command.summary.args"), N_("command.summary.what")),
    "finders": (N_("command.finders.word"), N_("command.finders.args"), N_("command.finders.what")),
    "finder": (N_("command.finder.word"), N_("command.finder.args"), N_("command.finder.what")),
    "segments": (N_("command.segments.word"), N_("command.segments.args"), N_("command.segments.what")),
    "segment": (N_("command.segment.word"), N_("command.segment.args"), N_("command.segment.what")),
}
# Other words people type for a command, in either language (the catalogue's word is always read).
_SYNONYMS = {"digest": ("moderation", "moderer", "digest"), "language": ("langue", "language", "lang"),
             "edit": ("modifier", "editer"), "show": ("afficher",), "help": ("?",),
             "export": ("exporter",), "summary": ("resume", "summary")}
ALL_WORDS = N_("command.list.all")  # `list all` / `liste tout`
NEEDS_NAME = {"edit", "show", "activate", "stop", "preview", "export"}

_MENTION = re.compile(r"<at>.*?</at>|<@[A-Z0-9]+(?:\|[^>]*)?>", re.IGNORECASE)


@dataclass(frozen=True)
class Command:
    name: str  # one of COMMANDS
    argument: str = ""  # the rest of the text (a campaign name, "all"), trimmed
    unknown: str | None = None  # the word that was not understood, for `help`


def _plain(word: str) -> str:
    """Lower case, without accents: `Aperçu` and `apercu` are one word."""
    return "".join(c for c in unicodedata.normalize("NFKD", word.lower()) if not unicodedata.combining(c))


@cache
def _verbs() -> dict[str, str]:
    verbs = {name: name for name in COMMANDS}
    for name, (word, _args, _what) in _TEXTS.items():
        for lang in Language:
            verbs[_plain(t(word, lang=lang))] = name
    for name, words in _SYNONYMS.items():
        verbs.update({_plain(w): name for w in words})
    return verbs


def is_all(argument: str) -> bool:
    """`all` in any language (`list all`, `liste tout`, `liste toutes`)."""
    words = {_plain(w) for lang in Language for w in t(ALL_WORDS, lang=lang).split("|")}
    return _plain(argument.strip()) in words


def parse_command(text: str | None) -> Command:
    """Parse a command line. Accepts an optional leading `/invite-campaign` or `invite-campaign`
    and chat mentions; no argument or an unknown word gives `help`. Verbs of either language,
    in any case, with or without accents."""
    cleaned = _MENTION.sub(" ", text.replace("\x00", "") if isinstance(text, str) else "")
    cleaned = " ".join(cleaned.replace("\u00a0", " ").split())
    words = cleaned.split(" ", 1) if cleaned else []
    if words and words[0].lower().lstrip("/") == COMMAND_WORD:
        cleaned = words[1] if len(words) > 1 else ""
        words = cleaned.split(" ", 1) if cleaned else []
    if not words:
        return Command("help")
    verb = _verbs().get(_plain(words[0]))
    rest = words[1].strip() if len(words) > 1 else ""
    if verb is not None:
        return Command(verb, _unquote(rest))
    return Command("help", unknown=words[0])


def _unquote(text: str) -> str:
    for a, b in (('"', '"'), ("'", "'"), ("“", "”"), ("«", "»")):
        if len(text) >= 2 and text.startswith(a) and text.endswith(b):
            return text[1:-1].strip()
    return text


def word(name: str, lang: Language | None = None) -> str:
    """The command's word in the member's language (`voir`)."""
    return t(_TEXTS[name][0], lang=lang)


def usage(name: str, lang: Language | None = None) -> str:
    """`voir NOM`, `liste [tout]`."""
    args = t(_TEXTS[name][1], lang=lang).strip("-").strip()
    return f"{word(name, lang)} {args}".strip()


def what(name: str, lang: Language | None = None) -> str:
    return t(_TEXTS[name][2], lang=lang)


def usage_invocation(name: str) -> str:
    return f"{INVOKE_START}{usage(name)}{INVOKE_END}"


def help_text(unknown: str | None = None) -> str:
    lines = []
    if unknown:
        lines.append(t("help.unknown", word=unknown))
    lines += [t("help.line", command=usage_invocation(name), what=what(name)) for name in COMMANDS]
    return "\n".join(lines)
