"""Per-account limits (P-20, invariant 4): invitations per rolling 24 h and 7 days, messages per
rolling 24 h, shared by every campaign of the account. Per-account overrides win over defaults."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import BindParameter, ColumnElement, Select, and_, bindparam, case, func, or_, select
from sqlmodel import Session

from core.campaigns.models import STEP_INVITATION
from core.delivery.models import S_CLAIMED, S_PLANNED, S_SENT, Send
from core.metrics import Cap
from core.workspace.limits import ACCOUNT_KINDS, CAPS

DAY = timedelta(hours=24)
WEEK = timedelta(days=7)

# LinkedIn publishes no number; the defaults stay well under the provider's advice (core.workspace.limits).
DEFAULTS = {kind: {"daily": CAPS["daily_invite_cap"].default[kind], "weekly": CAPS["weekly_invite_cap"].default[kind],
                   "messages": CAPS["daily_message_cap"].default[kind]} for kind in ACCOUNT_KINDS}


@dataclass(frozen=True)
class Caps:
    daily_invitations: int
    weekly_invitations: int
    daily_messages: int


class Capped(Protocol):
    """What the caps read of an account: a `LinkedInAccount`, or a row with its columns."""

    @property
    def id(self) -> int: ...

    @property
    def kind(self) -> str: ...

    @property
    def daily_invite_cap(self) -> int | None: ...

    @property
    def weekly_invite_cap(self) -> int | None: ...

    @property
    def daily_message_cap(self) -> int | None: ...


def caps_for(account: Capped) -> Caps:
    """The caps of an account (a `LinkedInAccount` or a row with its columns)."""
    base = DEFAULTS["free" if account.kind == "free" else "premium"]
    return Caps(
        daily_invitations=account.daily_invite_cap if account.daily_invite_cap is not None else base["daily"],
        weekly_invitations=account.weekly_invite_cap if account.weekly_invite_cap is not None else base["weekly"],
        daily_messages=account.daily_message_cap if account.daily_message_cap is not None else base["messages"],
    )


def _window_counts() -> Select:
    """One statement for the three windows, built once from the table (bind parameters: account,
    day, week).

    Counted: what was sent in the window, what is claimed (in flight), and what went back to
    planned with an unknown outcome (it may have reached the provider: invariant 4 holds during
    its back-off); such a send's `sent_at` is the time of its provider call."""
    T = Send.__table__
    account: BindParameter[int] = bindparam("account")
    day: BindParameter[datetime] = bindparam("day", type_=T.c.sent_at.type)
    week: BindParameter[datetime] = bindparam("week", type_=T.c.sent_at.type)
    invitation = T.c.step == STEP_INVITATION
    claimed = T.c.status == S_CLAIMED
    unknown = and_(T.c.status == S_PLANNED, T.c.outcome_unknown.is_(True))

    def within(since: BindParameter[datetime]) -> ColumnElement[bool]:
        return or_(claimed, and_(T.c.status == S_SENT, T.c.sent_at > since),
                   and_(unknown, or_(T.c.sent_at.is_(None), T.c.sent_at > since)))

    def count(*conditions: ColumnElement[bool]) -> ColumnElement[Any]:
        return func.coalesce(func.sum(case((and_(*conditions), 1), else_=0)), 0)

    return (
        select(count(invitation, within(day)), count(invitation, within(week)),
               count(T.c.step != STEP_INVITATION, within(day)))
        .where(T.c.account_id == account, or_(claimed, and_(T.c.status == S_SENT, T.c.sent_at > week), unknown))
    )


_WINDOW_COUNTS = _window_counts()
# The same counts as a one-row subquery, for a claim to read them with the send it locks (the
# account is locked by then, so no other claim of it can commit in between).
WINDOW_COUNTS = _WINDOW_COUNTS.with_only_columns(
    *(c.label(n) for c, n in zip(_WINDOW_COUNTS.selected_columns, ("used_day", "used_week", "used_messages"),
                                 strict=True))
).subquery("used")


def window_params(account_id: int, now: datetime) -> dict[str, Any]:
    return {"account": account_id, "day": now - DAY, "week": now - WEEK}


def used(session: Session, account_id: int, now: datetime) -> tuple[int, int, int]:
    """(invitations in the last 24 h, invitations in the last 7 days, messages in the last 24 h),
    counting what was sent in the window, what is claimed (in flight) and what may have been."""
    day, week, messages = session.execute(_WINDOW_COUNTS, {"account": account_id, "day": now - DAY,
                                                           "week": now - WEEK}).one()
    return int(day), int(week), int(messages)


def refusal(session: Session, account: Capped, *, invitation: bool, now: datetime,
            counted: tuple[int, int, int] | None = None) -> str | None:
    """Why the account may not act now (a cap reached), or None. Call before claiming, under
    the account's lock; `counted`: `used` as already read in that transaction (`WINDOW_COUNTS`)."""
    reached = cap_reached(session, account, invitation=invitation, now=now, counted=counted)
    return reached[1] if reached else None


def cap_reached(session: Session, account: Capped, *, invitation: bool, now: datetime,
                counted: tuple[int, int, int] | None = None) -> tuple[Cap, str] | None:
    """`refusal`, with which cap it is (what the metrics count)."""
    caps = caps_for(account)
    day, week, messages = counted if counted is not None else used(session, account.id, now)
    if invitation:
        if day >= caps.daily_invitations:
            return Cap.DAILY_INVITATIONS, f"daily invitation cap reached ({caps.daily_invitations} in 24 h)"
        if week >= caps.weekly_invitations:
            return Cap.WEEKLY_INVITATIONS, f"weekly invitation cap reached ({caps.weekly_invitations} in 7 days)"
    elif messages >= caps.daily_messages:
        return Cap.DAILY_MESSAGES, f"daily message cap reached ({caps.daily_messages} in 24 h)"
    return None
