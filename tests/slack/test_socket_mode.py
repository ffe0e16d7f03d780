"""Socket Mode: a delivery over the WebSocket is a request being answered until its ack is
sent, so work that can wait lets it go first, as over HTTP."""

from __future__ import annotations

import asyncio
import logging

from slack_sdk.socket_mode.request import SocketModeRequest

from app import compose
from bot.settings import Settings
from bot.slack.socket_mode import SocketModeHandler


async def test_a_socket_mode_delivery_counts_until_its_ack_is_sent(stub, tmp_path, clock):
    runtime = compose(
        Settings(
            database_url=f"sqlite:///{tmp_path / 'socket.db'}",
            slack_bot_token="xoxb-test",
            slack_app_token="xapp-test",
            slack_api_url=stub.base_url,
        ),
        clock=clock,
    )
    foreground = runtime.foreground
    handler = SocketModeHandler(runtime.slack_app, "xapp-test", foreground)
    acks = []

    class WebSocket:
        """What the Socket Mode client does with an acknowledgement: send it to Slack."""

        logger = logging.getLogger("socket-mode-test")

        async def send_socket_mode_response(self, response) -> None:
            waiting = asyncio.create_task(foreground.turn())  # work that can wait
            await asyncio.sleep(0.05)
            acks.append((response, foreground.busy, waiting.done(), waiting))

    request = SocketModeRequest(
        type="slash_commands",
        envelope_id="envelope-1",
        payload={
            "command": "/escalate",
            "text": "help",
            "user_id": "U1",
            "channel_id": "CORIGIN",
            "team_id": "T1",
            "response_url": stub.response_url(),
            "trigger_id": "trigger-1",
        },
    )
    handle = asyncio.create_task(handler.handle(WebSocket(), request))
    await asyncio.wait_for(handle, 5)
    [(response, busy, went, waiting)] = acks
    assert response.envelope_id == "envelope-1" and "/escalate" in str(response.payload)
    assert busy and not went  # counted while the ack was being sent: the step waited...
    await asyncio.wait_for(waiting, 1)  # ...and released after: the waiting step goes
    assert not foreground.busy
    await handler.client.close()
    runtime.db.dispose()
