"""The conversation layer with a real database and no chat platform at all."""

from dataclasses import dataclass

import pytest

from core.db import UnitOfWork
from core.notify import LoggingNotifier
from entrypoints.bootstrap import bootstrap
from tests import factories as f


@pytest.fixture
def ctx(settings, db, clock):
    return bootstrap(settings, clock=clock, notifier=LoggingNotifier(), engine=db, queue="none")


@dataclass
class People:
    admin: int
    bob: int
    carol: int
    outsider: int
    segment: int


@pytest.fixture
def people(ctx) -> People:
    """Ada (first, so admin) and Bob in Teams tenant-1, both with LinkedIn accounts; Carol in Slack
    team T1 without one; Oscar alone in Slack team T9 with one; Bob's segment of one contact."""
    with UnitOfWork(ctx.engine)() as s:
        ada, bob = (f.chat_member(s, "teams", "tenant-1", uid, name, f"{uid}@example.com")
                    for uid, name in (("aad-admin", "Ada Admin"), ("aad-bob", "Bob Sender")))
        carol = f.chat_member(s, "slack", "T1", "UCAROL", "Carol Member", "ucarol@example.com")
        oscar = f.chat_member(s, "slack", "T9", "UOUT", "Oscar Outsider", "uout@example.com")
        for who, uid in ((ada, "aad-admin"), (bob, "aad-bob"), (oscar, "UOUT")):
            f.connect(s, who, account_key=f"sbx-{uid}")
        [ann] = f.contacts_from(s, bob.workspace_id, [{"public_identifier": "x1", "first_name": "Ann", "last_name": "Lee",
                                                       "language": "en", "provider_id": None}])
        segment = f.segment(s, bob.workspace_id, [ann], owner=bob, name="Lyon CTOs")
        return People(ada.id, bob.id, carol.id, oscar.id, segment.id)
