"""Connector and user-token clients kept for the life of the endpoint, instead of new ones per turn.

botbuilder 4.17.1's `CloudAdapter.process_activity` builds a new `ConnectorClient` and a new user
token client for every incoming activity. Each one builds msrest's `ClientRetryPolicy`, whose
status list is computed with a quadratic list scan (~2.5 ms of CPU on the event loop), and each
connector client opens its own HTTP session to the connector. Under 20 concurrent requests that
alone queued the Teams answers to ~190 ms. Clients do not depend on the turn: one per (app id,
service URL, audience), as botbuilder's older `BotFrameworkAdapter` kept them. Their credentials
renew their own tokens."""

from __future__ import annotations

from typing import Any

from botframework.connector.auth import AuthenticationConstants, ClaimsIdentity, ConnectorFactory

MAX_CLIENTS = 64  # distinct service URLs are few (one per region); beyond, clients are not kept


def _app_id(claims: ClaimsIdentity | None) -> str:
    claims = getattr(claims, "claims", None) or {}
    return claims.get(AuthenticationConstants.AUDIENCE_CLAIM) or claims.get(AuthenticationConstants.APP_ID_CLAIM) or ""


class ClientCache:
    """The clients of one endpoint (one event loop: the web app's)."""

    def __init__(self, max_clients: int = MAX_CLIENTS) -> None:
        self.max_clients = max_clients
        self._clients: dict[tuple, Any] = {}

    def _keep(self, key: tuple, client: Any) -> Any:
        if len(self._clients) < self.max_clients:
            self._clients[key] = client
        return client

    def connector_factory(self, factory: ConnectorFactory, claims: ClaimsIdentity | None) -> ConnectorFactory:
        return _CachedConnectorFactory(self, factory, _app_id(claims))

    async def user_token_client(self, authentication, claims: ClaimsIdentity):
        key = ("token", _app_id(claims))
        client = self._clients.get(key)
        if client is None:
            client = self._keep(key, await authentication.create_user_token_client(claims))
        return client

    async def close(self) -> None:
        clients, self._clients = list(self._clients.values()), {}
        for client in clients:
            close = getattr(client, "close", None)
            if close is not None:
                await close()


class _CachedConnectorFactory(ConnectorFactory):
    def __init__(self, cache: ClientCache, factory: ConnectorFactory, app_id: str) -> None:
        self._cache, self._factory, self._app_id = cache, factory, app_id

    async def create(self, service_url: str, audience: str = None):
        key = ("connector", self._app_id, service_url, audience)
        client = self._cache._clients.get(key)
        if client is None:
            client = self._cache._keep(key, await self._factory.create(service_url, audience))
        return client


class CachingAuthentication:
    """The adapter's `BotFrameworkAuthentication`, handing out the kept clients."""

    def __init__(self, authentication, cache: ClientCache) -> None:
        self._authentication, self._cache = authentication, cache

    def __getattr__(self, name: str) -> Any:
        return getattr(self._authentication, name)

    async def authenticate_request(self, activity, auth_header: str):
        result = await self._authentication.authenticate_request(activity, auth_header)
        if result.connector_factory is not None:
            result.connector_factory = self._cache.connector_factory(result.connector_factory, result.claims_identity)
        return result

    async def create_user_token_client(self, claims_identity: ClaimsIdentity):
        return await self._cache.user_token_client(self._authentication, claims_identity)
