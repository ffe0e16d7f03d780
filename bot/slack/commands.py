"""The `/escalate` slash command."""

from __future__ import annotations

import json

from slack_bolt.async_app import AsyncApp

from bot.slack.replies import answer
from commands import router
from commands.desk import Desk
from commands.invocation import Invocation


def invocation(body: dict) -> Invocation:
    origin = json.dumps(
        {
            "response_url": body.get("response_url"),
            "user": body.get("user_id"),
            "channel": body.get("channel_id"),
        }
    )
    return Invocation(
        platform="slack",
        user_id=body["user_id"],
        channel_id=body.get("channel_id"),
        workspace=body.get("team_id"),
        origin=origin,
    )


def register(app: AsyncApp, desk: Desk) -> None:
    @app.command("/escalate")
    async def escalate(ack, body, respond, client) -> None:
        result = router.handle(desk, invocation(body), body.get("text", ""))
        await answer(
            result,
            ack=ack,
            respond=respond,
            client=client,
            trigger_id=body.get("trigger_id"),
            playbooks=desk.playbooks,
        )
