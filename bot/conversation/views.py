"""What to show: platform-neutral views. Slack renders them as Block Kit, Teams as Adaptive Cards.

Every view is a frozen dataclass of plain values (str, int, bool, tuples, small dicts), so a
surface can render it without importing anything from `core`. Texts are plain: a surface may
add its own emphasis, and must escape them for its markup.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from core.i18n import t

# Field kinds of a form (each surface maps them to its own input elements).
TEXT = "text"
MULTILINE = "multiline"
SELECT = "select"
MULTI_SELECT = "multi-select"
EXTERNAL_SELECT = "external-select"  # type-ahead: options come from `options_for(lookup, query)`
CHECKBOX = "checkbox"
NUMBER = "number"
TIME = "time"  # "HH:MM"
FIELD_KINDS = (TEXT, MULTILINE, SELECT, MULTI_SELECT, EXTERNAL_SELECT, CHECKBOX, NUMBER, TIME)


@dataclass(frozen=True)
class Button:
    """A button. `action` is a stable id (`campaign.activate`, `digest.skip`, …) that the surface
    sends back unchanged with `value` to `conversation.handle_action`."""

    label: str
    action: str
    value: str = ""
    style: str | None = None  # "primary" | "danger" | None
    confirm: str | None = None  # ask before acting, with this question
    url: str | None = None  # a link button instead of an action


@dataclass(frozen=True)
class Option:
    value: str
    label: str
    description: str | None = None


@dataclass(frozen=True)
class OptionGroup:
    label: str
    options: tuple[Option, ...]


@dataclass(frozen=True)
class Fact:
    label: str
    value: str


@dataclass(frozen=True)
class Notice:
    """A short answer: confirmation, refusal, help. Private to the asker unless `public`."""

    text: str
    title: str | None = None
    tone: str = "info"  # info | success | warning | error
    buttons: tuple[Button, ...] = ()
    public: bool = False


@dataclass(frozen=True)
class Card:
    """One campaign (or one alert) with its facts and buttons."""

    title: str
    subtitle: str | None = None
    status: str | None = None  # health label, e.g. "Running with warnings"
    text: str | None = None
    facts: tuple[Fact, ...] = ()
    buttons: tuple[Button, ...] = ()
    tone: str = "info"
    public: bool = False

    @property
    def fields(self) -> tuple[Fact, ...]:
        return self.facts


@dataclass(frozen=True)
class CampaignList:
    title: str
    cards: tuple[Card, ...] = ()
    empty_text: str = field(default_factory=lambda: t("list.empty_plain"))
    buttons: tuple[Button, ...] = ()
    more: int = 0  # campaigns left out to keep the message within platform limits


@dataclass(frozen=True)
class FormField:
    """One input. `id` is stable and named after the campaign field (`name`, `messages.invitation.fr`,
    `followups.2.delay`, …): surfaces use it as block id / input id, and the core's field
    errors name the same ids."""

    id: str
    kind: str
    label: str
    hint: str | None = None
    value: Any = None  # str | list[str] | bool | int | None (for selects: the option value(s))
    value_label: str | None = None  # label of the selected option of an external select
    options: tuple[Option, ...] = ()
    required: bool = False
    placeholder: str | None = None
    lookup: str | None = None  # external-select: which type-ahead (see `options.LOOKUPS`)
    dispatch: bool = False  # the surface must report changes at once (`form.changed`)
    max_length: int | None = None
    min_value: int | None = None
    max_value: int | None = None


@dataclass(frozen=True)
class FormSection:
    title: str | None
    fields: tuple[FormField, ...] = ()
    buttons: tuple[Button, ...] = ()
    text: str | None = None


@dataclass(frozen=True)
class Form:
    """A dialog (Slack modal, Teams task module / card). `state` is small and opaque: the surface
    stores it with the dialog and gives it back with every action and submission."""

    kind: str  # "campaign" | "digest_edit"
    title: str
    submit_label: str
    sections: tuple[FormSection, ...]
    state: dict[str, Any] = field(default_factory=dict)

    @property
    def fields(self) -> tuple[FormField, ...]:
        return tuple(f for s in self.sections for f in s.fields)

    def field(self, field_id: str) -> FormField | None:
        return next((f for f in self.fields if f.id == field_id), None)


@dataclass(frozen=True)
class FormErrors:
    """Errors of a submission, field id → message; the dialog stays open and nothing was saved."""

    errors: dict[str, str]
    summary: str | None = None  # for errors that name no field of the form


@dataclass(frozen=True)
class DigestEntry:
    send_id: int
    contact_name: str
    headline: str | None
    language: str
    languages: tuple[str, ...]
    text: str
    length: int
    limit: int
    status: str  # planned | skipped | claimed | sent | cancelled | failed
    status_label: str
    edited: bool
    warnings: tuple[str, ...]
    buttons: tuple[Button, ...]  # Skip or Restore, Edit (empty once decided by delivery)
    language_action: str | None  # action id of the language select, None when not changeable
    language_options: tuple[Option, ...] = ()  # values to send back with `language_action`


@dataclass(frozen=True)
class DigestPage:
    """One page of a moderation digest: a message that stays within the platforms' size limits."""

    digest_id: int
    campaign_id: int
    page: int  # from 0
    pages: int
    title: str
    summary: str  # date, count, when sending starts
    entries: tuple[DigestEntry, ...]
    buttons: tuple[Button, ...]  # Skip all / Restore all (this page)
    sandbox: bool = False


