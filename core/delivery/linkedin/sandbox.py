"""The sandbox LinkedIn provider ("safe demo mode"): a simulated network kept in the database.

Nobody real is contacted. Everything is deterministic from `settings.sandbox_seed`:
- any identifier resolves (`provider_id` = `sbx-<public_identifier>`); `search_people` returns
  generated people (fr/en/de/es, names of varied lengths) that depend only on the query and seed;
- an invitation is accepted with probability `sandbox_accept_probability`, decided per (seed,
  account, person): three in four of the accepted within a day, the others within a week, the rest
  never. Acceptance is materialised lazily: reads reflect the acceptances whose time <= clock.now();
- a message to a relation gets a reply with probability `sandbox_reply_probability`, 1–12 hours
  later (also decided per seed, account, person and message number), visible in `list_messages`;
- the provider's own limits: 100 invitations per account in 7 rolling days (`RateLimited`), the
  note limit (300 UTF-16 units, 200 for a free account: an account id ending in ':free'),
  `AlreadyInvited`, `AlreadyConnected`, `CannotReinviteYet` within 21 days of a withdrawal;
- `hosted_link` connects at once: it returns a sandbox URL that carries the account id to store
  (`sandbox_account_id(member_ref)`); there is no page to visit. `register_webhook` does nothing:
  the sandbox never calls back, the engine polls it; `account_status` is always `OK`.

Time comes only from the injected clock. Each call is one unit of work in its own session
(safe from several worker threads); invitations of one account are serialised by the database
(SQLite's BEGIN IMMEDIATE, a PostgreSQL advisory lock).
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote

from sqlalchemy import func, text
from sqlmodel import Session, select

from core.clock import Clock
from core.db import UnitOfWork
from core.delivery.linkedin.port import (
    AlreadyConnected,
    AlreadyInvited,
    CannotReinviteYet,
    ChatMessage,
    FeatureNotSubscribed,
    InvitationSent,
    LinkedInError,
    MessageSent,
    NoteLimitReached,
    NotFound,
    Page,
    PendingInvitation,
    PeopleSearch,
    Profile,
    RateLimited,
    RelationInfo,
    SearchPage,
    SearchParameter,
)
from core.delivery.linkedin.sandbox_models import SandboxInvitation, SandboxMessage
from core.delivery.linkedin.sandbox_people import digest, person_for, person_from_token, search_tokens, unit

PROVIDER_PREFIX = "sbx-"
WEEKLY_INVITATIONS = 100
WEEK = timedelta(days=7)
REINVITE_AFTER = timedelta(days=21)
NOTE_LIMIT = 300
FREE_NOTE_LIMIT = 200
FREE_SUFFIX = ":free"
MAX_SEARCH_RESULTS = 100
# A finder's search: how many people any query finds (deterministic per query), and how often a
# result is someone of a pool shared by every query (different searches overlap a little).
SEARCH_TOTAL = (40, 200)
SHARED_SHARE, SHARED_POOL = 0.15, 50

PENDING, ACCEPTED, WITHDRAWN = "pending", "accepted", "withdrawn"
_PROFILE_URL = re.compile(r"^https?://([a-z]+\.)?linkedin\.com/in/(?P<id>[^/?#]+)", re.IGNORECASE)


def sandbox_account_id(member_ref: str) -> str:
    """The sandbox account id that `hosted_link` connects for a member."""
    return f"sbx-acct-{digest('account', member_ref)[:16]}"


def note_length(note: str) -> int:
    """Length as LinkedIn counts it: UTF-16 code units (an emoji counts twice)."""
    return len(note.encode("utf-16-le")) // 2


def note_limit_for(account_id: str) -> int:
    return FREE_NOTE_LIMIT if account_id.endswith(FREE_SUFFIX) else NOTE_LIMIT


class SandboxGateway:
    name = "sandbox"

    def __init__(self, *, uow: UnitOfWork, clock: Clock, settings: Any) -> None:
        self._uow = uow
        self._clock = clock
        self._seed = settings.sandbox_seed
        self._accept_p = settings.sandbox_accept_probability
        self._reply_p = settings.sandbox_reply_probability
        self._public_url = str(getattr(settings, "public_url", "http://localhost")).rstrip("/")

    # -- the simulated people's decisions ---------------------------------------------------

    def acceptance_time(self, account_id: str, provider_id: str, invited_at: datetime) -> datetime | None:
        """When the person accepts an invitation sent at `invited_at`, or None if never."""
        if unit(self._seed, "accept", account_id, provider_id) >= self._accept_p:
            return None
        shape = unit(self._seed, "delay", account_id, provider_id)
        if shape < 0.75:  # most within a day
            delay = timedelta(minutes=10) + (shape / 0.75) * timedelta(hours=23, minutes=40)
        else:  # the others within the week
            delay = timedelta(days=1) + ((shape - 0.75) / 0.25) * timedelta(days=6)
        return invited_at + delay

    def _settle(self, session: Session, rows: list[SandboxInvitation], now: datetime) -> None:
        """Materialise the acceptances that are due (idempotent: the same values every time)."""
        for row in rows:
            if row.status != PENDING:
                continue
            at = self.acceptance_time(row.account_key, row.provider_user_id, row.created_at)
            if at is not None and at <= now:
                row.status, row.decided_at = ACCEPTED, at
                session.add(row)

    def _rows(self, session: Session, account_id: str, provider_id: str | None = None) -> list[SandboxInvitation]:
        query = select(SandboxInvitation).where(SandboxInvitation.account_key == account_id)
        if provider_id is not None:
            query = query.where(SandboxInvitation.provider_user_id == provider_id)
        rows = list(session.exec(query.order_by(SandboxInvitation.id)))
        self._settle(session, rows, self._clock.now())
        return rows

    # -- profiles ----------------------------------------------------------------------------

    def _profile(self, account_id: str, public_identifier: str, rows: list[SandboxInvitation]) -> Profile:
        person = person_for(public_identifier, self._seed)
        provider_id = PROVIDER_PREFIX + person.public_identifier
        statuses = {r.status for r in rows if r.provider_user_id == provider_id}
        if ACCEPTED in statuses:
            distance = "FIRST_DEGREE"
        else:
            distance = "SECOND_DEGREE" if unit(self._seed, "distance", provider_id) < 0.7 else "THIRD_DEGREE"
        return Profile(
            provider_id=provider_id,
            public_identifier=person.public_identifier,
            first_name=person.first_name,
            last_name=person.last_name,
            headline=person.headline,
            location=person.location,
            company=person.company,
            job_title=person.job_title,
            profile_url=f"https://www.linkedin.com/in/{quote(person.public_identifier)}",
            network_distance=distance,
            pending_invitation=PENDING in statuses,
        )

    def resolve_profile(self, *, account_id: str, identifier: str) -> Profile:
        ident = (identifier or "").strip()
        url = _PROFILE_URL.match(ident)
        if url:
            ident = url["id"]
        if ident.startswith(PROVIDER_PREFIX):
            ident = ident[len(PROVIDER_PREFIX) :]
        if not ident or len(ident) > 150 or any(c.isspace() or c in "/?#" for c in ident):
            raise NotFound("no such profile")
        with self._uow() as session:
            rows = self._rows(session, account_id, PROVIDER_PREFIX + ident)
            return self._profile(account_id, ident, rows)

    def search_people(self, *, account_id: str, query: dict[str, Any], limit: int = 50) -> list[Profile]:
        key = json.dumps(query or {}, sort_keys=True, ensure_ascii=False, default=str)
        count = max(0, min(limit, MAX_SEARCH_RESULTS))
        people = [person_from_token(t) for t in search_tokens(self._seed, key, count)]
        with self._uow() as session:
            rows = self._rows(session, account_id)
            return [self._profile(account_id, p.public_identifier, rows) for p in people]

    def _search_token(self, key: str, index: int) -> str:
        if unit(self._seed, "shared", key, index) < SHARED_SHARE:
            return digest(self._seed, "pool", int(unit(self._seed, "pick", key, index) * SHARED_POOL))[:10]
        return digest(self._seed, "search", key, index)[:10]  # as search_tokens draws them

    def search_page(self, *, account_id: str, search: PeopleSearch, cursor: str | None = None,
                    limit: int = 50) -> SearchPage:
        """Deterministic people for any search: the same search gives the same people in the same
        order; a Sales Navigator search needs a premium account (a ':free' one gets 403)."""
        if search.api == "sales_navigator" and account_id.endswith(FREE_SUFFIX):
            raise FeatureNotSubscribed("403 errors/feature_not_subscribed", status=403)
        key = search.url or json.dumps({"api": search.api, "keywords": search.keywords, "title": search.title,
                                        "filters": {k: sorted(v) for k, v in search.filters.items()}},
                                       sort_keys=True, ensure_ascii=False)
        low, high = SEARCH_TOTAL
        total = low + int(unit(self._seed, "total", key) * (high - low))
        start = int(cursor) if cursor and cursor.isdigit() else 0
        end = min(total, start + max(1, min(limit, MAX_SEARCH_RESULTS)))
        people = [person_from_token(self._search_token(key, i)) for i in range(start, end)]
        with self._uow() as session:
            rows = self._rows(session, account_id)
            found = [self._profile(account_id, p.public_identifier, rows) for p in people]
        return SearchPage(people=found, cursor=str(end) if end < total else None)

    def search_parameters(self, *, account_id: str, kind: str, keywords: str, limit: int = 5) -> list[SearchParameter]:
        name = " ".join((keywords or "").split())
        if len(name) < 2:
            return []
        return [SearchParameter(id=str(int(digest(self._seed, "parameter", kind, name.casefold())[:8], 16)),
                                title=name)]

    # -- invitations -------------------------------------------------------------------------

    def _lock_account(self, session: Session, account_id: str) -> None:
        # SQLite already serialises writers (BEGIN IMMEDIATE); PostgreSQL needs a lock per account
        # so that two workers cannot both pass the weekly limit or both invite one person.
        if session.get_bind().dialect.name == "postgresql":
            key = int(digest("sandbox-account", account_id)[:15], 16)
            session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": key})

    def send_invitation(self, *, account_id: str, provider_id: str, note: str | None) -> InvitationSent:
        length = note_length(note or "")
        if length > note_limit_for(account_id):
            raise NoteLimitReached(f"note of {length} characters over the limit of {note_limit_for(account_id)}")
        if not provider_id.startswith(PROVIDER_PREFIX):
            raise NotFound("unknown provider id")
        now = self._clock.now()
        with self._uow() as session:
            self._lock_account(session, account_id)
            for row in self._rows(session, account_id, provider_id):
                if row.status == ACCEPTED:
                    raise AlreadyConnected("already a relation")
                if row.status == PENDING:
                    raise AlreadyInvited("an invitation is pending")
                if row.decided_at and now - row.decided_at < REINVITE_AFTER:
                    raise CannotReinviteYet("withdrawn less than 21 days ago")
            recent = list(
                session.exec(
                    select(SandboxInvitation.created_at)
                    .where(SandboxInvitation.account_key == account_id, SandboxInvitation.created_at > now - WEEK)
                    .order_by(SandboxInvitation.created_at)
                )
            )
            if len(recent) >= WEEKLY_INVITATIONS:
                wait = (recent[len(recent) - WEEKLY_INVITATIONS] + WEEK - now).total_seconds()
                raise RateLimited("100 invitations in 7 days", retry_after=max(wait, 1.0))
            row = SandboxInvitation(
                account_key=account_id, provider_user_id=provider_id, note_length=length, status=PENDING, created_at=now
            )
            session.add(row)
            session.flush()
            return InvitationSent(invitation_id=f"sbx-inv-{row.id}")

    @staticmethod
    def _page_of(rows: list[Any], cursor: str | None, limit: int) -> tuple[list[Any], str | None]:
        after = int(cursor) if cursor and cursor.isdigit() else 0
        rows = [r for r in rows if r.id > after]
        limit = max(1, limit)
        page = rows[:limit]
        return page, (str(page[-1].id) if len(rows) > limit else None)

    def list_sent_invitations(self, *, account_id: str, cursor: str | None = None, limit: int = 100) -> Page:
        with self._uow() as session:
            pending = [r for r in self._rows(session, account_id) if r.status == PENDING]
            page, next_cursor = self._page_of(pending, cursor, limit)
            items = [
                PendingInvitation(
                    invitation_id=f"sbx-inv-{r.id}",
                    provider_user_id=r.provider_user_id,
                    sent_at=r.created_at,
                    public_identifier=r.provider_user_id[len(PROVIDER_PREFIX) :],
                )
                for r in page
            ]
            return Page(items=items, cursor=next_cursor)

    def withdraw_invitation(self, *, account_id: str, invitation_id: str) -> None:
        number = invitation_id.removeprefix("sbx-inv-")
        if not number.isdigit():
            raise NotFound("unknown invitation")
        with self._uow() as session:
            self._lock_account(session, account_id)
            row = session.get(SandboxInvitation, int(number))
            if row is None or row.account_key != account_id:
                raise NotFound("unknown invitation")
            self._settle(session, [row], self._clock.now())
            if row.status != PENDING:
                raise NotFound("the invitation is no longer pending")
            row.status, row.decided_at = WITHDRAWN, self._clock.now()
            session.add(row)

    def list_relations(self, *, account_id: str, cursor: str | None = None, limit: int = 100) -> Page:
        with self._uow() as session:
            accepted = [r for r in self._rows(session, account_id) if r.status == ACCEPTED]
            page, next_cursor = self._page_of(accepted, cursor, limit)
            items = [
                RelationInfo(
                    provider_user_id=r.provider_user_id,
                    public_identifier=r.provider_user_id[len(PROVIDER_PREFIX) :],
                    connected_at=r.decided_at,
                )
                for r in page
            ]
            return Page(items=items, cursor=next_cursor)

    # -- messages ----------------------------------------------------------------------------

    @staticmethod
    def chat_id_for(account_id: str, provider_id: str) -> str:
        return f"sbx-chat-{digest('chat', account_id, provider_id)[:16]}"

    def send_message(
        self, *, account_id: str, text: str, chat_id: str | None = None, provider_id: str | None = None
    ) -> MessageSent:
        if not (text or "").strip():
            raise LinkedInError("empty message", status=400)
        now = self._clock.now()
        with self._uow() as session:
            if chat_id:
                other = session.exec(
                    select(SandboxMessage.provider_user_id).where(
                        SandboxMessage.chat_id == chat_id, SandboxMessage.account_key == account_id
                    )
                ).first()
                if other is None:
                    raise NotFound("unknown chat")
                provider_id = other
            elif not provider_id:
                raise LinkedInError("a chat id or a recipient is needed", status=400)
            if not any(r.status == ACCEPTED for r in self._rows(session, account_id, provider_id)):
                # The real provider answers 422 errors/no_connection_with_recipient.
                raise LinkedInError("the recipient is not a relation", status=422)
            chat_id = self.chat_id_for(account_id, provider_id)
            sent_before = session.exec(
                select(func.count()).select_from(SandboxMessage).where(
                    SandboxMessage.chat_id == chat_id, SandboxMessage.is_sender.is_(True)
                )
            ).one()
            row = SandboxMessage(
                account_key=account_id, chat_id=chat_id, provider_user_id=provider_id,
                is_sender=True, text=text, created_at=now,
            )
            session.add(row)
            if unit(self._seed, "reply", account_id, provider_id, sent_before) < self._reply_p:
                delay = unit(self._seed, "reply-delay", account_id, provider_id, sent_before)
                later = timedelta(hours=1) + delay * timedelta(hours=11)
                person = person_for(provider_id[len(PROVIDER_PREFIX) :], self._seed)
                session.add(SandboxMessage(
                    account_key=account_id, chat_id=chat_id, provider_user_id=provider_id,
                    is_sender=False, text=person.reply(sent_before), created_at=now + later,
                ))
            session.flush()
            return MessageSent(chat_id=chat_id, message_id=f"sbx-msg-{row.id}")

    def list_messages(
        self, *, account_id: str, chat_id: str, after: datetime | None = None, limit: int = 100
    ) -> list[ChatMessage]:
        now = self._clock.now()
        with self._uow() as session:
            query = select(SandboxMessage).where(
                SandboxMessage.chat_id == chat_id,
                SandboxMessage.account_key == account_id,
                SandboxMessage.created_at <= now,
            )
            if after is not None:
                query = query.where(SandboxMessage.created_at > after)
            rows = session.exec(query.order_by(SandboxMessage.created_at, SandboxMessage.id).limit(max(1, limit)))
            return [
                ChatMessage(
                    message_id=f"sbx-msg-{r.id}",
                    chat_id=r.chat_id,
                    sender_id=account_id if r.is_sender else r.provider_user_id,
                    is_sender=r.is_sender,
                    timestamp=r.created_at,
                    text=r.text,
                )
                for r in rows
            ]

    def list_chats_with(self, *, account_id: str, provider_id: str) -> list[str]:
        """The sandbox keeps one chat per (account, person): it, once a message went either way."""
        now = self._clock.now()
        with self._uow() as session:
            rows = session.exec(
                select(SandboxMessage.chat_id, func.max(SandboxMessage.created_at))
                .where(SandboxMessage.account_key == account_id, SandboxMessage.provider_user_id == provider_id,
                       SandboxMessage.created_at <= now)
                .group_by(SandboxMessage.chat_id)
                .order_by(func.max(SandboxMessage.created_at).desc())
            )
            return [chat_id for chat_id, _ in rows]

    # -- account link and webhooks -------------------------------------------------------------

    def hosted_link(self, *, member_ref: str, success_url: str | None = None) -> str:
        """Connects at once: the URL carries the account id (`sandbox_account_id`) and needs no visit."""
        account = sandbox_account_id(member_ref)
        url = f"{self._public_url}/sandbox/linkedin/connected?member={quote(member_ref)}&account_id={account}"
        return url if not success_url else f"{url}&next={quote(success_url, safe='')}"

    def register_webhook(self, *, request_url: str, secret: str, source: str) -> str:
        """No-op: the sandbox never calls back; the engine polls relations and messages."""
        return f"sbx-wh-{digest('webhook', request_url, source)[:12]}"

    def account_status(self, *, account_id: str) -> str:
        """A sandbox account never disconnects."""
        return "OK"
