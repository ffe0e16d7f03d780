"""What the Teams adapter remembers between turns, in the shared tables (no migration):

- ConversationRef scope `user`, key = person id: their 1:1 chat with the bot (captured on
  install or on their first message), with their time zone. Teams only lets a bot write to
  someone who has a conversation with it, so reminders and DMs need this.
- ConversationRef scope `member`, key = person id: their display name (for mention text).
- Setting `teams.escalations_channel`: the channel (and team) where war rooms open, set by
  `escalations here`, so it survives restarts.
- ConversationRef scope `room`, key = Teams channel id: a war room that is a channel of its
  own (channel mode): its team, name, privacy, members added, root thread, archived. Saved
  as soon as Graph creates the channel, so a retry reuses it instead of creating another;
  scope `room_name`, key = team + name, finds it again by the name the reconciler asks for.

A person's id is their Entra (AAD) object id when Teams gives one (the people picker returns
those, and mentions accept them), else the Bot Framework id (the Emulator).
"""

from __future__ import annotations

from typing import Any

from commands.clock import Clock
from storage import queries
from storage.db import Database

PLATFORM = "teams"
CHANNEL_SETTING = "teams.escalations_channel"


def person_id(account: Any) -> str:
    """The id the commands see for a Teams account (ChannelAccount or its dict)."""
    if isinstance(account, dict):
        return account.get("aadObjectId") or account.get("id") or ""
    return getattr(account, "aad_object_id", None) or getattr(account, "id", None) or ""


class Directory:
    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock
        self._names: dict[str, str] = {}

    # ---- people -------------------------------------------------------------------------
    def remember_name(self, user_id: str, name: str | None) -> None:
        """Store a display name once per change (every activity carries the sender's)."""
        if not user_id or not name or self._names.get(user_id) == name:
            return
        self._names[user_id] = name
        with self.db.session() as session:
            queries.save_reference(
                session,
                platform=PLATFORM,
                scope="member",
                key=user_id,
                reference={"name": name},
                now=self.clock(),
            )

    def name(self, user_id: str) -> str | None:
        if user_id in self._names:
            return self._names[user_id]
        with self.db.session() as session:
            found = queries.reference(session, platform=PLATFORM, scope="member", key=user_id)
        name = (found or {}).get("name")
        if name:
            self._names[user_id] = name
        return name

    # ---- 1:1 chats ----------------------------------------------------------------------
    def save_personal(self, user_id: str, reference: dict, timezone: str | None) -> None:
        with self.db.session() as session:
            queries.save_reference(
                session,
                platform=PLATFORM,
                scope="user",
                key=user_id,
                reference={"reference": reference, "timezone": timezone},
                now=self.clock(),
            )

    def personal(self, user_id: str) -> dict | None:
        with self.db.session() as session:
            return queries.reference(session, platform=PLATFORM, scope="user", key=user_id)

    # ---- where war rooms open -----------------------------------------------------------
    def save_channel(self, value: dict) -> None:
        with self.db.session() as session:
            queries.save_setting(session, CHANNEL_SETTING, value, self.clock())

    def channel(self) -> dict | None:
        with self.db.session() as session:
            return queries.setting(session, CHANNEL_SETTING)

    # ---- war rooms that are channels (channel mode) ------------------------------------
    def save_room(self, channel_id: str, record: dict) -> None:
        with self.db.session() as session:
            now = self.clock()
            queries.save_reference(
                session, platform=PLATFORM, scope="room", key=channel_id, reference=record, now=now
            )
            queries.save_reference(
                session,
                platform=PLATFORM,
                scope="room_name",
                key=f"{record['team']} {record['name']}",
                reference={"channel": channel_id},
                now=now,
            )

    def room(self, channel_id: str) -> dict | None:
        """The record of a war-room channel, by its channel id (`19:…@thread.tacv2`)."""
        with self.db.session() as session:
            return queries.reference(session, platform=PLATFORM, scope="room", key=channel_id)

    def room_of(self, conversation: str | None) -> dict | None:
        """The war-room channel a conversation (`<channel id>;messageid=…`) belongs to."""
        return self.room(conversation.split(";")[0]) if conversation else None

    def room_named(self, team: str, name: str) -> dict | None:
        with self.db.session() as session:
            found = queries.reference(
                session, platform=PLATFORM, scope="room_name", key=f"{team} {name}"
            )
        return self.room(found["channel"]) if found else None

    def claim(self, key: str) -> bool:
        """Exactly once across replicas (used to report an unreachable person once)."""
        with self.db.session() as session:
            return queries.claim(session, key, self.clock())