@dataclass(frozen=True)
class PreviewSample:
    contact_name: str
    step: str  # "Invitation", "Welcome", "Follow-up 1"
    language: str
    text: str
    length: int
    limit: int | None
    problems: tuple[str, ...] = ()


@dataclass(frozen=True)
class PreviewView:
    title: str
    samples: tuple[PreviewSample, ...]
    overflowing: tuple[str, ...] = ()  # "Name: 312/300 characters"
    missing_tokens: tuple[str, ...] = ()  # "Name: firstName"
    note: str | None = None


@dataclass(frozen=True)
class Home:
    """The personal home (Slack App Home tab; Teams personal tab/welcome card)."""

    title: str
    intro: str
    campaigns: CampaignList
    buttons: tuple[Button, ...] = ()


View = Notice | Card | CampaignList | Form | FormErrors | DigestPage | PreviewView | Home


class DialogStep(StrEnum):
    """What a reply does with the dialog (Slack modal, Teams dialog or card)."""

    SHOW = "show"  # open `dialog`, or update the open dialog with it
    PUSH = "push"  # open `dialog` on top of the open dialog (a page of it)
    POP = "pop"  # close the dialog pushed on top, and show `dialog` in the one under it
    CLOSE = "close"  # the submission was accepted: close the dialog


@dataclass(frozen=True)
class DialogRoom:
    """How much one dialog of a surface holds, said by the surface (its platform's limits): at most
    `items` fields, section titles, texts and rows of buttons, and `text_bytes` of typed text in
    its inputs (None: no limit of that kind). A campaign form writes the texts of the languages it
    has no room for on pages of their own."""

    items: int | None = None
    text_bytes: int | None = None


@dataclass
class Reply:
    """What a handler asks the surface to do. Every part is optional; surfaces do them in this order:
    the dialog step, replace the origin message, post `messages`, send `notice`."""

    messages: list[View] = field(default_factory=list)  # new messages to the asker (ephemeral unless public)
    replace: View | None = None  # replaces the message or card the action came from
    dialog: Form | None = None  # the dialog of `step` (SHOW, PUSH, POP)
    step: DialogStep | None = None  # None: the dialog is left as it is
    errors: FormErrors | None = None  # submission refused: show on the open dialog (`dialog`: it redrawn)
    notice: Notice | None = None  # a private explanation (refusals, confirmations)
    direct: list[View] = field(default_factory=list)  # to the asker's direct conversation with the bot

    def __post_init__(self) -> None:
        if self.dialog is not None and self.step is None:
            self.step = DialogStep.SHOW

    @property
    def closes_dialog(self) -> bool:
        return self.step is DialogStep.CLOSE

    @classmethod
    def say(cls, text: str, *, tone: str = "info", title: str | None = None) -> Reply:
        return cls(notice=Notice(text=text, tone=tone, title=title))
