"""The Unipile gateway's failures against the local simulator, over real HTTP: timeouts after the action,
429, 500, bad keys, refused connections, threads, logs, and the error mapping table."""

from __future__ import annotations

import logging
import socket
import threading

import pytest

from core.delivery.linkedin.port import (
    AccountDisconnected,
    AlreadyConnected,
    AlreadyInvited,
    CannotReinviteYet,
    LinkedInError,
    NoteLimitReached,
    NotFound,
    OutcomeUnknown,
    RateLimited,
    Transient,
)
from core.delivery.linkedin.unipile import UnipileGateway
from core.delivery.linkedin.unipile_mapping import ProviderAuthError, error_for
from tests.integration.unipile.conftest import ACCOUNT, KEY, invite


def test_timeout_after_the_invitation_was_made_is_outcome_unknown(gw, sim):
    pid = sim.profile("hedy-lamarr")["provider_id"]
    sim.hang_next("POST /users/invite", 5.0, after_action=True)
    with pytest.raises(OutcomeUnknown):
        gw.send_invitation(account_id=ACCOUNT, provider_id=pid, note="Hello")
    assert len(sim.calls_to("POST /users/invite")) == 1
    assert sim.invitation_for(ACCOUNT, pid)["status"] == "pending"  # it did happen
    pending = gw.list_sent_invitations(account_id=ACCOUNT).items  # reconciliation finds it
    assert [p.provider_user_id for p in pending] == [pid]


def test_timeout_after_a_message_was_sent_is_outcome_unknown(gw, sim):
    friend = sim.add_relation(ACCOUNT, "margaret-hamilton")
    sim.hang_next("POST /chats", 5.0, after_action=True)
    with pytest.raises(OutcomeUnknown):
        gw.send_message(account_id=ACCOUNT, text="Welcome", provider_id=friend)
    chat = sim.chat_with(ACCOUNT, friend)
    assert [m.text for m in gw.list_messages(account_id=ACCOUNT, chat_id=chat)] == ["Welcome"]


def test_a_read_that_times_out_is_transient(gw, sim):
    sim.hang_next("GET /users/relations", 5.0, after_action=False)
    with pytest.raises(Transient):
        gw.list_relations(account_id=ACCOUNT)


def test_429_is_rate_limited_with_retry_after(gw, sim):
    sim.fail_next("POST /users/invite", 429, retry_after=7)
    with pytest.raises(RateLimited) as limited:
        invite(gw, sim, "ken-thompson")
    assert limited.value.retry_after == 7
    assert sim.invitations == {}
    sim.fail_next("GET /users/relations", 429, retry_after="Wed, 25 Nov 2026 14:00:30 GMT")
    with pytest.raises(RateLimited):
        gw.list_relations(account_id=ACCOUNT)
    sim.fail_next("POST /users/invite", 422, error_type="errors/limit_exceeded")
    with pytest.raises(RateLimited):
        invite(gw, sim, "ken-thompson")
    assert invite(gw, sim, "ken-thompson")[1].invitation_id  # the queue is spent: the next call goes through


def test_a_5xx_to_a_write_is_an_unknown_outcome_whether_or_not_it_acted(gw, sim):
    """The client cannot tell a 500 that did nothing from one that hides a success: both are
    `OutcomeUnknown` (reconcile before any retry); a 5xx to a read is `Transient`."""
    sim.fail_next("POST /users/invite", 500)
    with pytest.raises(OutcomeUnknown) as failed:
        invite(gw, sim, "dennis-ritchie")
    assert failed.value.status == 500 and sim.invitations == {}
    friend = sim.add_relation(ACCOUNT, "john-backus")
    sim.fail_next("POST /chats", 500, after_action=True)
    with pytest.raises(OutcomeUnknown):
        gw.send_message(account_id=ACCOUNT, text="Hi", provider_id=friend)
    chat = sim.chat_with(ACCOUNT, friend)
    assert [m["text"] for m in sim.sent_messages(ACCOUNT)] == ["Hi"]  # it did go out
    sim.fail_next("POST /chats/{chat_id}/messages", 503, after_action=True)
    with pytest.raises(OutcomeUnknown):
        gw.send_message(account_id=ACCOUNT, text="Again", chat_id=chat)
    sim.fail_next("POST /chats", 504)
    with pytest.raises(OutcomeUnknown):
        gw.send_message(account_id=ACCOUNT, text="Hi", provider_id=friend)
    sim.fail_next("GET /users/relations", 500)
    with pytest.raises(Transient) as read:
        gw.list_relations(account_id=ACCOUNT)
    assert not isinstance(read.value, OutcomeUnknown)


