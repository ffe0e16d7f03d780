"""The aiohttp application: /slack/events for Bolt, /api/messages for Teams (Bot Framework),
/healthz for load balancers. One server, one HOST/PORT, whichever platforms are configured."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp

from bot.foreground import Foreground

READY = web.AppKey("ready", dict)


TeamsHandler = Callable[[web.Request], Awaitable[web.Response]]


def build(
    slack_app: AsyncApp | None,
    teams: TeamsHandler | None = None,
    foreground: Foreground | None = None,
) -> web.Application:
    """`foreground` counts the requests being answered so work that can wait lets them pass."""
    app = web.Application(middlewares=[foreground.middleware] if foreground else [])
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
    if teams is not None:  # bot/teams/endpoint.py: authenticates, then hands to botbuilder
        app.router.add_post("/api/messages", teams)
    return app


def mark_ready(app: web.Application) -> None:
    app[READY]["ready"] = True
