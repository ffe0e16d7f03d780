"""A local stand-in for Microsoft Graph and the Microsoft identity platform's token endpoint,
spoken to over HTTP by the bot's real Graph client (bot/teams/graph.py) through the base URLs
in Settings. It issues tokens by client credentials and insists on the current one, creates
channels (refusing a displayName already in use the way Graph does), records every call, and
can be told to fail the next calls of a kind with any status and Retry-After."""

from __future__ import annotations

import itertools
from collections import defaultdict, deque
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestServer

TAKEN = "Channel name already existed, please use other name."


@dataclass
class Call:
    kind: str  # create | describe | members | archive
    method: str
    path: str
    body: dict[str, Any]
    authorization: str


@dataclass
class GraphStub:
    tokens: list[dict[str, str]] = field(default_factory=list)  # token requests (the forms)
    calls: list[Call] = field(default_factory=list)
    taken: set[str] = field(default_factory=set)  # channel names already in the team
    failures: dict[str, deque] = field(default_factory=lambda: defaultdict(deque))
    server: TestServer | None = None
    token: str | None = None  # the one the stub accepts now
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1))

    @property
    def url(self) -> str:
        return str(self.server.make_url("/"))

    def fail_next(
        self,
        kind: str,
        status: int,
        *,
        code: str = "Forbidden",
        message: str = "Missing role permissions on the request.",
        retry_after: str | None = None,
        times: int = 1,
    ) -> None:
        """kind: token | create | describe | members | archive."""
        for _ in range(times):
            self.failures[kind].append((status, code, message, retry_after))

    def revoke(self) -> None:
        """The current token stops working (expired or revoked before its time)."""
        self.token = "revoked"

    def of(self, kind: str) -> list[Call]:
        return [c for c in self.calls if c.kind == kind]

    async def start(self) -> GraphStub:
        app = web.Application()
        app.router.add_post("/{tenant}/oauth2/v2.0/token", self._token)
        base = "/v1.0/teams/{team}/channels"
        app.router.add_post(base, self._handler("create"))
        app.router.add_patch(base + "/{channel}", self._handler("describe"))
        app.router.add_post(base + "/{channel}/members", self._handler("members"))
        app.router.add_post(base + "/{channel}/archive", self._handler("archive"))
        self.server = TestServer(app)
        await self.server.start_server()
        return self

    async def close(self) -> None:
        await self.server.close()

    def _failure(self, kind: str) -> web.Response | None:
        if not self.failures[kind]:
            return None
        status, code, message, retry_after = self.failures[kind].popleft()
        headers = {"Retry-After": retry_after} if retry_after else {}
        if kind == "token":
            body = {"error": code, "error_description": message}
        else:
            body = {"error": {"code": code, "message": message}}
        return web.json_response(body, status=status, headers=headers)

    async def _token(self, request: web.Request) -> web.Response:
        form = dict(await request.post())
        self.tokens.append({**form, "tenant": request.match_info["tenant"]})
        if failed := self._failure("token"):
            return failed
        self.token = f"graph-token-{len(self.tokens)}"
        return web.json_response(
            {"token_type": "Bearer", "expires_in": 3599, "access_token": self.token}
        )

    def _handler(self, kind: str):
        async def handle(request: web.Request) -> web.Response:
            body = await request.json() if request.can_read_body else {}
            auth = request.headers.get("Authorization", "")
            self.calls.append(Call(kind, request.method, request.path, body, auth))
            if auth != f"Bearer {self.token}":
                error = {"code": "InvalidAuthenticationToken", "message": "Token expired."}
                return web.json_response({"error": error}, status=401)
            if failed := self._failure(kind):
                return failed
            if kind == "create":
                return self._create(body)
            if kind == "members":
                return web.json_response({"id": f"member-{next(self._ids)}", **body}, status=201)
            return web.Response(status=202 if kind == "archive" else 204)

        return handle

    def _create(self, body: dict) -> web.Response:
        name = body["displayName"]
        if name in self.taken:
            return web.json_response(
                {"error": {"code": "BadRequest", "message": TAKEN}}, status=400
            )
        self.taken.add(name)
        channel = {
            "id": f"19:graph-channel-{next(self._ids)}@thread.tacv2",
            "displayName": name,
            "membershipType": body.get("membershipType", "standard"),
        }
        return web.json_response(channel, status=201)
