"""Every user-facing text of the analytics (charts, card facts, export), in one place so that
the translation catalogues can take them over in one move."""

from __future__ import annotations

STAGE_LABELS = {
    "invited": "Invited", "accepted": "Accepted", "welcomed": "Welcomed", "replied": "Replied",
    "positive": "Replied positively", "clicked": "Clicked a link",
}
STEP_LABELS = {"invitation": "Invitation", "welcome": "Welcome", "followup": "Follow-up"}
NO_LANGUAGE = "not set"

FUNNEL_TITLE = "Funnel"
FUNNEL_EMPTY = "No invitation sent yet"
WEEKLY_TITLE = "Per week"
WEEKLY_EMPTY = "Nothing sent yet"
WEEKLY_SERIES = {"invited": "Invited", "accepted": "Accepted", "replied": "Replied"}
WEEK_FORMAT = "%d %b"  # the Monday starting the week, e.g. "02 Nov"

FACT_FUNNEL = "Funnel"
FACT_PENDING = "Pending invitations"
FACT_WITHDRAWN = "Withdrawn"
FACT_LANGUAGES = "By language"
FACT_MESSAGES = "By message"
CHART_ALT_FUNNEL = "Funnel of “{name}”: {summary}"
CHART_ALT_WEEKLY = "Invitations, acceptances and replies per week of “{name}”"

SUMMARY_NOTHING = "You send no campaign yet: no weekly summary for you."
SUMMARY_HINT_LABEL = "More"

EXPORT_BUTTON = "Export contacts (CSV)"
EXPORT_READY = "The contacts of “{name}”, with their states and dates: {filename}"
EXPORT_LINK = "Download the contacts of “{name}” as CSV (the link works for 15 minutes)."
EXPORT_DOWNLOAD = "Download CSV"
EXPORT_FAILED = "The CSV of “{name}” could not be sent: try again in a minute."


def step_label(step: str, position: int) -> str:
    label = STEP_LABELS.get(step, step)
    return f"{label} {position}" if step == "followup" else label


def percent(rate: float | None) -> str:
    return "–" if rate is None else f"{rate:.0%}"
