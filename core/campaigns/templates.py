"""User message templates: Jinja syntax, a fixed token catalogue, a sandbox, lengths as LinkedIn counts them.

Rules (P-11, P-15, invariants 5 and 9):
- a template is at most `MAX_TEMPLATE_LENGTH` characters and `MAX_DEPTH` levels deep; it holds
  only the catalogue's tokens, `custom.<field>`, a few filters and `{% if %}` blocks; anything else
  is refused before rendering, quoting what was found (`check_template`, which every render
  goes through);
- rendering runs in a `SandboxedEnvironment` whose lookups reach only data: `custom.<field>` is
  the contact's field of that name or nothing, never an attribute or method of a Python object
  (a CSV column named `items` or `values` is that column);
- a token without a value renders empty *and is reported*, unless a `default` gives a fallback;
- lengths are UTF-16 code units, each URL counted at the length of its tracked form.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, NoReturn

from jinja2 import Template, TemplateSyntaxError, Undefined, nodes
from jinja2.exceptions import SecurityError
from jinja2.runtime import Context
from jinja2.sandbox import SandboxedEnvironment

from core.i18n import t, tn

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
# Each allowed filter: how many positional arguments it takes, and its keywords.
FILTER_ARGUMENTS: dict[str, tuple[int, frozenset[str]]] = {
    "default": (2, frozenset({"default_value", "boolean"})), "d": (2, frozenset({"default_value", "boolean"})),
    "trim": (1, frozenset({"chars"})),
    "upper": (0, frozenset()), "lower": (0, frozenset()), "title": (0, frozenset()), "capitalize": (0, frozenset()),
}
ALLOWED_FILTERS = frozenset(FILTER_ARGUMENTS)
ALLOWED_NODES = (
    nodes.Template, nodes.Output, nodes.TemplateData, nodes.Name, nodes.Getattr, nodes.Filter,
    nodes.Const, nodes.If, nodes.CondExpr, nodes.And, nodes.Or, nodes.Not, nodes.Keyword,
)
# LinkedIn's longest message (the chat forms take no more either); the parser never sees more.
MAX_TEMPLATE_LENGTH = 8000
# Levels of nesting (blocks, filters, brackets, and/or/not) a message may have; real ones use < 10.
MAX_DEPTH = 32
URL_RE = re.compile(r"https?://[^\s<>\"']+")
TRACKED_TOKEN_LENGTH = 10

_CONSTRUCTS = {
    "For": "A {% for %} loop", "Assign": "{% set %}", "AssignBlock": "{% set %}", "Macro": "A {% macro %}",
    "CallBlock": "{% call %}", "Include": "{% include %}", "Import": "{% import %}", "FromImport": "{% import %}",
    "Extends": "{% extends %}", "Block": "{% block %}", "FilterBlock": "A {% filter %} block", "With": "{% with %}",
    "Call": "Calling with ( … )", "Getitem": "Square brackets [ … ]", "Slice": "Square brackets [ … ]",
    "Compare": "A comparison (==, <, in …)", "Test": "A test (is …)", "Concat": "The ~ operator",
    "Tuple": "A list or tuple", "List": "A list or tuple", "Dict": "A dictionary",
    "ScopedEvalContextModifier": "{% autoescape %}", "ExprStmt": "{% do %}",
}
_FILTERS = ", ".join(sorted(ALLOWED_FILTERS - {"d"}))


def _hint() -> str:
    return t("template.hint", filters=_FILTERS)


class TemplateProblem(ValueError):
    """A template that cannot be accepted; the message quotes the offending part."""


class CustomFields(dict):
    """A contact's custom fields (CSV columns the import does not know), as plain strings. In a
    template, `custom.<x>` and `custom['x']` mean the field `x` only (see `_TokenEnvironment`)."""


_local = threading.local()


def _missing_sink() -> list[str]:
    sink = getattr(_local, "missing", None)
    if sink is None:
        sink = _local.missing = []
    return sink


class _RecordingUndefined(Undefined):
    """Renders empty and remembers which token had no value (the "Hello ," guard)."""

    def __str__(self) -> str:
        _missing_sink().append(self._undefined_name or "?")
        return ""


class _TokenEnvironment(SandboxedEnvironment):
    """The sandbox, narrowed to data: a lookup on the custom fields resolves only their keys
    (`custom.items` is the field `items`, or undefined), and any other attribute or item lookup,
    and any call, is a `SecurityError`. The static check refuses such templates first; this is
    the second wall."""

    def getattr(self, obj: Any, attribute: str) -> Any:
        return self._field(obj, attribute)

    def getitem(self, obj: Any, argument: Any) -> Any:
        return self._field(obj, argument)

    def _field(self, obj: Any, name: Any) -> Any:
        if isinstance(obj, CustomFields) and isinstance(name, str):
            if dict.__contains__(obj, name):
                return dict.__getitem__(obj, name)
            return self.undefined(obj=obj, name=f"custom.{name}")
        raise SecurityError(f"a message reads only its tokens, not {name!r} of a {type(obj).__name__}")

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        return False

    def is_safe_callable(self, obj: Any) -> bool:
        return False

    def call(__self, __context: Context, __obj: Any, *args: Any, **kwargs: Any) -> NoReturn:  # Jinja's signature
        raise SecurityError("a message calls nothing")


def _env() -> _TokenEnvironment:
    env = _TokenEnvironment(undefined=_RecordingUndefined, autoescape=False, keep_trailing_newline=True)
    env.filters = {k: v for k, v in env.filters.items() if k in ALLOWED_FILTERS}
    env.globals.clear()
    env.tests = {}
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


def _parse(source: str) -> nodes.Template:
    if not isinstance(source, str):
        raise TemplateProblem(t("template.not_text"))
    if len(source) > MAX_TEMPLATE_LENGTH:
        raise TemplateProblem(t("template.too_long", length=len(source), max=MAX_TEMPLATE_LENGTH))
    try:
        return _ENV.parse(source)
    except TemplateSyntaxError as exc:
        reason = (exc.message or "unreadable").rstrip(".")
        raise TemplateProblem(t("template.syntax", line=str(exc.lineno), reason=reason)) from None
    except (RecursionError, MemoryError):
        raise _too_deep() from None
    except ValueError:  # e.g. a number of thousands of digits, which Python refuses to read
        raise TemplateProblem(t("template.long_number")) from None


def _too_deep() -> TemplateProblem:
    return TemplateProblem(t("template.too_deep", max=MAX_DEPTH))


@lru_cache(maxsize=4096)
def check_template(source: str) -> tuple[str, ...]:
    """Validate a template; return the tokens it uses. Raises `TemplateProblem` quoting the
    unknown token, the forbidden construct, the syntax error, or the size or depth exceeded."""
    tree = _parse(source)
    used: list[str] = []
    stack: list[tuple[nodes.Node, nodes.Node | None, int]] = [(tree, None, 0)]
    while stack:  # iterative: a deep tree cannot exhaust the interpreter's stack here
        node, parent, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise _too_deep()
        _check_node(node, parent, used)
        stack.extend((child, node, depth + 1) for child in reversed(list(node.iter_child_nodes())))
    return tuple(dict.fromkeys(used))


def _check_node(node: nodes.Node, parent: nodes.Node | None, used: list[str]) -> None:
    kind = type(node).__name__
    if not isinstance(node, ALLOWED_NODES):
        construct = _CONSTRUCTS.get(kind, f"“{kind.lower()}”")
        raise TemplateProblem(t("template.not_allowed", construct=construct, hint=_hint()))
    if isinstance(node, nodes.Name):
        if node.ctx != "load":
            raise TemplateProblem(t("template.assigned", name=node.name, hint=_hint()))
        if node.name == "custom":
            if not (isinstance(parent, nodes.Getattr) and parent.node is node):
                raise TemplateProblem(t("template.custom_alone"))
        elif node.name not in TOKENS:
            raise TemplateProblem(t("template.unknown_token", token="{{" + node.name + "}}", tokens=", ".join(TOKENS)))
        else:
            used.append(node.name)
    elif isinstance(node, nodes.Getattr):
        if not (isinstance(node.node, nodes.Name) and node.node.name == "custom"):
            raise TemplateProblem(t("template.dot", attr=node.attr))
        if node.attr.startswith("_"):
            raise TemplateProblem(t("template.private_field", attr=node.attr))
        used.append(f"custom.{node.attr}")
    elif isinstance(node, nodes.Filter):
        _check_filter(node)
    elif isinstance(node, nodes.Const) and not isinstance(node.value, (str, int, float, bool, type(None))):
        raise TemplateProblem(t("template.plain_values"))
    elif isinstance(node, nodes.CondExpr) and node.expr2 is None:
        raise TemplateProblem(t("template.inline_if"))


def _check_filter(node: nodes.Filter) -> None:
    if node.name not in ALLOWED_FILTERS:
        raise TemplateProblem(t("template.filter_not_allowed", name=node.name, filters=_FILTERS))
    positional, keywords = FILTER_ARGUMENTS[node.name]
    if node.node is None or node.dyn_args is not None or node.dyn_kwargs is not None:
        raise TemplateProblem(t("template.filter_misused", name=node.name))
    if len(node.args) > positional or any(k.key not in keywords for k in node.kwargs):
        example = "{{firstName|" + node.name + ("('there')" if positional else "") + "}}"
        if positional:
            raise TemplateProblem(tn("template.filter_arguments", positional, name=node.name, example=example))
        raise TemplateProblem(t("template.filter_no_argument", name=node.name, example=example))
    if node.name == "trim":
        chars = [*node.args, *(k.value for k in node.kwargs)]
        if any(not (isinstance(c, nodes.Const) and isinstance(c.value, str)) for c in chars):
            raise TemplateProblem(t("template.trim"))


@lru_cache(maxsize=4096)
def _compiled(source: str) -> Template:
    check_template(source)
    return _ENV.from_string(source)


@dataclass
class Rendered:
    text: str
    missing: list[str] = field(default_factory=list)
    length: int = 0


def _plain(value: Any) -> str | None:
    """A value as the text a template may show: strings (and numbers) only; anything else is no value."""
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        return None
    text = str(value).strip()
    return text or None


def context_for(contact: Any, sender_name: str | None) -> dict[str, Any]:
    """The token values of one contact and sender, as plain text; empty values are left out so
    that `default` fallbacks apply and missing ones are reported."""
    ctx: dict[str, Any] = {}
    for token, attr in CONTACT_TOKENS.items():
        value = _plain(getattr(contact, attr, None))
        if value:
            ctx[token] = value
    if sender_name and sender_name.strip():
        ctx["senderFullName"] = sender_name.strip()
        ctx["senderFirstName"] = sender_name.strip().split(" ")[0]
    raw = getattr(contact, "custom_fields", None)
    custom = CustomFields()
    if isinstance(raw, dict):
        for key, value in raw.items():
            text = _plain(value)
            if isinstance(key, str) and text:
                custom[key] = text
    ctx["custom"] = custom
    return ctx


def render(source: str, context: dict[str, Any], *, public_url: str) -> Rendered:
    """Render a checked template for one contact; report tokens that had no value. Raises
    `TemplateProblem` for a template `check_template` refuses."""
    template = _compiled(source)
    sink = _missing_sink()
    sink.clear()
    try:
        text = template.render(context)
    except SecurityError as exc:  # only reachable by a context that is not `context_for`'s
        raise TemplateProblem(t("template.security", problem=exc)) from None
    finally:
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
