"""The parts of a Bot Framework activity that botbuilder and our bot read, as pydantic models: an
activity is checked against them (`check`) before botbuilder deserialises it or any handler runs.

Every activity names its sender, its recipient (the bot), its conversation and where to answer
(`serviceUrl`); an invoke's `value` is read according to its name, and only the invokes this bot
takes are accepted (dialogs, card actions, type-ahead searches, and botbuilder's health check).
Card data is what a card sends back: our action data (`action`, `value`, the form's hidden
inputs) and the card's inputs, strings or toggles."""

from __future__ import annotations

from typing import Annotated, Any, Literal, Optional, Union

from pydantic import AfterValidator, Field, TypeAdapter, model_validator

from bot.shapes import HttpUrl, LongToken, Shape, Token, Unreadable, check as check_shape, parse_json

INVOKE = "invoke"
TEAMS = "msteams"


class Account(Shape):
    id: LongToken
    name: Optional[str] = None
    aadObjectId: Optional[LongToken] = None
    role: Optional[Token] = None


class Conversation(Shape):
    id: LongToken
    conversationType: Optional[Token] = None
    tenantId: Optional[LongToken] = None
    isGroup: Optional[bool] = None


class Reference(Shape):
    id: Optional[LongToken] = None
    name: Optional[str] = None


class ChannelData(Shape):
    tenant: Optional[Reference] = None
    team: Optional[Reference] = None
    channel: Optional[Reference] = None
    eventType: Optional[Token] = None


class Entity(Shape):
    type: Token


class Activity(Shape):
    type: Token
    serviceUrl: HttpUrl
    from_: Account = Field(alias="from")
    recipient: Account
    conversation: Conversation
    id: Optional[LongToken] = None
    channelId: Optional[Token] = None
    channelData: Optional[ChannelData] = None
    name: Optional[Token] = None
    text: Optional[str] = None
    value: Any = None
    entities: Optional[list[Entity]] = None
    membersAdded: Optional[list[Account]] = None
    membersRemoved: Optional[list[Account]] = None
    replyToId: Optional[LongToken] = None
    locale: Optional[Token] = None
    deliveryMode: Optional[Token] = None
    action: Optional[Token] = None

    @model_validator(mode="after")
    def _teams_says_which_tenant(self):
        # Teams names the organisation in channelData (botbuilder reads it on every Teams activity, and
        # `references.tenant_of` the workspace it belongs to): without it, it is no Teams activity.
        tenant = self.channelData.tenant if self.channelData is not None else None
        if self.channelId == TEAMS and (tenant is None or tenant.id is None):
            raise ValueError("a Teams activity names no tenant")
        return self


# -- card data ----------------------------------------------------------------------------------

class Form(Shape):
    """The form a card carries (`cards.form.form_data`): which form, its state, its kinds of inputs."""

    kind: Token
    state: dict[str, Any] = {}
    bools: list[Token] = []
    lists: list[Token] = []


_FORM = TypeAdapter(Form)
_CARRIED = TypeAdapter(dict[str, Union[str, bool, int, list[str]]])


def _json_of(adapter: TypeAdapter):
    def read(text: str) -> str:
        try:
            adapter.validate_python(parse_json(text))
        except (Unreadable, ValueError):
            raise ValueError("not the JSON this input holds") from None
        return text
    return read


class Launch(Shape):
    """What a button opening a dialog launches: a command's text, or an action and its value."""

    text: Optional[str] = None
    action: Optional[Token] = None
    value: Optional[str] = None


Input = Union[str, bool, int, float, None]  # a card input's value: Teams sends strings; toggles may be booleans


class CardData(Shape):
    action: Optional[Token] = None
    value: Optional[str] = None
    input: Optional[Token] = None
    launch: Optional[Launch] = None
    msteams: Optional[dict[str, Any]] = None
    form: Optional[Form] = None
    form_input: Optional[Annotated[str, AfterValidator(_json_of(_FORM))]] = Field(None, alias="_form")
    carried: Optional[Annotated[str, AfterValidator(_json_of(_CARRIED))]] = Field(None, alias="_carry")
    __pydantic_extra__: dict[str, Input]

    @model_validator(mode="after")
    def _page_is_a_number(self):
        page = self.value or ""
        if self.action == "form.page" and not (page.isascii() and page.isdigit() and len(page) <= 3):
            raise ValueError("a page is a number")
        return self


# -- invoke values --------------------------------------------------------------------------------

class TaskRequest(Shape):
    """`task/fetch` and `task/submit`: a dialog opened or submitted."""

    data: CardData = CardData()
    context: Optional[dict[str, Any]] = None


class Execute(Shape):
    type: Literal["Action.Execute"]
    verb: Optional[Token] = None
    data: CardData = CardData()


class CardAction(Shape):
    """`adaptiveCard/action`: a Universal Action (`Action.Execute`) pressed."""

    action: Execute
    trigger: Optional[Token] = None


class QueryOptions(Shape):
    skip: int = Field(0, ge=0)
    top: int = Field(15, ge=1)


class Search(Shape):
    """`application/search`: a `Data.Query` type-ahead."""

    dataset: Token
    queryText: str = ""
    queryOptions: Optional[QueryOptions] = None
    data: Optional[CardData] = None


INVOKE_VALUES: dict[str, Optional[type]] = {
    "task/fetch": TaskRequest, "task/submit": TaskRequest, "adaptiveCard/action": CardAction,
    "application/search": Search, "healthCheck": None,
}


def check(body: Any) -> Activity:
    """The activity of a request body, as we read it; `Unreadable` otherwise."""
    if not isinstance(body, dict):
        raise Unreadable("the body is not an activity")
    activity = check_shape(Activity, body)
    if activity.type == INVOKE:
        if activity.name not in INVOKE_VALUES:
            raise Unreadable("an invoke this bot does not take")
        model = INVOKE_VALUES[activity.name]
        if model is not None:
            try:
                check_shape(model, activity.value)
            except Unreadable as exc:
                raise Unreadable(f"{exc.detail} in the value of {activity.name}") from None
    return activity


def is_invoke(body: Any) -> bool:
    return isinstance(body, dict) and body.get("type") == INVOKE
