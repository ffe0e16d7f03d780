"""Events API: App Home, mentions in thread war rooms, and de-duplication of Slack's
retried deliveries."""

from __future__ import annotations

import json
import re

from slack_bolt.async_app import AsyncApp
from slack_bolt.response import BoltResponse

from bot.slack.port import thread_address
from bot.slack.render import render
from commands import listing, router
from commands.desk import Desk
from commands.invocation import Invocation
from commands.results import Message, OpenForm, Reply
from storage import queries

MENTION = re.compile(r"<@([A-Z0-9]+)(?:\|[^>]*)?>")


def register(app: AsyncApp, desk: Desk) -> None:
    async def once_per_event(body, next) -> BoltResponse | None:
        """Slack re-delivers an event it thinks failed (X-Slack-Retry-Num); the event_id is
        claimed in the database so each one is handled once, whichever replica gets it."""
        event_id = body.get("event_id") if isinstance(body, dict) else None
        if event_id:
            with desk.db.session() as session:
                if not queries.claim(session, f"slack-event:{event_id}", desk.now()):
                    return BoltResponse(status=200, body="")  # handled before
        await next()
        return None

    # On the event listeners only: slash commands and forms never pay for this lookup.
    @app.event("app_home_opened", middleware=[once_per_event])
    async def home(event, client) -> None:
        if event.get("tab") != "home":
            return
        user = event["user"]
        inv = Invocation(platform="slack", user_id=user)
        mine = listing.list_escalations(desk, inv, "mine").message.context
        view = render(Message("home", {**mine, "user": user}))
        await client.views_publish(user_id=user, view=view)

    @app.event("app_mention", middleware=[once_per_event])
    async def mentioned(event, client, context) -> None:
        """Slash commands do not work in threads, so a thread war room is worked by
        mentioning the bot in it (`@escalations lead @dana`). Answers are ephemeral, in
        the thread; a command that needs a form answers with a button that opens it."""
        user, channel = event.get("user"), event["channel"]
        if not user or event.get("bot_id"):
            return
        thread = event.get("thread_ts")
        text = _without_mention(event.get("text") or "", context.bot_user_id)
        inv = Invocation(
            platform="slack",
            user_id=user,
            channel_id=thread_address(channel, thread) if thread else channel,
            workspace=event.get("team"),
            origin=json.dumps({"user": user, "channel": channel}),
        )
        result = router.handle(desk, inv, text)
        if isinstance(result, OpenForm):
            value = json.dumps({"command": text[:500], "room": inv.channel_id})
            title = desk.playbooks.forms[result.form].title
            message = Message("open_form_button", {"command": text, "title": title, "value": value})
        elif isinstance(result, Reply):
            message = result.message
        else:
            return
        if thread:  # answers word commands as they are typed here: by mention
            message = Message(message.template, {**message.context, "in_thread": True})
        await client.chat_postEphemeral(
            channel=channel, user=user, thread_ts=thread, **render(message)
        )


def _without_mention(text: str, bot_user_id: str | None) -> str:
    """The command after the bot's own mention (other mentions, e.g. `lead @dana`, stay)."""
    for match in MENTION.finditer(text):
        if match.group(1) == bot_user_id:
            return (text[: match.start()] + text[match.end() :]).strip()
    return text.strip()
