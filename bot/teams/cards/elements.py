"""Building blocks of our Adaptive Cards: plain text, facts, buttons, the card envelope.

Neutral texts are plain. They go into `RichTextBlock`/`TextRun`, which Teams does not read as
markdown, so a contact called `**Bob**` or a message holding `[x](y)` shows as typed."""

from __future__ import annotations

import json
from typing import Any

from bot.conversation.commands import render_invocations, split_invocations
from bot.conversation.views import Button, Fact
from core.i18n import t

CARD_VERSION = "1.5"
CARD_SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
MAX_CARD_BYTES = 28 * 1024  # Teams refuses a message over 28 KB
CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"

TONE_COLORS = {"success": "Good", "warning": "Warning", "error": "Attention"}
BUTTON_STYLES = {"primary": "positive", "danger": "destructive"}

# Where an action's payload goes: `Action.Execute` in messages (Universal Actions, the card is
# updated in place), `Action.Submit` in dialogs (task modules send `task/submit`).
EXECUTE = "execute"
SUBMIT = "submit"


def card_bytes(card: dict) -> int:
    return len(json.dumps(card, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))


def envelope(body: list[dict], actions: list[dict] | None = None, **extra: Any) -> dict:
    card = {"type": "AdaptiveCard", "$schema": CARD_SCHEMA, "version": CARD_VERSION, "body": body}
    if actions:
        card["actions"] = actions
    card.update(extra)
    return card


def text(value: str, *, weight: str | None = None, size: str | None = None, tone: str | None = None,
         subtle: bool = False, italic: bool = False, spacing: str | None = None, separator: bool = False,
         element_id: str | None = None) -> dict:
    """Plain text, never read as markdown; a command it names (`core.i18n.invocation`) is the words
    to type to the bot, in monospace."""
    runs: list[dict[str, Any]] = []
    for part, command in split_invocations(value) or [("", False)]:
        run: dict[str, Any] = {"type": "TextRun", "text": part}
        if command:
            run["fontType"] = "Monospace"
        if weight:
            run["weight"] = weight
        if size:
            run["size"] = size
        if tone in TONE_COLORS:
            run["color"] = TONE_COLORS[tone]
        if subtle:
            run["isSubtle"] = True
        if italic:
            run["italic"] = True
        runs.append(run)
    block: dict[str, Any] = {"type": "RichTextBlock", "inlines": runs}
    if spacing:
        block["spacing"] = spacing
    if separator:
        block["separator"] = True
    if element_id:
        block["id"] = element_id
    return block


def typed(value: str) -> str:
    """A text shown where Teams takes no runs (a fact, a button, an input): commands it names as typed."""
    return render_invocations(value, lambda words: f"“{words}”")


def title(value: str, *, tone: str | None = None, size: str = "Medium") -> dict:
    return text(value, weight="Bolder", size=size, tone=tone)


def facts(items: tuple[Fact, ...]) -> dict | None:
    if not items:
        return None
    # Not a FactSet: Teams reads its values as markdown, and a fact holds user text (a segment named
    # `**Bold** [click me](https://example.com)` showed bold with a live link). Plain runs show it as typed.
    rows = [{"type": "ColumnSet", "spacing": "Small", "columns": [
        {"type": "Column", "width": "auto", "items": [text(f.label, weight="Bolder")]},
        {"type": "Column", "width": "stretch", "items": [text(f.value or " ")]},
    ]} for f in items]
    return {"type": "Container", "items": rows}


def action_data(action: str, value: str = "", **extra: Any) -> dict:
    return {"action": action, "value": value, **extra}


def button(b: Button, *, mode: str = EXECUTE, extra: dict | None = None) -> dict:
    """One neutral button: a link, a confirmed action (a `ShowCard` holding the question), or an action."""
    if b.url:
        return {"type": "Action.OpenUrl", "title": b.label, "url": b.url}
    if b.confirm:
        inner = dict(b.__dict__)
        inner.update(confirm=None, label=t("button.confirm_yes", label=b.label))
        return {"type": "Action.ShowCard", "title": b.label, "card": {
            "type": "AdaptiveCard", "version": CARD_VERSION,
            "body": [text(b.confirm, weight="Bolder")],
            "actions": [button(Button(**inner), mode=mode, extra=extra)],
        }}
    data = action_data(b.action, b.value, **(extra or {}))
    if mode == SUBMIT:
        action: dict[str, Any] = {"type": "Action.Submit", "title": b.label, "data": data}
    else:
        action = {"type": "Action.Execute", "title": b.label, "verb": b.action, "data": data}
    if b.style in BUTTON_STYLES:
        action["style"] = BUTTON_STYLES[b.style]
    return action


def action_set(buttons, *, mode: str = EXECUTE, extra: dict | None = None) -> dict | None:
    actions = [button(b, mode=mode, extra=extra) for b in buttons]
    return {"type": "ActionSet", "actions": actions} if actions else None


def compact(items: list[dict | None]) -> list[dict]:
    return [i for i in items if i]
