"""Neutral `Form` ↔ Slack modal: blocks named after the field ids, and the view state read back.

Block ids are the field ids (so `response_action: errors` lands on the right input); action ids
are `<field id>@<rev>`: a re-rendered form bumps `rev`, so Slack shows the new values instead of
keeping the old inputs. The form's neutral state travels in `private_metadata`.
"""

from __future__ import annotations

import json
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock, Block, CheckboxesElement, ContextBlock, ExternalDataSelectElement, HeaderBlock, InputBlock,
    NumberInputElement, Option, PlainTextInputElement, SectionBlock, StaticMultiSelectElement, StaticSelectElement,
    TimePickerElement,
)
from slack_sdk.models.views import View

from bot.conversation import views as v
from bot.shapes import parse_json
from bot.slack.render import OPTIONS, button, clip, esc, mrkdwn, option, plain
from core.i18n import t

CALLBACK_PREFIX = "form:"
MODAL_BLOCKS = 100
# What a Slack modal holds: one block per field, title, text and row of buttons, at most 100.
ROOM = v.DialogRoom(items=MODAL_BLOCKS)
CHECKED = "on"
PARENT = "p"  # origin key: the modal a pushed view goes back to


def action_id(field_id: str, rev: int) -> str:
    return f"{field_id}@{rev}"


def field_of(action: str) -> str:
    return action.rsplit("@", 1)[0]


def _element(f: v.FormField, rev: int):
    aid = action_id(f.id, rev)
    placeholder = plain(f.placeholder, 150) if f.placeholder else None
    if f.kind in (v.TEXT, v.MULTILINE):
        return PlainTextInputElement(action_id=aid, multiline=f.kind == v.MULTILINE, placeholder=placeholder,
                                     initial_value=clip(str(f.value), 3000) if f.value else None,
                                     max_length=min(f.max_length, 3000) if f.max_length else None)
    if f.kind == v.NUMBER:
        return NumberInputElement(action_id=aid, is_decimal_allowed=False, placeholder=placeholder,
                                  initial_value=f.value if f.value not in (None, "") else None,
                                  min_value=f.min_value, max_value=f.max_value)
    if f.kind == v.SELECT:
        selected = next((o for o in f.options if o.value == f.value), None)
        return StaticSelectElement(action_id=aid, placeholder=placeholder or plain(t("form.choose"), 150),
                                   options=[option(o) for o in f.options[:OPTIONS]],
                                   initial_option=option(selected) if selected else None)
    if f.kind == v.MULTI_SELECT:
        chosen = [o for o in f.options if o.value in (f.value or [])]
        return StaticMultiSelectElement(action_id=aid, placeholder=placeholder or plain(t("form.choose"), 150),
                                        options=[option(o) for o in f.options[:OPTIONS]],
                                        initial_options=[option(o) for o in chosen] or None)
    if f.kind == v.EXTERNAL_SELECT:
        initial = option(v.Option(f.value, f.value_label or f.value)) if f.value else None
        return ExternalDataSelectElement(action_id=aid, placeholder=placeholder or plain(t("form.type_to_search"), 150),
                                         min_query_length=0, initial_option=initial)
    if f.kind == v.CHECKBOX:
        box = Option(value=CHECKED, text=clip(f.label, 75))
        return CheckboxesElement(action_id=aid, options=[box], initial_options=[box] if f.value else None)
    if f.kind == v.TIME:
        return TimePickerElement(action_id=aid, initial_time=f.value or None, placeholder=placeholder)
    raise ValueError(f"unknown field kind {f.kind}")


def _input(f: v.FormField, rev: int) -> InputBlock:
    return InputBlock(block_id=f.id, label=plain(f.label, 2000), element=_element(f, rev),
                      hint=plain(f.hint, 2000) if f.hint else None, optional=not f.required,
                      dispatch_action=f.dispatch or None)


