"""The routes of the Unipile simulator: the paths and payload shapes of Unipile API v1, as the official
Node SDK 1.9.3 types them (no field the real service does not send), with the documented page
bounds (`limit` outside them is Unipile's 400 `errors/invalid_parameters`)."""

from __future__ import annotations

import hashlib
from datetime import datetime, timezone
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from aiohttp import web

from tests.simulators.unipile import API_PREFIX, FORM, REINVITE_AFTER, _cursor, _error, _offset, iso
from tests.simulators.unipile_events import DEFAULT_MESSAGE_EVENTS, MESSAGE_EVENTS

if TYPE_CHECKING:
    from tests.simulators.unipile import UnipileSimulator


def _bad(detail: str) -> web.Response:
    return _error(400, "errors/invalid_parameters", "Invalid parameters", detail)


# The SDK's bounds: ShortLimit 1–100 (sent invitations, search), List 1–250, LargeList 1–1000 (relations).
SHORT, LIST, LARGE = 100, 250, 1000


def _limit(request: web.Request, default: int, maximum: int) -> int | web.Response:
    raw = request.query.get("limit", str(default))
    if not raw.isdigit() or not 1 <= int(raw) <= maximum:
        return _error(400, "errors/invalid_parameters", "Invalid parameters",
                      f"limit must be an integer between 1 and {maximum}")
    return int(raw)


def _page(items: list, request: web.Request, limit: int, object_name: str) -> web.Response:
    start = _offset(request.query.get("cursor"))
    chunk = items[start : start + limit]
    more = start + limit < len(items)
    return web.json_response({"object": object_name, "items": chunk, "cursor": _cursor(start + limit) if more else None})


