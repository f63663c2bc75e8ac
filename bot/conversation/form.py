"""The campaign form (P-3…P-19) as a neutral `Form`, and its submitted values back into a `CampaignDraft`.

Field ids are stable and named after the campaign fields; the core's `FieldError.field` uses the
same ids, so errors land on the right input. Values given back by surfaces: text-like kinds and
selects → str or None; multi-select → list[str]; checkbox → bool.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from bot.conversation import catalogue, kept_texts
from bot.conversation.views import (
    CHECKBOX,
    EXTERNAL_SELECT,
    MULTI_SELECT,
    MULTILINE,
    NUMBER,
    TEXT,
    Button,
    DialogRoom,
    Form,
    FormErrors,
    FormField,
    FormSection,
    Option,
)
from core.campaigns.drafts import CampaignDraft, followup_field, invitation_field, welcome_field
from core.campaigns.validation import FOLLOWUP_DELAY_MAX, FOLLOWUP_DELAY_MIN
from core.i18n import N_, t

KIND = "campaign"
MAX_FOLLOWUPS = 10
PAGE_KIND = "campaign_texts"  # the page of one language's texts, opened on top of the form
OPEN_PAGE_ACTION = "form.language.open"
NEW = "new:"  # option value prefix of a typed, new name (“Create “typed text””)
EXISTING_CAMPAIGN = "campaign:"
EXISTING_PROGRAM = "program:"
# The type-ahead (`options.options_for` lookup) behind each external select of the form.
LOOKUP_BY_FIELD = {"name": "campaign_name", "program": "program", "sender": "sender", "source": "source",
                   "timezone": "timezone"}
INVITATION_HINT = N_("form.invitation_hint")
SLOTS_HINT = N_("form.slots_hint")
# The longest text a field takes: the form's inputs say so to the client, but a forged submission
# does not go through them. LinkedIn messages stop at 8,000 characters.
MAX_TEXT = 8000
MAX_DESCRIPTION = 3000
_EXAMPLE_SLOTS = [{"weekday": d, "start": "09:00", "end": "11:00"} for d in range(5)] + [
    {"weekday": 5, "start": "10:00", "end": "12:00"}]


# Field ids are the core's own error ids, so errors land on the right input.
invitation_id = invitation_field
welcome_id = welcome_field


def followup_delay_id(i: int) -> str:
    """The delay of the i-th follow-up (i from 0; the core numbers follow-ups from 1)."""
    return f"followups.{i + 1}.delay"


def followup_text_id(i: int, lang: str) -> str:
    return followup_field(i + 1, lang)


def _language_options() -> tuple[Option, ...]:
    from core.campaigns.validation import LANGUAGE_CODES

    return tuple(Option(code, catalogue.language_label(code)) for code in LANGUAGE_CODES)


def _count_hint(template: str | None, limit: int) -> str:
    hint = t(INVITATION_HINT, limit=limit)
    if template:
        hint += " " + t("form.invitation_count", length=len(template))
    return hint


def build_form(draft: CampaignDraft, *, state: dict[str, Any], labels: dict[str, str], room: DialogRoom,
               note_limit: int = 300) -> Form:
    """The form showing `draft`. `state` carries the campaign id being edited (or None) and its
    current name; `labels` the display names of the selected sender, source, program and name.
    The texts of as many languages as the surface's dialog has `room` for are inputs of the form;
    the others are written on a page of their own (`language_page`), opened with a button each."""
    languages = list(draft.languages or ["en"])
    editing = state.get("campaign_id") is not None
    title = t("form.title_edit") if editing else t("form.title_new")
    sections: list[FormSection] = []
    for inline in range(len(languages), -1, -1):
        sections = _sections(draft, state, labels, note_limit, languages[:inline])
        if fits(sections, room):
            break
    full_state = dict(state)
    full_state.update({"followups": len(draft.followups), "languages": languages,
                       "default_language": draft.default_language or languages[0]})
    return Form(KIND, title, t("button.save") if editing else t("button.create"), tuple(sections), full_state)


def fits(sections: Sequence[FormSection], room: DialogRoom) -> bool:
    return ((room.items is None or dialog_items(sections) <= room.items)
            and (room.text_bytes is None or dialog_text_bytes(sections) <= room.text_bytes))


def dialog_items(sections: Sequence[FormSection]) -> int:
    """The items a dialog shows: one per field, section title, section text and row of buttons,
    a titled section whose only extra is one button showing it beside its title. Surfaces draw
    one block per item (a Slack modal holds at most 100)."""
    items = 0
    for s in sections:
        beside = bool(s.title) and len(s.buttons) == 1 and not s.text
        items += len(s.fields) + bool(s.title) + bool(s.text) + (bool(s.buttons) and not beside)
    return items


def dialog_text_bytes(sections: Sequence[FormSection]) -> int:
    """The bytes of text a dialog holds in its inputs (a Teams card carries them all)."""
    return sum(len(f.value.encode()) for s in sections for f in s.fields if isinstance(f.value, str))


def paged_languages(form: Form) -> list[str]:
    """The languages whose texts are written on their own page, not in `form`."""
    return [lang for lang in form.state.get("languages") or [] if form.field(invitation_id(lang)) is None]


def language_texts(draft: CampaignDraft, languages: Iterable[str]) -> dict[str, str]:
    """The texts of `languages` in `draft`, by field id (invitation, welcome, each follow-up)."""
    texts: dict[str, str] = {}
    for lang in languages:
        texts[invitation_id(lang)] = draft.invitation.get(lang, "")
        texts[welcome_id(lang)] = draft.welcome.get(lang, "")
        texts.update({followup_text_id(i, lang): fu.texts.get(lang, "") for i, fu in enumerate(draft.followups)})
    return texts


def invitation_field_of(lang: str, draft: CampaignDraft, note_limit: int) -> FormField:
    label = catalogue.language_label(lang)
    return FormField(invitation_id(lang), MULTILINE, t("form.invitation_label", language=label), required=True,
                     max_length=note_limit + 200, value=draft.invitation.get(lang, ""),
                     hint=_count_hint(draft.invitation.get(lang), note_limit))


def welcome_field_of(lang: str, draft: CampaignDraft) -> FormField:
    return FormField(welcome_id(lang), MULTILINE, t("form.welcome_label", language=catalogue.language_label(lang)),
                     value=draft.welcome.get(lang, ""), hint=t("form.welcome_hint"))


def followup_text_field_of(i: int, lang: str, draft: CampaignDraft, label: str | None = None) -> FormField:
    return FormField(followup_text_id(i, lang), MULTILINE,
                     label or t("form.followup_text_label", language=catalogue.language_label(lang)),
                     required=True, value=draft.followups[i].texts.get(lang, ""))


def _sections(draft: CampaignDraft, state: dict[str, Any], labels: dict[str, str], note_limit: int,
              inline: list[str]) -> list[FormSection]:
    from bot.conversation import language_page

    editing = state.get("campaign_id") is not None
    name_value = (f"{EXISTING_CAMPAIGN}{state['campaign_id']}" if editing and draft.name == state.get("name")
                  else (f"{NEW}{draft.name}" if draft.name else None))
    campaign = FormSection(t("form.section_campaign"), (
        FormField("name", EXTERNAL_SELECT, t("form.name"), lookup=LOOKUP_BY_FIELD["name"], dispatch=True,
                  required=True, value=name_value, value_label=draft.name or None, hint=t("form.name_hint")),
        FormField("program", EXTERNAL_SELECT, t("form.program"), lookup=LOOKUP_BY_FIELD["program"], required=True,
                  value=f"{EXISTING_PROGRAM}{draft.program}" if draft.program else None,
                  value_label=draft.program or None, hint=t("form.program_hint")),
        FormField("description", MULTILINE, t("form.description"), value=draft.description or "", max_length=3000),
        FormField("sender", EXTERNAL_SELECT, t("card.sender"), lookup=LOOKUP_BY_FIELD["sender"], dispatch=True,
                  required=True, value=str(draft.sender_id) if draft.sender_id else None,
                  value_label=labels.get("sender"), hint=t("form.sender_hint")),
        FormField("source", EXTERNAL_SELECT, t("card.source"), lookup=LOOKUP_BY_FIELD["source"], required=True,
                  value=f"{draft.source_kind}:{draft.source_id}" if draft.source_id else None,
                  value_label=labels.get("source"), hint=t("form.source_hint")),
    ))
    languages = list(draft.languages or ["en"])
    paged = [lang for lang in languages if lang not in inline]
    messages_fields: list[FormField] = [
        FormField("languages", MULTI_SELECT, t("form.languages"), options=_language_options(), value=languages,
                  dispatch=True, required=True, hint=language_page.languages_hint(paged)),
    ]
    messages_fields += [invitation_field_of(lang, draft, note_limit) for lang in inline]
    messages_fields += [welcome_field_of(lang, draft) for lang in inline]
    messages_fields += [
        FormField("stop_if_ongoings", CHECKBOX, t("form.stop_if_ongoings"), value=bool(draft.stop_if_ongoings),
                  hint=t("form.stop_if_ongoings_hint")),
        FormField("stop_if_incomings", CHECKBOX, t("form.stop_if_incomings"), value=bool(draft.stop_if_incomings),
                  hint=t("form.stop_if_incomings_hint")),
    ]
    sections = [campaign, FormSection(t("form.section_messages"), tuple(messages_fields))]
    for i, fu in enumerate(draft.followups):
        fields = [FormField(followup_delay_id(i), NUMBER, t("form.followup_delay"), required=True,
                            value=str(fu.delay_days), min_value=FOLLOWUP_DELAY_MIN,
                            max_value=FOLLOWUP_DELAY_MAX)]
        fields += [followup_text_field_of(i, lang, draft) for lang in inline]
        sections.append(FormSection(t("step.followup_n", position=i + 1), tuple(fields),
                                    (Button(t("button.remove"), "form.followup.remove", str(i), style="danger"),)))
    if len(draft.followups) < MAX_FOLLOWUPS:
        sections.append(FormSection(None, (), (Button(t("form.add_followup", count=len(draft.followups)),
                                                      "form.followup.add"),)))
    sections += [language_page.page_line(lang, draft) for lang in paged]
    sections.append(FormSection(t("form.section_schedule"), (
        FormField("timezone", EXTERNAL_SELECT, t("form.timezone"), lookup=LOOKUP_BY_FIELD["timezone"], required=True,
                  value=draft.timezone or "UTC", value_label=draft.timezone or "UTC"),
        FormField("slots", TEXT, t("form.slots"), required=True, value=catalogue.format_slots(draft.slots),
                  hint=t(SLOTS_HINT, example=catalogue.format_slots(_EXAMPLE_SLOTS))),
        FormField("cohort_size", NUMBER, t("form.cohort_size"), required=True, value=str(draft.cohort_size),
                  min_value=1, max_value=25, hint=t("form.cohort_size_hint")),
        FormField("moderation", CHECKBOX, t("form.moderation"), value=bool(draft.moderation),
                  hint=t("form.moderation_hint")),
    )))
    return sections


def parse_id(raw: Any) -> int | None:
    """A row id written by us (ASCII digits, within a 64-bit integer), else None: a typed or forged
    value such as "²" or forty nines must not reach the database as an id."""
    text = str(raw) if isinstance(raw, int) and not isinstance(raw, bool) else raw
    if not isinstance(text, str) or not (text.isascii() and text.isdigit()) or len(text) > 18:
        return None
    return int(text) or None


def _text(values: dict[str, Any], key: str) -> str:
    value = values.get(key)
    return value.strip() if isinstance(value, str) else ""


def without_nul(text: str) -> str:
    """NUL is no character anyone types, and PostgreSQL refuses it in text."""
    return text.replace("\x00", "")


def _too_long(values: dict[str, Any], errors: dict[str, str]) -> None:
    """A text longer than its field takes is an error on that field, never saved nor echoed."""
    for key, value in values.items():
        if isinstance(value, str):
            values[key] = value = without_nul(value)
        elif isinstance(value, list):
            values[key] = [without_nul(v) if isinstance(v, str) else v for v in value]
        limit = MAX_DESCRIPTION if key == "description" else MAX_TEXT
        if isinstance(value, str) and len(value) > limit:
            errors[str(key)] = t("form.too_long", limit=limit, length=len(value))
            values[key] = ""


def read_state(state: Any) -> dict[str, Any]:
    """The state kept with the dialog (`build_form`'s) as the types it wrote. It comes back from
    the client, so anything else is refused (ValueError): a forged state never reaches the core."""
    if not isinstance(state, dict):
        raise ValueError(t("form.state_unreadable"))

    def number(key: str, low: int, high: int | None, default: int | None) -> int | None:
        value = state.get(key, default)
        if value is None and default is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or value < low or (high is not None and value > high):
            raise ValueError(t("form.state_unreadable"))
        return value

    from core.campaigns.validation import LANGUAGE_CODES

    languages = state.get("languages")
    if languages is not None and not (isinstance(languages, list) and all(isinstance(c, str) for c in languages)):
        raise ValueError(t("form.state_unreadable"))
    if state.get("texts") is not None and not kept_texts.is_key(state.get("texts")):
        raise ValueError(t("form.state_unreadable"))
    if state.get("language") is not None and state.get("language") not in (languages or []):
        raise ValueError(t("form.state_unreadable"))
    clean = dict(state)
    clean.update(campaign_id=number("campaign_id", 1, None, None), followups=number("followups", 0, MAX_FOLLOWUPS, 0),
                 rev=number("rev", 0, None, 0), languages=(languages or [])[:len(LANGUAGE_CODES)] or None,
                 name=state.get("name") if isinstance(state.get("name"), str) else None,
                 default_language=state.get("default_language") if isinstance(state.get("default_language"), str)
                 else None)
    return clean


def _int(values: dict[str, Any], key: str, errors: dict[str, str], label: str, default: int) -> int:
    raw = _text(values, key)
    if not raw:
        errors[key] = t("form.required", label=label)
        return default
    try:
        return int(raw)
    except ValueError:
        errors[key] = t("form.whole_number", label=label, value=raw[:20])
        return default


def choice(values: dict[str, Any], key: str) -> str:
    value = values.get(key)
    if isinstance(value, (list, tuple)):
        value = value[0] if value else None
    return value.strip() if isinstance(value, str) else ""


def read_languages(values: dict[str, Any], state: dict[str, Any]) -> list[str]:
    raw = values.get("languages")
    if raw is None:
        return list(state.get("languages") or ["en"])
    if isinstance(raw, str):
        raw = [raw]
    from core.campaigns.validation import LANGUAGE_CODES

    seen = list(dict.fromkeys(code for code in raw if isinstance(code, str) and code)) if isinstance(raw, list) else []
    seen = seen[:len(LANGUAGE_CODES)]  # each at most once: more is a forged list
    previous = [c for c in state.get("languages") or [] if c in seen]
    return previous + [c for c in seen if c not in previous]  # keep the order the user built


def draft_from_values(values: dict[str, Any], state: dict[str, Any], *,
                      followups: int | None = None) -> tuple[CampaignDraft, dict[str, str]]:
    """Turn submitted values into a `CampaignDraft`. Returns (draft, errors): the errors are the
    ones only the form can see (unreadable numbers and slots); the core validates the rest."""
    from core.campaigns.service import CampaignDraft, FollowupDraft, SlotDraft

    errors: dict[str, str] = {}
    values = dict(values)
    _too_long(values, errors)
    languages = read_languages(values, state) or ["en"]
    default = state.get("default_language")
    default = default if default in languages else languages[0]

    name_raw = choice(values, "name")
    if name_raw.startswith(EXISTING_CAMPAIGN):
        name = state.get("name") or ""
        if name_raw != f"{EXISTING_CAMPAIGN}{state.get('campaign_id')}":
            errors["name"] = t("form.name_taken")
    else:
        name = name_raw.removeprefix(NEW).strip()
    program = choice(values, "program")
    program_name = program.removeprefix(EXISTING_PROGRAM).removeprefix(NEW).strip() or None

    sender_raw = choice(values, "sender")
    sender_id = parse_id(sender_raw)
    source_kind, source_id = None, None
    source_raw = choice(values, "source")
    if ":" in source_raw:
        kind, _, ident = source_raw.partition(":")
        if kind in ("finder", "segment") and parse_id(ident):
            source_kind, source_id = kind, parse_id(ident)

    count = state.get("followups", 0) if followups is None else followups
    fus = []
    for i in range(count):
        delay = _int(values, followup_delay_id(i), errors, t("form.the_delay"), 1) \
            if followup_delay_id(i) in values else 1
        texts = {lang: _text(values, followup_text_id(i, lang)) for lang in languages}
        fus.append(FollowupDraft(delay_days=delay, texts=texts))

    slots = []
    try:
        slots = [SlotDraft(weekday=s.weekday, start=s.start, end=s.end)
                 for s in catalogue.parse_slots(_text(values, "slots"))]
    except catalogue.SlotSyntaxError as exc:
        errors["slots"] = str(exc)
    cohort = _int(values, "cohort_size", errors, t("form.cohort_size"), 10) if "cohort_size" in values else 10

    draft = CampaignDraft(
        name=name, program=program_name, description=_text(values, "description"),
        sender_id=sender_id, source_kind=source_kind, source_id=source_id,
        languages=languages, default_language=default,
        invitation={lang: _text(values, invitation_id(lang)) for lang in languages},
        welcome={lang: _text(values, welcome_id(lang)) for lang in languages},
        followups=fus,
        stop_if_ongoings=bool(values.get("stop_if_ongoings")),
        stop_if_incomings=bool(values.get("stop_if_incomings")),
        moderation=bool(values.get("moderation")),
        timezone=choice(values, "timezone") or "UTC",
        slots=slots, cohort_size=cohort,
    )
    return draft, errors


_ALIASES = {"schedule.slots": "slots", "schedule.timezone": "timezone", "schedule.cohort_size": "cohort_size",
            "source_id": "source", "source_kind": "source", "sender_id": "sender", "program_id": "program"}


def place_errors(form: Form, errors: dict[str, str]) -> FormErrors:
    """Put each error on the form field it names; an error naming no field of this form lands on
    the closest one (`followups.2` → its delay, `messages.invitation` → the first invitation),
    else on the name field, so none is lost. Errors in the texts of a language written on its own
    page land on the languages, naming the language and the page to open."""
    ids = [f.id for f in form.fields]
    placed: dict[str, str] = {}
    paged: dict[str, list[str]] = {lang: [] for lang in paged_languages(form)}
    for key, message in errors.items():
        lang = key.rsplit(".", 1)[-1]
        if key.startswith("messages.") and lang in paged:
            paged[lang].append(message)
            continue
        target = _ALIASES.get(key, key)
        if target not in ids:
            target = next((i for i in ids if i.startswith(target)), None) or _parent(target, ids) or "name"
        placed[target] = f"{placed[target]} {message}" if target in placed else message
    for lang, messages in paged.items():
        if messages:
            label = catalogue.language_label(lang)
            message = t("form.paged_errors", language=label, errors=" ".join(messages),
                        button=t("form.page_button", language=label))
            placed["languages"] = f"{placed['languages']} {message}" if "languages" in placed else message
    return FormErrors(placed)


def _parent(key: str, ids: list[str]) -> str | None:
    while "." in key or "[" in key:
        key = key.rsplit(".", 1)[0] if "." in key else key.rsplit("[", 1)[0]
        match = next((i for i in ids if i == key or i.startswith(key)), None)
        if match:
            return match
    return None