def form_blocks(form: v.Form) -> list[Block]:
    rev = int(form.state.get("rev", 0))
    blocks: list[Block] = []
    for i, section in enumerate(form.sections):
        if section.title and len(section.buttons) == 1 and not section.text:
            # A titled section with one button (a follow-up and its Remove) is one block.
            blocks.append(SectionBlock(block_id=f"section.{i}", text=mrkdwn(f"*{esc(section.title)}*"),
                                       accessory=button(section.buttons[0])))
        elif section.title:
            blocks.append(HeaderBlock(block_id=f"section.{i}", text=clip(section.title, 150)))
        if section.text:
            blocks.append(ContextBlock(elements=[mrkdwn(esc(section.text))]))
        blocks += [_input(f, rev) for f in section.fields]
        if section.buttons and not (section.title and len(section.buttons) == 1 and not section.text):
            blocks.append(ActionsBlock(block_id=f"buttons.{i}", elements=[button(b) for b in section.buttons]))
    return blocks


def metadata(form: v.Form, origin: dict[str, Any] | None = None) -> str:
    data = {"k": form.kind, "s": form.state}
    if origin:
        data["o"] = origin
    text = json.dumps(data, separators=(",", ":"), ensure_ascii=False)
    if len(text) > 3000:
        raise ValueError("form state too large for a Slack modal")
    return text


def read_metadata(private_metadata: str | None) -> tuple[str, dict[str, Any], dict[str, Any]]:
    """(form kind, neutral state, origin) from a view's private_metadata."""
    try:
        data = parse_json(private_metadata or "{}")
    except ValueError:  # shapes.Unreadable: not JSON, or nested deeper than the parser goes
        data = {}
    if not isinstance(data, dict):
        data = {}
    state, origin = data.get("s"), data.get("o")
    # A forged state of another type is the conversation layer's to refuse (`form.read_state`).
    return (str(data.get("k") or ""), state if state is not None else {},
            origin if isinstance(origin, dict) else {})


def pushed_origin(parent: dict[str, Any]) -> dict[str, Any]:
    """The origin stored with a view pushed on top of `parent`: the parent's own, and its id."""
    return {**read_metadata(parent.get("private_metadata"))[2], PARENT: parent.get("id")}


def parent_of(view: dict[str, Any]) -> tuple[str | None, dict[str, Any]]:
    """(id, origin) of the modal under a pushed `view`."""
    origin = dict(read_metadata(view.get("private_metadata"))[2])
    parent = origin.pop(PARENT, None) or view.get("previous_view_id")
    return (parent if isinstance(parent, str) else None), origin


def modal(form: v.Form, origin: dict[str, Any] | None = None) -> View:
    view = View(type="modal", callback_id=CALLBACK_PREFIX + form.kind, title=clip(form.title, 24),
                submit=clip(form.submit_label, 24), close="Cancel", blocks=form_blocks(form),
                private_metadata=metadata(form, origin))
    view.validate_json()
    return view


def modal_dict(form: v.Form, origin: dict[str, Any] | None = None) -> dict:
    return modal(form, origin).to_dict()


def _value(element: dict[str, Any]) -> Any:
    kind = element.get("type")
    if kind in ("plain_text_input", "number_input", "email_text_input", "url_text_input"):
        return element.get("value")
    if kind in ("static_select", "external_select"):
        return (element.get("selected_option") or {}).get("value")
    if kind in ("multi_static_select", "multi_external_select"):
        return [o.get("value") for o in element.get("selected_options") or []]
    if kind == "checkboxes":
        return any(o.get("value") == CHECKED for o in element.get("selected_options") or [])
    if kind == "timepicker":
        return element.get("selected_time")
    return element.get("value")


def read_values(view: dict[str, Any] | None) -> dict[str, Any]:
    """The view state as {field id: value} (str | list[str] | bool | None)."""
    values: dict[str, Any] = {}
    state = ((view or {}).get("state") or {}).get("values") or {}
    for block_id, elements in state.items():
        if not isinstance(elements, dict):
            continue
        for element in elements.values():
            if isinstance(element, dict):
                values[block_id] = _value(element)
    return values
