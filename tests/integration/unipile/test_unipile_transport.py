"""How far a request got decides what its failure means, over real sockets: nothing left (DNS, a
connection that is never accepted, no free pooled connection) is `Transient`; written and then no
answer (the connection closed or reset, the body not read in time) is `OutcomeUnknown` for a write
and `Transient` for a read. Each case is checked against the simulator's own record of what it
received and did. The read and connect timeouts of the other cases are in test_unipile_errors.py."""

from __future__ import annotations

import select
import socket
import threading
import time
from contextlib import contextmanager

import pytest

from core.delivery.linkedin.port import LinkedInError, OutcomeUnknown, Transient
from core.delivery.linkedin.unipile import UnipileGateway
from tests.integration.unipile.conftest import ACCOUNT, KEY, invite

INVITE = "POST /users/invite"
RELATIONS = "GET /users/relations"


@contextmanager
def unaccepted_port():
    """A port whose listener accepts nothing and whose queue is full: a new connection's SYN is
    dropped, so connecting waits until the client's connect timeout."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(0)
    fillers = [socket.socket() for _ in range(3)]
    try:
        for filler in fillers:
            filler.setblocking(False)
            filler.connect_ex(server.getsockname())
        _, connected, _ = select.select([], fillers, [], 5)  # the queue holds one: it is full
        assert connected
        yield server.getsockname()[1]
    finally:
        for s in [*fillers, server]:
            s.close()


def wait_for_call(sim, route: str) -> None:
    """Until the simulator has received a call to `route` (at most 5 s)."""
    for _ in range(500):
        if sim.calls_to(route):
            return
        time.sleep(0.01)
    raise AssertionError(f"no call to {route}")


def test_a_name_that_does_not_resolve_is_transient():
    with UnipileGateway(base_url="http://unipile.invalid/api/v1", api_key=KEY, timeout_seconds=1.0) as gateway:
        with pytest.raises(Transient) as failed:
            gateway.send_invitation(account_id=ACCOUNT, provider_id="ACoX", note=None)
    assert not isinstance(failed.value, OutcomeUnknown)
    assert type(failed.value.__cause__).__name__ == "ConnectError"


def test_a_connect_timeout_is_transient():
    with unaccepted_port() as port, UnipileGateway(base_url=f"http://127.0.0.1:{port}/api/v1", api_key=KEY,
                                                   timeout_seconds=5.0, connect_timeout_seconds=0.3) as gateway:
        with pytest.raises(Transient) as failed:
            gateway.send_invitation(account_id=ACCOUNT, provider_id="ACoX", note="Hello")
    assert not isinstance(failed.value, OutcomeUnknown)
    assert type(failed.value.__cause__).__name__ == "ConnectTimeout"


def test_no_free_pooled_connection_is_transient_and_nothing_reaches_the_provider(sim):
    """One connection, held by a slow read: the invitation waits for it past the pool timeout and
    never leaves. Once the read is answered, the next invitation goes through on that connection."""
    gateway = UnipileGateway(base_url=sim.base_url, api_key=KEY, timeout_seconds=5.0, connect_timeout_seconds=0.3,
                             max_connections=1)
    sim.hang_next(RELATIONS, 2.0, after_action=False)
    done: list = []
    reader = threading.Thread(target=lambda: done.append(gateway.list_relations(account_id=ACCOUNT)))
    try:
        reader.start()
        wait_for_call(sim, RELATIONS)
        with pytest.raises(Transient) as failed:
            invite(gateway, sim, "pool-waiter")
        assert not isinstance(failed.value, OutcomeUnknown)
        assert type(failed.value.__cause__).__name__ == "PoolTimeout"
        assert sim.calls_to(INVITE) == [] and sim.invitations == {}
        reader.join()
        assert len(done) == 1 and done[0].items == []
        assert invite(gateway, sim, "pool-waiter")[1].invitation_id
    finally:
        reader.join()
        gateway.close()


@pytest.mark.parametrize("reset", [False, True], ids=["closed", "reset"])
def test_a_connection_lost_after_the_invitation_was_made_is_outcome_unknown(gw, sim, reset):
    pid = sim.profile("grace-hopper")["provider_id"]
    sim.drop_next(INVITE, after_action=True, reset=reset)
    with pytest.raises(OutcomeUnknown) as failed:
        gw.send_invitation(account_id=ACCOUNT, provider_id=pid, note="Hello")
    assert type(failed.value.__cause__).__name__ == ("ReadError" if reset else "RemoteProtocolError")
    assert len(sim.calls_to(INVITE)) == 1 and sim.invitation_for(ACCOUNT, pid)["status"] == "pending"
    assert [p.provider_user_id for p in gw.list_sent_invitations(account_id=ACCOUNT).items] == [pid]


def test_a_connection_lost_after_a_message_is_outcome_unknown_and_reconciled_by_its_chat(gw, sim):
    friend = sim.add_relation(ACCOUNT, "mary-jackson")
    sim.drop_next("POST /chats", after_action=True)
    with pytest.raises(OutcomeUnknown):
        gw.send_message(account_id=ACCOUNT, text="Welcome Mary", provider_id=friend)
    [chat] = gw.list_chats_with(account_id=ACCOUNT, provider_id=friend)
    assert [m.text for m in gw.list_messages(account_id=ACCOUNT, chat_id=chat)] == ["Welcome Mary"]
    sim.drop_next("POST /chats/{chat_id}/messages", after_action=True, reset=True)
    with pytest.raises(OutcomeUnknown):
        gw.send_message(account_id=ACCOUNT, text="Again", chat_id=chat)
    assert [m["text"] for m in sim.sent_messages(ACCOUNT)] == ["Welcome Mary", "Again"]


def test_a_connection_lost_before_acting_is_still_unknown_to_the_client(gw, sim):
    """The client cannot tell where the server stopped: a write whose connection is lost after it
    was written is `OutcomeUnknown` even when, as here, the provider did nothing (reconciliation
    then finds nothing and the send goes ahead)."""
    sim.drop_next(INVITE, after_action=False)
    with pytest.raises(OutcomeUnknown):
        invite(gw, sim, "katherine-johnson")
    assert len(sim.calls_to(INVITE)) == 1 and sim.invitations == {}
    assert gw.list_sent_invitations(account_id=ACCOUNT).items == []


@pytest.mark.parametrize("reset", [False, True], ids=["closed", "reset"])
def test_a_read_whose_connection_is_lost_is_transient(gw, sim, reset):
    sim.drop_next(RELATIONS, after_action=False, reset=reset)
    with pytest.raises(Transient) as failed:
        gw.list_relations(account_id=ACCOUNT)
    assert not isinstance(failed.value, OutcomeUnknown)
    assert gw.list_relations(account_id=ACCOUNT).items == []  # the next read is answered


def test_a_body_the_provider_does_not_read_in_time_is_outcome_unknown(gw, sim):
    """A write timeout: part of the request left and httpx does not say how much, so a write is
    treated as maybe done. Here the provider never got it whole and did nothing."""
    pid = sim.profile("dorothy-vaughan")["provider_id"]
    sim.stall_next(INVITE, 3.0)
    with pytest.raises(OutcomeUnknown) as failed:
        gw.send_invitation(account_id=ACCOUNT, provider_id=pid, note="x" * (8 << 20))  # more than the socket buffers
    assert type(failed.value.__cause__).__name__ == "WriteTimeout"
    assert sim.invitations == {}


def test_a_redirect_is_not_followed_nor_taken_for_a_success(gw, sim):
    sim.fail_next(INVITE, 307)
    with pytest.raises(LinkedInError) as redirected:
        invite(gw, sim, "annie-easley")
    assert type(redirected.value) is LinkedInError and redirected.value.status == 307
    assert len(sim.calls_to(INVITE)) == 1 and sim.invitations == {}
    sim.fail_next(RELATIONS, 302)
    with pytest.raises(LinkedInError) as moved:
        gw.list_relations(account_id=ACCOUNT)
    assert moved.value.status == 302 and len(sim.calls_to(RELATIONS)) == 1
