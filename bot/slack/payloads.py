"""The parts of Slack's payloads that bolt and our listeners read, as pydantic models: a payload is
checked against them (`check`) before bolt builds its context or any listener runs.

Slack sends commands (a form without `type`), interactions (`block_actions`, `view_submission`,
`view_closed`, `block_suggestion`) and events (`event_callback`, with `url_verification` and
`app_rate_limited` beside them). Each model types what is read of it: ids are Slack's (upper-case
letters and digits), the keys and tokens we wrote are printable ASCII, what people type is any
string; the rest is kept as it came. A payload of another type is refused: nothing here would
handle it."""

from __future__ import annotations

from typing import Annotated, Any, Literal, Optional, Union

from pydantic import Discriminator, Field, StringConstraints, Tag, TypeAdapter, model_validator

from bot.shapes import HttpUrl, Shape, Token, Unreadable
from bot.shapes import check as check_shape

# Slack's ids (users, teams, enterprises, channels, views, bots): upper-case letters and digits.
SlackId = Annotated[str, StringConstraints(pattern=r"^[A-Z0-9]{1,40}$")]
Command = Annotated[str, StringConstraints(pattern=r"^/[\w.-]{1,40}$")]


class Team(Shape):
    id: Optional[SlackId] = None
    domain: Optional[str] = None


class User(Shape):
    id: SlackId
    team_id: Optional[SlackId] = None
    name: Optional[str] = None
    username: Optional[str] = None


class Channel(Shape):
    id: Optional[SlackId] = None


class Container(Shape):
    type: Optional[Token] = None
    channel_id: Optional[SlackId] = None
    message_ts: Optional[Token] = None
    is_ephemeral: Optional[bool] = None
    view_id: Optional[SlackId] = None


class Message(Shape):
    ts: Optional[Token] = None


class Option(Shape):
    value: Optional[str] = None


class Element(Shape):
    """An input of a modal's state, as `modals.read_values` reads it."""

    type: Optional[Token] = None
    value: Optional[str] = None
    selected_option: Optional[Option] = None
    selected_options: Optional[list[Option]] = None
    selected_time: Optional[str] = None


class State(Shape):
    values: dict[str, dict[str, Element]] = {}


class Block(Shape):
    type: Optional[Token] = None
    block_id: Optional[Token] = None


class View(Shape):
    id: SlackId
    type: Token
    callback_id: Optional[str] = None
    private_metadata: Optional[str] = None
    hash: Optional[Token] = None
    previous_view_id: Optional[SlackId] = None
    blocks: list[Block] = []
    state: Optional[State] = None


class Action(Shape):
    action_id: Token
    type: Optional[Token] = None
    block_id: Optional[Token] = None
    value: Optional[str] = None
    selected_option: Optional[Option] = None


class Asker(Shape):
    """What every interaction says of who is asking and where."""

    team: Optional[Team] = None
    user: User
    enterprise: Optional[Team] = None
    trigger_id: Optional[Token] = None
    response_url: Optional[HttpUrl] = None
    is_enterprise_install: Optional[bool] = None

    @model_validator(mode="after")
    def _names_a_team(self):
        if not ((self.team and self.team.id) or self.user.team_id):
            raise ValueError("names no team")
        return self


class BlockActions(Asker):
    type: Literal["block_actions"]
    trigger_id: Token  # what opens a dialog from a button: Slack always sends one
    actions: list[Action] = Field(min_length=1)
    container: Optional[Container] = None
    channel: Optional[Channel] = None
    message: Optional[Message] = None
    view: Optional[View] = None


class ViewSubmission(Asker):
    type: Literal["view_submission", "view_closed"]
    view: View


class BlockSuggestion(Asker):
    type: Literal["block_suggestion"]
    action_id: Token
    block_id: Optional[Token] = None
    value: str = ""
    container: Optional[Container] = None
    view: Optional[View] = None


class Event(Shape):
    """An event we listen to (`message`, `app_home_opened`): what the listeners read of it."""

    type: Literal["message", "app_home_opened"]
    user: Optional[SlackId] = None
    channel: Optional[SlackId] = None
    channel_type: Optional[Token] = None
    text: Optional[str] = None
    tab: Optional[Token] = None
    bot_id: Optional[SlackId] = None
    subtype: Optional[Token] = None


class OtherEvent(Shape):
    """An event no listener of ours reads: acknowledged and left alone."""

    type: Token


def _event_kind(event: Any) -> str:
    return "ours" if isinstance(event, dict) and event.get("type") in ("message", "app_home_opened") else "other"


AnyEvent = Annotated[Union[Annotated[Event, Tag("ours")], Annotated[OtherEvent, Tag("other")]],
                     Discriminator(_event_kind)]


class Authorization(Shape):
    team_id: Optional[SlackId] = None
    enterprise_id: Optional[SlackId] = None
    user_id: Optional[SlackId] = None


class EventCallback(Shape):
    type: Literal["event_callback"]
    team_id: SlackId
    enterprise_id: Optional[SlackId] = None
    event: AnyEvent
    event_id: Optional[Token] = None
    authorizations: Optional[list[Authorization]] = None
    is_ext_shared_channel: Optional[bool] = None


class UrlVerification(Shape):
    type: Literal["url_verification"]
    challenge: Token


class RateLimited(Shape):
    type: Literal["app_rate_limited"]
    team_id: Optional[SlackId] = None


Payload = TypeAdapter(Annotated[Union[BlockActions, ViewSubmission, BlockSuggestion, EventCallback, UrlVerification,
                                      RateLimited], Field(discriminator="type")])


class SlashCommand(Shape):
    command: Command
    team_id: SlackId
    user_id: SlackId
    enterprise_id: Optional[SlackId] = None
    channel_id: Optional[SlackId] = None
    text: str = ""
    response_url: Optional[HttpUrl] = None
    trigger_id: Token
    user_name: Optional[str] = None
    team_domain: Optional[str] = None


class Profile(Shape):
    real_name: Optional[str] = None
    email: Optional[str] = None


class UserInfo(Shape):
    """The `user` of a `users.info` answer, as `surface.member_id` reads it."""

    id: SlackId
    name: Optional[str] = None
    real_name: Optional[str] = None
    locale: Optional[str] = None  # with `include_locale` (`fr-FR`): the language the bot speaks to them
    profile: Profile = Profile()


class SslCheck(Shape):
    ssl_check: Literal["1"]


def check(body: Any) -> None:
    """Raise `Unreadable` unless `body` (a parsed request body) is a payload Slack sends, as we read it."""
    if not isinstance(body, dict):
        raise Unreadable("the body is not an object")
    if "ssl_check" in body:
        check_shape(SslCheck, body)
    elif "command" in body and "type" not in body:
        check_shape(SlashCommand, body)
    else:
        check_shape(Payload, body)
