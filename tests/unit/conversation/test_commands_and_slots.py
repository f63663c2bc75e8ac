"""Parsing what people type: commands (any platform) and schedule slots."""

import pytest

from bot.conversation.catalogue import SlotSyntaxError, format_slots, parse_slots
from bot.conversation.commands import COMMANDS, parse_command


@pytest.mark.parametrize("text,name,argument", [
    ("", "help", ""),
    ("   ", "help", ""),
    ("create", "create", ""),
    ("CREATE", "create", ""),
    ("/invite-campaign list all", "list", "all"),
    ("invite-campaign show  Spring   outreach", "show", "Spring outreach"),
    ("<@U123ABC> activate “Q4 Paris”", "activate", "Q4 Paris"),
    ("<at>invitebot</at> stop 'Old one'", "stop", "Old one"),
    ("digest", "digest", ""),
])
def test_commands_are_parsed(text, name, argument):
    command = parse_command(text)
    assert (command.name, command.argument) == (name, argument)


def test_unknown_word_gives_help_naming_it():
    command = parse_command("frobnicate now")
    assert command.name == "help" and command.unknown == "frobnicate"


def test_help_lists_every_command():
    assert set(COMMANDS) == {"help", "create", "edit", "list", "show", "activate", "stop", "preview", "digest", "connect",
                             "finders", "finder", "segments", "segment"}


def test_slots_round_trip():
    slots = parse_slots("Mon-Fri 9:00-11:30; sat 10:00 - 12:00\nSun,Tue 14:00-15:00")
    assert len(slots) == 5 + 1 + 2
    assert format_slots(slots) == "Mon-Fri 09:00-11:30; Sat 10:00-12:00; Tue,Sun 14:00-15:00"
    assert {(s.weekday, s.start, s.end) for s in parse_slots(format_slots(slots))} == {(s.weekday, s.start, s.end) for s in slots}


def test_weekday_range_wraps_over_the_weekend():
    assert [s.weekday for s in parse_slots("Sat-Mon 09:00-10:00")] == [5, 6, 0]


@pytest.mark.parametrize("text,quoted", [("Mon 25:00-26:00", "25:00"), ("Funday 09:00-10:00", "funday"),
                                         ("whenever", "whenever")])
def test_unreadable_slots_say_what_was_wrong(text, quoted):
    with pytest.raises(SlotSyntaxError) as exc:
        parse_slots(text)
    assert quoted in str(exc.value).lower()