def test_the_chats_with_a_person_find_a_first_message_whose_answer_was_lost(gw, sim):
    friend = sim.add_relation(ACCOUNT, "barbara-liskov")
    other = sim.add_relation(ACCOUNT, "frances-allen")
    assert gw.list_chats_with(account_id=ACCOUNT, provider_id=friend) == []
    gw.send_message(account_id=ACCOUNT, text="Hello Frances", provider_id=other)
    sim.hang_next("POST /chats", 5.0, after_action=True)
    with pytest.raises(OutcomeUnknown):
        gw.send_message(account_id=ACCOUNT, text="Welcome Barbara", provider_id=friend)
    chats = gw.list_chats_with(account_id=ACCOUNT, provider_id=friend)
    assert chats == [sim.chat_with(ACCOUNT, friend)]
    assert [m.text for m in gw.list_messages(account_id=ACCOUNT, chat_id=chats[0])] == ["Welcome Barbara"]
    assert gw.list_chats_with(account_id="another-account", provider_id=friend) == []
    (call,) = sim.calls_to("GET /chat_attendees/{attendee_id}/chats")[1:2]
    assert call.path == f"/chat_attendees/{friend}/chats" and call.query["account_id"] == ACCOUNT


def test_wrong_key_and_disconnected_account(sim):
    wrong = UnipileGateway(base_url=sim.base_url, api_key="not-the-key", timeout_seconds=1.0)
    try:
        with pytest.raises(ProviderAuthError) as refused:
            wrong.list_relations(account_id=ACCOUNT)
        assert isinstance(refused.value, Transient) and not isinstance(refused.value, AccountDisconnected)
        assert refused.value.status == 401
    finally:
        wrong.close()
    right = UnipileGateway(base_url=sim.base_url, api_key=KEY, timeout_seconds=1.0)
    try:
        with pytest.raises(AccountDisconnected):
            right.list_relations(account_id="acc-gone")
        sim.fail_next("GET /users/relations", 403, error_type="errors/account_restricted")
        with pytest.raises(AccountDisconnected) as restricted:
            right.list_relations(account_id=ACCOUNT)
        assert restricted.value.provider_type == "errors/account_restricted"
    finally:
        right.close()


def test_connection_refused_is_transient():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again before use: nothing listens there
    gateway = UnipileGateway(base_url=f"http://127.0.0.1:{port}/api/v1", api_key=KEY, timeout_seconds=1.0)
    try:
        with pytest.raises(Transient) as failed:
            gateway.send_invitation(account_id=ACCOUNT, provider_id="ACoX", note=None)
        assert not isinstance(failed.value, OutcomeUnknown)
    finally:
        gateway.close()
    with pytest.raises(Transient):
        gateway.list_relations(account_id=ACCOUNT)  # a closed gateway refuses, it does not hang


def test_calls_from_many_threads_share_the_gateway(gw, sim):
    errors: list[BaseException] = []

    def worker(i: int) -> None:
        try:
            for j in range(5):
                invite(gw, sim, f"thread-{i}-{j}-x", note=None)
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(sim.calls_to("POST /users/invite")) == 40 and len(sim.invitations) == 40


def test_neither_the_key_nor_texts_reach_the_logs(gw, sim, caplog):
    caplog.set_level(logging.DEBUG)
    friend = sim.add_relation(ACCOUNT, "radia-perlman")
    gw.send_message(account_id=ACCOUNT, text="A private note 12345", provider_id=friend)
    sim.fail_next("POST /users/invite", 500)
    with pytest.raises(OutcomeUnknown):
        invite(gw, sim, "someone-else", note="Secret invitation text")
    assert "unipile POST /chats -> 201" in caplog.text
    assert KEY not in caplog.text and "12345" not in caplog.text and "Secret invitation" not in caplog.text


@pytest.mark.parametrize(("status", "kind", "write", "expected"), [
    (422, "errors/already_invited_recently", True, AlreadyInvited),
    (422, "errors/already_connected", True, AlreadyConnected),
    (422, "errors/cannot_resend_yet", True, CannotReinviteYet),
    (400, "errors/too_many_characters", True, NoteLimitReached),
    (401, "errors/disconnected_account", False, AccountDisconnected),
    (401, "errors/expired_credentials", True, AccountDisconnected),
    (401, "errors/missing_credentials", True, ProviderAuthError),
    (403, "errors/insufficient_permissions", True, AccountDisconnected),
    (404, None, False, NotFound),
    (500, None, True, OutcomeUnknown),
    (503, None, True, OutcomeUnknown),
    (503, None, False, Transient),
    (504, None, True, OutcomeUnknown),
    (504, None, False, Transient),
    (422, "errors/no_connection_with_recipient", True, LinkedInError),
])
def test_error_mapping_table(status, kind, write, expected):
    err = error_for(status, {"status": status, "type": kind, "title": "t"}, {}, write=write)
    assert type(err) is expected and err.status == status
