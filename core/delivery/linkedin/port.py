"""The LinkedIn gateway port: what the product asks of a provider, and the errors it acts on.

Implementations: `core.delivery.linkedin.sandbox.SandboxGateway` (simulated network, default)
and `core.delivery.linkedin.unipile.UnipileGateway` (real HTTP client of the Unipile API). Both
are synchronous: the worker calls them from its threads.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol


@dataclass(frozen=True)
class Profile:
    provider_id: str
    public_identifier: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    headline: str | None = None
    location: str | None = None
    company: str | None = None
    job_title: str | None = None
    profile_url: str | None = None
    network_distance: str | None = None  # FIRST_DEGREE, SECOND_DEGREE, ...
    pending_invitation: bool = False


@dataclass(frozen=True)
class InvitationSent:
    invitation_id: str | None


@dataclass(frozen=True)
class PendingInvitation:
    invitation_id: str
    provider_user_id: str
    sent_at: datetime | None = None
    public_identifier: str | None = None


@dataclass(frozen=True)
class RelationInfo:
    provider_user_id: str
    public_identifier: str | None = None
    connected_at: datetime | None = None


@dataclass(frozen=True)
class MessageSent:
    chat_id: str
    message_id: str | None


@dataclass(frozen=True)
class ChatMessage:
    message_id: str
    chat_id: str
    sender_id: str | None
    is_sender: bool
    timestamp: datetime
    text: str = ""


@dataclass
class Page:
    items: list[Any] = field(default_factory=list)
    cursor: str | None = None


@dataclass(frozen=True)
class PeopleSearch:
    """One people search a finder runs: a pasted search `url` (its own filters), or keywords and
    filters by LinkedIn id (`filters`: company, location, industry → ids; `title` a keyword).
    `api`: `classic` or `sales_navigator`."""

    api: str = "classic"
    url: str | None = None
    keywords: str | None = None
    title: str | None = None
    filters: dict[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class SearchPage:
    """A page of people search results; `cursor` None on the last page."""

    people: list[Profile] = field(default_factory=list)
    cursor: str | None = None


@dataclass(frozen=True)
class SearchParameter:
    """A LinkedIn id a filter name resolves to (a company, a location, an industry)."""

    id: str
    title: str


# -- error taxonomy -------------------------------------------------------------------------
#
# What a failure of an acting call (invite, message) lets the engine do (invariant 2):
# - provably not done: the request never left (`Transient`), or the provider answered that it
#   did not act (`RateLimited`, `NoteLimitReached`, `AlreadyInvited`, `AlreadyConnected`,
#   `CannotReinviteYet`, `AccountDisconnected`, `NotFound`, a plain `LinkedInError` with a 4xx):
#   retried later as it is, or not at all;
# - maybe done (`OutcomeUnknown`): the request left and no definitive answer came back — a timeout
#   or a dropped connection after sending, or any 5xx to a write (the provider, or a proxy in front
#   of it, may have acted before failing). The send is given back marked, and the next attempt asks
#   the provider (pending invitations, relations, the chats with the person) before acting.
# A failed read changes nothing at the provider: `Transient` whatever its cause.

class LinkedInError(Exception):
    """Base of every provider error. `code` is stable and safe to log and to show."""

    code = "error"
    provider_type: str | None = None  # the provider's own name of the error, when it gave one (logs, tests)

    def __init__(self, message: str = "", *, status: int | None = None) -> None:
        super().__init__(message or self.code)
        self.status = status


class RateLimited(LinkedInError):
    code = "rate_limited"

    def __init__(self, message: str = "", *, retry_after: float | None = None, status: int | None = 429) -> None:
        super().__init__(message, status=status)
        self.retry_after = retry_after


class NoteLimitReached(LinkedInError):
    """The provider refused the note (too long, or a free account's monthly notes used up)."""

    code = "note_limit"


class AlreadyInvited(LinkedInError):
    code = "already_invited"


class AlreadyConnected(LinkedInError):
    code = "already_connected"


class CannotReinviteYet(LinkedInError):
    code = "cannot_reinvite_yet"


class AccountDisconnected(LinkedInError):
    code = "account_disconnected"


class NotFound(LinkedInError):
    code = "not_found"


class FeatureNotSubscribed(LinkedInError):
    """The account lacks the LinkedIn product this call needs (a Sales Navigator or Recruiter
    search without that subscription: 403 `feature_not_subscribed`). The account itself is fine."""

    code = "not_subscribed"


class SearchLimitReached(LinkedInError):
    """LinkedIn's monthly commercial-use limit on searches is reached for this (free) account."""

    code = "commercial_limit"


class Transient(LinkedInError):
    """Nothing was done: the request never left (connection refused, DNS, a connect timeout, a
    connection lost before the request was written), the provider refused our API key, or a read
    failed. Safe to retry later without reconciliation."""

    code = "transient"


class OutcomeUnknown(LinkedInError):
    """A write left and no definitive answer came (a timeout or a dropped connection after
    sending, a 5xx): the action may have happened. Reconcile (pending invitations and relations,
    the chats with the person and their messages) before any retry; never retry blindly."""

    code = "outcome_unknown"


class LinkedInGateway(Protocol):
    name: str

    def resolve_profile(self, *, account_id: str, identifier: str) -> Profile: ...

    def send_invitation(self, *, account_id: str, provider_id: str, note: str | None) -> InvitationSent: ...

    def list_sent_invitations(self, *, account_id: str, cursor: str | None = None, limit: int = 100) -> Page: ...

    def withdraw_invitation(self, *, account_id: str, invitation_id: str) -> None: ...

    def list_relations(self, *, account_id: str, cursor: str | None = None, limit: int = 100) -> Page: ...

    def send_message(
        self, *, account_id: str, text: str, chat_id: str | None = None, provider_id: str | None = None
    ) -> MessageSent: ...

    def list_messages(
        self, *, account_id: str, chat_id: str, after: datetime | None = None, limit: int = 100
    ) -> list[ChatMessage]: ...

    def list_chats_with(self, *, account_id: str, provider_id: str) -> list[str]:
        """The ids of the account's one-to-one chats with the person `provider_id`, most recent first
        (to find the chat a first message started when its answer was lost)."""
        ...

    def search_people(self, *, account_id: str, query: dict[str, Any], limit: int = 50) -> list[Profile]: ...

    def search_page(self, *, account_id: str, search: PeopleSearch, cursor: str | None = None,
                    limit: int = 50) -> SearchPage:
        """One page of a people search (from its start, or after `cursor`). `FeatureNotSubscribed`
        for Sales Navigator without that subscription, `SearchLimitReached` at the commercial-use
        limit, `RateLimited` (429), `LinkedInError` with status 400 for a search the provider refuses."""
        ...

    def search_parameters(self, *, account_id: str, kind: str, keywords: str, limit: int = 5) -> list[SearchParameter]:
        """The LinkedIn ids a name may stand for, best first. `kind`: COMPANY, LOCATION, INDUSTRY, …"""
        ...

    def hosted_link(self, *, member_ref: str, success_url: str | None = None) -> str: ...

    def register_webhook(self, *, request_url: str, secret: str, source: str) -> str: ...

    def account_status(self, *, account_id: str) -> str:
        """The account's status at the provider now, in the words of the account status webhook
        (`OK`, `CREDENTIALS`, `ERROR`, `STOPPED`, `CONNECTING`…): re-read where a webhook may have
        been missed. NotFound when the provider no longer knows the account."""
        ...
