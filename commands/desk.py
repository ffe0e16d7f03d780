"""The escalation desk: the dependencies every command shares, and the lookups they repeat."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlmodel import Session

from commands.clock import Clock, utcnow
from commands.invocation import Invocation
from commands.results import Message, Reply
from playbooks.loader import Playbooks
from storage import queries
from storage.db import Database
from storage.models import Escalation


@dataclass
class Desk:
    db: Database
    playbooks: Playbooks
    clock: Clock = utcnow
    # Called with an escalation id after a change was committed, so the platform side catches up.
    on_change: Callable[[int], None] = field(default=lambda _id: None)
    # Awaited by adapters before work that runs after an acknowledgement: in a web server it
    # waits for a moment when no request is being answered (bot/foreground.py).
    pace: Callable[[], Awaitable[None]] = field(default=lambda: asyncio.sleep(0))

    def now(self) -> datetime:
        return self.clock()

    def changed(self, escalation_id: int) -> None:
        self.on_change(escalation_id)

    def room_escalation(
        self, session: Session, inv: Invocation, command: str
    ) -> Escalation | Reply:
        """The escalation whose war room the command was typed in, or the reply explaining where
        to run it."""
        esc = (
            queries.escalation_by_room(session, inv.platform, inv.channel_id)
            if inv.channel_id
            else None
        )
        if esc is None:
            return Reply(Message("not_in_war_room", {"command": command}))
        return esc

    def target_escalation(
        self, session: Session, inv: Invocation, command: str, escalation_id: int | None
    ) -> Escalation | Reply:
        """The escalation a button names by id, else the one whose war room this is."""
        if escalation_id is None:
            return self.room_escalation(session, inv, command)
        esc = queries.escalation(session, escalation_id)
        return esc if esc is not None else Reply(Message("unknown_escalation"))

    def planned_due(self, esc: Escalation, base: datetime | None = None) -> datetime:
        """When the next update is owed: opening + acknowledge_within until the first update,
        then the last update + update_every."""
        cadence = self.playbooks.policy.cadence(esc.severity)
        if esc.last_update_at is None:
            return esc.opened_at + cadence.acknowledge_within
        return (base or esc.last_update_at) + cadence.update_every

    def update_window(self, severity: str) -> timedelta:
        return self.playbooks.policy.cadence(severity).update_every


def reply(template: str, **context: object) -> Reply:
    return Reply(Message(template, dict(context)))
