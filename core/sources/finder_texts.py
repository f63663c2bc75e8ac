"""Every user-facing text of finders (search input, run states, failures), in one module until
they move to the gettext catalogues. `{name}` placeholders are filled with `str.format`."""

from __future__ import annotations

# -- search input (field `url`, `keywords`, a filter) ------------------------------------------
URL_EMPTY = "Paste a LinkedIn people search URL, or leave it empty and give keywords."
URL_TOO_LONG = "This URL is too long (at most {limit} characters): copy the search's address again."
URL_NOT_LINKEDIN = ("This is not a LinkedIn address: paste the URL of a people search on linkedin.com "
                    "(classic or Sales Navigator).")
URL_NOT_PEOPLE = ("This LinkedIn search looks for {kind}, not people: choose the People filter on LinkedIn "
                  "and paste that URL.")
URL_IS_PROFILE = ("This is a LinkedIn profile, not a search: search for people on LinkedIn (or Sales Navigator) "
                  "and paste the address of the results page.")
URL_NOT_SEARCH = ("This LinkedIn address is not a people search: search for people on LinkedIn (or Sales "
                  "Navigator) and paste the address of the results page.")
URL_NO_FILTERS = "This search has no keywords or filters: narrow it on LinkedIn, then paste its URL again."
URL_AND_KEYWORDS = "Give either a search URL or keywords and filters, not both: remove one of them."
SEARCH_EMPTY = "Say whom to find: paste a LinkedIn search URL, or give keywords, a title, a company or a location."
UNKNOWN_KEY = "'{key}' is not a search filter: use url, keywords, title, company, location or industry."
FILTER_NOT_NAMES = "{field}: give names as text (one, or a list)."
FILTER_TOO_MANY = "{field}: at most {limit} names; keep the most important ones."
FILTER_TOO_LONG = "{field}: a name is too long (at most {limit} characters); shorten it."
KEYWORDS_TOO_LONG = "{field}: too long (at most {limit} characters); shorten it."
CAP_RANGE = "The result cap is a number from 1 to {limit}: the most results this search shows."
EVERY_RANGE = "Run every 1 to {limit} days, or 0 to run only when asked."

# -- states a finder shows its owner ------------------------------------------------------------
STATE_LABELS = {
    "new": "not run yet",
    "running": "running",
    "waiting": "waiting (LinkedIn asked to slow down)",
    "idle": "up to date",
    "complete": "complete (result cap reached)",
    "failed": "stopped by a problem",
    "paused": "paused",
}

# -- problems: what stopped a finder, and what the owner can do --------------------------------
PROBLEMS = {
    "no_account": "Your LinkedIn account is not connected: type `connect`, then run the finder again.",
    "account_disconnected": "Your LinkedIn account is disconnected: reconnect it (type `connect`), then run the "
                            "finder again.",
    "not_subscribed": "This is a Sales Navigator search and your LinkedIn account has no Sales Navigator "
                      "subscription: subscribe, or use a classic LinkedIn search URL.",
    "commercial_limit": "LinkedIn's monthly commercial-use limit on searches is reached for your account: the "
                        "finder resumes next month, or with a Premium or Sales Navigator account.",
    "not_people_search": "LinkedIn did not accept this search as a people search: open it on LinkedIn, choose "
                         "People, and edit the finder with that URL.",
    "filter_unknown": "LinkedIn knows no {filter} named '{name}': check its spelling, or remove it.",
    "provider_error": "LinkedIn answered with an error ({code}); the finder tries again at its next run.",
}
RATE_LIMITED = "LinkedIn asked to slow down: the finder waits until {when} (your invitations go on)."
