"""POST /api/messages: authenticate, hand the activity to botbuilder, answer once.

We do not use CloudAdapter.process because of two 4.17.1 behaviours:
- a malformed bearer token raises something other than PermissionError inside it, which
  aiohttp answers with 500; here *any* failure to authenticate is a 401;
- it serialises an invoke body a second time (the Teams handler already did), which breaks
  model bodies; here the body is written as the JSON it already is.
Authentication runs first, on its own, so a bot error can never be reported as a 401 nor an
auth error as a 500.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from aiohttp import web
from botbuilder.core import Bot, serializer_helper
from botbuilder.integration.aiohttp import CloudAdapter
from botbuilder.schema import Activity

log = logging.getLogger(__name__)

Handler = Callable[[web.Request], Awaitable[web.Response]]


def handler(adapter: CloudAdapter, bot: Bot) -> Handler:
    async def messages(request: web.Request) -> web.Response:
        if "application/json" not in request.headers.get("Content-Type", ""):
            return web.json_response({"error": "expected application/json"}, status=415)
        try:
            body = await request.json()
            activity = Activity().deserialize(body)
        except Exception:
            return web.json_response({"error": "not a Bot Framework activity"}, status=400)
        if not isinstance(body, dict) or not activity.type:
            return web.json_response({"error": "not a Bot Framework activity"}, status=400)
        auth_header = request.headers.get("Authorization", "")
        try:
            authenticated = await adapter.bot_framework_authentication.authenticate_request(
                activity, auth_header
            )
        except Exception as exc:  # missing, malformed, expired, foreign: all the same to us
            log.warning("rejected a request to /api/messages: %s", type(exc).__name__)
            return web.json_response({"error": "unauthorized"}, status=401)
        response = await adapter.process_activity(authenticated, activity, bot.on_turn)
        if response is None:
            return web.Response(status=201)
        payload = response.body
        if payload is not None and not isinstance(payload, dict | list | str | int | float):
            payload = serializer_helper(payload)  # a model from a handler we did not write
        if payload is None:
            return web.Response(status=response.status)
        return web.json_response(payload, status=response.status)

    return messages
