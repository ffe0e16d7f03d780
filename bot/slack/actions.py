"""Buttons on the status card (they open the same forms as the commands), and the intake
form's account picker."""

from __future__ import annotations

import json
import logging
import re

from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError

from bot.slack.forms import metadata, with_note
from bot.slack.render import render
from bot.slack.replies import answer, ephemeral
from commands import accounts, buttons, checklist, intake, router
from commands.desk import Desk
from commands.invocation import Invocation
from commands.results import Message

log = logging.getLogger(__name__)


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

    # One listener for every button: Bolt tries each registered listener on every request,
    # so fewer listeners is less work in front of every acknowledgement.
    @app.action(re.compile(f"^({'|'.join([*buttons.OPEN_FORM, *buttons.ACT])})$"))
    async def button(ack, body, respond, client) -> None:
        action_id = body["actions"][0]["action_id"]
        if action_id in buttons.OPEN_FORM:
            await open_form(buttons.OPEN_FORM[action_id], ack, body, respond, client)
            return
        await ack()
        inv, target = _target(body)
        result = buttons.press(desk, inv, action_id, target)
        await respond(replace_original=False, **ephemeral(result.message))

    @app.action("open_form")
    async def open_form_from_mention(ack, body, respond, client) -> None:
        """The button a mention answers with: the command again, now with a trigger_id."""
        data = json.loads(body["actions"][0].get("value") or "{}")
        inv = Invocation(
            platform="slack",
            user_id=body["user"]["id"],
            channel_id=data.get("room"),
            workspace=(body.get("team") or {}).get("id"),
        )
        result = router.handle(desk, inv, str(data.get("command") or ""))
        await open_form(lambda *_: result, ack, body, respond, client)

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

    @app.action("customer")
    async def customer_picked(ack, body, client) -> None:
        """Tell the person at once, in the form, when the account they picked already has an
        escalation open; the submission then needs no database lookup before its ack."""
        await ack()
        view = body["view"]
        value = (body["actions"][0].get("selected_option") or {}).get("value")
        meta = metadata(view)
        found = intake.open_for(desk, _target(body)[0], value)
        if not found and not meta.get("open_elsewhere"):
            return  # nothing shown, nothing to show
        meta["open_elsewhere"] = found
        note = (
            render(Message("open_elsewhere", {**found, "block_id": "customer_note"}))["blocks"]
            if found
            else []
        )
        try:
            await client.views_update(
                view_id=view["id"],
                hash=view.get("hash"),
                view=with_note(view, "customer", note, meta),
            )
        except SlackApiError as exc:  # e.g. hash_conflict: the form changed meanwhile
            log.warning("could not show the open escalation in view %s: %s", view["id"], exc)

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
