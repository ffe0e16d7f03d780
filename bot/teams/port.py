"""The commands' ChatPort, spoken to the Bot Connector through botbuilder's CloudAdapter.

Channel mode (TEAMS_WAR_ROOMS=channel) changes only where a war room lives: a channel of its
own, created through Microsoft Graph (bot/teams/rooms.py), whose root post is the status
card; everything below then works on that root thread as it does in thread mode.

How the product maps onto Teams (thread mode, the default):
- create_room: a new thread in the escalations channel (`POST /v3/conversations`, what
  `TeamsInfo.send_message_to_teams_channel` does) whose root message names the escalation.
  Room.channel = the thread's conversation id, Room.thread = the root activity id.
- The status card *becomes* that root message: the first `status_card` post edits the root
  in place, and every later redraw edits it again. So the card is always the first message
  of the thread, and `pin` has nothing to do (Teams bots cannot pin).
- invite: Teams threads have no membership; people are @mentioned (real mention entities)
  in the thread, which notifies them and makes the thread theirs to follow.
- archive: a bot cannot archive a thread; the `closed` message the close command queues is
  the closing note, so archive itself does nothing more.
- user targets: the person's stored 1:1 reference. Without one, the bot says so in the war
  room (once per person and room, claimed in the database) and raises Unreachable, which the
  reconciler records.
- announcements: the war-room thread, started in the escalations channel, is itself the
  announcement there; nothing else is posted.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
from botbuilder.core import CardFactory, MessageFactory, TurnContext
from botbuilder.core.teams import TeamsInfo
from botbuilder.schema import (
    Activity,
    ConversationAccount,
    ConversationParameters,
    ConversationReference,
)
from msrest.exceptions import ClientRequestError, HttpOperationError

from bot.teams.channels import Channels
from bot.teams.directory import Directory
from bot.teams.render import render, user_ids
from bot.teams.retry import Backoff, CallFailed, status_of
from bot.teams.rooms import ChannelRooms, fallback_note
from commands.ports import PlatformError, Room, Target, Unreachable
from commands.results import Message

log = logging.getLogger(__name__)

CHANNEL = "msteams"
# Answers that mean "this person cannot be written to, now or later".
GONE = {403, 404}


def activity_for(rendered: dict[str, Any]) -> Activity:
    activity = MessageFactory.attachment(CardFactory.adaptive_card(rendered["card"]))
    activity.summary = rendered["summary"]
    return activity


class TeamsChatPort:
    platform = "teams"

    def __init__(
        self,
        adapter,
        directory: Directory,
        app_id: str | None,
        *,
        backoff: Backoff | None = None,
        channels: Channels | None = None,
    ) -> None:
        self.adapter = adapter
        self.directory = directory
        self.app_id = app_id or ""
        self.backoff = backoff or Backoff()
        # Channel mode when Graph is configured; None: thread mode.
        self.rooms = (
            ChannelRooms(channels, directory, self._open_thread, self._say, self._tell)
            if channels
            else None
        )

    # ---- plumbing -----------------------------------------------------------------------
    def _channel(self) -> dict:
        stored = self.directory.channel()
        if stored:
            return stored
        raise PlatformError(
            "no Teams escalations channel yet: send `escalations here` with an @mention of the "
            "bot in the channel where war rooms should open"
        )

    async def _call(self, what: str, call: Callable[[], Awaitable[Any]]) -> Any:
        """One connector operation with retries; failures become PlatformError."""
        try:
            return await self.backoff.run(call, what)
        except HttpOperationError as exc:
            raise CallFailed(f"{what}: HTTP {status_of(exc)}", status_of(exc)) from None
        except (ClientRequestError, aiohttp.ClientError, TimeoutError, OSError) as exc:
            raise CallFailed(f"{what}: {type(exc).__name__}: {exc}") from None

    async def _in(self, reference: ConversationReference, work) -> Any:
        """Run `work(turn_context)` in a proactive turn. Exceptions are carried out of the turn
        (the adapter would hand them to on_turn_error and swallow them)."""
        outcome: dict[str, Any] = {}

        async def callback(context: TurnContext) -> None:
            try:
                outcome["value"] = await work(context)
            except Exception as exc:  # re-raised below, outside the adapter's pipeline
                outcome["error"] = exc

        await self.adapter.continue_conversation(reference, callback, self.app_id)
        if "error" in outcome:
            raise outcome["error"]
        return outcome.get("value")

    def _reference(self, conversation_id: str, service_url: str, tenant: str | None = None):
        return ConversationReference(
            channel_id=CHANNEL,
            service_url=service_url,
            conversation=ConversationAccount(id=conversation_id, tenant_id=tenant),
        )

    def _room_reference(self, room: Room) -> ConversationReference:
        channel = self._channel()
        return self._reference(room.channel, channel["service_url"], channel.get("tenant"))

    def _kind(self, room: Room | None) -> str:
        """What the room is, for the wording: `channel`, `private` (channel) or `thread`."""
        record = self.directory.room_of(room.channel) if room and self.rooms else None
        if record is None:
            return "thread"
        return "private" if record.get("private") else "channel"

    async def _render(self, message: Message, room_kind: str = "thread") -> dict[str, Any]:
        names = {}
        for user in user_ids(message.context):
            names[user] = await self.display_name(user)
        return render(message, names, room_kind=room_kind)

    async def display_name(self, user_id: str) -> str:
        """Known name, else a lookup in the stored team (not the current conversation:
        TeamsInfo.get_team_member ignores the team it is given), else a neutral word."""
        name = self.directory.name(user_id)
        if name:
            return name
        channel = self.directory.channel()
        if not channel or not channel.get("team"):
            return "colleague"

        async def lookup(context: TurnContext):
            client = await TeamsInfo._get_connector_client(context)
            return await client.conversations.get_conversation_member(channel["team"], user_id)

        reference = self._reference(channel["channel"], channel["service_url"])
        try:
            member = await self._call("get member", lambda: self._in(reference, lookup))
        except PlatformError as exc:
            log.info("no name for %s: %s", user_id, exc)
            return "colleague"
        name = getattr(member, "name", None) or "colleague"
        self.directory.remember_name(user_id, name)
        return name

    async def _send(
        self, reference: ConversationReference, message: Message, room_kind: str = "thread"
    ) -> str | None:
        activity = activity_for(await self._render(message, room_kind))

        async def send(context: TurnContext):
            response = await context.send_activity(activity)
            return getattr(response, "id", None)

        return await self._call(f"post {message.template}", lambda: self._in(reference, send))

    async def _say(self, room: Room, message: Message) -> None:
        """A note in the room that must not fail what called it (a room just created)."""
        try:
            await self._send(self._room_reference(room), message, self._kind(room))
        except PlatformError as exc:
            log.warning("could not post %s in %s: %s", message.template, room.channel, exc)

    async def _tell(self, user: str, message: Message) -> None:
        """A note to one person's 1:1 chat that must not fail what called it."""
        try:
            await self._direct(None, user, message)
        except (PlatformError, Unreachable) as exc:
            log.warning("could not tell %s (%s): %s", user, message.template, exc)

    # ---- ChatPort -----------------------------------------------------------------------
    async def create_room(
        self, name: str, *, private: bool, kind: str = "channel", owner: str | None = None
    ) -> Room:
        """A channel of its own when channel mode is on and the policy asks for a channel
        (`kind`); otherwise a thread in the escalations channel, the only room thread mode
        can make."""
        channel = self._channel()
        if self.rooms is not None and kind != "thread":
            return await self.rooms.create(name, private, channel, owner)
        room = await self._open_thread(channel["channel"], name)
        if private:  # only from a form made before thread mode: say so, claim nothing
            log.info("%s: a Teams thread cannot be private; it shows in the channel", name)
            await self._say(room, fallback_note("thread_mode", True, channel))
        return room

    async def _open_thread(self, channel_id: str, name: str) -> Room:
        """A new thread in a channel (`POST /v3/conversations`) whose root names the room."""
        channel = self._channel()
        root = activity_for(render(Message("room_root", {"name": name})))
        params = ConversationParameters(
            is_group=True,
            channel_data={
                "channel": {"id": channel_id},
                "tenant": {"id": channel.get("tenant")},
            },
            activity=root,
            tenant_id=channel.get("tenant"),
        )
        created: dict[str, str] = {}

        async def capture(context: TurnContext) -> None:
            created["conversation"] = context.activity.conversation.id
            created["activity"] = context.activity.id

        async def create() -> None:
            await self.adapter.create_conversation(
                self.app_id, capture, params, CHANNEL, channel["service_url"], None
            )

        await self._call("create thread", create)
        return Room(channel=created["conversation"], thread=created.get("activity"), name=name)

    async def set_topic(self, room: Room, topic: Message) -> None:
        """A channel's description; threads have no topic (the card at the root says it all)."""
        record = self.directory.room_of(room.channel) if self.rooms else None
        if record is not None and self.rooms is not None:
            await self.rooms.describe(record, render(topic)["summary"])

    async def invite(self, room: Room, user_ids_: list[str]) -> list[str]:
        """@mention people in the room; a private channel gets them added as members first."""
        record = self.directory.room_of(room.channel) if self.rooms else None
        people = list(user_ids_)
        if record is not None and record.get("private") and self.rooms is not None:
            people = await self.rooms.add_members(room, record, people)
        if people:
            await self._send(
                self._room_reference(room), Message("invite", {"people": people}), self._kind(room)
            )
        return [user for user in user_ids_ if user not in people]

    async def post(self, room: Room | None, target: Target, message: Message) -> str | None:
        if target.kind == "room":
            if room is None:
                raise Unreachable("no war room yet")
            if message.template == "status_card" and room.thread:
                await self.update(room, room.thread, message)  # the card is the root message
                return room.thread
            try:
                return await self._send(self._room_reference(room), message, self._kind(room))
            except CallFailed as exc:
                if exc.status in GONE and self._archived(room):
                    raise Unreachable(f"{room.name} is archived") from None
                raise
        if target.kind == "announcements":
            return None  # the war-room thread in the escalations channel announces itself
        if target.kind == "user":
            return await self._direct(room, target.value, message, self._kind(room))
        if target.kind == "origin":
            return await self._origin(room, target.value, message)
        raise Unreachable(f"unknown target {target.kind}")

    async def _direct(
        self, room: Room | None, user: str | None, message: Message, room_kind: str = "thread"
    ) -> str | None:
        stored = self.directory.personal(user) if user else None
        if not stored:
            await self._report_unreachable(room, user, message)
            raise Unreachable(f"no 1:1 conversation with {user} (the bot was never installed)")
        reference = ConversationReference().deserialize(stored["reference"])
        try:
            return await self._send(reference, message, room_kind)
        except PlatformError as exc:
            if any(f"HTTP {code}" in str(exc) for code in GONE):
                await self._report_unreachable(room, user, message)
                raise Unreachable(str(exc)) from None
            raise

    async def _report_unreachable(self, room: Room | None, user: str | None, message: Message):
        """Say it in the war room, once per person and room, so nobody waits on a DM that
        never came."""
        if room is None or not user:
            return
        if not self.directory.claim(f"teams-unreachable:{room.channel}:{user}"):
            return
        note = Message("unreachable", {"user": user, "who": "a person", "what": message.template})
        try:
            await self._send(self._room_reference(room), note, self._kind(room))
        except PlatformError as exc:
            log.warning("could not report unreachable %s in %s: %s", user, room.channel, exc)

    async def _origin(self, room: Room | None, origin: str | None, message: Message):
        """Answer the person who asked: in the 1:1 chat where they asked, else their own 1:1
        (a channel may be shared with the customer, so never there)."""
        info = json.loads(origin) if origin else {}
        kind = self._kind(room)
        if info.get("personal"):
            reference = ConversationReference().deserialize(info["personal"])
            return await self._send(reference, message, kind)
        if info.get("user"):
            return await self._direct(None, info["user"], message, kind)
        raise Unreachable("no origin to answer")

    async def update(self, room: Room, message_id: str, message: Message) -> None:
        rendered = await self._render(message, self._kind(room))
        reference = self._room_reference(room)

        async def edit(context: TurnContext) -> None:
            activity = activity_for(rendered)
            activity.id = message_id
            activity.conversation = ConversationAccount(id=room.channel)
            await context.update_activity(activity)

        try:
            await self._call(f"update {message.template}", lambda: self._in(reference, edit))
        except CallFailed as exc:
            if exc.status in GONE and self._archived(room):
                log.info("%s is archived: its card stays as it was (%s)", room.name, exc)
                return
            raise

    def _archived(self, room: Room) -> bool:
        record = self.directory.room_of(room.channel) if self.rooms else None
        return bool(record and record.get("archived"))

    async def pin(self, room: Room, message_id: str) -> None:
        """Nothing to pin: the card is the thread's root message (see the module docstring)."""

    async def archive(self, room: Room) -> None:
        """A channel is archived through Graph; a thread cannot be archived by a bot, so the
        queued `closed` note closes it."""
        record = self.directory.room_of(room.channel) if self.rooms else None
        if record is not None and self.rooms is not None and not record.get("archived"):
            await self.rooms.archive(room, record)

    async def user_timezone(self, user_id: str) -> str | None:
        """The zone Teams reported on the person's last message to the bot (localTimezone)."""
        stored = self.directory.personal(user_id)
        return (stored or {}).get("timezone")
