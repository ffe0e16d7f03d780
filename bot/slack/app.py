"""Build the Bolt app: one listener module per kind, as in Slack's starter template."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack import actions, commands, events, views
from commands.desk import Desk


def build(desk: Desk, client: AsyncWebClient, signing_secret: str | None) -> AsyncApp:
    """Signature checks stay on (Bolt answers 401 to a bad or stale signature)."""
    app = AsyncApp(
        client=client,
        signing_secret=signing_secret,
        # Socket Mode has no signatures; HTTP mode always verifies.
        request_verification_enabled=signing_secret is not None,
        process_before_response=False,
    )
    # Bolt tries listeners in this order on every request: the ones that answer people
    # waiting on the other side (command, form submission) first.
    commands.register(app, desk)
    views.register(app, desk)
    actions.register(app, desk)
    events.register(app, desk)
    return app
