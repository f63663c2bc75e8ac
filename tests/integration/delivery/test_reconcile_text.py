"""A follow-up whose answer was lost (the provider acted, then stalled past our timeout) is looked up
in the chat before any retry. The provider gives the text back as the SDK's multipart carried it
(CRLF line breaks), not as we wrote it: the lookup compares normalised texts, so the message is
found and never sent twice. Judged on the Unipile simulator's own record, over HTTP."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlmodel import Session

from core.clock import FrozenClock
from core.db import UnitOfWork
from core.delivery.models import E_WELCOMED, S_SENT, Enrollment, Send
from core.notify import LoggingNotifier
from core.delivery.sending import perform_send
from core.sources.models import Contact
from tests import factories as f

ACCOUNT = "unipile-acct-1"
ROUTE = "POST /chats/{chat_id}/messages"
NOW = datetime(2026, 11, 26, 10, 0, tzinfo=timezone.utc)
TEXT = "Hi Ann,\nhere is the case study we talked about.  \n\nBest,\nSam"


def test_a_lost_answer_to_a_multi_line_follow_up_is_reconciled_not_resent(db, sim, gateway, fast):
    clock = FrozenClock(NOW)
    with UnitOfWork(db)() as s:
        ws = f.workspace(s)
        member, account = f.sender(s, ws, account_key=ACCOUNT, provider="unipile", messages=20)
        contact = f.contacts(s, ws, 1, prefix="ann-lee")[0]
        camp = f.campaign(s, ws, member, f.segment(s, ws, [contact]),
                          slots=[{"weekday": d, "start": "00:00", "end": "23:59"} for d in range(7)],
                          welcome={"en": "Thanks!"}, followups=[(2, {"en": TEXT})])
        ids = dict(ws=ws.id, account=account.id, contact=contact.id, campaign=camp.id, slug=contact.public_identifier)
    pid = sim.add_relation(ACCOUNT, ids["slug"], at=NOW - timedelta(days=4))
    chat_id = gateway.send_message(account_id=ACCOUNT, text="Thanks!", provider_id=pid).chat_id  # the welcome
    with UnitOfWork(db)() as s:
        s.get(Contact, ids["contact"]).provider_id = pid
        e = Enrollment(workspace_id=ids["ws"], campaign_id=ids["campaign"], contact_id=ids["contact"],
                       account_id=ids["account"], state=E_WELCOMED, invited_at=NOW - timedelta(days=5),
                       accepted_at=NOW - timedelta(days=4), chat_id=chat_id, language="en")
        s.add(e)
        s.flush()
        send = Send(workspace_id=ids["ws"], campaign_id=ids["campaign"], enrollment_id=e.id, account_id=ids["account"],
                    contact_id=ids["contact"], step="followup", position=1, language="en", text=TEXT,
                    local_date=NOW.date(), due_at=NOW - timedelta(minutes=1))
        s.add(send)
        s.flush()
        send_id = send.id

    sim.hang_next(ROUTE, 2.5, after_action=True)  # the message is sent, the answer never comes in time
    outcome = perform_send(uow=UnitOfWork(db), gateway=gateway, clock=clock, settings=fast, notifier=LoggingNotifier(),
                           send_id=send_id, worker="w1")
    assert outcome == "reconciled"
    [call] = sim.calls_to(ROUTE)  # the provider's record: one follow-up, never a second
    assert call.form["text"] == [TEXT.replace("\n", "\r\n")]
    [sent] = [m for m in sim.messages if m["chat_id"] == chat_id and m["text"] != "Thanks!"]
    with Session(db) as s:
        row = s.get(Send, send_id)
    assert row.status == S_SENT and row.provider_ref == sent["id"]
