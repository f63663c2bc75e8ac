"""The texts of languages written on their own page are kept in Redis when the process has one
(web processes share it), per member, and forgotten once the campaign is saved."""

from bot.conversation import kept_texts
from bot.conversation.kept_texts import MemoryFormTexts, RedisFormTexts


def test_texts_are_kept_in_redis_per_member_and_expire(redis_client):
    ctx = RedisFormTexts(redis_client)
    key = kept_texts.new_key()
    kept_texts.keep(ctx, 7, key, texts={"messages.invitation.de": "Hallo"}, typed={"name": "new:Spring"})
    # Another web process (another client on the same Redis) reads what this one kept
    other = RedisFormTexts(redis_client.__class__(connection_pool=redis_client.connection_pool))
    assert kept_texts.kept(other, 7, key) == {"texts": {"messages.invitation.de": "Hallo"},
                                              "typed": {"name": "new:Spring"}}
    assert kept_texts.kept(other, 8, key) is None  # another member's key names nothing
    ttl = redis_client.ttl(next(iter(redis_client.scan_iter("invitebot:form-texts:*"))))
    assert 0 < ttl <= kept_texts.TTL_SECONDS

    # Keeping texts again keeps what was typed before
    kept_texts.keep(ctx, 7, key, texts={"messages.invitation.de": "Guten Tag"})
    assert kept_texts.kept(ctx, 7, key)["typed"] == {"name": "new:Spring"}
    kept_texts.forget(ctx, 7, key)
    assert kept_texts.kept(ctx, 7, key) is None


def test_a_member_keeps_a_bounded_number_of_forms_and_size(redis_client):
    import pytest

    ctx = RedisFormTexts(redis_client)
    keys = [kept_texts.new_key() for _ in range(kept_texts.PER_MEMBER + 3)]
    for key in keys:
        kept_texts.keep(ctx, 9, key, texts={"messages.invitation.de": key})
    assert [kept_texts.kept(ctx, 9, k) is not None for k in keys] == [False] * 3 + [True] * kept_texts.PER_MEMBER
    kept_texts.keep(ctx, 10, kept_texts.new_key(), texts={"x": "y"})  # another member's count is their own
    assert kept_texts.kept(ctx, 9, keys[-1]) is not None
    with pytest.raises(ValueError, match="too long"):
        kept_texts.keep(ctx, 9, keys[-1], texts={"messages.welcome.de": "x" * (kept_texts.MAX_BYTES + 1)})
    assert kept_texts.kept(ctx, 9, keys[-1])["texts"] == {"messages.invitation.de": keys[-1]}


def test_in_memory_a_member_keeps_a_bounded_number_of_forms():
    ctx = MemoryFormTexts()
    keys = [kept_texts.new_key() for _ in range(kept_texts.PER_MEMBER + 2)]
    for key in keys:
        kept_texts.keep(ctx, 11, key, texts={"a": key})
    assert [kept_texts.kept(ctx, 11, k) is not None for k in keys] == [False] * 2 + [True] * kept_texts.PER_MEMBER
