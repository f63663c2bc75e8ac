"""Moderation (P-21…P-23, invariants 7 and 8): the digest, decisions by the sender or an admin
only, re-rendering on a language switch, edits checked like the form, refusal once claimed."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlmodel import select

from core.db import UnitOfWork
from core.clock import FrozenClock
from core.delivery import claims
from core.delivery.models import E_SKIPPED, S_PLANNED, S_SKIPPED, Enrollment, Send
from core.moderation.digests import DELIVERED, NOT_DUE, deliver_digest, show_digest
from core.moderation.decisions import build_digest_now, decide, digest_view, skip_all
from core.notify import LoggingNotifier
from core.delivery.planner import plan_due
from core.errors import NotAllowed
from tests import factories as f

EVENING = datetime(2026, 11, 26, 18, 0, tzinfo=timezone.utc)
URL = "https://invitebot.example"


@pytest.fixture
def world(session, settings):
    ws = f.workspace(session)
    sender, account = f.sender(session, ws, name="Sam Sender")
    people = f.contacts(session, ws, 3, language="fr")
    camp = f.campaign(session, ws, sender, f.segment(session, ws, people), moderation=True, languages=("en", "fr"),
                      invitation={"en": "Hi {{firstName}}, see https://example.com/x", "fr": "Bonjour {{firstName}}"})
    report = plan_due(session=session, now=EVENING, settings=settings)
    return dict(ws=ws, sender=sender, account=account, people=people, camp=camp, digest_id=report.digests[0])


def items(session, world):
    return digest_view(session=session, digest_id=world["digest_id"], public_url=URL).items


def test_digest_lists_tomorrows_invitations_and_is_delivered_once(session, world):
    view = digest_view(session=session, digest_id=world["digest_id"], public_url=URL)
    assert view.campaign_id == world["camp"].id and view.sandbox and len(view.items) == 3
    item = view.items[0]
    assert item.language == "fr" and item.text.startswith("Bonjour Ann") and item.limit == 300
    assert item.languages == ("en", "fr") and item.status == S_PLANNED
    session.commit()  # the worker's attempt runs its own units of work
    notifier, clock = LoggingNotifier(), FrozenClock(EVENING)
    assert deliver_digest(uow=UnitOfWork(session.get_bind()), digest_id=world["digest_id"], notifier=notifier,
                          clock=clock) == DELIVERED
    assert deliver_digest(uow=UnitOfWork(session.get_bind()), digest_id=world["digest_id"], notifier=notifier,
                          clock=clock) == NOT_DUE
    assert len(notifier.sent_digests) == 1


def test_sender_skips_and_restores(session, world):
    send_id = items(session, world)[0].send_id
    out = decide(session=session, actor=world["sender"], send_id=send_id, action="skip", value=None, now=EVENING,
                 public_url=URL)
    assert out.ok and out.value.status == S_SKIPPED
    assert session.get(Enrollment, out.value.enrollment_id).state == E_SKIPPED
    out = decide(session=session, actor=world["sender"], send_id=send_id, action="restore", value=None, now=EVENING,
                 public_url=URL)
    assert out.value.status == S_PLANNED


def test_language_switch_re_renders_and_counts_links_as_tracked(session, world):
    send_id = items(session, world)[0].send_id
    out = decide(session=session, actor=world["sender"], send_id=send_id, action="language", value="en", now=EVENING,
                 public_url=URL)
    assert out.ok and out.value.text.startswith("Hi Ann") and out.value.language == "en"
    item = items(session, world)[0]
    assert item.length == len(out.value.text) - len("https://example.com/x") + len(URL + "/l/") + 10
    bad = decide(session=session, actor=world["sender"], send_id=send_id, action="language", value="de", now=EVENING,
                 public_url=URL)
    assert not bad.ok and "language" in bad.errors_by_field()


def test_edit_is_checked_like_the_form(session, world):
    send_id = items(session, world)[0].send_id
    cases = {
        "": "cannot be empty",
        "Hello {{ ''.__class__ }}": "not allowed",
        "Hello {{headline}}": "has no headline",
        "x" * 301: "Too long: 301/300",
    }
    for text, message in cases.items():
        out = decide(session=session, actor=world["sender"], send_id=send_id, action="edit", value=text, now=EVENING,
                     public_url=URL)
        assert message in out.errors_by_field()["text"], text
    assert session.get(Send, send_id).edited is False
    out = decide(session=session, actor=world["sender"], send_id=send_id, action="edit",
                 value="Dear {{firstName}}, a personal word.", now=EVENING, public_url=URL)
    assert out.ok and out.value.edited and out.value.text.startswith("Dear Ann")


def test_only_the_sender_or_an_admin_of_the_workspace(session, world):
    send_id = items(session, world)[0].send_id
    colleague = f.member(session, world["ws"], name="Colleague")
    admin = f.member(session, world["ws"], name="Boss", role="admin")
    stranger = f.member(session, f.workspace(session), name="Stranger", role="admin")
    for actor in (colleague, stranger):
        with pytest.raises(NotAllowed):
            decide(session=session, actor=actor, send_id=send_id, action="skip", value=None, now=EVENING, public_url=URL)
    assert decide(session=session, actor=admin, send_id=send_id, action="skip", value=None, now=EVENING,
                  public_url=URL).ok


def test_refused_once_claimed(session, world, settings):
    show_digest(session=session, digest_id=world["digest_id"], now=EVENING)  # the moderator has it
    send = session.get(Send, items(session, world)[0].send_id)
    claimed = claims.claim_send(session=session, send_id=send.id, worker="w", now=send.due_at, settings=settings)
    assert isinstance(claimed, claims.Claim)
    with pytest.raises(NotAllowed, match="being sent"):
        decide(session=session, actor=world["sender"], send_id=send.id, action="skip", value=None, now=EVENING,
               public_url=URL)


def test_skip_all_and_the_digest_command(session, world, settings):
    ids = [i.send_id for i in items(session, world)]
    assert skip_all(session=session, actor=world["sender"], digest_id=world["digest_id"], send_ids=ids, skip=True,
                    now=EVENING) == 3
    assert skip_all(session=session, actor=world["sender"], digest_id=world["digest_id"], send_ids=ids[:1], skip=False,
                    now=EVENING) == 1
    view = build_digest_now(session=session, actor=world["sender"], campaign_id=world["camp"].id, now=EVENING,
                            settings=settings)
    assert [i.status for i in view.items] == [S_PLANNED, S_SKIPPED, S_SKIPPED]


def test_digest_command_plans_tomorrow_before_the_evening(session, settings):
    ws = f.workspace(session)
    sender, _ = f.sender(session, ws)
    morning = datetime(2026, 11, 26, 8, 0, tzinfo=timezone.utc)
    camp = f.campaign(session, ws, sender, f.segment(session, ws, f.contacts(session, ws, 2)), moderation=True,
                      activated_at=morning)  # activated this morning: it starts tomorrow
    view = build_digest_now(session=session, actor=sender, campaign_id=camp.id, now=morning, settings=settings)
    assert len(view.items) == 2 and str(view.for_date) == "2026-11-27"
    assert len(session.exec(select(Send)).all()) == 2
