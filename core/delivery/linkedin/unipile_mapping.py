"""Translation at the Unipile edge: HTTP answers → the port's error taxonomy, JSON → the port's dataclasses.

Pure functions (no I/O), so each mapping is testable on its own. The error `type` strings are
Unipile's (developer.unipile.com error catalogue; seen in the field for invitations):

| answer | error |
|---|---|
| 429, or 422 `errors/limit_exceeded` / `errors/too_many_requests` | `RateLimited(retry_after=Retry-After)` |
| 422 `errors/already_invited_recently` | `AlreadyInvited` |
| 422 `errors/already_connected` | `AlreadyConnected` |
| 422 `errors/cannot_resend_yet`, `errors/cannot_resend_within_24hrs` | `CannotReinviteYet` |
| 400 `errors/too_many_characters` | `NoteLimitReached` |
| 403 `errors/feature_not_subscribed` (Sales Navigator or Recruiter without the subscription) | `FeatureNotSubscribed` |
| an answer whose type, title or detail speaks of the commercial use limit (free accounts' searches) | `SearchLimitReached` |
| 401 account types (`errors/disconnected_account`, `errors/invalid_credentials`, `errors/expired_credentials`, checkpoints…), any 403 | `AccountDisconnected` |
| 401 `errors/missing_credentials` or no type (our API key is missing or wrong) | `ProviderAuthError` (a `Transient`: nothing happened; fix the key) |
| 404, 400 `…invalid_invitation_id` | `NotFound` |
| 5xx to a write | `OutcomeUnknown` (Unipile, or a proxy in front of it, may have acted before failing) |
| 5xx to a read | `Transient` |
| anything else | `LinkedInError` with the status |

An account's status (`GET /accounts/{id}`) is the worst of its sources' statuses (`status_from`).
"""  # noqa: E501 (the table's rows)

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

from core.delivery.linkedin.port import (
    AccountDisconnected,
    AlreadyConnected,
    AlreadyInvited,
    CannotReinviteYet,
    ChatMessage,
    FeatureNotSubscribed,
    LinkedInError,
    NoteLimitReached,
    NotFound,
    OutcomeUnknown,
    PendingInvitation,
    Profile,
    RateLimited,
    RelationInfo,
    SearchLimitReached,
    Transient,
)


class ProviderAuthError(Transient):
    """Unipile refused our API key (missing or wrong): a configuration problem, not the member's account.
    Nothing was done; retrying after the key is fixed is safe."""

    code = "provider_auth"


_BY_TYPE: dict[str, type[LinkedInError]] = {
    "errors/already_invited_recently": AlreadyInvited,
    "errors/already_connected": AlreadyConnected,
    "errors/cannot_resend_yet": CannotReinviteYet,
    "errors/cannot_resend_within_24hrs": CannotReinviteYet,
    "errors/too_many_characters": NoteLimitReached,
    "errors/limit_exceeded": RateLimited,
    "errors/too_many_requests": RateLimited,
    "errors/missing_credentials": ProviderAuthError,
    "errors/resource_not_found": NotFound,
    "errors/feature_not_subscribed": FeatureNotSubscribed,
}
_ACCOUNT_TYPES = {
    "errors/disconnected_account", "errors/invalid_credentials", "errors/expired_credentials",
    "errors/checkpoint_error", "errors/invalid_checkpoint_solution", "errors/multiple_sessions",
    "errors/wrong_account", "errors/insufficient_privileges", "errors/disconnected_feature",
    "errors/account_restricted", "errors/account_mismatch", "errors/action_required",
    "errors/unknown_authentication_context", "errors/session_mismatch",
}
_DISTANCE = {"DISTANCE_1": "FIRST_DEGREE", "DISTANCE_2": "SECOND_DEGREE", "DISTANCE_3": "THIRD_DEGREE"}


def retry_after_seconds(headers: Mapping[str, str]) -> float | None:
    """Retry-After as seconds: a number, or an HTTP date measured against the answer's own Date."""
    raw = headers.get("Retry-After")
    if not raw:
        return None
    try:
        return max(0.0, float(raw))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(raw)
        base = parsedate_to_datetime(headers["Date"]) if headers.get("Date") else datetime.now(UTC)
        return max(0.0, (when - base).total_seconds())
    except (TypeError, ValueError, IndexError):
        return None


def error_for(status: int, body: Any, headers: Mapping[str, str], *, write: bool) -> LinkedInError:
    """The port error for an HTTP error answer. The message holds status, type and title only
    (never the request's text)."""
    body = body if isinstance(body, dict) else {}
    kind = str(body.get("type") or "")
    message = f"{status} {kind or 'no type'}: {body.get('title') or ''}".strip()
    cls = _BY_TYPE.get(kind)
    if "commercial" in f"{kind} {body.get('title') or ''} {body.get('detail') or ''}".lower():
        cls = SearchLimitReached
    if cls is None:
        if status == 429:
            cls = RateLimited
        elif status == 401:
            cls = AccountDisconnected if kind in _ACCOUNT_TYPES else ProviderAuthError
        elif status == 403 or kind in _ACCOUNT_TYPES:
            cls = AccountDisconnected
        elif status == 404 or "invalid_invitation_id" in f"{kind} {body.get('detail') or ''}":
            cls = NotFound
        elif status >= 500:
            # A 5xx says nothing of what happened before the failure: for a write, ask before retrying.
            cls = OutcomeUnknown if write else Transient
        else:
            cls = LinkedInError
    if cls is RateLimited:
        err: LinkedInError = RateLimited(message, retry_after=retry_after_seconds(headers), status=status)
    else:
        err = cls(message, status=status)
    err.provider_type = kind or None
    return err


