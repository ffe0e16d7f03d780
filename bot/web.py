"""The aiohttp application: /slack/events for Bolt, /healthz for load balancers.
Teams' /api/messages joins this same server later."""

from __future__ import annotations

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp

READY = web.AppKey("ready", dict)


def build(slack_app: AsyncApp | None) -> web.Application:
    app = web.Application()
    app[READY] = {"ready": False}

    async def healthz(request: web.Request) -> web.Response:
        if not request.app[READY]["ready"]:
            return web.json_response({"ok": False, "status": "starting"}, status=503)
        return web.json_response({"ok": True})

    app.router.add_get("/healthz", healthz)

    if slack_app is not None:

        async def slack_events(request: web.Request) -> web.Response:
            bolt_response = await slack_app.async_dispatch(await to_bolt_request(request))
            return await to_aiohttp_response(bolt_response)

        app.router.add_post("/slack/events", slack_events)
    return app


def mark_ready(app: web.Application) -> None:
    app[READY]["ready"] = True
