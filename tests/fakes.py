"""An in-memory ChatPort: records what the reconciler asked for, and can fail on demand."""

from __future__ import annotations

from commands.ports import NameTaken, PlatformError, Room, Target, Unreachable
from commands.results import Message


class FakePort:
    platform = "test"

    def __init__(self) -> None:
        self.rooms: dict[str, dict] = {}
        self.posts: list[tuple[str, Target, Message]] = []
        self.updates: list[tuple[str, Message]] = []
        self.pins: list[str] = []
        self.invited: list[str] = []
        self.archived: list[str] = []
        self.topics: dict[str, str] = {}
        self.fail: dict[str, int] = {}
        self.taken: set[str] = set()
        self.unreachable: set[str] = set()
        self.zones: dict[str, str] = {}
        self._n = 0

    def _maybe_fail(self, step: str) -> None:
        if self.fail.get(step, 0) > 0:
            self.fail[step] -= 1
            raise PlatformError(f"{step}: service_unavailable")

    async def create_room(
        self, name: str, *, private: bool, kind: str = "channel", owner: str | None = None
    ) -> Room:
        self._maybe_fail("create_room")
        if name in self.taken or name in self.rooms:
            raise NameTaken(name)
        self.rooms[name] = {"private": private}
        return Room(channel=name, name=name)

    async def set_topic(self, room: Room, topic: Message) -> None:
        self._maybe_fail("set_topic")
        self.topics[room.channel] = topic.context["key"]

    async def invite(self, room: Room, user_ids: list[str]) -> list[str]:
        self._maybe_fail("invite")
        self.invited.extend(user_ids)
        return []

    async def post(self, room: Room | None, target: Target, message: Message) -> str | None:
        self._maybe_fail("post")
        if target.kind == "user" and target.value in self.unreachable:
            raise Unreachable(target.value)
        self._n += 1
        self.posts.append((room.channel if room else "", target, message))
        return f"m{self._n}"

    async def update(self, room: Room, message_id: str, message: Message) -> None:
        self._maybe_fail("update")
        self.updates.append((message_id, message))

    async def pin(self, room: Room, message_id: str) -> None:
        self._maybe_fail("pin")
        self.pins.append(message_id)

    async def archive(self, room: Room) -> None:
        self._maybe_fail("archive")
        self.archived.append(room.channel)

    async def user_timezone(self, user_id: str) -> str | None:
        return self.zones.get(user_id)

    def templates(self, kind: str | None = None) -> list[str]:
        return [m.template for _, t, m in self.posts if kind is None or t.kind == kind]
