"""Events API: App Home, and de-duplication of Slack's retried deliveries."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp
from slack_bolt.response import BoltResponse

from bot.slack.render import render
from commands import listing
from commands.desk import Desk
from commands.invocation import Invocation
from commands.results import Message
from storage import queries


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
