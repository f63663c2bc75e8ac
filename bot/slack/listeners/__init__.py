"""Slack listeners, one package per kind, each with `register(app)` (ack first, slow work after)."""

from bot.slack.listeners import actions, commands, events, options, views


def register(app) -> None:
    # bolt tries the listeners in this order, running each one's matcher until one matches: the
    # most frequent requests first (a type-ahead request per keystroke, then buttons).
    for kind in (options, actions, commands, views, events):
        kind.register(app)
