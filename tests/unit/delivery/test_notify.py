"""The fan-out of the chat notifier (`core.notify`): a digest is delivered when one platform
showed it, failed when none did and one that knows the member failed, unreachable when none knows
them — and a platform that raises never hides another's success."""

from __future__ import annotations

from datetime import date

from core.notify import DigestDelivery, DigestOutcome, DigestView, FanoutNotifier
from tests.fakes import ChatPlatform

VIEW = DigestView(digest_id=1, workspace_id=1, campaign_id=1, campaign_name="Spring", sender_member_id=1,
                  for_date=date(2026, 11, 26), starts_at=None, timezone="UTC")


SHOWN = DigestDelivery(DigestOutcome.DELIVERED, {"slack": [{"channel": "D1", "ts": "1.0"}]})
REFUSED = DigestDelivery(DigestOutcome.FAILED, errors={"teams": "HTTP 503"})
UNKNOWN = DigestDelivery(DigestOutcome.UNREACHABLE)


def test_one_platform_showing_it_is_delivered_whatever_the_others_did():
    teams, slack = ChatPlatform(REFUSED), ChatPlatform(SHOWN)
    result = FanoutNotifier([teams, slack]).send_digest(VIEW, {"slack": []})
    assert result.outcome == DigestOutcome.DELIVERED and result.delivered
    assert result.refs == SHOWN.refs and result.errors == {"teams": "HTTP 503"}
    assert teams.given == slack.given == [(VIEW, {"slack": []})]  # each platform is given what was posted


def test_none_showing_it_is_failed_when_a_platform_that_knows_the_member_failed():
    result = FanoutNotifier([ChatPlatform(UNKNOWN), ChatPlatform(REFUSED)]).send_digest(VIEW)
    assert result.outcome == DigestOutcome.FAILED and not result.delivered
    assert result.reason == "teams: HTTP 503"


def test_no_platform_knowing_the_member_is_unreachable_with_its_reason():
    result = FanoutNotifier([ChatPlatform(UNKNOWN), ChatPlatform(UNKNOWN)]).send_digest(VIEW)
    assert result.outcome == DigestOutcome.UNREACHABLE
    assert "no Slack or Teams conversation" in result.reason
    assert FanoutNotifier([]).send_digest(VIEW).outcome == DigestOutcome.UNREACHABLE


def test_a_platform_that_raises_counts_as_failed_and_hides_nothing(caplog):
    broken = ChatPlatform(RuntimeError("a bug"))
    assert FanoutNotifier([broken, ChatPlatform(SHOWN)]).send_digest(VIEW).outcome == DigestOutcome.DELIVERED
    alone = FanoutNotifier([broken]).send_digest(VIEW)
    assert alone.outcome == DigestOutcome.FAILED and alone.errors == {type(broken).__name__: "unexpected error"}
    assert "a bug" in caplog.text  # logged with its traceback, not swallowed
