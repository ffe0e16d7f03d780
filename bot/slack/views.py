"""Modal submissions: intake, status update, resolution.

Validation happens before the ack, so errors appear on the fields; the work that can wait
(storing, then the platform set-up) happens after it, keeping the modal fast to close.
"""

from __future__ import annotations

import json
import logging
import re

from slack_bolt.async_app import AsyncApp

from bot.slack.forms import metadata, submitted_values
from bot.slack.render import render
from commands import intake, router
from commands.desk import Desk
from commands.invocation import Invocation
from commands.results import Accepted, FormErrors, Message

log = logging.getLogger(__name__)


def _invocation(body: dict, origin: str | None = None) -> Invocation:
    return Invocation(
        platform="slack",
        user_id=body["user"]["id"],
        workspace=(body.get("team") or {}).get("id"),
        origin=origin,
    )


def _errors(result: FormErrors) -> dict:
    errors = {
        field: error if isinstance(error, str) else render(error)["text"]
        for field, error in result.errors.items()
    }
    return {"response_action": "errors", "errors": errors}


def register(app: AsyncApp, desk: Desk) -> None:
    @app.view("intake")
    async def intake_submitted(ack, body, view, client) -> None:
        raw = submitted_values(view)
        meta = metadata(view)
        # The account was checked when it was picked (actions.customer_picked): no lookup here.
        shown = meta.get("open_elsewhere") or {}
        open_elsewhere = shown if shown.get("customer") == raw.get("customer") else None
        invalid = intake.validate(desk, _invocation(body), raw, open_elsewhere=open_elsewhere)
        if invalid:
            await ack(**_errors(invalid))
            return
        await ack()
        inv = _invocation(body, origin=meta.get("origin"))
        await desk.pace()  # acks still coming in go first
        try:
            # view.id is the same on every delivery of this submission: one escalation.
            result = intake.submit(
                desk,
                inv,
                raw,
                intake_key=f"slack:{view['id']}",
                origin=meta.get("origin"),
                acknowledged=True,
            )
        except Exception:
            log.exception("could not store the escalation from view %s", view.get("id"))
            result = None
        if not isinstance(result, Accepted):
            await _tell_failure(client, inv.user_id, raw)

    # Forms about one escalation (its id travels in private_metadata), in one listener:
    # Bolt tries every registered listener on every request.
    @app.view(re.compile(f"^({'|'.join(router.SUBMITS)})$"))
    async def submitted(ack, body, view) -> None:
        submit = router.SUBMITS[view["callback_id"]]
        escalation_id = int(metadata(view).get("escalation", 0))
        result = submit(desk, _invocation(body), escalation_id, submitted_values(view))
        await ack(**_errors(result)) if isinstance(result, FormErrors) else await ack()


async def _tell_failure(client, user_id: str, raw: dict) -> None:
    """Never lose what someone typed: hand it back to them in a DM."""
    values = {k: v if isinstance(v, str) else json.dumps(v) for k, v in raw.items() if v}
    try:
        opened = await client.conversations_open(users=user_id)
        await client.chat_postMessage(
            channel=opened["channel"]["id"], **render(Message("intake_failed", {"values": values}))
        )
    except Exception:
        log.exception("could not tell %s that their escalation failed", user_id)
