"""Starting the Slack surface logs nothing a user cannot act on (issue: "As you gave `client` as
well, `token` will be unused" on every start, because bolt reads SLACK_BOT_TOKEN by itself)."""

from __future__ import annotations

import logging

from bot.slack.app import build_app


def test_starting_with_the_token_in_the_environment_warns_of_nothing(ctx, slack_settings, monkeypatch, caplog):
    monkeypatch.setenv("SLACK_BOT_TOKEN", slack_settings.slack_bot_token.get_secret_value())
    monkeypatch.setenv("SLACK_SIGNING_SECRET", slack_settings.slack_signing_secret.get_secret_value())
    with caplog.at_level(logging.DEBUG):
        app = build_app(ctx)
    assert app.client.token == slack_settings.slack_bot_token.get_secret_value()
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []


def test_other_bolt_warnings_still_show(caplog):
    from bot.slack.app import quiet_logger

    with caplog.at_level(logging.DEBUG):
        quiet_logger().warning("a listener was not found")
    assert "a listener was not found" in caplog.text
