"""Workspaces, their members, chat identities and LinkedIn accounts (P-7).

Every function takes the session from its caller and only flushes: the caller's unit of work
commits or rolls back, so a refused request leaves nothing half-written.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import case, func, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from core.campaigns.models import STATUS_ACTIVE, Campaign
from core.campaigns.naming import like_escape, name_key
from core.errors import NotFound
from core.i18n import DEFAULT_LANGUAGE, language_of, t
from core.workspace.language import note_locale
from core.workspace.limits import CAPS, PREMIUM, cap_problem, kind_problem
from core.workspace.models import ACCOUNT_DISCONNECTED_PAUSE, ChatIdentity, LinkedInAccount, Member, Workspace

DEFAULT_DIGEST_HOUR = 18
ROLES = ("admin", "member")
PLATFORMS = ("slack", "teams")
PROVIDERS = ("sandbox", "unipile")
ACCOUNT_STATUS_VALID = "valid"


def _clean_email(email: str | None) -> str | None:
    email = (email or "").strip().lower()
    if not email:
        return None
    if "@" not in email or len(email) > 254 or any(c.isspace() for c in email):
        raise ValueError(t("workspace.bad_email", email=email))
    return email


def _clean_name(name: str | None, *, what: str | None = None) -> str:
    what = what or t("form.name")
    name = " ".join((name or "").split())
    if not name:
        raise ValueError(t("workspace.name_required", what=what))
    if len(name) > 120:
        raise ValueError(t("name.too_long", what=what, length=len(name), max=120))
    return name


def create_workspace(*, session: Session, name: str, timezone: str = "UTC", slack_team_id: str | None = None,
                     teams_tenant_id: str | None = None, digest_hour: int = DEFAULT_DIGEST_HOUR) -> Workspace:
    """Create a workspace. Its Slack team and Teams tenant, when given, must not belong to another one.

    Raises ValueError for an empty name, an unknown timezone, a digest hour outside 0–23 or a
    team/tenant already taken."""
    _check_digest_hour(digest_hour)
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    name = _clean_name(name, what=t("workspace.name"))
    same = session.exec(select(Workspace.id).where(func.lower(Workspace.name) == name.lower())).first()
    if same is not None:
        # Commands name workspaces by name: a second one of the same name would make it ambiguous.
        raise ValueError(t("workspace.name_taken", name=name, id=str(same)))
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(t("workspace.bad_timezone", timezone=timezone)) from None
    for column, value, label in ((Workspace.slack_team_id, slack_team_id, t("workspace.slack_team")),
                                 (Workspace.teams_tenant_id, teams_tenant_id, t("workspace.teams_tenant"))):
        if value and session.exec(select(Workspace.id).where(column == value)).first() is not None:
            raise ValueError(t("workspace.tenant_taken", what=label, value=value))
    workspace = Workspace(name=name, timezone=timezone, slack_team_id=slack_team_id or None,
                          teams_tenant_id=teams_tenant_id or None, digest_hour=digest_hour)
    session.add(workspace)
    session.flush()
    return workspace


def _check_digest_hour(hour: int) -> None:
    if not isinstance(hour, int) or not 0 <= hour <= 23:
        raise ValueError(t("workspace.bad_digest_hour", hour=str(hour)))


def set_digest_hour(*, session: Session, workspace_id: int, hour: int) -> Workspace:
    """When the moderation digest goes out, in each campaign's local time (P-22: the evening before)."""
    _check_digest_hour(hour)
    workspace = get_workspace(session=session, workspace_id=workspace_id)
    workspace.digest_hour = hour
    session.add(workspace)
    session.flush()
    return workspace


def get_workspace(*, session: Session, workspace_id: int) -> Workspace:
    workspace = session.get(Workspace, workspace_id)
    if workspace is None:
        raise NotFound(t("workspace.not_found", id=str(workspace_id)))
    return workspace


def add_member(*, session: Session, workspace_id: int, name: str, email: str | None = None,
               role: str = "member") -> Member:
    """Add a member. The email is lowercased and unique in the workspace (ValueError otherwise)."""
    get_workspace(session=session, workspace_id=workspace_id)
    name = _clean_name(name)
    email = _clean_email(email)
    if role not in ROLES:
        raise ValueError(t("workspace.bad_role", roles=", ".join(ROLES), role=role))
    if email and _member_by_email(session, workspace_id, email) is not None:
        raise ValueError(t("workspace.email_taken", email=email))
    member = Member(workspace_id=workspace_id, name=name, name_key=name_key(name), email=email, role=role)
    try:
        with session.begin_nested():
            session.add(member)
    except IntegrityError:
        # A concurrent add of the same email won the race.
        raise ValueError(t("workspace.email_taken", email=email)) from None
    return member


def _member_by_email(session: Session, workspace_id: int, email: str) -> Member | None:
    return session.exec(select(Member).where(Member.workspace_id == workspace_id, Member.email == email)).first()


def get_member(*, session: Session, workspace_id: int, member_id: int) -> Member:
    """The member `member_id` of this workspace; NotFound for a member of another workspace."""
    member = session.get(Member, member_id)
    if member is None or member.workspace_id != workspace_id:
        raise NotFound(t("workspace.member_elsewhere", id=str(member_id)))
    return member


