"""Fixed choices shown in forms: languages, weekdays, and the compact text form of schedule slots.

Slots are read in either language (`Mon-Fri 09:00-11:00`, `Lun-Ven 09:00-11:00`, `lundi`,
`Monday`) and written in the language spoken (`slot.weekdays` in the catalogues)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from typing import Any

from core.i18n import Language, language_name, t, weekday_name
from core.languages import LANGUAGE_NAMES

# The product's languages and their names live in core (campaigns, contacts and forms share them).
LANGUAGES: dict[str, str] = dict(LANGUAGE_NAMES)
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")  # Monday = 0, as in the schedule


def weekdays() -> tuple[str, ...]:
    """The weekdays as slots write them in the language spoken (`Lun`, `Mar`, …)."""
    return tuple(t("slot.weekdays").split("|"))


def _plain(word: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", word.lower()) if not unicodedata.combining(c))


@cache
def _day_words() -> dict[str, int]:
    """Every way of writing a weekday in either language: abbreviations, names (with or without accents)."""
    words = {"tues": 1, "thur": 3, "thurs": 3}
    for lang in Language:
        words |= {_plain(d): i for i, d in enumerate(t("slot.weekdays", lang=lang).split("|"))}
        for width in ("wide", "abbreviated"):
            words |= {_plain(weekday_name(i, lang, width=width)).rstrip("."): i for i in range(7)}
    return words


_DAY = r"[^\W\d_]+\.?"
_SLOT_RE = re.compile(
    rf"^(?P<days>{_DAY}(?:\s*-\s*{_DAY})?(?:\s*[,/]\s*{_DAY}(?:\s*-\s*{_DAY})?)*)\s+"
    r"(?P<start>\d{1,2}:\d{2})\s*-\s*(?P<end>\d{1,2}:\d{2})$"
)


def language_label(code: str) -> str:
    """A campaign language's name in the language spoken (`French` / `Français`)."""
    return language_name(code) if code in LANGUAGES else code


@dataclass(frozen=True)
class SlotText:
    weekday: int
    start: str
    end: str


class SlotSyntaxError(ValueError):
    pass


def _hhmm(text: str) -> str:
    hours, minutes = text.split(":")
    if not (0 <= int(hours) <= 23 and 0 <= int(minutes) <= 59):
        raise SlotSyntaxError(t("slot.bad_time", text=text))
    return f"{int(hours):02d}:{int(minutes):02d}"


def _days(text: str) -> list[int]:
    days: list[int] = []
    for part in re.split(r"\s*[,/]\s*", text.strip()):
        bounds = [b.strip() for b in part.split("-")]
        try:
            idx = [_day_words()[_plain(b).rstrip(".")] for b in bounds]
        except KeyError:
            wrong = next(b for b in bounds if _plain(b).rstrip(".") not in _day_words())
            names = weekdays()
            raise SlotSyntaxError(t("slot.bad_day", text=wrong, first=names[0], second=names[1],
                                    last=names[6])) from None
        if len(idx) == 1:
            days.append(idx[0])
        else:
            a, b = idx
            days.extend(range(a, b + 1) if a <= b else [*range(a, 7), *range(0, b + 1)])
    return days


def parse_slots(text: str | None) -> list[SlotText]:
    """`Mon-Fri 09:00-11:00; Sat 10:00-12:00` → one slot per weekday and window. Raises
    `SlotSyntaxError` quoting the part that could not be read."""
    slots: list[SlotText] = []
    for chunk in re.split(r"[;\n]+", text or ""):
        chunk = " ".join(chunk.split())
        if not chunk:
            continue
        m = _SLOT_RE.match(chunk)
        if not m:
            days = weekdays()
            raise SlotSyntaxError(t("slot.bad_slot", text=chunk, example=f"{days[0]}-{days[4]} 09:00-11:00"))
        start, end = _hhmm(m.group("start")), _hhmm(m.group("end"))
        for day in _days(m.group("days")):
            slots.append(SlotText(day, start, end))
    return slots


def _day_ranges(days: list[int]) -> str:
    days = sorted(set(days))
    names = weekdays()
    parts: list[str] = []
    i = 0
    while i < len(days):
        j = i
        while j + 1 < len(days) and days[j + 1] == days[j] + 1:
            j += 1
        if j - i >= 2:
            parts.append(f"{names[days[i]]}-{names[days[j]]}")
        else:
            parts.extend(names[d] for d in days[i : j + 1])
        i = j + 1
    return ",".join(parts)


def format_slots(slots: Iterable[Any]) -> str:
    """The inverse of `parse_slots`, grouping weekdays that share a window, in the language spoken."""
    windows: dict[tuple[str, str], list[int]] = {}
    for s in slots:
        if isinstance(s, dict):
            weekday, start, end = s["weekday"], s["start"], s["end"]
        else:
            weekday, start, end = s.weekday, s.start, s.end
        windows.setdefault((start, end), []).append(int(weekday))
    return "; ".join(f"{_day_ranges(days)} {start}-{end}" for (start, end), days in sorted(windows.items()))
