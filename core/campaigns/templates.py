"""User message templates: Jinja syntax, a fixed token catalogue, a sandbox, lengths as LinkedIn counts them.

Rules (P-11, P-15, invariants 5 and 9):
- only the catalogue's tokens (and `custom.<field>`), the `default` filter and a few case filters,
  `{% if %}` blocks; anything else is refused before rendering, quoting what was found;
- rendering runs in Jinja's `SandboxedEnvironment` all the same;
- a token without a value renders empty *and is reported*, unless a `default` gives a fallback;
- lengths are UTF-16 code units, each URL counted at the length of its tracked form.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Iterable

from jinja2 import TemplateSyntaxError, Undefined, nodes
from jinja2.sandbox import SandboxedEnvironment

CONTACT_TOKENS = {
    "firstName": "first_name",
    "lastName": "last_name",
    "fullName": "full_name",
    "company": "company",
    "jobTitle": "job_title",
    "headline": "headline",
    "location": "location",
}
SENDER_TOKENS = {"senderFirstName", "senderFullName"}
TOKENS = tuple(CONTACT_TOKENS) + tuple(sorted(SENDER_TOKENS))
ALLOWED_FILTERS = {"default", "d", "upper", "lower", "title", "capitalize", "trim"}
ALLOWED_NODES = (
    nodes.Template, nodes.Output, nodes.TemplateData, nodes.Name, nodes.Getattr, nodes.Filter,
    nodes.Const, nodes.If, nodes.CondExpr, nodes.And, nodes.Or, nodes.Not, nodes.Keyword,
)
URL_RE = re.compile(r"https?://[^\s<>\"']+")
TRACKED_TOKEN_LENGTH = 10


class TemplateProblem(ValueError):
    """A template that cannot be accepted; the message quotes the offending part."""


class _RecordingUndefined(Undefined):
    """Renders empty and remembers which token had no value (the "Hello ," guard)."""

    def __str__(self) -> str:
        _missing_sink().append(self._undefined_name or "?")
        return ""


import threading

_local = threading.local()


def _missing_sink() -> list[str]:
    sink = getattr(_local, "missing", None)
    if sink is None:
        sink = _local.missing = []
    return sink


def _env() -> SandboxedEnvironment:
    env = SandboxedEnvironment(undefined=_RecordingUndefined, autoescape=False, keep_trailing_newline=True)
    env.filters = {k: v for k, v in env.filters.items() if k in ALLOWED_FILTERS}
    env.globals.clear()
    env.tests = {k: v for k, v in env.tests.items() if k in {"defined", "undefined"}}
    return env


_ENV = _env()


def utf16_length(text: str) -> int:
    """Length as LinkedIn counts it: UTF-16 code units (an emoji outside the BMP counts 2)."""
    return len(text.encode("utf-16-le")) // 2


def tracked_url_length(public_url: str) -> int:
    return len(public_url.rstrip("/")) + len("/l/") + TRACKED_TOKEN_LENGTH


def counted_length(text: str, *, public_url: str) -> int:
    """The length of `text` once every URL is rewritten to its tracked form."""
    tracked = tracked_url_length(public_url)
    total = utf16_length(text)
    for match in URL_RE.finditer(text):
        total += tracked - utf16_length(match.group(0))
    return total


def _describe(node: nodes.Node) -> str:
    return type(node).__name__.lower()


@lru_cache(maxsize=4096)
def check_template(source: str) -> tuple[str, ...]:
    """Validate a template; return the tokens it uses. Raises `TemplateProblem` quoting the
    unknown token, the forbidden construct or the syntax error."""
    try:
        tree = _ENV.parse(source)
    except TemplateSyntaxError as exc:
        raise TemplateProblem(f"Template syntax error on line {exc.lineno}: {exc.message.rstrip('.')}.") from None
    used: list[str] = []
    for node in tree.find_all(nodes.Node):
        if not isinstance(node, ALLOWED_NODES):
            raise TemplateProblem(f"“{_describe(node)}” is not allowed in a message; use tokens like {{{{firstName}}}}.")
        if isinstance(node, nodes.Getattr):
            if not (isinstance(node.node, nodes.Name) and node.node.name == "custom"):
                raise TemplateProblem(f"“.{node.attr}” is not allowed; only custom.<field> may use a dot.")
            used.append(f"custom.{node.attr}")
        elif isinstance(node, nodes.Name):
            if node.name == "custom":
                continue
            if node.name not in TOKENS:
                raise TemplateProblem(
                    f"Unknown token “{{{{{node.name}}}}}”. Available: {', '.join(TOKENS)}, custom.<field>."
                )
            used.append(node.name)
        elif isinstance(node, nodes.Filter) and node.name not in ALLOWED_FILTERS:
            raise TemplateProblem(f"Filter “{node.name}” is not allowed; use default, e.g. {{{{firstName|default('there')}}}}.")
        elif isinstance(node, nodes.Name) is False and isinstance(node, nodes.Const) and not isinstance(
            node.value, (str, int, float, bool, type(None))
        ):
            raise TemplateProblem("Only plain text values are allowed in a message.")
    # A bare `custom` (without a field) would expose the whole dict.
    bare_custom = [
        n for n in tree.find_all(nodes.Name)
        if n.name == "custom" and not any(g.node is n for g in tree.find_all(nodes.Getattr))
    ]
    if bare_custom:
        raise TemplateProblem("Write custom.<field>, not custom alone.")
    return tuple(dict.fromkeys(used))


@lru_cache(maxsize=4096)
def _compiled(source: str):
    check_template(source)
    return _ENV.from_string(source)


@dataclass
class Rendered:
    text: str
    missing: list[str] = field(default_factory=list)
    length: int = 0


def context_for(contact: Any, sender_name: str | None) -> dict[str, Any]:
    """The token values of one contact and sender; empty values are left out so that
    `default` fallbacks apply and missing ones are reported."""
    ctx: dict[str, Any] = {}
    for token, attr in CONTACT_TOKENS.items():
        value = getattr(contact, attr, None)
        if isinstance(value, str):
            value = value.strip()
        if value:
            ctx[token] = value
    if sender_name:
        ctx["senderFullName"] = sender_name.strip()
        ctx["senderFirstName"] = sender_name.strip().split(" ")[0]
    custom = {k: v for k, v in (getattr(contact, "custom_fields", None) or {}).items() if v not in (None, "")}
    ctx["custom"] = custom
    return ctx


def render(source: str, context: dict[str, Any], *, public_url: str) -> Rendered:
    """Render a checked template for one contact; report tokens that had no value."""
    template = _compiled(source)
    sink = _missing_sink()
    sink.clear()
    text = template.render(context)
    missing = list(dict.fromkeys(sink))
    sink.clear()
    return Rendered(text=text, missing=missing, length=counted_length(text, public_url=public_url))


def has_line_break(text: str) -> bool:
    return "\n" in text or "\r" in text


def tokens_in(sources: Iterable[str]) -> set[str]:
    used: set[str] = set()
    for s in sources:
        used.update(check_template(s))
    return used