def list_members(*, session: Session, workspace_id: int, include_inactive: bool = False) -> list[Member]:
    stmt = select(Member).where(Member.workspace_id == workspace_id)
    if not include_inactive:
        stmt = stmt.where(Member.active.is_(True))
    return list(session.exec(stmt.order_by(Member.name_key, Member.id)))


def deactivate_member(*, session: Session, workspace_id: int, member_id: int) -> Member:
    """Mark a member inactive: they can no longer be picked as a sender (P-7)."""
    member = get_member(session=session, workspace_id=workspace_id, member_id=member_id)
    member.active = False
    session.add(member)
    session.flush()
    return member


def linkedin_account_of(*, session: Session, member_id: int) -> LinkedInAccount | None:
    return session.exec(select(LinkedInAccount).where(LinkedInAccount.member_id == member_id)).first()


class _Keep:
    """An argument not given: the stored value stays as it is."""

    def __repr__(self) -> str:
        return "KEEP"


KEEP: Any = _Keep()
NEW_ACCOUNT_KIND = PREMIUM  # what the sandbox reads from an id without ":free"


def connect_linkedin_account(*, session: Session, member_id: int, provider: str, provider_account_id: str,
                             kind: str | None = None, provider_user_id: str | None = None,
                             daily_invite_cap: int | None = KEEP, weekly_invite_cap: int | None = KEEP,
                             daily_message_cap: int | None = KEEP, names: dict[str, str] | None = None
                             ) -> LinkedInAccount:
    """Attach a LinkedIn account to a member; connecting again updates the row and makes it valid.

    Only what is given changes: `kind=None` keeps the account's kind (a new account is
    `NEW_ACCOUNT_KIND`), a cap left out keeps its value, a cap given as None goes back to the
    kind's default. Every cap the account ends with is within LinkedIn's limits for its kind
    (`core.workspace.limits`): a given one out of range is refused, and so is a kept one when the
    kind changes (the caller chooses); a kept one stored over the limits before they were checked
    comes down to them. `names` says how the messages name the caps and the kind (e.g.
    command-line options).

    Raises NotFound for an unknown member, ValueError (nothing changed) for an unknown provider
    or kind, a cap out of range, or a provider account already connected to another member."""
    names = names or {}
    member = session.get(Member, member_id)
    if member is None:
        raise NotFound(t("workspace.member_not_found", id=str(member_id)))
    if provider not in PROVIDERS:
        raise ValueError(t("workspace.bad_provider", providers=", ".join(PROVIDERS), provider=provider))
    if kind is not None and (problem := kind_problem(kind)):
        raise ValueError(problem.replace("Account kind", names.get("kind", "Account kind"), 1))
    provider_account_id = (provider_account_id or "").strip()
    if not provider_account_id:
        raise ValueError(t("workspace.account_id_required"))
    taken = session.exec(select(LinkedInAccount).where(
        LinkedInAccount.provider == provider, LinkedInAccount.provider_account_id == provider_account_id)).first()
    if taken is not None and taken.member_id != member_id:
        raise ValueError(t("workspace.account_taken", provider=provider, account=provider_account_id))
    current = linkedin_account_of(session=session, member_id=member_id)
    final_kind = kind or (current.kind if current else NEW_ACCOUNT_KIND)
    given = {"daily_invite_cap": daily_invite_cap, "weekly_invite_cap": weekly_invite_cap,
             "daily_message_cap": daily_message_cap}
    caps = {field: (getattr(current, field) if current else None) if value is KEEP else value
            for field, value in given.items()}
    kind_changes = current is not None and final_kind != current.kind
    for field, value in caps.items():
        problem = cap_problem(final_kind, field, value, name=names.get(field))
        if problem and given[field] is KEEP:
            top = CAPS[field].maximum[final_kind]
            if not kind_changes:  # stored before the limits were checked: LinkedIn's limit, not a choice
                caps[field] = top
                continue
            problem = (f"The account's {CAPS[field].label} ({value}) is over what a {final_kind} account allows: "
                       f"give {names.get(field, 'a new ' + CAPS[field].label)} from 1 to {top}, "
                       "or go back to the defaults.")
        if problem:
            raise ValueError(problem)
    account = current or LinkedInAccount(workspace_id=member.workspace_id, member_id=member_id,
                                         provider_account_id=provider_account_id)
    account.provider = provider
    account.provider_account_id = provider_account_id
    account.provider_user_id = provider_user_id or account.provider_user_id
    account.kind = final_kind
    account.status = ACCOUNT_STATUS_VALID
    for field, value in caps.items():
        setattr(account, field, value)
    session.add(account)
    session.flush()
    _resume_after_reconnect(session, member_id)
    return account


def set_account_kind(*, session: Session, account: LinkedInAccount, kind: str) -> LinkedInAccount:
    """The kind the provider says the account is (not an admin's choice, so nothing to refuse): a
    cap over the new kind's maximum comes down to it."""
    problem = kind_problem(kind)
    if problem:
        raise ValueError(problem)
    account.kind = kind
    for field, rule in CAPS.items():
        value = getattr(account, field)
        if value is not None and value > rule.maximum[kind]:
            setattr(account, field, rule.maximum[kind])
    session.add(account)
    return account


