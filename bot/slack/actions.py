"""Buttons on the status card: they open the same forms as the commands."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from bot.slack.replies import answer
from commands import resolve, updates
from commands.desk import Desk
from commands.invocation import Invocation


def _target(body: dict) -> tuple[Invocation, int | None]:
    inv = Invocation(
        platform="slack",
        user_id=body["user"]["id"],
        channel_id=(body.get("channel") or {}).get("id"),
        workspace=(body.get("team") or {}).get("id"),
    )
    value = body["actions"][0].get("value", "")
    return inv, int(value) if value.isdigit() else None


def register(app: AsyncApp, desk: Desk) -> None:
    async def open_form(start, ack, body, respond, client) -> None:
        inv, escalation_id = _target(body)
        result = start(desk, inv, escalation_id)

        async def ack_ephemeral(**reply) -> None:
            # A button press cannot be answered in the ack; reply beside the card instead.
            await ack()
            if reply:
                await respond(replace_original=False, **reply)

        await answer(
            result,
            ack=ack_ephemeral,
            respond=respond,
            client=client,
            trigger_id=body.get("trigger_id"),
            playbooks=desk.playbooks,
        )

    @app.action("card_update")
    async def card_update(ack, body, respond, client) -> None:
        await open_form(updates.start, ack, body, respond, client)

    @app.action("card_resolve")
    async def card_resolve(ack, body, respond, client) -> None:
        await open_form(resolve.start, ack, body, respond, client)
