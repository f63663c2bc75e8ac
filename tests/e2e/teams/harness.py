"""Drives `/api/messages` of the real aiohttp app over HTTP with Bot Framework activities, as
Teams sends them, and reads the bot's replies from the connector simulator."""

from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass
from typing import Any

from bot.background import drain
from tests.simulators.bf_connector import BotFrameworkConnectorSimulator

BOT = {"id": "28:invitebot", "name": "invitebot"}


@dataclass
class TeamsUser:
    id: str
    aad_object_id: str
    name: str
    tenant_id: str
    conversation_id: str  # their personal chat with the bot
    locale: str = "en-US"  # what their Teams client is set to, sent with every activity

    @property
    def account(self) -> dict:
        return {"id": self.id, "name": self.name, "aadObjectId": self.aad_object_id}


class TeamsHarness:
    def __init__(self, client, connector: BotFrameworkConnectorSimulator, *, token=None) -> None:
        self.client = client
        self.connector = connector
        self.token = token  # callable giving a bearer token, when the app has credentials
        self._ids = itertools.count(1)

    def user(self, name: str, *, email: str | None = None, tenant_id: str = "tenant-1",
             aad_object_id: str | None = None, locale: str = "en-US") -> TeamsUser:
        aad = aad_object_id or str(uuid.uuid4())
        self.connector.add_user(aad_object_id=aad, name=name, tenant_id=tenant_id, email=email)
        return TeamsUser(id=f"29:{aad}", aad_object_id=aad, name=name, tenant_id=tenant_id,
                         conversation_id=f"a:personal-{aad}", locale=locale)

    def activity(self, user: TeamsUser, **fields: Any) -> dict:
        return {
            "id": f"in-{next(self._ids)}", "channelId": "msteams", "serviceUrl": self.connector.url,
            "timestamp": "2026-11-25T14:00:00.000Z", "from": user.account, "recipient": BOT,
            "conversation": {"id": fields.pop("conversation_id", user.conversation_id),
                             "conversationType": fields.pop("conversation_type", "personal"),
                             "tenantId": user.tenant_id},
            "channelData": {"tenant": {"id": user.tenant_id}}, "locale": user.locale, **fields,
        }

    async def post(self, activity: dict, *, headers: dict | None = None):
        headers = dict(headers or {})
        if self.token and "Authorization" not in headers:
            headers["Authorization"] = f"Bearer {self.token()}"
        response = await self.client.post("/api/messages", json=activity, headers=headers)
        await drain()  # a message's turn runs after its 200 (bot.background)
        return response

    async def say(self, user: TeamsUser, text: str, **fields: Any):
        response = await self.post(self.activity(user, type="message", text=text, **fields))
        assert response.status == 200, await response.text()
        return response

    async def install(self, user: TeamsUser):
        activity = self.activity(user, type="conversationUpdate", membersAdded=[BOT])
        activity["channelData"]["eventType"] = "teamMemberAdded"
        response = await self.post(activity)
        assert response.status == 200, await response.text()
        return response

    async def invoke(self, user: TeamsUser, name: str, value: Any, **fields: Any) -> dict:
        response = await self.post(self.activity(user, type="invoke", name=name, value=value, **fields))
        assert response.status == 200, await response.text()
        return await response.json() if response.content_length else {}

    async def execute(self, user: TeamsUser, action: dict, inputs: dict | None = None, *,
                      reply_to: str | None = None) -> dict:
        """Press an `Action.Execute` of a card, with the card's inputs merged into its data as Teams does."""
        assert action["type"] == "Action.Execute", action
        data = {**(action.get("data") or {}), **(inputs or {})}
        value = {"action": {"type": "Action.Execute", "verb": action["verb"], "data": data}, "trigger": "manual"}
        return await self.invoke(user, "adaptiveCard/action", value, replyToId=reply_to)

    async def task_fetch(self, user: TeamsUser, action: dict) -> dict:
        assert action["type"] == "Action.Submit" and action["data"]["msteams"]["type"] == "task/fetch", action
        return await self.invoke(user, "task/fetch", {"data": action["data"], "context": {"theme": "default"}})

    async def task_submit(self, user: TeamsUser, action: dict, inputs: dict | None = None) -> dict:
        data = {**(action.get("data") or {}), **(inputs or {})}
        return await self.invoke(user, "task/submit", {"data": data, "context": {"theme": "default"}})

    async def search(self, user: TeamsUser, dataset: str, text: str, inputs: dict | None = None) -> list[dict]:
        value = {"queryText": text, "dataset": dataset, "queryOptions": {"skip": 0, "top": 15}, "data": inputs or {}}
        body = await self.invoke(user, "application/search", value)
        assert body["type"] == "application/vnd.microsoft.search.searchResponse"
        return body["value"]["results"]

    def cards(self, user: TeamsUser) -> list[dict]:
        return self.connector.cards(user.conversation_id)

    def last_card(self, user: TeamsUser) -> dict:
        cards = self.cards(user)
        assert cards, "the bot sent no card"
        return cards[-1]
