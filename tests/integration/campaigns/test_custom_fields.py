"""Custom fields in messages (P-15, invariant 9) on the real database: a CSV column is reached by
`custom.<column>` whatever its name (`values`, `items`…), through every path that renders a
template (the form's check against the source, the preview, the planner, the digest's Edit), and a
field no contact has is a field error, never a Python method's text."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlmodel import Session, select

from core.db import UnitOfWork
from core.campaigns.models import Campaign, CampaignMessage
from core.campaigns.preview import preview_campaign
from core.campaigns.service import activate_campaign, create_campaign
from core.delivery.models import Send
from core.moderation.decisions import decide
from core.delivery.planner import plan_due
from core.sources.importer import import_contacts
from core.sources.models import Segment
from tests.factories import PUBLIC_URL, draft_for, make_team

EVENING = datetime(2026, 11, 26, 18, 0, tzinfo=timezone.utc)
CSV = ("profile_url,first_name,values,items\n"
       "https://www.linkedin.com/in/ann-lee,Ann,trust,3 shoes\n"
       "https://www.linkedin.com/in/bob-roe,Bob,speed,2 hats\n")
LEAKS = ("built-in method", "object at 0x", "<class", "function")


@pytest.fixture
def imported(db, tmp_path, clock):
    """A team whose sender owns a segment imported from a CSV with columns `values` and `items`."""
    with Session(db, expire_on_commit=False) as s:
        team = make_team(s, people=[])
        s.commit()
    path = tmp_path / "contacts.csv"
    path.write_text(CSV, encoding="utf-8")
    report = import_contacts(uow=UnitOfWork(db), workspace_id=team.workspace.id, path=path, segment_name="Shoppers",
                             owner_id=team.sender.id, clock=clock)
    assert report.imported, report.bad_rows
    return team, report.segment_id


def _draft(team, segment_id, invitation):
    return draft_for(team, source_id=segment_id, languages=["en"], default_language="en",
                     invitation={"en": invitation}, welcome={}, followups=[])


def test_columns_named_values_and_items_render_their_values_in_preview_planner_and_edit(db, imported, clock, settings):
    team, segment_id = imported
    with Session(db, expire_on_commit=False) as s:
        created = create_campaign(session=s, actor=team.sender, now=clock.now(), public_url=PUBLIC_URL,
                                  draft=_draft(team, segment_id, "Hi {{firstName}}: {{custom.values}}, {{custom.items}}"))
        assert created.ok, created.errors
        assert activate_campaign(session=s, actor=team.sender, campaign_id=created.value.id, now=clock.now(),
                                 public_url=PUBLIC_URL).ok
        preview = preview_campaign(session=s, actor=team.sender, campaign_id=created.value.id, public_url=PUBLIC_URL)
        assert {m.text for p in preview.contacts for m in p.messages} <= {"Hi Ann: trust, 3 shoes", "Hi Bob: speed, 2 hats"}
        assert preview.contacts
        s.commit()
    with Session(db, expire_on_commit=False) as s:
        plan_due(session=s, now=EVENING, settings=settings)
        s.commit()
        sends = s.exec(select(Send).order_by(Send.id)).all()
        assert sorted(x.text for x in sends) == ["Hi Ann: trust, 3 shoes", "Hi Bob: speed, 2 hats"]
        edited = decide(session=s, actor=team.sender, send_id=sends[0].id, action="edit",
                        value="{{custom.items|upper}} for {{firstName}}", now=EVENING, public_url=PUBLIC_URL)
        assert edited.ok, edited.errors
        assert edited.value.text in ("3 SHOES for Ann", "2 HATS for Bob")


@pytest.mark.parametrize("name", ["keys", "get", "pop", "update", "copy", "setdefault"])
def test_a_field_no_contact_has_is_a_field_error_in_the_form_and_nothing_is_written(db, imported, clock, name):
    team, segment_id = imported
    with Session(db) as s:
        outcome = create_campaign(session=s, actor=team.sender, now=clock.now(), public_url=PUBLIC_URL,
                                  draft=_draft(team, segment_id, f"Hi {{{{firstName}}}} {{{{ custom.{name} }}}}"))
        errors = outcome.errors_by_field()
        assert not outcome.ok and f"No contact of this source has a field “{name}”" in errors["messages.invitation.en"]
        assert "items, values" in errors["messages.invitation.en"]  # the fields it does have
        assert not any(leak in str(outcome.errors) for leak in LEAKS)
        s.rollback()
        assert s.exec(select(Campaign)).all() == [] and s.exec(select(CampaignMessage)).all() == []
        with_fallback = create_campaign(session=s, actor=team.sender, now=clock.now(), public_url=PUBLIC_URL,
                                        draft=_draft(team, segment_id, f"Hi {{{{ custom.{name}|default('you') }}}}"))
        assert with_fallback.ok, with_fallback.errors


def test_a_digest_edit_with_a_field_the_contact_lacks_is_refused_and_the_text_kept(db, imported, clock, settings):
    team, segment_id = imported
    with Session(db, expire_on_commit=False) as s:
        created = create_campaign(session=s, actor=team.sender, now=clock.now(), public_url=PUBLIC_URL,
                                  draft=_draft(team, segment_id, "Hi {{firstName}}"))
        activate_campaign(session=s, actor=team.sender, campaign_id=created.value.id, now=clock.now(), public_url=PUBLIC_URL)
        plan_due(session=s, now=EVENING, settings=settings)
        s.commit()
        send = s.exec(select(Send).order_by(Send.id)).first()
        before = send.text
        for value in ("{{ custom.keys }}", "{{ custom.values.__class__ }}", "{{ custom['items'] }}", "{{ custom }}",
                      "{{ " + "(" * 5000 + "firstName" + ")" * 5000 + " }}", "x" * 1_000_000):
            out = decide(session=s, actor=team.sender, send_id=send.id, action="edit", value=value, now=EVENING,
                         public_url=PUBLIC_URL)
            assert not out.ok and out.errors_by_field()["text"], value[:40]
            assert not any(leak in out.errors_by_field()["text"] for leak in LEAKS)
        s.commit()
    with Session(db) as s:
        assert s.get(Send, send.id).text == before and not s.get(Send, send.id).edited
        assert s.exec(select(Segment).where(Segment.id == segment_id)).one().name == "Shoppers"
