"""The one seam between the commands and a chat platform.

Commands never call a platform; `commands.sync` does, through this protocol, which each
adapter (Slack, Teams, shell) implements. Messages are passed as template names plus data,
so the adapter renders them in its own format.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from commands.results import Message


@dataclass(frozen=True)
class Room:
    """A war room: a channel and, on platforms that use threads, a thread in it.

    `address` is what commands typed in the room arrive with (Invocation.channel_id) when
    that is not simply the channel: a thread in a channel shared by many rooms."""

    channel: str
    thread: str | None = None
    name: str | None = None
    address: str | None = None


@dataclass(frozen=True)
class Target:
    """Where a message goes: the war room, a person (DM), the place the request came from,
    or the announcements channel."""

    kind: str  # room | user | origin | announcements
    value: str | None = None


class PlatformError(Exception):
    """A platform call failed in a way worth retrying later (rate limit, outage, network)."""


class NameTaken(PlatformError):
    """The room name is in use; pick another."""


class Unreachable(Exception):
    """The target cannot be reached now or later (user gone, no origin to answer): skip it."""


class ChatPort(Protocol):
    platform: str

    async def create_room(
        self, name: str, *, private: bool, kind: str = "channel", owner: str | None = None
    ) -> Room:
        """A new war room. `kind` is the policy's wish (channel or thread): a port that cannot
        make a thread, or not now, makes a channel. `owner` is the leader, for platforms where
        a private room must have one (Teams private channels)."""
        ...

    async def set_topic(self, room: Room, topic: Message) -> None: ...

    async def invite(self, room: Room, user_ids: list[str]) -> list[str]:
        """Invite people; returns the ids that can never be invited (unknown users)."""
        ...

    async def post(self, room: Room | None, target: Target, message: Message) -> str | None:
        """Send a message; returns its id, or None when the platform gives none."""
        ...

    async def update(self, room: Room, message_id: str, message: Message) -> None: ...

    async def pin(self, room: Room, message_id: str) -> None: ...

    async def archive(self, room: Room) -> None: ...

    async def user_timezone(self, user_id: str) -> str | None:
        """The person's IANA time zone (e.g. `Europe/Paris`), or None when unknown."""
        ...
