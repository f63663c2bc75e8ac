"""What the Unipile client puts on the wire, checked on the simulator's raw record of each request:
the documented page sizes, profile slugs percent-encoded exactly once, message texts with the
official SDK's CRLF line breaks, and an account's status re-read from `GET /accounts/{id}`."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest

from core.delivery.conversation import comparable_text, same_text
from core.delivery.linkedin.port import NotFound
from core.delivery.linkedin.unipile import profile_slug, wire_text
from core.delivery.linkedin.unipile_mapping import status_from
from tests.integration.unipile.conftest import ACCOUNT, KEY, invite


def raw_get(sim, path: str) -> tuple[int, dict]:
    request = urllib.request.Request(sim.base_url + path, headers={"X-API-KEY": KEY})
    try:
        with urllib.request.urlopen(request, timeout=5) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_sent_invitations_are_read_by_pages_of_at_most_100(gw, sim):
    for i in range(105):
        invite(gw, sim, f"pending-{i}-x", note=None)
    first = gw.list_sent_invitations(account_id=ACCOUNT, limit=250)  # asked for more than the API allows
    assert sim.calls_to("GET /users/invite/sent")[-1].query["limit"] == "100"
    assert len(first.items) == 100 and first.cursor
    rest = gw.list_sent_invitations(account_id=ACCOUNT, cursor=first.cursor, limit=250)
    assert len(rest.items) == 5 and rest.cursor is None
    assert len({i.invitation_id for i in first.items + rest.items}) == 105
    assert all(c.status == 200 for c in sim.calls_to("GET /users/invite/sent"))
    # The provider's own bound, as the real API answers it.
    status, body = raw_get(sim, f"/users/invite/sent?account_id={ACCOUNT}&limit=101")
    assert (status, body["type"]) == (400, "errors/invalid_parameters")
    status, body = raw_get(sim, f"/users/invite/sent?account_id={ACCOUNT}&limit=100")
    assert status == 200 and body["object"] == "InvitationList" and body["items"][0]["object"] == "InvitationSent"
    assert set(body["items"][0]) == {"object", "id", "date", "parsed_datetime", "invitation_text", "invited_user",
                                     "invited_user_id", "invited_user_public_id", "invited_user_description"}


@pytest.mark.parametrize("identifier", [
    "josé-garcía",
    "jos%C3%A9-garc%C3%ADa",  # already percent-encoded: encoded once, not twice
    "https://www.linkedin.com/in/jos%C3%A9-garc%C3%ADa/?trk=public_profile",
    "https://fr.linkedin.com/in/josé-garcía/#experience",
    "  linkedin.com/in/jos%C3%A9-garc%C3%ADa  ",
    "https://www.linkedin.com/in/jos%C3%A9-garc%C3%ADa/en/",  # a locale suffix
])
def test_a_slug_is_decoded_once_and_encoded_once(gw, sim, identifier):
    profile = gw.resolve_profile(account_id=ACCOUNT, identifier=identifier)
    call = sim.calls_to("GET /users/{identifier}")[-1]
    assert call.raw_path == f"/api/v1/users/jos%C3%A9-garc%C3%ADa?account_id={ACCOUNT}"
    assert call.status == 200 and profile.public_identifier == "josé-garcía"
    assert profile.provider_id == sim.profile("josé-garcía")["provider_id"]


def test_a_slug_holding_a_literal_percent_is_nobody(gw, sim):
    # `jos%25C3%25A9` decodes once to `jos%C3%A9` (a literal %, which no LinkedIn slug holds) and goes
    # out encoded once again; the provider knows no such profile.
    assert profile_slug("jos%25C3%25A9") == "jos%C3%A9"
    with pytest.raises(NotFound):
        gw.resolve_profile(account_id=ACCOUNT, identifier="jos%25C3%25A9")
    assert sim.calls_to("GET /users/{identifier}")[-1].raw_path.startswith("/api/v1/users/jos%25C3%25A9?")


def _text_part(raw: bytes) -> bytes:
    part = next(p for p in raw.split(b"--") if b'name="text"' in p)
    return part.split(b"\r\n\r\n", 1)[1].rsplit(b"\r\n", 1)[0]


def test_messages_go_out_with_crlf_line_breaks_like_the_sdk(gw, sim):
    friend = sim.add_relation(ACCOUNT, "ann-lee")
    text = "Hello Ann,\nline two\r\nline three\rend  \n"
    first = gw.send_message(account_id=ACCOUNT, text=text, provider_id=friend)
    gw.send_message(account_id=ACCOUNT, text=text, chat_id=first.chat_id)
    expected = b"Hello Ann,\r\nline two\r\nline three\r\nend  \r\n"
    for route in ("POST /chats", "POST /chats/{chat_id}/messages"):
        call = sim.calls_to(route)[-1]
        assert call.content_type == "multipart/form-data" and call.status == 201
        assert _text_part(call.raw) == expected
        assert b"\n" not in _text_part(call.raw).replace(b"\r\n", b"")  # no bare LF, no lone CR
        assert call.form["text"] == [expected.decode()]
    assert wire_text("a\r\n\r\nb\n") == "a\r\n\r\nb\r\n" and wire_text("no break") == "no break"
    # What the provider stores comes back with CRLF: reconciliation compares normalised texts.
    stored = [m.text for m in gw.list_messages(account_id=ACCOUNT, chat_id=first.chat_id)]
    assert stored == [expected.decode()] * 2 and all(m != text for m in stored)
    assert all(same_text(m, text) for m in stored)


def test_normalised_texts():
    composed, decomposed = "Merci José", "Merci Jose\u0301"
    assert composed != decomposed and same_text(composed, decomposed)
    assert comparable_text("Hi Ann,  \r\n\r\nBye \r") == "Hi Ann,\n\nBye"
    assert same_text("a\nb", "a\r\nb") and same_text("a \n", "a")
    assert not same_text("a\nb", "a b") and not same_text("Hi", "Hi!") and not same_text("a\n\nb", "a\nb")


def test_account_status_is_read_from_get_accounts(gw, sim):
    assert gw.account_status(account_id=ACCOUNT) == "OK"
    call = sim.calls_to("GET /accounts/{account_id}")[-1]
    assert call.raw_path == f"/api/v1/accounts/{ACCOUNT}" and call.query == {}
    sim.set_account_status(ACCOUNT, "CREDENTIALS")
    assert gw.account_status(account_id=ACCOUNT) == "CREDENTIALS"
    sim.set_account_status(ACCOUNT, "OK")
    assert gw.account_status(account_id=ACCOUNT) == "OK"
    assert gw.account_status(account_id="acc-gone") == "CREDENTIALS"  # a disconnected account answers its status
    sim.set_account_status(ACCOUNT, "DELETED")
    with pytest.raises(NotFound):
        gw.account_status(account_id=ACCOUNT)
    status, body = raw_get(sim, "/accounts/acc-2")
    assert status == 200 and body["object"] == "Account" and body["sources"] == [{"id": "acc-2_MESSAGING",
                                                                                   "status": "OK"}]


def test_an_accounts_status_is_its_worst_sources():
    assert status_from({"sources": [{"id": "a", "status": "OK"}, {"id": "b", "status": "CREDENTIALS"}]}) == "CREDENTIALS"
    assert status_from({"sources": [{"id": "a", "status": "CONNECTING"}, {"id": "b", "status": "OK"}]}) == "CONNECTING"
    assert status_from({"sources": [{"id": "a", "status": "ok"}]}) == "OK"
    assert status_from({}) == status_from({"sources": "x"}) == "UNKNOWN"