def parse_time(value: Any) -> datetime | None:
    """ISO 8601 ('…Z') or epoch milliseconds, as an aware UTC datetime."""
    if value in (None, ""):
        return None
    try:
        if isinstance(value, (int, float)) or (isinstance(value, str) and value.isdigit()):
            return datetime.fromtimestamp(int(value) / 1000, tz=UTC)
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except (ValueError, OverflowError, OSError):
        return None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def iso(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"


def _first(items: Any) -> dict:
    return items[0] if isinstance(items, list) and items and isinstance(items[0], dict) else {}


def profile_from(data: dict) -> Profile:
    """A `UserProfile` (GET /users/{id}) or a people search result."""
    experience = _first(data.get("work_experience"))
    position = _first(data.get("current_positions"))
    current = company if isinstance(company := data.get("current_company"), dict) else {}
    invitation = sent if isinstance(sent := data.get("invitation"), dict) else {}
    public = data.get("public_identifier")
    raw_distance = data.get("network_distance")
    distance = _DISTANCE.get(raw_distance, raw_distance) if isinstance(raw_distance, str) else None
    if data.get("is_relationship") is True:
        distance = "FIRST_DEGREE"
    return Profile(
        provider_id=str(data.get("provider_id") or data.get("id") or ""),
        public_identifier=public,
        first_name=data.get("first_name") or (str(data.get("name") or "").partition(" ")[0] or None),
        last_name=data.get("last_name") or (str(data.get("name") or "").partition(" ")[2] or None),
        headline=data.get("headline") or data.get("occupation"),
        location=data.get("location"),
        company=current.get("name") or experience.get("company") or position.get("company"),
        job_title=experience.get("position") or position.get("role"),
        profile_url=data.get("public_profile_url") or data.get("profile_url")
        or (f"https://www.linkedin.com/in/{public}" if public else None),
        network_distance=distance,
        pending_invitation=bool(data.get("pending_invitation"))
        or (invitation.get("type") == "SENT" and invitation.get("status") == "PENDING"),
    )


def pending_from(item: dict) -> PendingInvitation:
    return PendingInvitation(
        invitation_id=str(item.get("id") or item.get("invitation_id") or ""),
        provider_user_id=str(item.get("invited_user_id") or item.get("provider_id") or ""),
        sent_at=parse_time(item.get("parsed_datetime")),
        public_identifier=item.get("invited_user_public_id") or item.get("public_identifier"),
    )


def relation_from(item: dict) -> RelationInfo:
    return RelationInfo(
        provider_user_id=str(item.get("member_id") or item.get("provider_id") or ""),
        public_identifier=item.get("public_identifier"),
        connected_at=parse_time(item.get("created_at")),
    )


def message_from(item: dict, chat_id: str) -> ChatMessage | None:
    when = parse_time(item.get("timestamp"))
    if not item.get("id") or when is None:
        return None
    return ChatMessage(
        message_id=str(item["id"]),
        chat_id=str(item.get("chat_id") or chat_id),
        sender_id=item.get("sender_id"),
        is_sender=bool(item.get("is_sender")),
        timestamp=when,
        text=item.get("text") or "",
    )


@dataclass(frozen=True)
class AccountOwner:
    """Who a connected account is (`GET /users/me`): its own provider id, and whether LinkedIn says it
    is premium (None when the answer does not say)."""

    provider_id: str | None
    public_identifier: str | None
    premium: bool | None


def owner_from(data: dict) -> AccountOwner:
    premium = data.get("premium")
    return AccountOwner(
        provider_id=str(data.get("provider_id") or "") or None,
        public_identifier=data.get("public_identifier") or None,
        premium=premium if isinstance(premium, bool) else None,
    )


# An account's sources (`GET /accounts/{id}`), worst first: the account is as healthy as its worst source.
_SOURCE_STATUSES = ("CREDENTIALS", "PERMISSIONS", "ERROR", "STOPPED", "CONNECTING", "OK")


def status_from(data: dict) -> str:
    """The status of an `Account` (`sources[].status`, the account status webhook's words): the worst
    of its sources; `UNKNOWN` when the answer names none we know."""
    found = {str(s.get("status") or "").upper() for s in data.get("sources") or [] if isinstance(s, dict)}
    return next((status for status in _SOURCE_STATUSES if status in found), "UNKNOWN")
