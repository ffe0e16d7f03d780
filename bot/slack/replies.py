"""Turning a command's result into the Slack answer: an ephemeral reply or an opened modal."""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk.errors import SlackApiError

from bot.slack.forms import modal
from bot.slack.render import render
from commands.results import Message, OpenForm, Reply, Result
from playbooks.loader import Playbooks

log = logging.getLogger(__name__)


def ephemeral(message: Message) -> dict[str, Any]:
    """Every answer to a command is ephemeral: the channel may be shared with the customer."""
    return {"response_type": "ephemeral", **render(message)}


async def answer(
    result: Result, *, ack, respond, client, trigger_id: str | None, playbooks: Playbooks
) -> None:
    if isinstance(result, Reply):
        await ack(**ephemeral(result.message))
        return
    await ack()
    if isinstance(result, OpenForm):
        try:
            await client.views_open(trigger_id=trigger_id, view=modal(result, playbooks))
        except SlackApiError as exc:
            log.warning("views.open failed: %s", exc.response.get("error"))
            await respond(
                replace_original=False,
                **ephemeral(Message("form_failed", {"error": exc.response.get("error")})),
            )
