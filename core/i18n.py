"""The texts the bot shows its members, in English and French (gettext catalogues read with Babel).

Every user-facing text has a stable id (`help.title`, `campaign.not_found`, …) whose words live in
`core/locale/<lang>/LC_MESSAGES/invitebot.po`, never in code:

    t("campaign.not_found", name=name)          # in the language being spoken (see `speaking`)
    tn("digest.invitations", count)             # a plural: the catalogue's plural forms, `{count}` set
    t("help.title", lang=Language.FR)            # in a given language
    N_("command.create.what")                   # marks an id used later (tables); returns it unchanged

Parameters are named `{name}` in the texts; an int or a float is written the language's way
(`1,234` / `1 234`), a date or a datetime as a medium date. Other braces (`{{ firstName }}` in a
hint about templates) are left as they are. `make messages` extracts the ids from the code with
Babel and adds the new ones to both catalogues; tests/unit/test_i18n.py fails on an id without an
English and a French text, and tests/unit/test_no_literals.py on a new user-facing literal.

The `.po` files are the only source: each process compiles them once, in memory, to the `.mo`
form `gettext` reads (Babel's `write_mo`), so no compiled file can be stale and parallel branches
adding texts never conflict on a binary.

Which language: `speaking(lang)` sets it for a piece of work (an interaction, a notification);
`t` and `tn` use it, English outside one. `member_language` picks a member's.
"""

from __future__ import annotations

import datetime as dt
import gettext as _gettext
import re
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from enum import StrEnum
from functools import cache
from io import BytesIO
from pathlib import Path
from typing import Literal

from babel import Locale
from babel.dates import format_date, format_datetime, format_interval, format_skeleton, format_time, get_day_names
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal, format_percent

DOMAIN = "invitebot"
LOCALE_DIR = Path(__file__).with_name("locale")


class Language(StrEnum):
    """The languages the bot speaks to members (not the campaigns' languages: core.languages)."""

    EN = "en"
    FR = "fr"


DEFAULT_LANGUAGE = Language.EN
# `{name}` but not `{{ name }}` nor `{{name}}`: Jinja tokens in texts about templates stay as written.
PLACEHOLDER = re.compile(r"(?<!\{)\{([A-Za-z_][A-Za-z0-9_]*)\}(?!\})")

_current: ContextVar[Language] = ContextVar("invitebot_language", default=DEFAULT_LANGUAGE)


def language_of(tag: str | None) -> Language | None:
    """The language of a locale tag (`fr-FR`, `fr_CA`, `en-US`, `FR`, `français`), None for another."""
    if not tag:
        return None
    text = tag.strip().lower().replace("_", "-")
    head = text.split("-", 1)[0]
    for lang in Language:
        if head == lang.value or text in _names(lang):
            return lang
    return None


@cache
def _names(lang: Language) -> frozenset[str]:
    """How people write a language's name, in either language (`french`, `français`, `francais`)."""
    names = {Locale.parse(other.value).languages[lang.value].lower() for other in Language}
    return frozenset(names | {n.replace("ç", "c") for n in names})


def current_language() -> Language:
    return _current.get()


@contextmanager
def speaking(lang: Language | str | None) -> Iterator[Language]:
    """Texts in `lang` (a Language, a locale tag, None: the default) within the block."""
    chosen = lang if isinstance(lang, Language) else language_of(lang) or DEFAULT_LANGUAGE
    token = _current.set(chosen)
    try:
        yield chosen
    finally:
        _current.reset(token)


def use_language(lang: Language | str | None) -> Language:
    """Speak `lang` for the rest of the current task or thread (a surface's listener, once it knows
    who is asking); `speaking` for a block."""
    chosen = lang if isinstance(lang, Language) else language_of(lang) or DEFAULT_LANGUAGE
    _current.set(chosen)
    return chosen


def environment_language(env: Mapping[str, str]) -> Language:
    """The language of a command line: INVITEBOT_LANGUAGE, else the POSIX locale (LC_ALL,
    LC_MESSAGES, LANG: `fr_FR.UTF-8`), else English."""
    for key in ("INVITEBOT_LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        lang = language_of((env.get(key) or "").split(".", 1)[0])
        if lang is not None:
            return lang
    return DEFAULT_LANGUAGE


def member_language(*, chosen: str | None, locale: str | None, workspace: str | None) -> Language:
    """A member's language: the one they chose (`language fr`), else their chat locale (Slack's
    `users.info`, Teams' activity locale), else their workspace's, else English."""
    for tag in (chosen, locale, workspace):
        lang = language_of(tag)
        if lang is not None:
            return lang
    return DEFAULT_LANGUAGE


def catalogue_path(lang: Language) -> Path:
    return LOCALE_DIR / lang.value / "LC_MESSAGES" / f"{DOMAIN}.po"


@cache
def translations(lang: Language) -> _gettext.GNUTranslations:
    """The compiled catalogue of `lang` (French falls back on English for an id it lacks)."""
    with catalogue_path(lang).open("rb") as po:
        catalog = read_po(po, locale=lang.value, domain=DOMAIN)
    compiled = BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    result = _gettext.GNUTranslations(compiled)
    if lang is not DEFAULT_LANGUAGE:
        result.add_fallback(translations(DEFAULT_LANGUAGE))
    return result


def N_(msgid: str) -> str:  # gettext's own name for "mark, translate later"
    """Mark `msgid` as a text id for extraction; translated where it is shown (`t(msgid)`)."""
    return msgid


def t(msgid: str, /, *, lang: Language | None = None, **params: object) -> str:
    """The text `msgid` in `lang` (default: the language being spoken), its `{name}`s filled."""
    lang = lang or _current.get()
    return fill(translations(lang).gettext(msgid), lang, params)


def tn(msgid: str, count: int, /, *, lang: Language | None = None, **params: object) -> str:
    """The plural text `msgid` for `count` (the language's plural rule), `{count}` filled too."""
    lang = lang or _current.get()
    return fill(translations(lang).ngettext(msgid, msgid, count), lang, {"count": count, **params})


def fill(template: str, lang: Language, params: dict[str, object]) -> str:
    """`template` with its `{name}`s replaced; a name without a parameter is a KeyError (a bug).
    French texts get their no-break spaces before `: ; ! ?` and inside « », as French typesetting
    wants (the catalogue writes plain spaces, easier to read and to type)."""
    if lang is Language.FR:
        template = _FRENCH_SPACE.sub("\u00a0", template)
    if "{" not in template:
        return template
    return PLACEHOLDER.sub(lambda m: value_text(params[m.group(1)], lang), template)


_FRENCH_SPACE = re.compile(r"(?<=«) | (?=[:;!?»])")


def value_text(value: object, lang: Language | None = None) -> str:
    """A parameter as a member reads it: numbers and dates the language's way, the rest as text."""
    lang = lang or _current.get()
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | float):
        return format_decimal(value, locale=lang.value)
    if isinstance(value, dt.datetime):
        return format_datetime(value, format="medium", locale=lang.value)
    if isinstance(value, dt.date):
        return format_date(value, format="medium", locale=lang.value)
    return str(value)


