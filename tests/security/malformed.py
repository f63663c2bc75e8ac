"""The fuzz harness of the malformed-input tests: every field of a valid request replaced by each
wrong type (and dropped), sent over HTTP, and what must hold for each answer.

A mutation is made on the payload and written out as JSON text, so that it can also be what no
Python object dumps to: 10,000 levels of nesting (`json.loads` raises RecursionError on it).
Payload texts carry `MARK`, which the log must never show."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from typing import Any, Iterator

from tests.security.common import row_counts

MARK = "fz7q"  # in every string the harness puts in a payload: never to be found in the log
HUGE = MARK + "x" * 100_000
NON_ASCII = f"Zürich ☃ 𝄞 \u202eevil\u202c \u0000 {MARK}"
DEPTH = 10_000
DEEP = "[" * DEPTH + "]" * DEPTH
DEEP_OBJECT = '{"a":' * DEPTH + "1" + "}" * DEPTH

# Each wrong value, as JSON text.
REPLACEMENTS: dict[str, str] = {
    "null": "null",
    "list": f'["{MARK}"]',
    "dict": f'{{"{MARK}": 1}}',
    "number": "12345",
    "negative": "-1",
    "float": "1e3",
    "bool": "true",
    "huge string": json.dumps(HUGE),
    "non-ASCII string": json.dumps(NON_ASCII, ensure_ascii=False),
    "deep list": DEEP,
    "deep object": DEEP_OBJECT,
    "nested 500 deep": "[" * 500 + "]" * 500,  # within what the parser reads: for what reads it after
}
_SLOT = "\u0001slot\u0001"  # what json.dumps writes for the replaced node, then swapped for the raw text
DROP = "dropped"


def paths(node: Any, prefix: tuple = (), *, depth: int = 6) -> Iterator[tuple]:
    """Every path to a value inside `node` (keys of objects, indices of lists), outermost first."""
    if depth == 0:
        return
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
    for key, child in items:
        yield prefix + (key,)
        yield from paths(child, prefix + (key,), depth=depth - 1)


def _replaced(payload: Any, path: tuple, value: Any) -> Any:
    copy = json.loads(json.dumps(payload))
    node = copy
    for key in path[:-1]:
        node = node[key]
    if value is DROP:
        if isinstance(node, dict):
            del node[path[-1]]
        else:
            node.pop(path[-1])
    else:
        node[path[-1]] = value
    return copy


def mutations(payload: Any, *, depth: int = 6) -> Iterator[tuple[str, str]]:
    """(label, JSON text) for each field of `payload` replaced by each of `REPLACEMENTS`, or dropped."""
    for path in paths(payload, depth=depth):
        where = ".".join(str(p) for p in path)
        yield f"{where} {DROP}", json.dumps(_replaced(payload, path, DROP), ensure_ascii=False)
        text = json.dumps(_replaced(payload, path, _SLOT), ensure_ascii=False)
        slot = json.dumps(_SLOT, ensure_ascii=False)
        for name, raw in REPLACEMENTS.items():
            yield f"{where} → {name}", text.replace(slot, raw, 1)


def whole_body_mutations(payload: Any) -> Iterator[tuple[str, str]]:
    """The body itself of another type, or deep."""
    yield "body → deep list", DEEP
    yield "body → deep object", DEEP_OBJECT
    yield "body wrapped 10,000 deep", '{"a":' * DEPTH + json.dumps(payload) + "}" * DEPTH
    for name in ("null", "list", "number", "huge string", "non-ASCII string"):
        yield f"body → {name}", REPLACEMENTS[name]


@dataclass
class Findings:
    """What went wrong over a run of requests, reported all at once."""

    problems: list[str] = field(default_factory=list)
    requests: int = 0

    def add(self, label: str, problem: str) -> None:
        self.problems.append(f"{label}: {' '.join(problem.split())}")

    def assert_none(self) -> None:
        assert self.requests, "no request was sent: the run proves nothing"
        shown = "\n".join(self.problems[:400])
        assert not self.problems, f"{len(self.problems)} of {self.requests} requests went wrong:\n{shown}"


def logged(records: list[logging.LogRecord]) -> str:
    """Everything the records say, their tracebacks included."""
    parts = []
    for record in records:
        parts.append(record.getMessage())
        if record.exc_info and record.exc_info[1] is not None:
            parts.append(repr(record.exc_info[1]))
    return "\n".join(parts)


class Probe:
    """Checks one request after another: the answer, the rows, the log lines it caused."""

    def __init__(self, engine, caplog, *, max_lines: int = 1) -> None:
        self.engine = engine
        self.caplog = caplog
        self.max_lines = max_lines
        self.findings = Findings()
        self._before: dict[str, int] = {}
        self._seen = 0

    def start(self) -> None:
        self._before = row_counts(self.engine)
        self._seen = len(self.caplog.records)

    def finish(self, label: str, status: int, text: str, *, rows_may_change: bool = False,
               expected: tuple[int, ...] | None = None) -> list[logging.LogRecord]:
        self.findings.requests += 1
        if status >= 500:
            self.findings.add(label, f"answered {status}: {text[:200]}")
        if expected is not None and status not in expected:
            self.findings.add(label, f"answered {status}, expected one of {expected}: {text[:200]}")
        if "Traceback" in text or 'File "' in text:
            self.findings.add(label, "a traceback in the answer")
        if not rows_may_change and row_counts(self.engine) != self._before:
            after = row_counts(self.engine)
            changed = {t: (self._before[t], after[t]) for t in after if after[t] != self._before.get(t)}
            self.findings.add(label, f"rows changed: {changed}")
        records = [r for r in self.caplog.records[self._seen:] if _ours(r)]
        if len(records) > self.max_lines:
            self.findings.add(label, f"{len(records)} log lines: {[r.getMessage()[:120] for r in records]}")
        errors = [r for r in records if r.levelno >= logging.ERROR]
        if errors:
            self.findings.add(label, f"logged an error: {errors[0].getMessage()[:200]} {errors[0].exc_info!r:.300}")
        if MARK in logged(records):
            self.findings.add(label, "the payload is in the log")
        return records


_NOT_OURS = ("aiohttp.access",)  # one line per request, written by the server whatever the body


def _ours(record: logging.LogRecord) -> bool:
    return not record.name.startswith(_NOT_OURS)
