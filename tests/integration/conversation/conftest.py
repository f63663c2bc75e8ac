"""The bot core with a real database and no chat platform at all."""

from dataclasses import dataclass

import pytest

from core.db import UnitOfWork
from core.notify import LoggingNotifier
from core.sources.models import Contact
from core.sources.segments import add_contacts_to_segment, create_segment
from core.workspace.service import connect_linkedin_account, ensure_member_for_chat
from entrypoints.bootstrap import bootstrap


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
    with UnitOfWork(ctx.engine)() as s:
        m = {}
        for platform, tenant, uid, name in (("teams", "tenant-1", "aad-admin", "Ada Admin"),
                                            ("teams", "tenant-1", "aad-bob", "Bob Sender"),
                                            ("slack", "T1", "UCAROL", "Carol Member"),
                                            ("slack", "T9", "UOUT", "Oscar Outsider")):
            m[uid] = ensure_member_for_chat(session=s, platform=platform, tenant=tenant, external_user_id=uid,
                                            name=name, email=f"{uid.lower()}@example.com")
        for uid in ("aad-admin", "aad-bob", "UOUT"):
            connect_linkedin_account(session=s, member_id=m[uid].id, provider="sandbox", provider_account_id=f"sbx-{uid}")
        ws = m["aad-bob"].workspace_id
        segment = create_segment(session=s, workspace_id=ws, name="Lyon CTOs", owner_id=m["aad-bob"].id)
        c = Contact(workspace_id=ws, public_identifier="x1", profile_url="https://www.linkedin.com/in/x1",
                    first_name="Ann", last_name="Lee", language="en")
        s.add(c)
        s.flush()
        add_contacts_to_segment(session=s, workspace_id=ws, segment_id=segment.id, contact_ids=[c.id])
        return People(m["aad-admin"].id, m["aad-bob"].id, m["UCAROL"].id, m["UOUT"].id, segment.id)