def number(value: int | float, lang: Language | None = None) -> str:
    return format_decimal(value, locale=(lang or _current.get()).value)


def date_text(value: dt.date, lang: Language | None = None, *, format: str = "medium") -> str:
    """`Dec 1, 2026` / `1 déc. 2026` (`format`: short, medium, long, full or a Babel pattern)."""
    return format_date(value, format=format, locale=(lang or _current.get()).value)


def skeleton_text(value: dt.date | dt.datetime, skeleton: str, lang: Language | None = None) -> str:
    """A date or an instant with the fields of a CLDR `skeleton`, in the language's own order and
    words: `MMMd` → `Nov 2` / `2 nov.`, `EHm` → `Mon 07:05` / `lun. 07:05` (an aware datetime is
    written in its own timezone)."""
    return format_skeleton(skeleton, value, tzinfo=getattr(value, "tzinfo", None),
                           locale=(lang or _current.get()).value)


def date_range_text(start: dt.date, end: dt.date, lang: Language | None = None, *, skeleton: str = "MMMd") -> str:
    """Two dates as one range, written the language's way: `Nov 2 – 8` / `2–8 nov.`."""
    return format_interval(start, end, skeleton, locale=(lang or _current.get()).value)


def percent(rate: float, lang: Language | None = None) -> str:
    """A share (0.4) as a percentage: `40%` / `40 %`."""
    return format_percent(rate, locale=(lang or _current.get()).value)


def time_text(value: dt.time | dt.datetime, lang: Language | None = None) -> str:
    """`9:00 AM` / `09:00`."""
    return format_time(value, format="short", locale=(lang or _current.get()).value)


def weekday_name(weekday: int, lang: Language | None = None, *,
                 width: Literal["abbreviated", "narrow", "short", "wide"] = "abbreviated") -> str:
    """Monday = 0, as in schedules: `Mon` / `lun.` (`width`: abbreviated, wide, short)."""
    names = get_day_names(width, context="format", locale=(lang or _current.get()).value)
    return str(names[weekday])


def language_name(code: str, lang: Language | None = None, *, label: bool = True) -> str:
    """A language's name in `lang`: as a label (`fr` → `French` / `Français`), or as said within a
    sentence (`label=False`: `French` / `français`); the code itself when Babel does not know it."""
    name = str(Locale.parse((lang or _current.get()).value).languages.get(code) or "")
    if not name:
        return code
    return name[:1].upper() + name[1:] if label else name


# A command named in a text (`voir Printemps`), marked so that each surface writes it as its users
# type it: Slack as the slash command in code, Teams as the message to the bot.
INVOKE_START, INVOKE_END = "\ue000", "\ue001"
_INVOCATION = re.compile(f"{INVOKE_START}([^{INVOKE_END}]*){INVOKE_END}")


def invocation(name: str, argument: str = "") -> str:
    """The command `name` (help, create, show, …; its word `command.<name>.word` in the language
    spoken) with `argument`, marked for the surface (`render_invocations`)."""
    words = f"{t('command.' + name + '.word')} {argument}".strip()
    return f"{INVOKE_START}{words}{INVOKE_END}"


def render_invocations(text: str, write: Callable[[str], str]) -> str:
    """`text` with each command it names written by the surface (`write("voir X")`)."""
    if INVOKE_START not in text:
        return text
    return _INVOCATION.sub(lambda m: write(m.group(1)), text)


def split_invocations(text: str) -> list[tuple[str, bool]]:
    """`text` as parts, each with whether it is a command (Teams writes those in monospace)."""
    parts: list[tuple[str, bool]] = []
    last = 0
    for m in _INVOCATION.finditer(text):
        if m.start() > last:
            parts.append((text[last:m.start()], False))
        parts.append((m.group(1), True))
        last = m.end()
    if last < len(text):
        parts.append((text[last:], False))
    return parts
