"""War rooms as channels of their own (TEAMS_WAR_ROOMS=channel), for TeamsChatPort.

- create: Graph creates the channel in the escalations channel's team (a private escalation
  gets a private channel owned by its leader) and the channel is recorded at once, so a retry
  reuses it instead of making another. Then the root post, the future status card, is started
  in it through the Bot Connector exactly as in thread mode; the Room is that root thread, so
  edits in place, replies and reminders work unchanged.
- If Graph refuses (a permission not granted, a team it does not know) or the Bot Connector
  may not post in the new channel (403: the app is not in it), the escalation is not left
  without a room: it gets a thread in the escalations channel, one error is logged naming
  what is missing, and a note in the thread says why.
- Except a private escalation: everyone in the escalations channel reads its threads, so it
  never falls back to one. Its leader is told why in their 1:1 chat (once), and the set-up
  is retried with backoff until Graph and the app allow the channel.
- invite: a standard channel already includes the whole team, so people are @mentioned as in
  thread mode; a private channel gets them added as members through Graph first, and whoever
  cannot be added is named in the room (its owner, the leader, can add them by hand).
- describe (the topic) and archive are Graph calls; a refusal is logged (and, for archive,
  said in the room), never retried forever: the card carries everything that matters.

A private channel needs an owner at creation: the escalation's leader (create_room's
`owner`).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from bot.teams.channels import Channels, Refused, channel_name
from bot.teams.directory import Directory
from bot.teams.retry import CallFailed
from commands.ports import PlatformError, Room
from commands.results import Message

log = logging.getLogger(__name__)

OpenThread = Callable[[str, str], Awaitable[Room]]
Say = Callable[[Room, Message], Awaitable[None]]
Tell = Callable[[str, Message], Awaitable[None]]


def fallback_note(
    cause: str,
    private: bool,
    home: dict,
    permission: str | None = None,
    reason: str | None = None,
) -> Message:
    """The note in a thread that is the war room although a channel was wanted, or although
    the escalation was marked private: why, and who can read it."""
    facts = {
        "cause": cause,
        "permission": permission,
        "reason": reason,
        "private": private,
        "channel_name": home.get("channel_name"),
    }
    return Message("room_fallback", facts)


class ChannelRooms:
    def __init__(
        self,
        channels: Channels,
        directory: Directory,
        open_thread: OpenThread,
        say: Say,
        tell: Tell,
    ) -> None:
        self.channels = channels
        self.directory = directory
        self.open_thread = open_thread  # (channel id, name) → the new root thread
        self.say = say  # best effort: a note that fails is logged, never raised
        self.tell = tell  # best effort: a note to one person's 1:1 chat

    async def create(self, name: str, private: bool, home: dict, owner: str | None) -> Room:
        team = home.get("graph_team")
        if not team:
            log.error(
                "channel mode: the escalations channel's team has no Microsoft Graph id; send "
                "`escalations here` in it again. Opening %s as a thread.",
                name,
            )
            return await self._fallback(name, private, home, owner, cause="team_unknown")
        display = channel_name(name)
        record = self.directory.room_named(team, display)
        if record and record.get("conversation"):
            return Room(record["conversation"], record.get("root"), display)
        try:
            if record is None:
                created = await self.channels.create(
                    team, display, private=private, owner=owner if private else None
                )
                record = {
                    "team": team,
                    "channel": created["id"],
                    "name": display,
                    "private": private,
                    "owner": owner if private else None,
                    "members": [owner] if owner and private else [],
                    "conversation": None,
                    "root": None,
                    "archived": False,
                }
                self.directory.save_room(created["id"], record)
            room = await self.open_thread(record["channel"], display)
        except Refused as exc:
            log.error(
                "channel mode: Microsoft Graph refused to create the channel %r (%s)%s. "
                "Opening it as a thread in the escalations channel.",
                display,
                exc,
                f"; grant the application permission {exc.permission}" if exc.permission else "",
            )
            cause = "sign_in" if exc.sign_in else "permission" if exc.permission else "graph"
            return await self._fallback(
                name,
                private,
                home,
                owner,
                cause=cause,
                permission=exc.permission,
                reason=exc.reason,
            )
        except CallFailed as exc:
            if exc.status != 403:
                raise
            log.error(
                "channel mode: the bot may not post in the new channel %r (%s): add the app to "
                "it%s. Opening it as a thread in the escalations channel.",
                display,
                exc,
                " (private channels need the app added to each one)" if private else "",
            )
            return await self._fallback(name, private, home, owner, cause="bot_not_in_channel")
        self.directory.save_room(
            record["channel"], {**record, "conversation": room.channel, "root": room.thread}
        )
        return Room(room.channel, room.thread, display)

    async def _fallback(
        self,
        name: str,
        private: bool,
        home: dict,
        owner: str | None,
        *,
        cause: str,
        permission: str | None = None,
        reason: str | None = None,
    ) -> Room:
        if private:
            if owner and self.directory.claim(f"teams-private-blocked:{name}"):
                facts = {"name": name, "cause": cause, "permission": permission, "reason": reason}
                await self.tell(owner, Message("private_room_blocked", facts))
            raise PlatformError(f"{name}: the private channel cannot be made yet ({cause})")
        room = await self.open_thread(home["channel"], name)
        await self.say(room, fallback_note(cause, private, home, permission, reason))
        return room

    async def describe(self, record: dict, text: str) -> None:
        try:
            await self.channels.describe(record["team"], record["channel"], text)
        except Refused as exc:
            log.error(
                "channel mode: could not set the description of %r (%s)%s; the card at the "
                "top of the channel says the same.",
                record["name"],
                exc,
                f": grant {exc.permission}" if exc.permission else "",
            )

    async def add_members(self, room: Room, record: dict, people: list[str]) -> list[str]:
        """Add people to a private channel; returns those who are in it now."""
        members = list(record.get("members") or [])
        failed: list[str] = []
        refusal: Refused | None = None
        try:
            for user in people:
                if user in members:
                    continue
                try:
                    await self.channels.add_member(record["team"], record["channel"], user)
                except Refused as exc:
                    failed.append(user)
                    refusal = refusal or exc
                    continue
                members.append(user)
        finally:
            self.directory.save_room(record["channel"], {**record, "members": members})
        if refusal is not None:
            log.error(
                "channel mode: could not add %d people to the private channel %r (%s)%s",
                len(failed),
                record["name"],
                refusal,
                f": grant {refusal.permission}" if refusal.permission else "",
            )
            facts = {
                "people": failed,
                "owner": record.get("owner"),
                "permission": refusal.permission,
                "reason": refusal.reason,
            }
            await self.say(room, Message("members_failed", facts))
        return [user for user in people if user in members]

    async def archive(self, room: Room, record: dict) -> None:
        try:
            await self.channels.archive(record["team"], record["channel"])
        except Refused as exc:
            log.error(
                "channel mode: could not archive %r (%s)%s",
                record["name"],
                exc,
                f": grant {exc.permission}" if exc.permission else "",
            )
            facts = {"permission": exc.permission, "reason": exc.reason}
            await self.say(room, Message("archive_failed", facts))
            return
        self.directory.save_room(record["channel"], {**record, "archived": True})
