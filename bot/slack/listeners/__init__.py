"""Slack listeners, one package per kind, each with `register(app)` (ack first, slow work after)."""

from bot.slack.listeners import actions, commands, events, options, views


def register(app) -> None:
    for kind in (actions, commands, events, options, views):
        kind.register(app)
