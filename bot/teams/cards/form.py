"""A neutral `Form` as an Adaptive Card: in a dialog (task module, `Action.Submit`) or inline in
the conversation (`Action.Execute`, the card is replaced in place).

Type-ahead fields become a filtered `Input.ChoiceSet`: static choices when the whole list is
small, else a dynamic `Data.Query` whose dataset is the field's lookup (answered by the bot's
`application/search` handler). Cards carry the form's kind and state in every action's data,
since a card, unlike a Slack modal, keeps nothing on the server."""

from __future__ import annotations

import json
from typing import Any, Iterable

from bot.conversation.views import (
    CHECKBOX, EXTERNAL_SELECT, MULTI_SELECT, MULTILINE, NUMBER, SELECT, TEXT, TIME, Button, DialogRoom, Form, FormField,
    FormErrors, Option, OptionGroup,
)
from bot.shapes import parse_json
from bot.teams.cards.elements import (  # noqa: F401
    EXECUTE, MAX_CARD_BYTES, SUBMIT, button, card_bytes, compact, envelope, text, title,
)
from core.i18n import t, tn

SUBMIT_ACTION = "form.submit"
# What a Teams dialog card holds: the card stays under 28 KB with at most 100 items and 12 KB of
# typed text (the rest of the card: labels, hints, hidden state).
ROOM = DialogRoom(items=100, text_bytes=12_000)
CHANGED_ACTION = "form.changed"
DATA_QUERY = "Data.Query"  # Teams' dynamic type-ahead (`choices.data`), answered by `application/search`


FORM_INPUT = "_form"


def form_data(form: Form) -> dict:
    """What every action of the form sends back: which form, its state, and which inputs are
    toggles or multi-selects (Teams sends every input value as a string)."""
    return {"form": {"kind": form.kind, "state": form.state,
                     "bools": [f.id for f in form.fields if f.kind == CHECKBOX],
                     "lists": [f.id for f in form.fields if f.kind == MULTI_SELECT]}}


def _form_input(form: Form) -> dict:
    """The form's data once, in a hidden input that every action of the card sends along (rather
    than a copy in each button's data: a card must stay under 28 KB)."""
    return {"type": "Input.Text", "id": FORM_INPUT, "isVisible": False,
            "value": json.dumps(form_data(form)["form"], separators=(",", ":"))}


def form_of(payload: dict) -> dict | None:
    """The form data of a submitted card (hidden input), or None when the card held no form."""
    raw = payload.get(FORM_INPUT)
    if isinstance(raw, str):
        try:
            data = parse_json(raw)
        except ValueError:  # shapes.Unreadable: not JSON, or nested deeper than the parser goes
            return None
        return data if isinstance(data, dict) else None
    form = payload.get("form")
    return form if isinstance(form, dict) else None


def flatten(choices: Iterable[Option | OptionGroup]) -> list[Option]:
    """Option groups (sources: finders and segments) as one list, the group named in each title."""
    flat: list[Option] = []
    for choice in choices:
        if isinstance(choice, OptionGroup):
            flat += [Option(o.value, f"{choice.label}: {o.label}", o.description) for o in choice.options]
        else:
            flat.append(choice)
    return flat


def _choice(option: Option) -> dict:
    return {"title": option.label, "value": option.value}


def _value_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        return ",".join(str(v) for v in value)
    return str(value)


def _input(f: FormField, static: dict[str, list[Option]]) -> dict:
    base: dict[str, Any] = {"id": f.id, "label": f.label}
    if f.required:  # the client refuses an empty one and says why (without it, the submit silently does nothing)
        base["isRequired"] = True
        base["errorMessage"] = t("form.required_short")
    if f.kind in (TEXT, MULTILINE):
        element = {"type": "Input.Text", **base, "value": _value_text(f.value)}
        if f.kind == MULTILINE:
            element["isMultiline"] = True
        if f.max_length:
            element["maxLength"] = f.max_length
        if f.placeholder:
            element["placeholder"] = f.placeholder
        return element
    if f.kind == NUMBER:
        element = {"type": "Input.Number", **base}
        try:
            element["value"] = int(str(f.value))
        except (TypeError, ValueError):
            pass
        if f.min_value is not None:
            element["min"] = f.min_value
        if f.max_value is not None:
            element["max"] = f.max_value
        return element
    if f.kind == TIME:
        return {"type": "Input.Time", **base, "value": _value_text(f.value)}
    if f.kind == CHECKBOX:
        base.pop("isRequired", None)
        return {"type": "Input.Toggle", **base, "title": f.label, "value": "true" if f.value else "false",
                "valueOn": "true", "valueOff": "false"}
    if f.kind in (SELECT, MULTI_SELECT):
        element = {"type": "Input.ChoiceSet", **base, "style": "filtered", "value": _value_text(f.value),
                   "choices": [_choice(o) for o in flatten(f.options)]}
        if f.kind == MULTI_SELECT:
            element["isMultiSelect"] = True
            element["style"] = "compact"
        return element
    if f.kind == EXTERNAL_SELECT:
        current = [Option(str(f.value), f.value_label or str(f.value))] if f.value else []
        element = {"type": "Input.ChoiceSet", **base, "style": "filtered", "value": _value_text(f.value)}
        if f.placeholder:
            element["placeholder"] = f.placeholder
        if f.id in static:
            known = static[f.id]
            extra = [o for o in current if all(o.value != k.value for k in known)]
            element["choices"] = [_choice(o) for o in extra + known]
        else:
            element["choices"] = [_choice(o) for o in current]
            # Every input goes with the query, so a lookup can depend on other fields (the
            # sources offered are those of the sender chosen in this card).
            element["choices.data"] = {"type": DATA_QUERY, "dataset": f.lookup or f.id, "associatedInputs": "auto"}
        return element
    raise ValueError(f"unknown field kind {f.kind!r}")


