"""Reconciliation: bring each escalation's war room in line with what is stored.

Commands only change the database (state plus queued messages, in one transaction) and
then kick this reconciler. It creates the room, sets the topic, invites people, posts and
pins the card, delivers queued messages in order, edits the card and archives the room,
recording each step as it lands. A platform failure leaves the rest for a later attempt
(with backoff), so no escalation is ever left without its room and card once the platform
answers again. A database lease makes the work single-flight across replicas.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import random
import secrets
from collections.abc import Awaitable, Callable, Mapping
from datetime import timedelta

from commands import accounts, cards, checklist
from commands.clock import Clock, utcnow
from commands.naming import room_name
from commands.ports import ChatPort, NameTaken, PlatformError, Room, Target, Unreachable
from commands.results import Message
from playbooks.loader import Playbooks
from storage import queries
from storage.db import Database
from storage.models import Escalation

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=2)
CONCURRENCY = 4  # well below the connection pool (storage.db: 10 + 20 overflow, SQLite 5 + 10)
MAX_BACKOFF = timedelta(minutes=15)


class Reconciler:
    def __init__(
        self,
        db: Database,
        playbooks: Playbooks,
        ports: Mapping[str, ChatPort],
        clock: Clock = utcnow,
        pace: Callable[[], Awaitable[None]] = lambda: asyncio.sleep(0),
    ) -> None:
        """`pace` is awaited before every step: set-up work yields to the acknowledgements
        the web server is answering (bot/foreground.py)."""
        self.db = db
        self.pace = pace
        self.playbooks = playbooks
        self.ports = ports
        self.clock = clock
        self._tasks: set[asyncio.Task] = set()
        self._slots = asyncio.Semaphore(CONCURRENCY)

    def kick(self, escalation_id: int) -> None:
        """Start reconciling now, in the background, if an event loop is running."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return  # no loop (plain tests): the scheduler's sweep will pick it up
        task = loop.create_task(self.run(escalation_id))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def drain(self) -> None:
        """Wait for every kicked reconciliation (tests and orderly shutdown)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def sweep(self) -> None:
        """Retry whatever is pending and due; the scheduler calls this periodically."""
        with self.db.session() as session:
            ids = queries.due_for_sync(session, self.clock())
        for escalation_id in ids:
            await self.run(escalation_id)

    async def run(self, escalation_id: int) -> bool:
        """Reconcile one escalation; True when everything is in place.

        At most CONCURRENCY run at once: database calls here are synchronous, so more
        set-ups in flight than pooled connections would block the event loop (and every
        acknowledgement with it) waiting for a connection."""
        async with self._slots:
            return await self._run(escalation_id)

    async def _run(self, escalation_id: int) -> bool:
        await self.pace()
        now = self.clock()
        with self.db.session() as session:
            if not queries.take_lease(session, escalation_id, now, now + LEASE):
                return False  # another worker has it; it will see our change
        while True:
            with self.db.session() as session:
                esc = queries.escalation(session, escalation_id)
                version = esc.change_version
                attempts = esc.sync_attempts
            port = self.ports.get(esc.platform)
            try:
                if port is None:
                    raise PlatformError(f"no adapter for platform {esc.platform!r} is running")
                await self._reconcile(escalation_id, _Paced(port, self.pace))
            except PlatformError as exc:
                delay = min(timedelta(seconds=30) * 2**attempts, MAX_BACKOFF)
                retry_at = self.clock() + delay * random.uniform(0.8, 1.2)
                log.warning(
                    "ESC-%s: platform step failed (%s); retrying at %s",
                    escalation_id,
                    exc,
                    retry_at.isoformat(),
                )
                with self.db.session() as session:
                    queries.release_lease(
                        session,
                        escalation_id,
                        seen_version=version,
                        finished=False,
                        retry_at=retry_at,
                        error=str(exc)[:500],
                    )
                return False
            except Exception:
                log.exception("ESC-%s: reconciliation crashed", escalation_id)
                with self.db.session() as session:
                    queries.release_lease(
                        session,
                        escalation_id,
                        seen_version=version,
                        finished=False,
                        retry_at=self.clock() + MAX_BACKOFF,
                        error="internal error, see logs",
                    )
                return False
            with self.db.session() as session:
                if queries.release_lease(
                    session, escalation_id, seen_version=version, finished=True
                ):
                    return True
                if not queries.take_lease(
                    session, escalation_id, self.clock(), self.clock() + LEASE
                ):
                    return False

    async def _reconcile(self, escalation_id: int, port: ChatPort) -> None:
        with self.db.session() as session:
            esc = queries.escalation(session, escalation_id)
            session.commit()  # hold no transaction open across the network calls below
            room = await self._ensure_room(session, esc, port)
            if not esc.topic_set:
                await port.set_topic(
                    room, Message("topic", cards.summary(esc, self.playbooks, self.clock()))
                )
                esc.topic_set = True
                self._save(session, esc)
            wanted = [esc.leader_id, esc.reporter_id, *esc.stakeholder_ids]
            missing = [u for u in dict.fromkeys(wanted) if u and u not in esc.invited_ids]
            if missing:
                await port.invite(room, missing)
                esc.invited_ids = [*esc.invited_ids, *missing]
                self._save(session, esc)
            if esc.card_message_id is None:
                version = esc.card_version
                esc.card_message_id = await port.post(
                    room, Target("room"), self._card(session, esc)
                )
                esc.card_rendered_version = version
                self._save(session, esc)
            if not esc.card_pinned and esc.card_message_id:
                await port.pin(room, esc.card_message_id)
                esc.card_pinned = True
                self._save(session, esc)
            if "checklist" not in esc.links and self._has_checklist(session, esc):
                message_id = await port.post(room, Target("room"), self._checklist(session, esc))
                self._link(session, esc, "checklist", room, message_id)
            await self._deliver(session, esc, room, port)
            if esc.card_rendered_version < esc.card_version and esc.card_message_id:
                version = esc.card_version
                await port.update(room, esc.card_message_id, self._card(session, esc))
                checklist_message = esc.links.get("checklist", {}).get("id")
                if checklist_message:  # the other living message: ticks and state
                    await port.update(room, checklist_message, self._checklist(session, esc))
                esc.card_rendered_version = version
                self._save(session, esc)
            if esc.state == "closed" and not esc.room_archived:
                await port.archive(room)
                esc.room_archived = True
                self._save(session, esc)

    async def _ensure_room(self, session, esc: Escalation, port: ChatPort) -> Room:
        if esc.room_channel:
            return Room(esc.room_channel, esc.room_thread, esc.room_name, esc.room_address)
        base = room_name(esc.key, esc.customer)
        candidates = [base] + [f"{base[:76]}-{n}" for n in range(2, 6)]
        candidates.append(f"{base[:71]}-{secrets.token_hex(4)}")
        for name in candidates:
            try:
                room = await port.create_room(
                    name, private=esc.private, kind=esc.room_kind, owner=esc.leader_id
                )
            except NameTaken:
                continue
            esc.room_channel, esc.room_thread, esc.room_name = room.channel, room.thread, room.name
            esc.room_address = room.address or room.channel
            self._save(session, esc)
            return room
        raise PlatformError(f"every room name tried for {esc.key} is taken")

    async def _deliver(self, session, esc: Escalation, room: Room, port: ChatPort) -> None:
        room_facts = {"channel": room.channel, "thread": room.thread, "name": room.name}
        pending = queries.pending_messages(session, esc.id)
        session.commit()
        for msg in pending:
            context = {**msg.context, "room": room_facts}
            try:
                msg.message_id = await port.post(
                    room, Target(msg.target, msg.target_value), Message(msg.template, context)
                )
            except Unreachable as exc:
                msg.last_error = f"unreachable: {exc}"[:500]
            except PlatformError as exc:
                msg.attempts += 1
                msg.last_error = str(exc)[:500]
                session.add(msg)
                session.commit()
                raise
            msg.sent_at = self.clock()
            session.add(msg)
            self._save(session, esc)
            if msg.context.get("link_as") and msg.message_id:
                self._link(session, esc, msg.context["link_as"], room, msg.message_id)

    def _card(self, session, esc: Escalation) -> Message:
        now = self.clock()
        latest = queries.latest_update(session, esc.id)
        message = Message(
            "status_card",
            {
                **cards.card(esc, latest, self.playbooks, now),
                "account": accounts.history(session, esc, now, self.playbooks),
                "checklist": checklist.progress(queries.checklist(session, esc.id)),
            },
        )
        session.commit()  # the message is built: free the connection before the network call
        return message

    def _checklist(self, session, esc: Escalation) -> Message:
        message = Message("checklist", checklist.context(session, self.playbooks, esc))
        session.commit()  # as in _card
        return message

    @staticmethod
    def _has_checklist(session, esc: Escalation) -> bool:
        found = bool(queries.checklist(session, esc.id))
        session.commit()
        return found

    def _link(self, session, esc: Escalation, name: str, room: Room, message_id: str | None):
        """Remember a message the card links to, and redraw the card to show the link."""
        if not message_id:
            return
        esc.links = {**esc.links, name: {"id": message_id, "channel": room.channel}}
        esc.card_version = Escalation.card_version + 1  # in SQL: never lose another's bump
        self._save(session, esc)

    def _save(self, session, esc: Escalation) -> None:
        """Record a step that landed, and keep the lease while the work goes on: a slow
        platform (a long Retry-After) must not let another replica start the same steps."""
        esc.sync_lease_until = self.clock() + LEASE
        session.add(esc)
        session.commit()


class _Paced:
    """A port whose every call first waits for its turn (Reconciler's `pace`), so that each
    network step of a set-up yields to the acknowledgements being answered."""

    def __init__(self, port: ChatPort, pace: Callable[[], Awaitable[None]]) -> None:
        self._port = port
        self._pace = pace

    def __getattr__(self, name: str):
        attribute = getattr(self._port, name)
        if not inspect.iscoroutinefunction(attribute):
            return attribute

        async def paced(*args, **kwargs):
            await self._pace()
            return await attribute(*args, **kwargs)

        return paced
