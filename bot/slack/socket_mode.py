"""Socket Mode: Slack's requests over a WebSocket the bot opens (no public URL needed)."""

from __future__ import annotations

from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_sdk.socket_mode.aiohttp import SocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest

from bot.foreground import Foreground


class SocketModeHandler(AsyncSocketModeHandler):
    """Bolt's handler, with each delivery counted as a request being answered until its
    acknowledgement has been sent, as the web server counts HTTP requests: work that can wait
    lets it go first (bot/foreground.py)."""

    def __init__(self, app: AsyncApp, app_token: str, foreground: Foreground) -> None:
        super().__init__(app, app_token)
        self.foreground = foreground

    async def handle(self, client: SocketModeClient, req: SocketModeRequest) -> None:
        with self.foreground.answering():
            await super().handle(client, req)