PAGE_ACTION = "form.page"  # Teams only: move between the pages of a form too big for one card
CARRY_INPUT = "_carry"
BUDGET = MAX_CARD_BYTES - 2 * 1024  # room for the activity around the card


def form_card(form: Form, *, mode: str = SUBMIT, errors: FormErrors | None = None,
              static_choices: dict[str, list[Option | OptionGroup]] | None = None, page: int = 0) -> dict:
    """The form as a card. `static_choices` gives, per type-ahead field id, the full (small) list of
    choices to embed; the other type-ahead fields search with `Data.Query`. `errors` are shown
    under their fields and as a summary at the top. A form too big for one card (many follow-ups
    in many languages) is cut into pages of whole sections; what the other pages hold travels in a
    hidden input, so nothing typed is lost and every page submits the whole form."""
    static = {field_id: flatten(choices) for field_id, choices in (static_choices or {}).items()}
    placed = dict(errors.errors) if errors else {}
    sections = [_section(section, static, placed, mode) for section in form.sections]
    pages = _pages(form, sections)
    page = min(max(page, 0), len(pages) - 1)
    if errors and len(pages) > 1:  # show the first page holding an error
        page = next((i for i, idx in enumerate(pages) if any(
            f.id in errors.errors for j in idx for f in form.sections[j].fields)), page)
    shown = pages[page]
    body: list[dict] = [title(form.title, size="Large"), _form_input(form)]
    if len(pages) > 1:
        hidden = {f.id: f.value for j, section in enumerate(form.sections) if j not in shown
                  for f in section.fields if f.value not in (None, "", [])}
        body.append({"type": "Input.Text", "id": CARRY_INPUT, "isVisible": False,
                     "value": json.dumps(hidden, separators=(",", ":"), ensure_ascii=False)})
        body.append(text(t("form.continues", page=page + 1, pages=len(pages)), subtle=True))
    if errors:
        summary = errors.summary or tn("form.fix_fields", len(errors.errors))
        body.append(text(summary, tone="error", weight="Bolder"))
    body += [sections[j] for j in shown]
    # An error naming no field of this form is not lost.
    body += [text(message, tone="error") for message in placed.values()]
    actions = []
    if page > 0:
        actions.append(button(Button(t("button.back"), PAGE_ACTION, str(page - 1)), mode=mode))
    if page < len(pages) - 1:
        actions.append(button(Button(t("button.next"), PAGE_ACTION, str(page + 1)), mode=mode))
    actions.append(button(Button(form.submit_label, SUBMIT_ACTION, style="primary"), mode=mode))
    return envelope(body, actions)


def _section(section, static, placed: dict[str, str], mode: str) -> dict:
    items = compact([
        title(section.title, size="Default") if section.title else None,
        text(section.text, subtle=True) if section.text else None,
    ])
    for f in section.fields:
        items.append(_input(f, static))
        if f.hint:
            items.append(text(f.hint, subtle=True, spacing="None"))
        if f.id in placed:
            items.append(text(placed.pop(f.id), tone="error", spacing="None", element_id=f"error.{f.id}"))
        if f.dispatch:
            items.append(_changed_button(f, {}, mode))
    if section.buttons:
        items.append({"type": "ActionSet", "actions": [button(b, mode=mode) for b in section.buttons]})
    return {"type": "Container", "separator": True, "items": items}


def _pages(form: Form, sections: list[dict]) -> list[list[int]]:
    """Whole sections per page, in order, each page within the budget with the others' values carried."""
    total = sum(card_bytes(s) for s in sections)
    if total + 2048 <= BUDGET:
        return [list(range(len(sections)))]
    values = sum(len(json.dumps(f.value, ensure_ascii=False).encode()) + len(f.id) + 4
                 for f in form.fields if f.value not in (None, "", []))
    room = max(2048, BUDGET - 3072 - values)
    pages: list[list[int]] = [[]]
    used = 0
    for i, section in enumerate(sections):
        size = card_bytes(section)
        if pages[-1] and used + size > room:
            pages.append([])
            used = 0
        pages[-1].append(i)
        used += size
    return pages


def _changed_button(f: FormField, data: dict, mode: str) -> dict:
    """Cards have no on-change event (Adaptive Cards 1.5): the user applies a change that reshapes
    the form (languages, sender, a campaign picked by name) with this button."""
    action = button(Button(t("form.apply", field=f.label.lower()), CHANGED_ACTION, f.id), mode=mode, extra=data)
    return {"type": "ActionSet", "spacing": "Small", "actions": [action]}


def values_from_payload(payload: dict) -> dict[str, Any]:
    """The inputs of a submitted form card as the conversation layer reads them: toggles as bools,
    multi-selects as lists, the rest as strings. Keys that are not inputs (our action data) are left out."""
    form = form_of(payload) or {}
    bools, lists = set(form.get("bools") or ()), set(form.get("lists") or ())
    values: dict[str, Any] = {}
    carried = payload.get(CARRY_INPUT)
    if isinstance(carried, str):
        try:
            hidden = parse_json(carried)
        except ValueError:
            hidden = {}
        if isinstance(hidden, dict):
            values.update({k: v for k, v in hidden.items() if isinstance(v, (str, bool, list, int))})
    for key, raw in payload.items():
        if key in _RESERVED or not isinstance(raw, (str, int, float, bool)):
            continue
        if key in bools:
            values[key] = raw is True or str(raw).lower() == "true"
        elif key in lists:
            values[key] = [v for v in str(raw).split(",") if v]
        else:
            values[key] = str(raw)
    return values


_RESERVED = {"action", "value", "form", "input", "msteams", FORM_INPUT, CARRY_INPUT}
