"""LinkedIn's limits per account kind, in one place (P-20; docs/linkedin.md, limits).

LinkedIn publishes no number. The provider advises, for a paid and active account, 80–100
invitations a day and about 200 a week; for a free one about 15 a week with a 200-character
note. The product's rule is stricter: a member never goes over about 100 invitations a week
(P-20). Every place that sets an account's caps checks them here (`cap_problem`), and the
delivery engine reads the defaults from here (`core.delivery.caps`)."""

from __future__ import annotations

from dataclasses import dataclass

PREMIUM, FREE = "premium", "free"
ACCOUNT_KINDS = (PREMIUM, FREE)

# Characters of an invitation's note (invariant 5).
NOTE_LIMITS = {PREMIUM: 300, FREE: 200}


@dataclass(frozen=True)
class CapRule:
    field: str      # the LinkedInAccount column
    label: str      # how a message names it
    default: dict   # kind -> the cap when none is set
    maximum: dict   # kind -> the most an admin may set


CAP_RULES = (
    # Daily invitations: the low end of the provider's 80–100 a day (paid); a free account's week.
    CapRule("daily_invite_cap", "daily invitation cap", {PREMIUM: 20, FREE: 5}, {PREMIUM: 80, FREE: 15}),
    # Weekly invitations: P-20's ~100 a week (paid); the provider's ~15 a week with a note (free).
    CapRule("weekly_invite_cap", "weekly invitation cap", {PREMIUM: 100, FREE: 15}, {PREMIUM: 100, FREE: 15}),
    # Messages a day (welcome and follow-ups): no published number; half again our defaults.
    CapRule("daily_message_cap", "daily message cap", {PREMIUM: 100, FREE: 50}, {PREMIUM: 150, FREE: 75}),
)
CAPS = {rule.field: rule for rule in CAP_RULES}


def kind_problem(kind: object) -> str | None:
    if kind not in ACCOUNT_KINDS:
        return f"Account kind must be one of {', '.join(ACCOUNT_KINDS)}, not '{kind}'."
    return None


def cap_problem(kind: str, field: str, value: object, *, name: str | None = None) -> str | None:
    """Why `value` cannot be the `field` cap of a `kind` account (None: it can; None as value means
    "the default"). `name` is how the message names it (e.g. a command-line option)."""
    if value is None:
        return None
    rule = CAPS[field]
    top = rule.maximum[kind]
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= top:
        return (f"{name or 'The ' + rule.label} must be 1 to {top} for a {kind} LinkedIn account "
                f"(LinkedIn's limit; default {rule.default[kind]}), not {value}.")
    return None
