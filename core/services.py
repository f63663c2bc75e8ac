"""The services one process runs with, built once by `entrypoints.bootstrap` and passed down.

Every field is typed by what the product needs of it (the ports: `core.notify.Notifier`,
`core.delivery.linkedin.port.LinkedInGateway`, `core.tasks.Tasks`, …); nothing is added later."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.engine import Engine

from core.campaigns.form_texts import FormTextStore
from core.clock import Clock
from core.config import Settings
from core.db import UnitOfWork
from core.delivery.linkedin.port import LinkedInGateway
from core.metrics import Metrics
from core.notify import Notifier
from core.tasks import Tasks
from core.typeahead import NameCache


@dataclass(frozen=True)
class Services:
    settings: Settings
    engine: Engine
    uow: UnitOfWork
    clock: Clock
    linkedin: LinkedInGateway
    notifier: Notifier
    form_texts: FormTextStore
    tasks: Tasks
    typeahead: NameCache  # names offered while typing, kept a few seconds in this process
    metrics: Metrics  # what the product counts (`core.metrics`; Prometheus in the long-running processes)

    def close(self) -> None:
        """Give back what the process holds: the task queue (and an embedded Redis), the provider's
        connections, the database pool."""
        self.tasks.close()
        close = getattr(self.linkedin, "close", None)
        if close is not None:
            close()
        self.engine.dispose()
