"""A local stand-in for the Bot Connector REST API (the activities' serviceUrl), spoken to by
botbuilder's real ConnectorClient. It records conversations created, activities sent and
activities updated, knows team members and the team's Microsoft 365 group id (what Graph
calls the team id), and can be told to fail the next calls (429…)."""

from __future__ import annotations

import itertools
from collections import defaultdict, deque
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestServer


@dataclass
class Sent:
    conversation: str
    activity: dict[str, Any]
    id: str
    reply_to: str | None = None

    @property
    def card(self) -> dict[str, Any]:
        return self.activity["attachments"][0]["content"]

    @property
    def text(self) -> str:
        """Every TextBlock's text (and fact values) of the card, joined: what a reader sees."""
        parts: list[str] = []

        def walk(element):
            if isinstance(element, dict):
                if element.get("type") == "TextBlock":
                    parts.append(element.get("text", ""))
                for fact in element.get("facts", []) if element.get("type") == "FactSet" else []:
                    parts.append(f"{fact['title']}: {fact['value']}")
                for value in element.values():
                    walk(value)
            elif isinstance(element, list):
                for item in element:
                    walk(item)

        walk(self.card.get("body", []))
        return "\n".join(parts)


@dataclass
class ConnectorStub:
    created: list[dict] = field(default_factory=list)
    sent: list[Sent] = field(default_factory=list)
    updated: list[Sent] = field(default_factory=list)
    members: dict[str, dict] = field(default_factory=dict)
    aad_group_id: str = "00000000-0000-0000-0000-00000000feed"
    failures: dict[str, deque] = field(default_factory=lambda: defaultdict(deque))
    server: TestServer | None = None
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1000))

    @property
    def url(self) -> str:
        return str(self.server.make_url("/"))

    def fail_next(self, kind: str, status: int = 429, times: int = 1) -> None:
        """kind: create | send | update | member."""
        for _ in range(times):
            self.failures[kind].append(status)

    def in_conversation(self, conversation: str) -> list[Sent]:
        return [s for s in self.sent if s.conversation == conversation]

    async def start(self) -> ConnectorStub:
        app = web.Application()
        app.router.add_post("/v3/conversations", self._create)
        app.router.add_post("/v3/conversations/{cid}/activities", self._send)
        app.router.add_post("/v3/conversations/{cid}/activities/{aid}", self._send)
        app.router.add_put("/v3/conversations/{cid}/activities/{aid}", self._update)
        app.router.add_get("/v3/conversations/{cid}/members/{uid}", self._member)
        app.router.add_get("/v3/teams/{tid}", self._team)
        self.server = TestServer(app)
        await self.server.start_server()
        return self

    async def close(self) -> None:
        await self.server.close()

    def _failure(self, kind: str) -> web.Response | None:
        if self.failures[kind]:
            status = self.failures[kind].popleft()
            return web.json_response(
                {"error": {"code": "Throttled", "message": "slow down"}},
                status=status,
                headers={"Retry-After": "0"},
            )
        return None

    async def _create(self, request: web.Request) -> web.Response:
        if failed := self._failure("create"):
            return failed
        params = await request.json()
        self.created.append(params)
        channel = params["channelData"]["channel"]["id"]
        activity_id = str(next(self._ids))
        conversation = f"{channel};messageid={activity_id}"
        self.sent.append(Sent(conversation, params["activity"], activity_id))
        return web.json_response({"id": conversation, "activityId": activity_id}, status=201)

    async def _send(self, request: web.Request) -> web.Response:
        if failed := self._failure("send"):
            return failed
        body = await request.json()
        activity_id = str(next(self._ids))
        sent = Sent(request.match_info["cid"], body, activity_id, request.match_info.get("aid"))
        self.sent.append(sent)
        return web.json_response({"id": activity_id}, status=201)

    async def _update(self, request: web.Request) -> web.Response:
        if failed := self._failure("update"):
            return failed
        body = await request.json()
        aid = request.match_info["aid"]
        self.updated.append(Sent(request.match_info["cid"], body, aid))
        return web.json_response({"id": aid})

    async def _team(self, request: web.Request) -> web.Response:
        tid = request.match_info["tid"]
        return web.json_response({"id": tid, "name": "Support", "aadGroupId": self.aad_group_id})

    async def _member(self, request: web.Request) -> web.Response:
        if failed := self._failure("member"):
            return failed
        member = self.members.get(request.match_info["uid"])
        if member is None:
            return web.json_response({"error": {"code": "NotFound"}}, status=404)
        return web.json_response(member)
