"""Who asked, where, on which platform: the only facts a command needs about a request."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Invocation:
    platform: str
    user_id: str
    channel_id: str | None = None
    workspace: str | None = None
    # Opaque to the commands: how the adapter can answer the asker later (Slack: response_url).
    origin: str | None = None
