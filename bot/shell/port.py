"""The commands' ChatPort, spoken as lines printed on the console.

Channels exist only as names (`#esc-1-acme-corp` is both the id and what people type after
`in`), so the reconciler, the router's war-room lookup and the person at the console all agree
on them. Nothing here can fail the way a network can: the only refusals are a name already in
use and a target that does not exist in a one-person console (no announcements channel set,
no user to DM).
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass

from bot.shell.screen import Screen
from bot.slack.render import render
from commands.ports import NameTaken, Room, Target, Unreachable
from commands.results import Message

PIN = "📌 "
CARD = "status_card"


@dataclass
class ShellRoom:
    name: str
    private: bool = False
    archived: bool = False
    topic: str | None = None


@dataclass
class _Held:
    message_id: str
    where: str
    message: Message


def channel_id(name: str) -> str:
    """`esc-1-acme`, `#esc-1-acme` or `<#esc-1-acme>` → `#esc-1-acme`."""
    return "#" + name.strip().strip("<>").lstrip("#").lower()


class ShellPort:
    platform = "shell"

    def __init__(
        self,
        screen: Screen,
        *,
        escalations_channel: str | None = None,
        viewer: Callable[[], str] = lambda: "you",
    ) -> None:
        self.screen = screen
        self.announcements = channel_id(escalations_channel) if escalations_channel else None
        self.viewer = viewer  # who sits at the console now: answers to them say "only you"
        self.rooms: dict[str, ShellRoom] = {}
        self.messages: dict[str, Message] = {}
        self.places: dict[str, str] = {}  # message id → where it was printed
        self.pinned: set[str] = set()
        # The reconciler posts the card, then pins it. The last post is held back until the
        # next call so a pin can mark it with 📌 instead of printing a separate line.
        self._held: _Held | None = None
        self._count = 0
        # Message ids are stored with the escalation: a new session must not reuse old ones.
        self._session = secrets.token_hex(3)

    def remember(
        self, channel: str, name: str | None, *, archived: bool = False, pinned: str | None = None
    ) -> None:
        """A war room made in an earlier session (rooms live in the database, not here)."""
        self.rooms[channel] = ShellRoom(name or channel.lstrip("#"), archived=archived)
        if pinned:
            self.pinned.add(pinned)

    def flush(self) -> None:
        """Print the held post, if any: the console calls this before each prompt."""
        held, self._held = self._held, None
        if held is not None:
            heading = (PIN if held.message_id in self.pinned else "") + "bot:"
            self.screen.message(held.where, held.message, heading=heading)

    async def create_room(
        self, name: str, *, private: bool, kind: str = "channel", owner: str | None = None
    ) -> Room:
        self.flush()
        channel = channel_id(name)
        if channel in self.rooms:
            raise NameTaken(name)
        self.rooms[channel] = ShellRoom(name, private=private)
        visibility = "private" if private else "public"
        self.screen.event(channel, f"bot created {channel} ({visibility} war room)")
        return Room(channel=channel, name=name)

    async def set_topic(self, room: Room, topic: Message) -> None:
        self.flush()
        text = self.screen.text_of(topic)
        self._room(room).topic = text
        self.screen.event(room.channel, f"bot set the topic: {text}")

    async def invite(self, room: Room, user_ids: list[str]) -> list[str]:
        self.flush()
        self.screen.event(room.channel, "bot invited " + ", ".join(f"@{u}" for u in user_ids))
        return []

    async def post(self, room: Room | None, target: Target, message: Message) -> str | None:
        self.flush()
        where = self._where(room, target)
        self._count += 1
        message_id = f"{self._session}-{self._count}"
        self.messages[message_id] = message
        self.places[message_id] = where
        self._held = _Held(message_id, where, message)
        return message_id

    def button(self, label: str, places: set[str]) -> tuple[str, str] | None:
        """The newest button labelled `label` (any case) on a message printed in one of
        `places`: its action and value, as a platform would send them when pressed."""
        wanted = label.strip().strip("[]").lower()
        for message_id in reversed(list(self.messages)):
            if self.places.get(message_id) not in places:
                continue
            for block in render(self.messages[message_id]).get("blocks", []):
                elements = block.get("elements", []) if block.get("type") == "actions" else []
                for element in [*elements, block.get("accessory") or {}]:
                    text = (element.get("text") or {}).get("text", "")
                    if element.get("type") == "button" and text.lower() == wanted:
                        return element.get("action_id", ""), element.get("value", "")
        return None

    def _where(self, room: Room | None, target: Target) -> str:
        if target.kind == "room":
            if room is None:
                raise Unreachable("no war room yet")
            return room.channel
        if target.kind == "user":
            if not target.value:
                raise Unreachable("no user to DM")
            return f"DM to @{target.value}"
        if target.kind == "origin":
            asker = (json.loads(target.value) if target.value else {}).get("user")
            if not asker:
                raise Unreachable("no console to answer")
            return "only you" if asker == self.viewer() else f"only @{asker}"
        if target.kind == "announcements":
            if not self.announcements:
                raise Unreachable("no ESCALATIONS_CHANNEL set")
            return self.announcements
        raise Unreachable(f"unknown target {target.kind}")

    async def update(self, room: Room, message_id: str, message: Message) -> None:
        self.flush()
        self.messages[message_id] = message
        pin = PIN if message_id in self.pinned else ""
        what = "card" if message.template == CARD else "message"
        self.screen.message(room.channel, message, heading=f"{pin}✎ {what} updated:")

    async def pin(self, room: Room, message_id: str) -> None:
        self.pinned.add(message_id)
        if self._held is not None and self._held.message_id == message_id:
            self.flush()
            return
        self.flush()
        self.screen.event(room.channel, f"{PIN}bot pinned a message")

    async def archive(self, room: Room) -> None:
        self.flush()
        self._room(room).archived = True
        self.screen.event(room.channel, "bot archived this channel (read-only from now on)")

    async def user_timezone(self, user_id: str) -> str | None:
        return None  # the console has no profiles: working hours are read in UTC

    def _room(self, room: Room) -> ShellRoom:
        return self.rooms.setdefault(room.channel, ShellRoom(room.name or room.channel))
