"""The provider's bodies (docs/linkedin.md) as the web routes and the worker read them: webhook
events and the hosted-auth callback, checked before anything is stored.

A webhook is one of three kinds, told apart as `core.delivery.webhooks.event_key` does: an account
status, a new relation, or a message. A body of none of these kinds is left alone (answered 200,
so the provider does not retry it); a body of one of them whose parts are of another type is
refused (400). Ids are the provider's (printable ASCII); texts may be anything but NUL, which no
one types and PostgreSQL refuses in text: it is dropped."""

from __future__ import annotations

from typing import Annotated, Any, Literal, Optional, Union

from pydantic import AfterValidator, Field

from bot.shapes import Shape, Token, Unreadable, check

Text = Annotated[str, AfterValidator(lambda text: text.replace("\x00", ""))]
# The provider ids we store (LinkedInAccount, ConversationMessage: `core.delivery.webhooks.MAX_ID`).
AccountId = Annotated[str, Field(min_length=1, max_length=128, pattern=r"^[\x21-\x7e]+$")]
ProviderId = AccountId


class Relation(Shape):
    """`new_relation`: an invitation accepted."""

    event: Literal["new_relation"]
    account_id: AccountId
    user_provider_id: Token
    user_public_identifier: Optional[Annotated[Text, Field(max_length=255)]] = None
    user_full_name: Optional[Text] = None
    user_profile_url: Optional[Text] = None
    user_picture_url: Optional[Text] = None
    account_type: Optional[Token] = None
    webhook_name: Optional[Text] = None


class Sender(Shape):
    attendee_provider_id: Optional[Token] = None
    attendee_name: Optional[Text] = None


class Message(Shape):
    """A message event (`message_received`, …) of a chat of the account."""

    event: Optional[Token] = None
    account_id: AccountId
    chat_id: ProviderId
    message_id: ProviderId
    message: Optional[Text] = None
    timestamp: Optional[Token] = None
    sender: Optional[Sender] = None
    is_sender: Optional[bool] = None


class Status(Shape):
    account_id: AccountId
    message: Token
    account_type: Optional[Token] = None


class AccountStatus(Shape):
    """An account's status changed (`OK`, `CREDENTIALS`, …)."""

    AccountStatus: Status
    timestamp: Optional[Token] = None


def webhook_event(body: Any) -> Optional[dict[str, Any]]:
    """The event to store, as checked; None for a body of no kind we read; `Unreadable` for a body
    of a kind we read whose parts are of another type."""
    if not isinstance(body, dict):
        raise Unreadable("the body is not an object")
    model: Union[type[Shape], None] = (
        AccountStatus if "AccountStatus" in body else
        Relation if body.get("event") == "new_relation" else
        Message if "message_id" in body else None)
    if model is None:
        return None
    return check(model, body).model_dump(by_alias=True, exclude_unset=True)


class HostedAuth(Shape):
    """The hosted-auth callback: `{status, account_id, name}`, `name` the member reference we gave."""

    status: Token
    account_id: AccountId
    name: Optional[Token] = None


def hosted_auth(body: Any) -> HostedAuth:
    if not isinstance(body, dict):
        raise Unreadable("the body is not an object")
    return check(HostedAuth, body)
