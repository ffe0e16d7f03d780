"""Microsoft Graph, app-only: a token by client credentials and JSON calls with retries.

Channel mode (TEAMS_WAR_ROOMS=channel) is the only user. The token comes from the Microsoft
identity platform's token endpoint (`POST {login}{tenant}/oauth2/v2.0/token`,
`grant_type=client_credentials`, scope `https://graph.microsoft.com/.default`) and is kept
until five minutes before it expires.

Why not msal (installed with botbuilder): msal 1.39 refuses any authority that is not an
https URL (`msal.authority.canonicalize`), even with `instance_discovery=False` and
`validate_authority=False`, so it cannot be pointed at a local stand-in for the login
endpoint; it is also blocking (requests), so every refresh would need a thread beside our
event loop. Client credentials is a single form POST, so it is done here with aiohttp, and
it goes through the same retry policy as every other call.

Calls go through `Backoff` (bot/teams/retry.py): 429, 412, 502, 503 and 504 are retried with
backoff and jitter, honouring Retry-After. A 401 drops the cached token and tries once more
with a fresh one. Each call opens its own short-lived HTTP session: an escalation makes a
handful of Graph calls in its whole life, so there is no pool worth keeping (or closing).
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import aiohttp

from bot.settings import GraphApp
from bot.teams.retry import Backoff
from commands.ports import PlatformError

log = logging.getLogger(__name__)

SCOPE = "https://graph.microsoft.com/.default"
SIGN_IN = "Graph token"  # what a GraphError from the token endpoint is about
EARLY = 300  # seconds: renew a token this long before it expires
TIMEOUT = aiohttp.ClientTimeout(total=30)


@dataclass(frozen=True)
class _Response:
    """What Backoff reads from an error (`status_code`, `headers`), as msrest provides."""

    status_code: int
    headers: Mapping[str, str]


class GraphError(PlatformError):
    """Graph (or its token endpoint) answered an error. A PlatformError, so whatever the
    caller does not handle is retried later by the reconciler."""

    def __init__(self, what: str, status: int, code: str, message: str, headers=None) -> None:
        super().__init__(f"{what}: HTTP {status} {code}: {message}"[:500])
        self.what = what
        self.status = status
        self.code = code
        self.message = message
        self.response = _Response(status, dict(headers or {}))


async def _error(what: str, response: aiohttp.ClientResponse) -> GraphError:
    """Graph's `{"error": {"code", "message"}}`, or the token endpoint's
    `{"error", "error_description"}`, as one GraphError."""
    try:
        body = await response.json(content_type=None)
    except (ValueError, aiohttp.ContentTypeError):
        body = {}
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict):
        code, message = str(error.get("code") or ""), str(error.get("message") or "")
    else:
        code = str(error or "")
        message = str((body or {}).get("error_description") or "") if body else ""
    return GraphError(what, response.status, code, message, response.headers)


class Token:
    """An app-only Graph token, cached until shortly before it expires."""

    def __init__(self, app: GraphApp, login_url: str, now: Callable[[], float] = time.monotonic):
        self.app = app
        self.url = f"{login_url}{app.tenant_id}/oauth2/v2.0/token"
        self.now = now
        self._value: str | None = None
        self._until = 0.0
        self._lock = asyncio.Lock()

    def forget(self) -> None:
        self._value = None

    async def get(self, session: aiohttp.ClientSession) -> str:
        if self._value and self.now() < self._until:
            return self._value
        async with self._lock:  # one request for everyone waiting on an expired token
            if self._value and self.now() < self._until:
                return self._value
            form = {
                "grant_type": "client_credentials",
                "client_id": self.app.client_id,
                "client_secret": self.app.client_secret,
                "scope": SCOPE,
            }
            async with session.post(self.url, data=form) as response:
                if response.status != 200:
                    raise await _error(SIGN_IN, response)
                body = await response.json(content_type=None)
            lifetime = float(body.get("expires_in") or 3600)
            self._value = str(body["access_token"])
            self._until = self.now() + max(lifetime - EARLY, lifetime / 2)
            return self._value


class Graph:
    def __init__(
        self, app: GraphApp, graph_url: str, login_url: str, *, backoff: Backoff | None = None
    ) -> None:
        self.base = graph_url
        self.token = Token(app, login_url)
        self.backoff = backoff or Backoff()

    def user_bind(self, user_id: str) -> str:
        """The OData reference Graph expects for a user in `user@odata.bind`."""
        return f"{self.base}users('{user_id}')"

    async def call(self, method: str, path: str, body: dict | None = None) -> dict[str, Any]:
        """One Graph request with retries; the JSON answer ({} for 202/204)."""
        what = f"Graph {method} {path.split('?')[0]}"

        async def attempt() -> dict[str, Any]:
            async with aiohttp.ClientSession(timeout=TIMEOUT) as session:
                for fresh in (False, True):
                    token = await self.token.get(session)
                    headers = {"Authorization": f"Bearer {token}"}
                    async with session.request(
                        method, self.base + path, json=body, headers=headers
                    ) as response:
                        if response.status == 401 and not fresh:
                            self.token.forget()  # expired or revoked early: one fresh try
                            continue
                        if response.status >= 400:
                            raise await _error(what, response)
                        text = await response.text()
                        return json.loads(text) if text.strip() else {}
            raise AssertionError("unreachable")  # pragma: no cover

        try:
            return await self.backoff.run(attempt, what)
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            raise PlatformError(f"{what}: {type(exc).__name__}: {exc}") from None
