"""The user-facing texts of the weekly summary, built in the core (the other analytics texts are in
`bot/conversation/analytics_texts.py`), in one place for the translation catalogues."""

from __future__ import annotations

TITLE = "Your week on LinkedIn: {start:%d %b} – {end:%d %b}"
YOURS = ("Your campaigns: {invited} invited ({invited_delta} on the week before), {accepted} accepted, "
         "{replied} replied ({positive} positively), {clicked} clicked a link. {pending} invitations pending.")
NOTHING = "Your campaigns sent nothing last week."
WORKSPACE = ("Workspace: {invited} invited, {acceptance} accepted, {replied} replied, across {campaigns} campaigns "
             "(as of {as_of:%a %H:%M} UTC).")
NEEDS_YOU = "Needs you:"
HEALTH = "“{name}”: {detail}"
LOW_ACCEPTANCE = "“{name}”: {rate} of its invitations accepted, below {good}: look at its invitation text."
PENDING = ("“{name}”: {pending} invitations pending, more than {weeks} weeks of its sending: they count against "
           "LinkedIn's limit (older ones are withdrawn after 3 weeks).")
ALL_GOOD = "Nothing needs you: every campaign runs."
HINT = "`show NAME` for a campaign's funnel and charts; `summary off` stops this message."

TURNED_OFF = "The weekly summary is off: `summary on` turns it back on."
TURNED_ON = "You will get the weekly summary on Monday mornings; `summary off` stops it."
