"""A local stand-in for the Slack Web API (and for response_url), spoken to by the real
slack_sdk client. It keeps channels, messages and pins, records every call, and can be told
to fail the next call of a method the way Slack does (an `ok: false` error or an HTTP 429)."""

from __future__ import annotations

import json
from collections import defaultdict, deque
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestServer


@dataclass
class Call:
    method: str
    params: dict[str, Any]


@dataclass
class SlackStub:
    calls: list[Call] = field(default_factory=list)
    channels: dict[str, dict] = field(default_factory=dict)
    messages: dict[str, dict[str, dict]] = field(default_factory=lambda: defaultdict(dict))
    pins: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    members: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    responses: list[dict] = field(default_factory=list)
    taken_names: set[str] = field(default_factory=set)
    zones: dict[str, str] = field(default_factory=dict)
    uploads: dict[str, dict] = field(default_factory=dict)
    failures: dict[str, deque] = field(default_factory=lambda: defaultdict(deque))
    server: TestServer | None = None
    _ts: int = 1000

    # ---- test helpers -------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        return str(self.server.make_url("/api/"))

    def response_url(self, name: str = "r1") -> str:
        return str(self.server.make_url(f"/response/{name}"))

    def fail_next(
        self,
        method: str,
        *,
        error: str | None = None,
        status: int = 200,
        retry_after: int | None = None,
        times: int = 1,
    ) -> None:
        for _ in range(times):
            self.failures[method].append((error, status, retry_after))

    def called(self, method: str) -> list[dict[str, Any]]:
        return [c.params for c in self.calls if c.method == method]

    # ---- server -------------------------------------------------------------------------
    async def start(self) -> SlackStub:
        app = web.Application()
        app.router.add_post("/api/{method}", self._api)
        app.router.add_get("/api/{method}", self._api)  # slack_sdk reads some methods by GET
        app.router.add_post("/response/{name}", self._response)
        app.router.add_post("/upload/{file_id}", self._upload)
        self.server = TestServer(app)
        await self.server.start_server()
        return self

    async def close(self) -> None:
        if self.server:
            await self.server.close()

    async def _upload(self, request: web.Request) -> web.Response:
        self.uploads[request.match_info["file_id"]] = {"content": await request.read()}
        return web.Response(text="OK")

    async def _response(self, request: web.Request) -> web.Response:
        self.responses.append(await request.json())
        return web.Response(text="ok")

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params = dict(request.query)  # slack_sdk sends some arguments in the query string
        if request.method == "GET":
            pass
        elif request.content_type == "application/json":
            params.update(await request.json())
        else:
            params.update(await request.post())
        for key in ("blocks", "view", "attachments"):
            if isinstance(params.get(key), str):
                params[key] = json.loads(params[key])
        self.calls.append(Call(method, params))
        if self.failures[method]:
            error, status, retry_after = self.failures[method].popleft()
            headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
            body = {"ok": False, "error": error or "ratelimited"}
            return web.json_response(body, status=status, headers=headers)
        handler = getattr(self, "_" + method.replace(".", "_"), None)
        result = handler(params) if handler else {}
        if "error" in result:
            return web.json_response({"ok": False, **result})
        return web.json_response({"ok": True, **result})

    def _next_ts(self) -> str:
        self._ts += 1
        return f"{self._ts}.000100"

    def _auth_test(self, p):
        return {
            "user_id": "UBOT",
            "bot_id": "BBOT",
            "team_id": "T1",
            "team": "Test",
            "url": "https://test.slack.com/",
        }

    def _conversations_create(self, p):
        name = p["name"]
        if name in self.taken_names or any(c["name"] == name for c in self.channels.values()):
            return {"error": "name_taken"}
        channel_id = f"C{len(self.channels) + 100}"
        private = str(p.get("is_private", "false")).lower() in ("1", "true")
        self.channels[channel_id] = {
            "id": channel_id,
            "name": name,
            "is_private": private,
            "is_archived": False,
            "topic": "",
        }
        self.members[channel_id].add("UBOT")
        return {"channel": self.channels[channel_id]}

    def _conversations_setTopic(self, p):
        self.channels[p["channel"]]["topic"] = p["topic"]
        return {}

    def _conversations_invite(self, p):
        users = p["users"].split(",")
        if any(u in self.members[p["channel"]] for u in users):
            return {"error": "already_in_channel"}
        if any(u.startswith("UGONE") for u in users):
            return {"error": "user_not_found"}
        self.members[p["channel"]].update(users)
        return {"channel": self.channels[p["channel"]]}

    def _conversations_archive(self, p):
        channel = self.channels[p["channel"]]
        if channel["is_archived"]:
            return {"error": "already_archived"}
        channel["is_archived"] = True
        return {}

    def _conversations_open(self, p):
        return {"channel": {"id": "D" + p["users"]}}

    def _chat_postMessage(self, p):
        channel = p["channel"]
        if channel in self.channels and self.channels[channel]["is_archived"]:
            return {"error": "is_archived"}
        ts = self._next_ts()
        self.messages[channel][ts] = {"text": p.get("text"), "blocks": p.get("blocks")}
        return {"channel": channel, "ts": ts}

    def _chat_update(self, p):
        channel, ts = p["channel"], p["ts"]
        if ts not in self.messages[channel]:
            return {"error": "message_not_found"}
        self.messages[channel][ts] = {"text": p.get("text"), "blocks": p.get("blocks")}
        return {"channel": channel, "ts": ts}

    def _pins_add(self, p):
        if p["timestamp"] in self.pins[p["channel"]]:
            return {"error": "already_pinned"}
        self.pins[p["channel"]].append(p["timestamp"])
        return {}

    def _users_info(self, p):
        return {"user": {"id": p["user"], "tz": self.zones.get(p["user"], "Europe/London")}}

    def _files_getUploadURLExternal(self, p):
        file_id = f"F{len(self.uploads) + 1}"
        self.uploads[file_id] = {"name": p.get("filename")}
        return {"upload_url": str(self.server.make_url(f"/upload/{file_id}")), "file_id": file_id}

    def _files_completeUploadExternal(self, p):
        files = json.loads(p["files"]) if isinstance(p["files"], str) else p["files"]
        shared = []
        for f in files:
            upload = self.uploads.setdefault(f["id"], {})
            upload.update(
                title=f.get("title"), channel=p.get("channel_id"), comment=p.get("initial_comment")
            )
            shared.append(
                {
                    "id": f["id"],
                    "title": f.get("title"),
                    "permalink": f"https://files.example/{f['id']}",
                }
            )
        return {"files": shared}

    def _views_open(self, p):
        return {"view": {"id": "V" + str(len(self.calls)), **p["view"]}}

    def _views_update(self, p):
        return {"view": {"id": p["view_id"], "hash": "h-next", **p["view"]}}

    def _views_publish(self, p):
        return {"view": {"id": "VHOME", **p["view"]}}
