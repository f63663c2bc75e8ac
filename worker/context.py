"""The composition root shared by every process: settings → engine, clock, LinkedIn gateway, notifier.

Built once per process by `invitebot serve|web|worker|clock`; nothing here runs at import time."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.engine import Engine

from core.clock import Clock, SystemClock
from core.config import Settings
from core.db import UnitOfWork, make_engine
from core.notify import FanoutNotifier, LoggingNotifier, Notifier

log = logging.getLogger("invitebot")


@dataclass
class Context:
    settings: Settings
    engine: Engine
    uow: UnitOfWork
    clock: Clock
    gateway: Any  # core.delivery.linkedin.port.LinkedInGateway
    notifier: Notifier
    extras: dict[str, Any] = field(default_factory=dict)


def build_gateway(settings: Settings, uow: UnitOfWork, clock: Clock):
    """The LinkedIn provider named by LINKEDIN_PROVIDER."""
    if settings.linkedin_provider == "unipile":
        from core.delivery.linkedin.unipile import UnipileGateway

        return UnipileGateway.from_settings(settings)
    from core.delivery.linkedin.sandbox import SandboxGateway

    return SandboxGateway(uow=uow, clock=clock, settings=settings)


def build_chat_notifier(ctx: Context) -> Notifier:
    """Digests and alerts go to every chat platform a member can be reached on: Slack when it is
    configured, Teams always (members without a Teams conversation are skipped). Each platform
    logs what it sent; no logging notifier here, which would count every digest as delivered."""
    notifiers: list[Notifier] = []
    if ctx.settings.slack_enabled:
        from bot.slack.notifier import SlackNotifier

        notifiers.append(SlackNotifier(ctx.settings, ctx.uow))
    from bot.teams.notifier import build_teams_notifier

    notifiers.append(build_teams_notifier(ctx))
    return FanoutNotifier(notifiers)


def build_context(settings: Settings, *, clock: Clock | None = None, notifier: Notifier | None = None,
                  engine: Engine | None = None, chat: bool = False) -> Context:
    """`chat=True` (the process commands) wires the Slack and Teams notifiers; tests pass their own."""
    clock = clock or SystemClock()
    engine = engine or make_engine(settings.effective_database_url)
    uow = UnitOfWork(engine)
    gateway = build_gateway(settings, uow, clock)
    ctx = Context(settings=settings, engine=engine, uow=uow, clock=clock, gateway=gateway,
                  notifier=notifier or FanoutNotifier([LoggingNotifier()]))
    if chat and notifier is None:
        ctx.notifier = build_chat_notifier(ctx)
    return ctx
