"""A fast stand-in for the Slack Web API (and for response_url), for the ack benchmark.

    python bench/stub_slack.py --port 8123

Both apps under test talk to this one process, so whatever it costs, it costs them the same.
It answers from canned JSON without parsing request bodies, except views.open, whose
trigger_id it reads to note *when* the modal was asked for: the benchmark correlates that with
the moment it sent the slash command. tests/slack/stub_api.py is the faithful stub (it keeps
channels, members and pins); this one trades that for ~0 latency, because here the stub must
not be what is measured.

Control endpoints, for the benchmark only:
    GET  /_bench/stats       {"requests": n, "methods": {method: n}}: counts since start
    POST /_bench/views_open  {trigger_id: monotonic_ns received}, then forgets them
"""

from __future__ import annotations

import argparse
import itertools
import json
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

from aiohttp import web

JSON = "application/json"
_ts = itertools.count(1_700_000_000)
_ids = itertools.count(100)


def _ok(**fields: Any) -> bytes:
    return json.dumps({"ok": True, **fields}).encode()


def _conversations_create() -> bytes:
    # Unique ids so the app's bookkeeping stays as it would be against Slack.
    n = next(_ids)
    return _ok(channel={"id": f"C{n}", "name": f"bench-room-{n}", "is_private": False})


def _chat_post_message() -> bytes:
    return _ok(channel="CBENCH", ts=f"{next(_ts)}.000100")


# Each answer is what the app reads back from Slack, and nothing more.
CANNED: dict[str, Callable[[], bytes]] = {
    "auth.test": lambda: _ok(
        url="https://bench.slack.com/",
        team="Bench",
        user="bot",
        team_id="T1",
        user_id="UBOT",
        bot_id="BBOT",
    ),
    "views.open": lambda: _ok(view={"id": f"V{next(_ids)}"}),
    "views.publish": lambda: _ok(view={"id": "VHOME"}),
    "conversations.create": _conversations_create,
    "conversations.setTopic": lambda: _ok(),
    "conversations.invite": lambda: _ok(channel={"id": "CBENCH"}),
    "conversations.open": lambda: _ok(channel={"id": "DBENCH"}),
    "conversations.archive": lambda: _ok(),
    "chat.postMessage": _chat_post_message,
    "chat.update": lambda: _ok(channel="CBENCH", ts=f"{next(_ts)}.000100"),
    "pins.add": lambda: _ok(),
    "users.info": lambda: _ok(user={"id": "U1", "tz": "Europe/London"}),
}


class Stub:
    """The state is two counters and the views.open arrival times: nothing else is kept."""

    def __init__(self) -> None:
        self.requests = 0
        self.methods: Counter[str] = Counter()
        self.views_open: dict[str, int] = {}

    async def api(self, request: web.Request) -> web.Response:
        received = time.monotonic_ns()  # first thing: the arrival time is what we report
        method = request.match_info["method"]
        self.requests += 1
        self.methods[method] += 1
        if method == "views.open":
            trigger_id = await _trigger_id(request)
            if trigger_id:
                self.views_open[trigger_id] = received
        else:
            await request.read()  # drain the body so keep-alive connections stay usable
        answer = CANNED.get(method)
        return web.Response(body=answer() if answer else _ok(), content_type=JSON)

    async def response_url(self, request: web.Request) -> web.Response:
        self.requests += 1
        self.methods["response_url"] += 1
        await request.read()
        return web.Response(text="ok")

    async def stats(self, _request: web.Request) -> web.Response:
        return web.json_response({"requests": self.requests, "methods": dict(self.methods)})

    async def take_views_open(self, _request: web.Request) -> web.Response:
        taken, self.views_open = self.views_open, {}
        return web.json_response(taken)


async def _trigger_id(request: web.Request) -> str | None:
    """slack_sdk sends views.open as JSON; accept a form post too, as Slack does."""
    if request.content_type == JSON:
        return (await request.json()).get("trigger_id")
    return (await request.post()).get("trigger_id")


def make_app() -> web.Application:
    stub = Stub()
    app = web.Application()
    app.router.add_post("/api/{method}", stub.api)
    app.router.add_get("/api/{method}", stub.api)
    app.router.add_post("/response/{name}", stub.response_url)
    app.router.add_get("/_bench/stats", stub.stats)
    app.router.add_post("/_bench/views_open", stub.take_views_open)
    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    web.run_app(make_app(), host=args.host, port=args.port, print=None, access_log=None)


if __name__ == "__main__":
    main()
