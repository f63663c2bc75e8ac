"""Fixed choices shown in forms: languages, weekdays, and the compact text form of schedule slots."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from core.languages import LANGUAGE_NAMES

# The product's languages and their names live in core (campaigns, contacts and forms share them).
LANGUAGES: dict[str, str] = dict(LANGUAGE_NAMES)
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")  # Monday = 0, as in the schedule

_DAY_WORDS = {d.lower(): i for i, d in enumerate(WEEKDAYS)} | {
    "monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3, "friday": 4, "saturday": 5, "sunday": 6,
    "tues": 1, "thur": 3, "thurs": 3,
}
_SLOT_RE = re.compile(
    r"^(?P<days>[A-Za-z]+(?:\s*-\s*[A-Za-z]+)?(?:\s*[,/]\s*[A-Za-z]+(?:\s*-\s*[A-Za-z]+)?)*)\s+"
    r"(?P<start>\d{1,2}:\d{2})\s*-\s*(?P<end>\d{1,2}:\d{2})$"
)


def language_label(code: str) -> str:
    return LANGUAGES.get(code, code)


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
        raise SlotSyntaxError(f"“{text}” is not a time of day (00:00 to 23:59).")
    return f"{int(hours):02d}:{int(minutes):02d}"


def _days(text: str) -> list[int]:
    days: list[int] = []
    for part in re.split(r"\s*[,/]\s*", text.strip()):
        bounds = [b.strip().lower() for b in part.split("-")]
        try:
            idx = [_DAY_WORDS[b] for b in bounds]
        except KeyError as exc:
            raise SlotSyntaxError(f"“{exc.args[0]}” is not a weekday (Mon, Tue, … Sun).") from None
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
            raise SlotSyntaxError(f"“{chunk}” is not a slot; write e.g. “Mon-Fri 09:00-11:00”.")
        start, end = _hhmm(m.group("start")), _hhmm(m.group("end"))
        for day in _days(m.group("days")):
            slots.append(SlotText(day, start, end))
    return slots


def _day_ranges(days: list[int]) -> str:
    days = sorted(set(days))
    parts: list[str] = []
    i = 0
    while i < len(days):
        j = i
        while j + 1 < len(days) and days[j + 1] == days[j] + 1:
            j += 1
        if j - i >= 2:
            parts.append(f"{WEEKDAYS[days[i]]}-{WEEKDAYS[days[j]]}")
        else:
            parts.extend(WEEKDAYS[d] for d in days[i : j + 1])
        i = j + 1
    return ",".join(parts)


def format_slots(slots: Iterable[Any]) -> str:
    """The inverse of `parse_slots`, grouping weekdays that share a window."""
    windows: dict[tuple[str, str], list[int]] = {}
    for s in slots:
        if isinstance(s, dict):
            weekday, start, end = s["weekday"], s["start"], s["end"]
        else:
            weekday, start, end = s.weekday, s.start, s.end
        windows.setdefault((start, end), []).append(int(weekday))
    return "; ".join(f"{_day_ranges(days)} {start}-{end}" for (start, end), days in sorted(windows.items()))
