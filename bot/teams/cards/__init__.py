"""Adaptive Cards 1.5 of the neutral views (`bot.conversation.views`): rendering only, no product rule."""

from bot.teams.cards.elements import CARD_VERSION, MAX_CARD_BYTES, card_bytes
from bot.teams.cards.form import form_card
from bot.teams.cards.views import render

__all__ = ["CARD_VERSION", "MAX_CARD_BYTES", "card_bytes", "form_card", "render"]
