"""The sandbox provider: a deterministic simulated LinkedIn network in the real database."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest

from core.db import UnitOfWork
from core.delivery.linkedin.port import (
    AlreadyConnected,
    AlreadyInvited,
    CannotReinviteYet,
    LinkedInError,
    NoteLimitReached,
    NotFound,
    RateLimited,
)
from core.delivery.linkedin.sandbox import SandboxGateway, sandbox_account_id
from core.delivery.linkedin.sandbox_models import SandboxInvitation
from tests.conftest import wipe

ACCOUNT = "acct-1"
OTHER = "acct-2"


def gateway(db, clock, settings, **overrides) -> SandboxGateway:
    return SandboxGateway(uow=UnitOfWork(db), clock=clock, settings=settings.model_copy(update=overrides))


def people(gw: SandboxGateway, n: int, keywords: str = "sales"):
    return gw.search_people(account_id=ACCOUNT, query={"keywords": keywords}, limit=n)


def invite_all(gw, profiles, account=ACCOUNT):
    return [gw.send_invitation(account_id=account, provider_id=p.provider_id, note="Hello") for p in profiles]


def all_relations(gw, account=ACCOUNT, limit=100):
    items, cursor = [], None
    while True:
        page = gw.list_relations(account_id=account, cursor=cursor, limit=limit)
        items += page.items
        cursor = page.cursor
        if not cursor:
            return items


def test_any_identifier_resolves_to_the_same_profile(db, clock, settings):
    gw = gateway(db, clock, settings)
    first = gw.resolve_profile(account_id=ACCOUNT, identifier="marie-curie")
    again = gw.resolve_profile(account_id=ACCOUNT, identifier="https://www.linkedin.com/in/marie-curie/")
    assert first == again
    assert first.provider_id == "sbx-marie-curie"
    assert first.first_name and first.last_name and first.network_distance in ("SECOND_DEGREE", "THIRD_DEGREE")
    with pytest.raises(NotFound):
        gw.resolve_profile(account_id=ACCOUNT, identifier="   ")


def test_search_is_deterministic_varied_and_resolvable(db, clock, settings):
    gw = gateway(db, clock, settings)
    found = people(gw, 40)
    assert found == people(gw, 40)
    assert found != people(gw, 40, keywords="founders")
    assert [p.public_identifier for p in found] != [p.public_identifier for p in people(gateway(db, clock, settings, sandbox_seed=99), 40)]
    countries = {p.location.rsplit(", ", 1)[-1] for p in found}
    assert len(countries) >= 3
    lengths = {len(p.first_name) for p in found}
    assert min(lengths) <= 3 and max(lengths) >= 10
    assert gw.resolve_profile(account_id=ACCOUNT, identifier=found[3].public_identifier) == found[3]


def test_same_seed_gives_the_same_acceptances(db, clock, settings):
    start = clock.now()

    def run() -> set[str]:
        wipe(db)
        clock.set(start)
        gw = gateway(db, clock, settings)
        invite_all(gw, people(gw, 60))
        clock.advance(timedelta(days=8))
        return {r.provider_user_id for r in all_relations(gw)}

    first, second = run(), run()
    assert first == second
    assert 20 <= len(first) <= 55  # probability 0.6 over 60 people, deterministic


def test_acceptances_appear_as_the_clock_moves(db, clock, settings):
    gw = gateway(db, clock, settings)
    invited = people(gw, 80)
    invite_all(gw, invited)
    assert all_relations(gw) == []
    counts = []
    for step in (timedelta(hours=1), timedelta(hours=23), timedelta(days=6), timedelta(days=30)):
        clock.advance(step)
        relations = all_relations(gw)
        assert all(r.connected_at <= clock.now() for r in relations)
        pending = gw.list_sent_invitations(account_id=ACCOUNT, limit=250).items
        assert len(relations) + len(pending) == 80
        counts.append(len(relations))
    assert counts == sorted(counts)
    after_a_day, after_a_week, final = counts[1], counts[2], counts[3]
    assert after_a_day > final / 2  # most within a day
    assert after_a_week == final  # the rest within the week, or never
    assert final < 80  # some never accept
    profile = gw.resolve_profile(account_id=ACCOUNT, identifier=all_relations(gw)[0].public_identifier)
    assert profile.network_distance == "FIRST_DEGREE"


def test_invitation_refusals(db, clock, settings):
    gw = gateway(db, clock, settings, sandbox_accept_probability=1.0)
    alice, bob = people(gw, 2)
    sent = gw.send_invitation(account_id=ACCOUNT, provider_id=alice.provider_id, note=None)
    with pytest.raises(AlreadyInvited):
        gw.send_invitation(account_id=ACCOUNT, provider_id=alice.provider_id, note=None)
    assert gw.resolve_profile(account_id=ACCOUNT, identifier=alice.public_identifier).pending_invitation
    clock.advance(timedelta(days=8))
    with pytest.raises(AlreadyConnected):
        gw.send_invitation(account_id=ACCOUNT, provider_id=alice.provider_id, note=None)
    with pytest.raises(NotFound):  # accepted: nothing left to withdraw
        gw.withdraw_invitation(account_id=ACCOUNT, invitation_id=sent.invitation_id)

    later = gateway(db, clock, settings, sandbox_accept_probability=0.0)
    first = later.send_invitation(account_id=OTHER, provider_id=bob.provider_id, note=None)
    with pytest.raises(NotFound):  # another account's invitation
        later.withdraw_invitation(account_id=ACCOUNT, invitation_id=first.invitation_id)
    later.withdraw_invitation(account_id=OTHER, invitation_id=first.invitation_id)
    assert later.list_sent_invitations(account_id=OTHER).items == []
    clock.advance(timedelta(days=20))
    with pytest.raises(CannotReinviteYet):
        later.send_invitation(account_id=OTHER, provider_id=bob.provider_id, note=None)
    clock.advance(timedelta(days=1, seconds=1))
    assert later.send_invitation(account_id=OTHER, provider_id=bob.provider_id, note=None).invitation_id


def test_note_limits_count_utf16_and_free_accounts(db, clock, settings):
    gw = gateway(db, clock, settings)
    a, b, c = people(gw, 3)
    gw.send_invitation(account_id=ACCOUNT, provider_id=a.provider_id, note="x" * 300)
    with pytest.raises(NoteLimitReached):
        gw.send_invitation(account_id=ACCOUNT, provider_id=b.provider_id, note="x" * 299 + "🙂")
    with pytest.raises(NoteLimitReached):
        gw.send_invitation(account_id="acct-3:free", provider_id=b.provider_id, note="x" * 201)
    gw.send_invitation(account_id="acct-3:free", provider_id=c.provider_id, note="x" * 200)
    with UnitOfWork(db)() as s:
        assert s.query(SandboxInvitation).count() == 2  # the refused ones left nothing


def test_the_101st_invitation_in_seven_days_is_refused(db, clock, settings):
    gw = gateway(db, clock, settings)
    crowd = people(gw, 100, keywords="week one")
    for i, person in enumerate(crowd):
        gw.send_invitation(account_id=ACCOUNT, provider_id=person.provider_id, note=None)
        clock.advance(timedelta(minutes=30))
    extra = people(gw, 2, keywords="week two")
    with pytest.raises(RateLimited) as refused:
        gw.send_invitation(account_id=ACCOUNT, provider_id=extra[0].provider_id, note=None)
    assert 0 < refused.value.retry_after <= timedelta(days=7).total_seconds()
    assert gw.send_invitation(account_id="acct-other", provider_id=extra[0].provider_id, note=None)
    clock.advance(timedelta(seconds=refused.value.retry_after))
    assert gw.send_invitation(account_id=ACCOUNT, provider_id=extra[0].provider_id, note=None).invitation_id


def test_weekly_limit_holds_across_threads(db, clock, settings):
    gw = gateway(db, clock, settings)
    crowd = people(gw, 100, keywords="threads")
    invite_all(gw, crowd[:90])
    others = people(gw, 40, keywords="more threads")
    outcomes: list[str] = []
    lock = threading.Lock()

    def worker(chunk):
        for person in chunk:
            try:
                gw.send_invitation(account_id=ACCOUNT, provider_id=person.provider_id, note=None)
                result = "sent"
            except RateLimited:
                result = "limited"
            with lock:
                outcomes.append(result)

    threads = [threading.Thread(target=worker, args=(others[i::8],)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert outcomes.count("sent") == 10 and outcomes.count("limited") == 30
    with UnitOfWork(db)() as s:
        assert s.query(SandboxInvitation).filter_by(account_key=ACCOUNT).count() == 100


def test_messages_and_deterministic_replies(db, clock, settings):
    gw = gateway(db, clock, settings, sandbox_accept_probability=1.0, sandbox_reply_probability=1.0)
    friend, stranger = people(gw, 2)
    with pytest.raises(LinkedInError):
        gw.send_message(account_id=ACCOUNT, text="Hi", provider_id=stranger.provider_id)
    gw.send_invitation(account_id=ACCOUNT, provider_id=friend.provider_id, note=None)
    clock.advance(timedelta(days=8))
    sent = gw.send_message(account_id=ACCOUNT, text="Thanks for connecting", provider_id=friend.provider_id)
    assert [m.is_sender for m in gw.list_messages(account_id=ACCOUNT, chat_id=sent.chat_id)] == [True]
    clock.advance(timedelta(hours=13))
    history = gw.list_messages(account_id=ACCOUNT, chat_id=sent.chat_id)
    assert [m.is_sender for m in history] == [True, False]
    reply = history[1]
    assert reply.sender_id == friend.provider_id and reply.text
    assert gw.list_messages(account_id=ACCOUNT, chat_id=sent.chat_id, after=history[0].timestamp) == [reply]
    again = gw.send_message(account_id=ACCOUNT, text="Follow-up", chat_id=sent.chat_id)
    assert again.chat_id == sent.chat_id
    with pytest.raises(NotFound):
        gw.send_message(account_id="acct-2", text="Hi", chat_id=sent.chat_id)

    silent = gateway(db, clock, settings, sandbox_accept_probability=1.0, sandbox_reply_probability=0.0)
    quiet = people(silent, 3)[2]
    silent.send_invitation(account_id=ACCOUNT, provider_id=quiet.provider_id, note=None)
    clock.advance(timedelta(days=8))
    chat = silent.send_message(account_id=ACCOUNT, text="Hello", provider_id=quiet.provider_id).chat_id
    clock.advance(timedelta(days=2))
    assert [m.is_sender for m in silent.list_messages(account_id=ACCOUNT, chat_id=chat)] == [True]


def test_the_chats_with_a_person_are_the_ones_a_message_went_through(db, clock, settings):
    gw = gateway(db, clock, settings, sandbox_accept_probability=1.0, sandbox_reply_probability=0.0)
    friend, other = people(gw, 2)
    invite_all(gw, [friend, other])
    clock.advance(timedelta(days=8))
    assert gw.list_chats_with(account_id=ACCOUNT, provider_id=friend.provider_id) == []
    chat = gw.send_message(account_id=ACCOUNT, text="Welcome", provider_id=friend.provider_id).chat_id
    gw.send_message(account_id=ACCOUNT, text="Hello", provider_id=other.provider_id)
    assert gw.list_chats_with(account_id=ACCOUNT, provider_id=friend.provider_id) == [chat]
    assert gw.list_chats_with(account_id=OTHER, provider_id=friend.provider_id) == []


def test_hosted_link_connects_at_once_and_webhooks_are_a_no_op(db, clock, settings):
    gw = gateway(db, clock, settings)
    url = gw.hosted_link(member_ref="member-42", success_url="https://x.example/done")
    assert url.startswith("https://invitebot.example/sandbox/") and sandbox_account_id("member-42") in url
    hook = gw.register_webhook(request_url="https://invitebot.example/webhooks/linkedin", secret="s", source="users")
    assert hook.startswith("sbx-wh-")
