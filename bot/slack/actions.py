"""Buttons on the status card: they open the same forms as the commands."""

from __future__ import annotations

import re

from slack_bolt.async_app import AsyncApp

from bot.slack.replies import answer, ephemeral
from commands import accounts, checklist, closing, resolve, updates
from commands.desk import Desk
from commands.invocation import Invocation


def _target(body: dict) -> tuple[Invocation, int | None]:
    inv = Invocation(
        platform="slack",
        user_id=body["user"]["id"],
        channel_id=(body.get("channel") or {}).get("id"),
        workspace=(body.get("team") or {}).get("id"),
    )
    value = body["actions"][0].get("value") or ""
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

    @app.action("open_satisfaction")
    async def open_satisfaction(ack, body, respond, client) -> None:
        await open_form(closing.start_satisfaction, ack, body, respond, client)

    @app.action("postmortem")
    async def postmortem(ack, body, respond) -> None:
        await ack()
        inv, escalation_id = _target(body)
        result = closing.postmortem(desk, inv, escalation_id)
        await respond(replace_original=False, **ephemeral(result.message))

    @app.action("follow_up_done")
    async def follow_up_done(ack, body, respond) -> None:
        await ack()
        inv, follow_up_id = _target(body)
        result = closing.complete_follow_up(desk, inv, follow_up_id or 0)
        await respond(replace_original=False, **ephemeral(result.message))

    @app.action(re.compile(r"^checklist:"))
    async def checklist_ticked(ack, body, respond) -> None:
        """One checkboxes element per framework step (Slack allows 10 options each)."""
        await ack()
        inv, _ = _target(body)
        action = body["actions"][0]
        _, escalation_id, step = action["action_id"].split(":", 2)
        selected = [o["value"] for o in action.get("selected_options") or []]
        result = checklist.tick(desk, inv, int(escalation_id), step, selected)
        if result is not None:
            await respond(replace_original=False, **ephemeral(result.message))

    @app.options("customer")
    async def account_options(ack, body) -> None:
        """The intake's account picker: search as the person types, or create a new one."""
        choices = accounts.options(desk, "slack", body.get("value", ""))
        await ack(
            options=[
                {"text": {"type": "plain_text", "text": label[:75]}, "value": value[:150]}
                for value, label in choices[:100]
            ]
        )