def _resume_after_reconnect(session: Session, member_id: int) -> None:
    """Campaigns paused because the sender's account was disconnected run again once it is
    connected (the alert told the sender so)."""
    session.execute(update(Campaign).where(
        Campaign.sender_id == member_id, Campaign.status == STATUS_ACTIVE,
        Campaign.paused_reason == ACCOUNT_DISCONNECTED_PAUSE).values(paused_reason=None))


def member_choices(*, session: Session, workspace_id: int, query: str = "", limit: int = 20) -> list[Member]:
    """Active members for the Sender type-ahead: names starting with the typed text first, then
    names containing it; one query over the (workspace_id, name_key) index."""
    key = like_escape(name_key(query or ""))
    stmt = select(Member).where(Member.workspace_id == workspace_id, Member.active.is_(True))
    if key:
        stmt = stmt.where(Member.name_key.like(f"%{key}%", escape="\\"))
        prefix_first = case((Member.name_key.like(f"{key}%", escape="\\"), 0), else_=1)
        stmt = stmt.order_by(prefix_first, Member.name_key, Member.id)
    else:
        stmt = stmt.order_by(Member.name_key, Member.id)
    return list(session.exec(stmt.limit(max(1, min(limit, 100)))))


def member_for_identity(*, session: Session, platform: str, tenant: str, external_user_id: str) -> Member | None:
    """The member behind a chat identity, or None when this person never talked to the bot."""
    return session.exec(
        select(Member).join(ChatIdentity, ChatIdentity.member_id == Member.id).where(
            ChatIdentity.platform == platform, ChatIdentity.tenant == tenant,
            ChatIdentity.external_user_id == external_user_id)
    ).first()


def workspace_for_tenant(*, session: Session, platform: str, tenant: str) -> Workspace | None:
    column = Workspace.slack_team_id if platform == "slack" else Workspace.teams_tenant_id
    return session.exec(select(Workspace).where(column == tenant)).first()


def ensure_member_for_chat(*, session: Session, platform: str, tenant: str, external_user_id: str, name: str,
                           email: str | None = None, workspace_name: str | None = None,
                           locale: str | None = None) -> Member:
    """The member behind a chat user, created on first contact.

    Order: a known chat identity; else, in the workspace of this Slack team / Teams tenant
    (created when missing), the member with this email, to whom the identity is linked; else a
    new member, admin when first of the workspace. One person reaching us from Slack and from
    Teams with the same email is one member when the workspace carries both ids. `locale`: their
    chat's (`fr-FR`), kept on the member; a workspace created for them speaks its language."""
    if platform not in PLATFORMS:
        raise ValueError(t("workspace.bad_platform", platforms=", ".join(PLATFORMS), platform=platform))
    if not tenant or not external_user_id:
        raise ValueError(t("workspace.identity_incomplete"))
    known = member_for_identity(session=session, platform=platform, tenant=tenant, external_user_id=external_user_id)
    if known is not None:
        return known
    workspace = _ensure_workspace(session, platform, tenant, workspace_name, locale)
    try:
        email = _clean_email(email)
    except ValueError:
        email = None  # a chat profile's odd email is not worth refusing the person
    name = " ".join((name or "").split())[:120] or external_user_id[:120]
    try:
        with session.begin_nested():
            member = _member_by_email(session, workspace.id, email) if email else None
            if member is None:
                has_members = session.exec(select(Member.id).where(Member.workspace_id == workspace.id)
                                           .limit(1)).first()
                member = add_member(session=session, workspace_id=workspace.id, name=name,
                                    email=email, role="member" if has_members else "admin")
            note_locale(session, member, locale)
            session.add(ChatIdentity(workspace_id=workspace.id, member_id=member.id, platform=platform,
                                     tenant=tenant, external_user_id=external_user_id))
            session.flush()
    except (IntegrityError, ValueError):
        # Two first messages of the same person raced: the other request linked it (and
        # created the member); our savepoint is gone, theirs is the answer.
        raced = member_for_identity(session=session, platform=platform, tenant=tenant,
                                    external_user_id=external_user_id)
        if raced is None:
            raise
        return raced
    return member


def _ensure_workspace(session: Session, platform: str, tenant: str, workspace_name: str | None,
                      locale: str | None = None) -> Workspace:
    workspace = workspace_for_tenant(session=session, platform=platform, tenant=tenant)
    if workspace is not None:
        return workspace
    ids = {"slack_team_id": tenant} if platform == "slack" else {"teams_tenant_id": tenant}
    try:
        with session.begin_nested():
            workspace = Workspace(name=(workspace_name or "").strip()[:120] or tenant[:120],
                                  ui_language=(language_of(locale) or DEFAULT_LANGUAGE).value, **ids)
            session.add(workspace)
    except IntegrityError:
        workspace = workspace_for_tenant(session=session, platform=platform, tenant=tenant)
        if workspace is None:
            raise
    return workspace

