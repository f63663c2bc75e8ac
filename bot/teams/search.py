"""`application/search`: Teams' dynamic type-ahead (`Data.Query`) in Adaptive Cards.

botbuilder-python 4.17.1 routes no handler for this invoke (it answers 501); the bot calls
`search_response` for it. The choices come from the conversation layer's `options.suggest`, the same
as Slack's external selects; the card's other inputs come along, so the sources offered are those
of the sender chosen in the card."""

from __future__ import annotations

from typing import Any

from bot.conversation.options import suggest
from bot.teams.cards.form import flatten, values_from_payload

SEARCH_INVOKE = "application/search"
RESPONSE_TYPE = "application/vnd.microsoft.search.searchResponse"
MAX_RESULTS = 15  # what Teams shows in the drop-down


def search_body(results: list[dict[str, str]]) -> dict:
    return {"type": RESPONSE_TYPE, "value": {"results": results}}


def _query(value: Any) -> tuple[str, str, dict[str, Any], int, int]:
    value = value if isinstance(value, dict) else {}
    options = value.get("queryOptions") if isinstance(value.get("queryOptions"), dict) else {}
    inputs = value.get("data") if isinstance(value.get("data"), dict) else {}
    skip = options.get("skip") if isinstance(options.get("skip"), int) else 0
    top = options.get("top") if isinstance(options.get("top"), int) else MAX_RESULTS
    text = value.get("queryText") if isinstance(value.get("queryText"), str) else ""
    dataset = value.get("dataset") if isinstance(value.get("dataset"), str) else ""
    return dataset, text, values_from_payload(inputs), max(0, skip), max(1, min(top, MAX_RESULTS))


async def search_response(services, member_id: int, value: Any) -> dict:
    """The search response body for one `application/search` invoke (empty for unknown datasets)."""
    dataset, text, values, skip, top = _query(value)
    choices = await suggest(services, member_id, dataset, text, values)
    options = flatten(choices if isinstance(choices, list) else [])
    return search_body([{"title": o.label, "value": o.value} for o in options[skip:skip + top]])
