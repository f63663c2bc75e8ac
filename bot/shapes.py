"""What every edge shares to read a request body before using it: JSON parsed within bounds, the
shape of what we read checked by a pydantic model, and a refusal described without the payload.

Each surface turns `Unreadable` into its platform's refusal (400, or an invoke error reply) in one
place, with one log line saying `Unreadable.detail`: the names of our models' fields and the kind
of problem, never a value, nor a key that came from the sender."""

from __future__ import annotations

import json
from typing import Annotated, Any, TypeVar
from urllib.parse import urlsplit

from pydantic import AfterValidator, BaseModel, ConfigDict, StringConstraints, TypeAdapter, ValidationError

T = TypeVar("T")


class Unreadable(ValueError):
    """A body that is not what the edge reads. `detail` is safe to log and to answer."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class Shape(BaseModel):
    """A part of a payload we read: typed where we read it (no coercion: a number is not a
    string), the rest kept as it came for the libraries that read it after us."""

    model_config = ConfigDict(extra="allow", strict=True, populate_by_name=True)


def parse_json(raw: bytes | str) -> Any:
    """The JSON value of a body. `json.loads` recurses once per level of nesting, so a deep body
    (10,000 `[`) raises RecursionError: it is unreadable like any other non-JSON."""
    try:
        return json.loads(raw)
    except RecursionError:
        raise Unreadable("the body is nested too deeply") from None
    except (ValueError, UnicodeDecodeError):
        raise Unreadable("the body is not JSON") from None


def check(model: type[T] | TypeAdapter, data: Any) -> T:
    """`data` validated by `model` (a model class or a TypeAdapter), else `Unreadable`."""
    adapter = model if isinstance(model, TypeAdapter) else _adapter(model)
    try:
        return adapter.validate_python(data)
    except ValidationError as exc:
        raise Unreadable(describe(exc, adapter)) from None
    except RecursionError:
        raise Unreadable("the body is nested too deeply") from None


_ADAPTERS: dict[type, TypeAdapter] = {}


def _adapter(model: type) -> TypeAdapter:
    adapter = _ADAPTERS.get(model)
    if adapter is None:
        adapter = _ADAPTERS[model] = TypeAdapter(model)
    return adapter


def describe(error: ValidationError, adapter: TypeAdapter | None = None) -> str:
    """The first problem as "<kind> at <where>": where by our field names only; a dict key or a
    value chosen by the sender is written `…`, so the payload never reaches the log."""
    first = error.errors(include_url=False, include_input=False, include_context=False)[0]
    names = _field_names(adapter.core_schema) if adapter is not None else set()
    where = ".".join(str(p) if isinstance(p, int) or p in names else "…" for p in first["loc"])
    count = error.error_count()
    more = f" (and {count - 1} more)" if count > 1 else ""
    return f"{first['type']} at {where or 'the top level'}{more}"


_NAMES: dict[int, set[str]] = {}


def _field_names(schema: Any) -> set[str]:
    """Every field name and alias of a pydantic core schema (walked once per schema)."""
    key = id(schema)
    if key not in _NAMES:
        names: set[str] = set()
        _walk(schema, names, set())
        _NAMES[key] = names
    return _NAMES[key]


def _walk(node: Any, names: set[str], seen: set[int]) -> None:
    if id(node) in seen:
        return
    seen.add(id(node))
    if isinstance(node, dict):
        if node.get("type") in ("model-field", "typed-dict-field", "dataclass-field"):
            alias = node.get("validation_alias")
            if isinstance(alias, str):
                names.add(alias)
        if node.get("type") in ("model-fields", "typed-dict"):
            names.update(k for k in node.get("fields", {}) if isinstance(k, str))
        if node.get("type") == "tagged-union":
            names.update(k for k in node.get("choices", {}) if isinstance(k, str))
        for value in node.values():
            _walk(value, names, seen)
    elif isinstance(node, (list, tuple)):
        for value in node:
            _walk(value, names, seen)


def _http_url(value: str) -> str:
    try:
        parts = urlsplit(value)
    except ValueError:
        raise ValueError("not a URL") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("not an http(s) URL")
    return value


# Printable ASCII without spaces: the ids, keys and tokens platforms write (never typed by a person).
Token = Annotated[str, StringConstraints(min_length=1, max_length=255, pattern=r"^[\x21-\x7e]+$")]
LongToken = Annotated[str, StringConstraints(min_length=1, max_length=1024, pattern=r"^[\x21-\x7e]+$")]
HttpUrl = Annotated[str, StringConstraints(max_length=2048, pattern=r"^https?://[\x21-\x7e]+$"),
                    AfterValidator(_http_url)]
