"""A Slack message never holds more block text than Slack takes (`msg_blocks_too_long`): a preview of
many long follow-ups shows those that fit and says the rest is left out."""

from bot.conversation.views import PreviewSample, PreviewView
from bot.slack import render


def test_a_preview_of_ten_long_follow_ups_stays_under_slack_s_block_text_limit():
    samples = tuple(PreviewSample("Ann", f"Follow-up {i}", "French", "x" * 2500, 2500, None) for i in range(10))
    message = render.message(PreviewView("Preview", samples))
    text = sum(len(b.get("text", {}).get("text", "")) for b in message["blocks"])
    assert text <= render.MESSAGE_TEXT
    assert "More messages not shown." in str(message["blocks"][-1])
    assert sum(1 for b in message["blocks"] if "Follow-up" in str(b)) >= 3  # as many as fit, not none