def add_routes(app: web.Application, sim: "UnipileSimulator") -> None:
    def account(request: web.Request, body: dict | None = None) -> str | None:
        return (body or {}).get("account_id") or request.query.get("account_id")

    async def get_me(request: web.Request) -> web.Response:
        acc = account(request)
        if not acc:
            return _bad("account_id is required")
        me = sim.own_provider_id(acc)
        return web.json_response({"object": "AccountOwnerProfile", "provider": "LINKEDIN", "provider_id": me,
                                  "entity_urn": f"urn:li:fsd_profile:{me}", "object_urn": f"urn:li:member:{me}",
                                  "first_name": "Me", "last_name": acc, "profile_picture_url": None,
                                  "public_identifier": me, "email": f"{acc}@example.com",
                                  "premium": acc not in sim.free_accounts, "open_profile": False,
                                  "recruiter": None, "sales_navigator": None})

    async def get_account(request: web.Request) -> web.Response:
        """`GET /accounts/{id}`: the connected account, its status in `sources[].status`."""
        acc = request.match_info["account_id"]
        with sim._lock:
            status = sim.account_statuses.get(acc, "CREDENTIALS" if acc in sim.disconnected_accounts else "OK")
        if status == "DELETED":
            return _error(404, "errors/resource_not_found", "Resource not found", "Account not found")
        return web.json_response({
            "object": "Account", "type": "LINKEDIN", "id": acc, "name": sim.connected_accounts.get(acc) or acc,
            "created_at": "2026-01-05T09:00:00.000Z", "groups": [],
            "sources": [{"id": f"{acc}_MESSAGING", "status": status}],
            "connection_params": {"im": {"id": sim.own_provider_id(acc), "username": f"{acc}@example.com",
                                         "premiumContractId": None if acc in sim.free_accounts else "contract-1"}}})

    async def get_user(request: web.Request) -> web.Response:
        acc, ident = account(request), request.match_info["identifier"]
        if not acc:
            return _bad("account_id is required")
        if ident in sim.unknown_identifiers or "%" in ident:  # a slug never holds a literal %
            return _error(404, "errors/resource_not_found", "Resource not found", "User not found")
        prof = sim.profile(ident)
        pid = prof["provider_id"]
        related = pid in sim.relations.get(acc, {})
        inv = sim.invitation_for(acc, pid)
        body = {"object": "UserProfile", "provider": "LINKEDIN", "provider_id": pid,
                "public_identifier": prof["public_identifier"], "first_name": prof["first_name"],
                "last_name": prof["last_name"], "headline": prof["headline"], "location": prof["location"],
                "websites": [], "network_distance": "FIRST_DEGREE" if related else "SECOND_DEGREE",
                "is_relationship": related,
                "work_experience": [{"company": prof["company"], "position": prof["position"], "start": None, "end": None}]}
        if inv and inv["status"] == "pending":
            body["invitation"] = {"type": "SENT", "status": "PENDING"}
        return web.json_response(body)

    async def invite(request: web.Request) -> web.Response:
        if request.content_type != "application/json":
            return _error(415, "errors/unsupported_media_type", "Unsupported media type")
        body = await request.json()
        acc, pid, note = body.get("account_id"), body.get("provider_id"), body.get("message")
        if not acc or not pid:
            return _bad("account_id and provider_id are required")
        if acc in sim.disconnected_accounts:
            return _error(401, "errors/disconnected_account", "Disconnected account")
        limit = 200 if acc in sim.free_accounts else 300
        if note is not None and len(note.encode("utf-16-le")) // 2 > limit:
            return _error(400, "errors/too_many_characters", "Too many characters",
                          f"The provided content exceeds the character limit ({limit}).")
        with sim._lock:
            if pid in sim.relations.get(acc, {}):
                return _error(422, "errors/already_connected", "Already connected")
            prior = sim.invitation_for(acc, pid)
            if prior and prior["status"] == "pending":
                return _error(422, "errors/already_invited_recently", "Already invited recently")
            if prior and prior["status"] == "withdrawn" and sim._now() - prior["decided_at"] < REINVITE_AFTER:
                return _error(422, "errors/cannot_resend_yet", "Cannot resend yet",
                              "The provider does not allow to resend an invitation yet.")
            inv_id = sim._next_id("7")
            sim.invitations[inv_id] = {"id": inv_id, "account_id": acc, "provider_id": pid, "message": note,
                                       "status": "pending", "created_at": sim._now(), "decided_at": None}
        return web.json_response({"object": "UserInvitationSent", "invitation_id": inv_id}, status=201)

    async def invitations_sent(request: web.Request) -> web.Response:
        acc = account(request)
        if not acc:
            return _bad("account_id is required")
        limit = _limit(request, 10, SHORT)
        if isinstance(limit, web.Response):
            return limit
        with sim._lock:
            pending = [i for i in sim.invitations.values() if i["account_id"] == acc and i["status"] == "pending"]
        items = []
        for inv in reversed(pending):  # newest first, as LinkedIn lists them
            prof = sim.profile(inv["provider_id"])
            items.append({"object": "InvitationSent", "id": inv["id"], "date": "Sent today",
                          "parsed_datetime": iso(inv["created_at"]), "invitation_text": inv["message"],
                          "invited_user": f"{prof['first_name']} {prof['last_name']}",
                          "invited_user_id": inv["provider_id"], "invited_user_public_id": prof["public_identifier"],
                          "invited_user_description": prof["headline"]})
        return _page(items, request, limit, "InvitationList")

    async def withdraw(request: web.Request) -> web.Response:
        acc, inv_id = account(request), request.match_info["invitation_id"]
        if not acc:
            return _bad("account_id is required")
        with sim._lock:
            inv = sim.invitations.get(inv_id)
            if not inv or inv["account_id"] != acc or inv["status"] != "pending":
                return _error(400, "errors/invalid_parameters", "Invalid parameters", "invalid_invitation_id")
            inv["status"], inv["decided_at"] = "withdrawn", sim._now()
        return web.json_response({"object": "UserInvitationCanceled"})

    async def relations(request: web.Request) -> web.Response:
        acc = account(request)
        if not acc:
            return _bad("account_id is required")
        limit = _limit(request, 100, LARGE)
        if isinstance(limit, web.Response):
            return limit
        with sim._lock:
            rels = sorted(sim.relations.get(acc, {}).items(), key=lambda kv: kv[1]["created_at"], reverse=True)
        items = []
        for pid, rel in rels:
            prof = sim.profile(pid)
            items.append({"object": "UserRelation", "member_id": pid, "member_urn": f"urn:li:member:{pid}",
                          "connection_urn": f"urn:li:fsd_connection:{pid}",
                          "public_identifier": prof["public_identifier"], "first_name": prof["first_name"],
                          "last_name": prof["last_name"], "headline": prof["headline"],
                          "public_profile_url": f"https://www.linkedin.com/in/{prof['public_identifier']}",
                          "created_at": int(rel["created_at"].timestamp() * 1000)})
        return _page(items, request, limit, "UserRelationsList")

    async def start_chat(request: web.Request) -> web.Response:
        if request.content_type != "multipart/form-data":
            return _error(415, "errors/unsupported_media_type", "Unsupported media type", "multipart/form-data expected")
        form = request[FORM]
        acc, text, attendees = form.get("account_id"), form.get("text"), form.getall("attendees_ids", [])
        if not acc or not attendees:
            return _bad("account_id and attendees_ids are required")
        pid = str(attendees[0])
        with sim._lock:
            if pid not in sim.relations.get(str(acc), {}):
                return _error(422, "errors/no_connection_with_recipient", "No connection with recipient")
            chat_id = sim.chat_with(str(acc), pid) or sim._new_chat(str(acc), pid)
            msg = sim._add_message(chat_id, str(text or ""), is_sender=True)
        return web.json_response({"object": "ChatStarted", "chat_id": chat_id, "message_id": msg["id"]}, status=201)

    async def send_in_chat(request: web.Request) -> web.Response:
        if request.content_type != "multipart/form-data":
            return _error(415, "errors/unsupported_media_type", "Unsupported media type", "multipart/form-data expected")
        form = request[FORM]
        chat_id = request.match_info["chat_id"]
        if chat_id not in sim.chats:
            return _error(404, "errors/resource_not_found", "Resource not found", "Chat not found")
        if not form.get("text"):
            return _bad("text is required")
        msg = sim._add_message(chat_id, str(form["text"]), is_sender=True)
        return web.json_response({"object": "MessageSent", "message_id": msg["id"]}, status=201)

    async def chat_messages(request: web.Request) -> web.Response:
        chat_id = request.match_info["chat_id"]
        if chat_id not in sim.chats:
            return _error(404, "errors/resource_not_found", "Resource not found", "Chat not found")
        limit = _limit(request, 100, LIST)
        if isinstance(limit, web.Response):
            return limit
        after = request.query.get("after")
        with sim._lock:
            msgs = [m for m in sim.messages if m["chat_id"] == chat_id and (not after or iso(m["timestamp"]) > after)]
        items = [{"object": "Message", "id": m["id"], "account_id": m["account_id"], "chat_id": chat_id,
                  "sender_id": m["sender_id"], "text": m["text"], "timestamp": iso(m["timestamp"]),
                  "is_sender": int(m["is_sender"]), "attachments": []} for m in reversed(msgs)]
        return _page(items, request, limit, "MessageList")

    async def attendee_chats(request: web.Request) -> web.Response:
        """`GET /chat_attendees/{attendee_id}/chats`: the one-to-one chats with a person (by provider id),
        newest activity first, optionally for one account."""
        limit = _limit(request, 100, 250)
        if isinstance(limit, web.Response):
            return limit
        person, acc = request.match_info["attendee_id"], request.query.get("account_id")
        with sim._lock:
            chats = [(cid, c) for cid, c in sim.chats.items() if c["attendee"] == person and (not acc or c["account_id"] == acc)]
            last = {cid: max((m["timestamp"] for m in sim.messages if m["chat_id"] == cid), default=None) for cid, _ in chats}
        chats.sort(key=lambda kv: last[kv[0]] or datetime.min.replace(tzinfo=timezone.utc), reverse=True)
        items = [{"object": "Chat", "id": cid, "account_id": c["account_id"], "account_type": "LINKEDIN",
                  "provider_id": f"urn:li:thread:{cid}", "attendee_provider_id": c["attendee"], "name": None, "type": 0,
                  "timestamp": iso(last[cid]) if last[cid] else None, "unread_count": 0, "archived": 0,
                  "muted_until": None, "read_only": 0} for cid, c in chats]
        return _page(items, request, limit, "ChatList")

    async def search(request: web.Request) -> web.Response:
        """`POST /linkedin/search` as the contract page gives it: `account_id` (and `limit`, `cursor`) in
        the query string, never the body; the body one of (A) `{api, category: "people", keywords?,
        filters by id}`, (B) `{url}` alone, (C) `{cursor}` alone (or the cursor in the query)."""
        body = await request.json()
        acc = request.query.get("account_id")
        if not acc or not isinstance(body, dict) or "account_id" in body:
            return _bad("account_id is required in the query string")
        cursor = request.query.get("cursor") or body.get("cursor")
        if cursor:
            if set(body) - {"cursor"} or cursor not in sim.search_cursors:
                return _bad("a next page is asked for with its cursor alone")
            api, stem, start = sim.search_cursors[cursor]
        elif "url" in body:
            url = body["url"]
            if set(body) != {"url"} or not isinstance(url, str):
                return _bad("a search by URL takes the url alone")
            path = urlsplit(url).path.rstrip("/")
            if path == "/search/results/people":
                api = "classic"
            elif path == "/sales/search/people":
                api = "sales_navigator"
            else:
                return _bad("url is not a LinkedIn or Sales Navigator people search")
            stem, start = "url-" + hashlib.sha1(url.encode()).hexdigest()[:8], 0
        else:
            api = body.get("api")
            if api not in ("classic", "sales_navigator", "recruiter") or body.get("category") != "people":
                return _bad("api and category are required")
            known = {"api", "category", "keywords", "industry", "location", "company", "past_company", "school",
                     "profile_language", "network_distance", "advanced_keywords"}
            if set(body) - known:
                return _bad(f"unknown fields: {sorted(set(body) - known)}")
            for name in ("industry", "location", "company"):
                ids = body.get(name)
                if ids is not None and (not isinstance(ids, list) or not ids
                                        or not all(isinstance(i, str) and i.isdigit() for i in ids)):
                    return _bad(f"{name}: a non-empty list of LinkedIn ids (digits)")
            title = body.get("advanced_keywords")
            if title is not None and (not isinstance(title, dict) or set(title) - {"first_name", "last_name", "title",
                                                                                     "company", "school"}):
                return _bad("advanced_keywords: first_name, last_name, title, company, school")
            stem = "-".join(str(body.get("keywords", "anyone")).lower().split()) or "anyone"
            start = 0
        limit = _limit(request, 10, SHORT if api != "classic" else 50)
        if isinstance(limit, web.Response):
            return limit
        if api != "classic" and acc in sim.no_sales_navigator:
            return _error(403, "errors/feature_not_subscribed", "Feature not subscribed",
                          "The account has no subscription to this LinkedIn product")
        items = []
        connected = sim.relations.get(acc, {})
        for i in range(start, min(start + limit, sim.search_size)):
            prof = sim.profile(f"{stem}-person-{i}")
            items.append({"object": "SearchResult", "type": "PEOPLE", "id": prof["provider_id"],
                          "public_identifier": prof["public_identifier"], "name": f"{prof['first_name']} {prof['last_name']}",
                          "headline": prof["headline"], "location": prof["location"],
                          "network_distance": "DISTANCE_1" if prof["provider_id"] in connected else "DISTANCE_2",
                          "pending_invitation": False,
                          "profile_url": f"https://www.linkedin.com/in/{prof['public_identifier']}",
                          "current_positions": [{"company": prof["company"], "role": prof["position"]}]})
        end = start + limit
        next_cursor = None
        if end < sim.search_size:
            next_cursor = sim._next_id("sc_")
            with sim._lock:
                sim.search_cursors[next_cursor] = (api, stem, end)
        return web.json_response({"object": "LinkedinSearch", "items": items, "paging": {"start": start},
                                  "cursor": next_cursor})

    async def search_parameters(request: web.Request) -> web.Response:
        acc, kind, keywords = (request.query.get(k) for k in ("account_id", "type", "keywords"))
        if not acc or kind not in ("LOCATION", "PEOPLE", "COMPANY", "SCHOOL", "INDUSTRY", "SERVICE", "JOB_TITLE",
                                   "SKILL", "DEPARTMENT", "CONNECTIONS", "GROUPS"):
            return _bad("account_id and a known type are required")
        limit = _limit(request, 10, SHORT)
        if isinstance(limit, web.Response):
            return limit
        if not keywords or keywords in sim.unknown_parameters:
            return web.json_response({"object": "LinkedinSearchParametersList", "items": [], "paging": {}})
        ident = str(int(hashlib.sha1(f"{kind}:{keywords.lower()}".encode()).hexdigest()[:8], 16))
        return web.json_response({"object": "LinkedinSearchParametersList", "paging": {},
                                  "items": [{"object": "LinkedinSearchParameter", "title": keywords, "id": ident}]})

    async def create_webhook(request: web.Request) -> web.Response:
        body = await request.json()
        if not body.get("request_url") or body.get("source") not in ("users", "messaging", "account_status", "email"):
            return _bad("request_url and a valid source are required")
        events = body.get("events")
        if events is not None and (body["source"] != "messaging" or not isinstance(events, list)
                                   or not set(events) <= set(MESSAGE_EVENTS)):
            return _bad(f"events: a list of {', '.join(MESSAGE_EVENTS)}, for the messaging source only")
        hook_id = sim._next_id("wh_")
        with sim._lock:
            sim.webhooks[hook_id] = dict(body)
        return web.json_response({"object": "WebhookCreated", "webhook_id": hook_id}, status=201)

    async def list_webhooks(request: web.Request) -> web.Response:
        limit = _limit(request, 100, LIST)
        if isinstance(limit, web.Response):
            return limit
        with sim._lock:  # the SDK's Webhook model: no `source` in a listed webhook
            items = [{"object": "Webhook", "type": "AUTO", "id": hook_id, "name": h.get("name"), "account_ids": [],
                      "enabled": h.get("enabled", True), "request_url": h["request_url"], "format": h.get("format", "json"),
                      "headers": h.get("headers", []), "data": h.get("data", []),
                      **({"events": h.get("events") or list(DEFAULT_MESSAGE_EVENTS)} if h["source"] == "messaging" else {})}
                     for hook_id, h in sim.webhooks.items()]
        return _page(items, request, limit, "WebhookList")

    async def delete_webhook(request: web.Request) -> web.Response:
        with sim._lock:
            if sim.webhooks.pop(request.match_info["webhook_id"], None) is None:
                return _error(404, "errors/resource_not_found", "Resource not found", "Webhook not found")
        return web.json_response({"object": "WebhookDeleted"})

    async def hosted_link(request: web.Request) -> web.Response:
        body = await request.json()
        if body.get("type") not in ("create", "reconnect") or not body.get("providers") or not body.get("api_url") \
                or not body.get("expiresOn"):
            return _bad("type, providers, api_url and expiresOn are required")
        with sim._lock:
            sim.hosted_links.append(dict(body))
        return web.json_response({"object": "HostedAuthURL", "url": f"https://account.unipile.com/{sim._next_id('h')}"},
                                 status=201)

    p = API_PREFIX
    # Literal paths before /users/{identifier}: aiohttp matches in the order of registration.
    app.router.add_get(f"{p}/accounts/{{account_id}}", get_account)
    app.router.add_get(f"{p}/users/me", get_me)
    app.router.add_get(f"{p}/users/relations", relations)
    app.router.add_get(f"{p}/users/invite/sent", invitations_sent)
    app.router.add_delete(f"{p}/users/invite/sent/{{invitation_id}}", withdraw)
    app.router.add_post(f"{p}/users/invite", invite)
    app.router.add_get(f"{p}/users/{{identifier}}", get_user)
    app.router.add_post(f"{p}/chats", start_chat)
    app.router.add_post(f"{p}/chats/{{chat_id}}/messages", send_in_chat)
    app.router.add_get(f"{p}/chats/{{chat_id}}/messages", chat_messages)
    app.router.add_get(f"{p}/chat_attendees/{{attendee_id}}/chats", attendee_chats)
    app.router.add_post(f"{p}/linkedin/search", search)
    app.router.add_get(f"{p}/linkedin/search/parameters", search_parameters)
    app.router.add_post(f"{p}/webhooks", create_webhook)
    app.router.add_get(f"{p}/webhooks", list_webhooks)
    app.router.add_delete(f"{p}/webhooks/{{webhook_id}}", delete_webhook)
    app.router.add_post(f"{p}/hosted/accounts/link", hosted_link)
