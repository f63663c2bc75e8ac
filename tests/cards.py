"""Reading and checking Teams cards (unit, e2e and security tests share it): every card against the
Adaptive Cards 1.5 contract and the 28 KB limit; its texts, actions and inputs as a user sees them.

Teams' dynamic type-ahead (`"choices.data": {"type": "Data.Query", ...}` on `Input.ChoiceSet`,
documented by Teams on top of Adaptive Cards) is not in the 1.5 schema, whose ChoiceSet allows no
other property. We check it against Teams' documented shape, then validate the card without it
against the untouched contract."""

from __future__ import annotations

import copy
import json
from functools import lru_cache
from pathlib import Path
from typing import Any

import jsonschema

from bot.teams.cards import MAX_CARD_BYTES, card_bytes

CONTRACT = Path(__file__).resolve().parent / "contracts" / "adaptive-card-1.5.schema.json"
DATA_QUERY = {
    "type": "object",
    "properties": {
        "type": {"const": "Data.Query"},
        "dataset": {"type": "string", "minLength": 1},
        "count": {"type": "integer"},
        "skip": {"type": "integer"},
        "associatedInputs": {"enum": ["auto", "none"]},
    },
    "required": ["type", "dataset"],
    "additionalProperties": False,
}


@lru_cache(maxsize=1)
def _validator():
    schema = json.loads(CONTRACT.read_text())
    return jsonschema.validators.validator_for(schema)(schema)


def _strip_data_queries(node, found: list):
    if isinstance(node, dict):
        if node.get("type") == "Input.ChoiceSet" and "choices.data" in node:
            found.append(node.pop("choices.data"))
        for value in node.values():
            _strip_data_queries(value, found)
    elif isinstance(node, list):
        for value in node:
            _strip_data_queries(value, found)


def assert_valid_card(card: dict) -> list[dict]:
    """Fails unless `card` is a valid Adaptive Card 1.5 under 28 KB; returns its Data.Query objects."""
    assert card.get("version") == "1.5"
    size = card_bytes(card)
    assert size < MAX_CARD_BYTES, f"card of {size} bytes"
    stripped = copy.deepcopy(card)
    queries: list[dict] = []
    _strip_data_queries(stripped, queries)
    for query in queries:
        jsonschema.validate(query, DATA_QUERY)
    errors = sorted(_validator().iter_errors(stripped), key=lambda e: list(e.absolute_path))
    assert not errors, "; ".join(f"{list(e.absolute_path)}: {e.message[:200]}" for e in errors[:5])
    warnings = renderer_warnings(card)
    assert not warnings, warnings[:5]
    return queries


# Collections the official renderer warns about when empty (`CollectionCantBeEmpty`).
COLLECTIONS = {"ActionSet": "actions", "Container": "items", "FactSet": "facts", "ColumnSet": "columns",
               "RichTextBlock": "inlines", "Input.ChoiceSet": "choices"}


def renderer_warnings(card: dict) -> list[str]:
    """What the official Adaptive Cards renderer warns about in `card`, in its terms: a required
    input without an `errorMessage` (`RequiredInputsShouldHaveErrorMessage`, the empty submit that
    silently does nothing), and an empty collection (`CollectionCantBeEmpty`)."""
    warnings = []
    for node in walk(card):
        kind = node.get("type", "")
        if kind.startswith("Input.") and node.get("isRequired") and not node.get("errorMessage"):
            warnings.append(f"RequiredInputsShouldHaveErrorMessage: {node.get('id')}")
        key = COLLECTIONS.get(kind)
        if key and key in node and not node[key] and not (kind == "Input.ChoiceSet" and "choices.data" in node):
            warnings.append(f"CollectionCantBeEmpty: {kind}.{key}")
    return warnings


def walk(node):
    """Every object of a card, depth first."""
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from walk(value)


def texts(card: dict) -> list[str]:
    return [run["text"] for node in walk(card) if node.get("type") == "TextRun" for run in [node]]


def find_action(card: dict, title: str | None = None, *, verb: str | None = None) -> dict:
    for node in walk(card):
        if node.get("type", "").startswith("Action.") and node.get("type") != "Action.ShowCard":
            if (title is None or node.get("title") == title) and (verb is None or node.get("verb") == verb
                                                                   or node.get("data", {}).get("action") == verb):
                return node
    raise AssertionError(f"no action {title or verb} in card: {texts(card)[:5]}")


def inputs(card: dict) -> dict[str, Any]:
    """The inputs of a card with their current values, as Teams would submit them untouched."""
    values = {}
    for node in walk(card):
        if node.get("type", "").startswith("Input.") and "id" in node:
            value = node.get("value")
            if value is not None and value != "":
                values[node["id"]] = str(value) if not isinstance(value, str) else value
    return values
