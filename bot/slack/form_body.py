"""Slack's request bodies read the way bolt reads them (`slack_bolt.request.internals.parse_body`),
faster: an options request carries the whole open modal, 10-20 KB percent-encoded, and
`urllib.parse.parse_qsl` decodes it one escape at a time in Python (≈0.5 ms, a fifth of the
request). A value as encoders write it (ASCII, no `=` of its own, every `%` starting an escape)
is decoded by `binascii.a2b_qp` in C once `%` is written as quoted-printable's `=`; anything
else goes through `urllib` unchanged, so both give the same result (tests compare them).
"""

from __future__ import annotations

import binascii
import re
from typing import Any
from urllib.parse import unquote_plus

from bot.shapes import parse_json

# `a2b_qp` copies every character but `=` as it is, and reads `=XX` as a byte: given ASCII with no
# `=` of its own and no `%` outside an escape, it decodes exactly what `unquote_plus` decodes.
_LONE_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")


def unquote_form(value: str) -> str:
    """`urllib.parse.unquote_plus(value)` (UTF-8, invalid bytes replaced)."""
    if "%" not in value:
        return value.replace("+", " ")
    if not value.isascii() or "=" in value or _LONE_PERCENT.search(value):
        return unquote_plus(value)
    return binascii.a2b_qp(value.replace("+", " ").replace("%", "=")).decode("utf-8", "replace")


def form_pairs(body: str) -> list[tuple[str, str]]:
    """`urllib.parse.parse_qsl(body, keep_blank_values=True)`."""
    pairs = []
    for field in body.split("&"):
        if not field:
            continue
        name, _, value = field.partition("=")
        pairs.append((unquote_form(name), unquote_form(value)))
    return pairs


def parse_body(body: str, content_type: str | None) -> dict[str, Any]:
    """What bolt's `parse_body` returns for `body`; `shapes.Unreadable` for JSON it cannot read
    (bolt's would raise ValueError, or RecursionError when nested deeper than Python recurses)."""
    if not body:
        return {}
    if content_type == "application/json" or body.startswith("{"):
        return parse_json(body)
    params = dict(form_pairs(body))
    if "payload" in body:
        payload = params.get("payload")
        return parse_json(payload) if payload is not None else {}
    return params
