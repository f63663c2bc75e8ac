"""The ids of finders' user-facing texts (search input, states, problems), in the catalogues
(core/i18n.py, `core/locale/*/LC_MESSAGES/invitebot.po`): shown with `t(id, **params)`."""

from __future__ import annotations

from core.i18n import N_, invocation, t

# -- search input (field `url`, `keywords`, a filter) ------------------------------------------
URL_EMPTY = N_("finder.url.empty")
URL_TOO_LONG = N_("finder.url.too_long")  # {limit}
URL_NOT_LINKEDIN = N_("finder.url.not_linkedin")
URL_NOT_PEOPLE = N_("finder.url.not_people")  # {kind}
URL_IS_PROFILE = N_("finder.url.is_profile")
URL_NOT_SEARCH = N_("finder.url.not_search")
URL_NO_FILTERS = N_("finder.url.no_filters")
URL_AND_KEYWORDS = N_("finder.url.and_keywords")
SEARCH_EMPTY = N_("finder.search.empty")
UNKNOWN_KEY = N_("finder.search.unknown_key")  # {key}
FILTER_NOT_NAMES = N_("finder.filter.not_names")  # {field}
FILTER_TOO_MANY = N_("finder.filter.too_many")  # {field} {limit}
FILTER_TOO_LONG = N_("finder.filter.too_long")  # {field} {limit}
KEYWORDS_TOO_LONG = N_("finder.keywords.too_long")  # {field} {limit}
CAP_RANGE = N_("finder.cap.range")  # {limit}
EVERY_RANGE = N_("finder.every.range")  # {limit}

# -- states a finder shows its owner (FinderState values, and "paused") --------------------------
STATES = {
    "new": N_("finder.state.new"),
    "running": N_("finder.state.running"),
    "waiting": N_("finder.state.waiting"),
    "idle": N_("finder.state.idle"),
    "complete": N_("finder.state.complete"),
    "failed": N_("finder.state.failed"),
    "paused": N_("finder.state.paused"),
}

# -- problems: what stopped a finder, and what the owner can do (`Finder.problem` is key[:details]) --
PROBLEMS = {
    "no_account": N_("finder.problem.no_account"),
    "account_disconnected": N_("finder.problem.account_disconnected"),
    "not_subscribed": N_("finder.problem.not_subscribed"),
    "commercial_limit": N_("finder.problem.commercial_limit"),
    "not_people_search": N_("finder.problem.not_people_search"),
    "filter_unknown": N_("finder.problem.filter_unknown"),  # {filter} {name}
    "provider_error": N_("finder.problem.provider_error"),  # {code}
}


def state_text(state: str, *, paused: bool = False) -> str:
    return t(STATES["paused" if paused else state]) if (paused or state in STATES) else state


def problem_text(problem: str | None) -> str | None:
    """What a stored problem (`filter_unknown:location:Atlantis`, `provider_error:transient`) says."""
    if not problem:
        return None
    key, _, rest = problem.partition(":")
    if key == "filter_unknown":
        kind, _, name = rest.partition(":")
        return t(PROBLEMS[key], filter=kind, name=name)
    if key == "provider_error":
        return t(PROBLEMS[key], code=rest or "error")
    return t(PROBLEMS[key], connect=invocation("connect")) if key in PROBLEMS else problem
