"""Overdue-update reminders, on SQLite and PostgreSQL, with a movable clock."""

from __future__ import annotations

import pytest
from sqlmodel import select

from commands import intake, resolve, severity, updates
from commands.desk import Desk
from commands.invocation import Invocation
from commands.reminders import Reminders
from commands.sync import Reconciler
from playbooks import loader
from storage import queries
from storage.db import Database
from storage.models import Claim
from tests.fakes import FakePort

FORM = {
    "customer": "Umbrella",
    "title": "Sync jobs failing",
    "severity": "high",
    "cause": "product_issue",
    "business_impact": "Warehouse stalls",
    "leader": "ULEAD",
}
POLICY = """
severities:
  high: {acknowledge_within: 2h, update_every: 48h, remind_every: 4h, escalate_after: 6h,
         working_hours: "09:00-18:00"}
  critical: {acknowledge_within: 1h, update_every: 24h}
leadership: [UVP, UCRO]
"""


class World:
    def __init__(self, database_url, clock, policy_path=None):
        self.clock = clock
        self.db = Database(database_url)
        self.db.migrate()
        self.playbooks = loader.load(policy_path)
        self.port = FakePort()
        self.reconciler = Reconciler(self.db, self.playbooks, {"test": self.port}, clock=clock)
        self.desk = Desk(self.db, self.playbooks, clock=clock)
        self.reminders = self.fresh_reminders()

    def fresh_reminders(self) -> Reminders:
        """A new scheduler instance, as after a restart or on another replica."""
        return Reminders(self.db, self.playbooks, {"test": self.port}, clock=self.clock)

    async def open(self, key="k", **overrides) -> int:
        result = intake.submit(
            self.desk,
            Invocation("test", "UREP"),
            {**FORM, **overrides},
            intake_key=key,
            origin=None,
        )
        await self.reconciler.run(result.escalation_id)
        return result.escalation_id

    async def tick(self, reminders: Reminders | None = None) -> None:
        await (reminders or self.reminders).scan()
        await self.reconciler.sweep()

    def room_of(self, escalation_id):
        with self.db.session() as session:
            return queries.escalation(session, escalation_id).room_channel

    def sent(self, template: str) -> list:
        return [(t.value, m.context) for _, t, m in self.port.posts if m.template == template]


@pytest.fixture
def world(database_url, clock, tmp_path):
    path = tmp_path / "policy.yml"
    path.write_text(POLICY)
    w = World(database_url, clock, path)
    yield w
    w.db.dispose()


async def test_acknowledgement_reminder_in_room_and_dm(world, clock):
    esc = await world.open()
    clock.advance(hours=1, minutes=59)
    await world.tick()
    assert world.sent("reminder_room") == []
    clock.advance(minutes=2)
    await world.tick()
    [(_, room)] = world.sent("reminder_room")
    [(dm_to, dm)] = world.sent("reminder_dm")
    assert room["kind"] == "acknowledgement" and room["leader"] == "ULEAD"
    assert dm_to == "ULEAD" and dm["id"] == esc
    # the card now shows the overdue state
    cards = [m for _, m in world.port.updates if m.template == "status_card"]
    assert cards[-1].context["overdue"] is True


async def test_update_reminder_after_the_cadence(world, clock):
    esc = await world.open()
    updates.submit(
        world.desk,
        Invocation("test", "ULEAD"),
        esc,
        {"what_we_know": "a", "what_we_are_doing": "b"},
    )
    clock.advance(hours=47)
    await world.tick()
    assert world.sent("reminder_room") == []
    clock.advance(hours=1, minutes=1)  # Wednesday 10:01, inside working hours
    await world.tick()
    assert [c["kind"] for _, c in world.sent("reminder_room")] == ["update"]
    assert len(world.sent("reminder_dm")) == 1


async def test_repeats_once_per_remind_every_and_not_before(world, clock):
    await world.open()
    clock.advance(hours=2, minutes=1)
    for _ in range(3):
        await world.tick()
    clock.advance(hours=3, minutes=58)  # 3 h 59 m into the first period
    await world.tick()
    assert len(world.sent("reminder_room")) == 1 and len(world.sent("reminder_dm")) == 1
    clock.advance(minutes=2)
    await world.tick()
    await world.tick()
    assert [c["reminder_number"] for _, c in world.sent("reminder_room")] == [1, 2]
    assert len(world.sent("reminder_dm")) == 2


async def test_an_update_resets_the_clock(world, clock):
    esc = await world.open()
    clock.advance(hours=2, minutes=1)
    await world.tick()
    updates.submit(
        world.desk,
        Invocation("test", "ULEAD"),
        esc,
        {"what_we_know": "a", "what_we_are_doing": "b"},
    )
    clock.advance(hours=8)
    await world.tick()
    assert len(world.sent("reminder_room")) == 1  # only the one before the update


async def test_severity_change_replans_the_reminders(world, clock):
    esc = await world.open()
    clock.advance(minutes=61)
    await world.tick()
    assert world.sent("reminder_room") == []  # high: 2 h to acknowledge
    severity.change(world.desk, Invocation("test", "ULEAD", world.room_of(esc)), "critical")
    await world.tick()
    assert len(world.sent("reminder_room")) == 1  # critical: 1 h, already past


async def test_resolved_escalations_get_no_reminders(world, clock):
    esc = await world.open()
    resolve.submit(
        world.desk, Invocation("test", "ULEAD"), esc, {"root_cause": "x", "resolution": "y"}
    )
    clock.advance(days=5)
    await world.tick()
    assert world.sent("reminder_room") == [] and world.sent("reminder_dm") == []


async def test_leadership_is_looped_in_once(world, clock):
    esc = await world.open()
    clock.advance(hours=2 + 5)
    await world.tick()
    assert world.sent("leadership_brief") == []  # overdue 5 h, escalate after 6 h
    clock.advance(hours=1, minutes=1)
    for _ in range(3):
        await world.tick()
    clock.advance(hours=8)
    await world.tick()
    assert sorted(to for to, _ in world.sent("leadership_brief")) == ["UCRO", "UVP"]
    assert len(world.sent("leadership_note")) == 1
    assert {"UVP", "UCRO"} <= set(world.port.invited)
    with world.db.session() as session:
        kinds = [e.kind for e in queries.timeline(session, esc)]
    assert kinds.count("leadership_escalated") == 1


async def test_restart_with_an_overdue_escalation_sends_once(world, clock):
    await world.open()
    clock.advance(days=1, hours=3)  # several periods missed while "down"
    await world.tick(world.fresh_reminders())
    await world.tick(world.fresh_reminders())
    assert len(world.sent("reminder_room")) == 1
    assert len(world.sent("reminder_dm")) == 1


async def test_dm_waits_for_the_leaders_working_day(world, clock):
    world.port.zones["ULEAD"] = "America/New_York"  # 09:00 UTC is 04:00 there
    await world.open()
    clock.advance(hours=2, minutes=1)  # 06:01 in New York
    await world.tick()
    assert len(world.sent("reminder_room")) == 1 and world.sent("reminder_dm") == []
    clock.advance(hours=2, minutes=59)  # 09:00 in New York
    await world.tick()
    await world.tick()
    assert len(world.sent("reminder_dm")) == 1


async def test_failed_delivery_is_retried_and_sent_once(world, clock):
    await world.open()
    clock.advance(hours=2, minutes=1)
    world.port.fail["post"] = 2
    await world.tick()
    assert world.sent("reminder_room") == []
    for _ in range(6):
        clock.advance(minutes=3)
        await world.tick()
    assert len(world.sent("reminder_room")) == 1 and len(world.sent("reminder_dm")) == 1


async def test_old_claims_are_pruned_without_repeating_a_message(world, clock):
    await world.open()
    clock.advance(hours=8, minutes=1)  # overdue, and past escalate_after: leadership looped in
    await world.tick()
    with world.db.session() as session:
        queries.claim(session, "slack-event:Ev1", clock())
        old = {c.key for c in session.exec(select(Claim)).all() if c.key.startswith("remind:")}
    clock.advance(days=31)
    await world.tick()  # the current period's reminder
    sent = (len(world.sent("reminder_room")), len(world.sent("leadership_note")))

    assert world.reminders.prune() > 0
    with world.db.session() as session:
        keys = {c.key for c in session.exec(select(Claim)).all()}
    assert not any(k.startswith("slack-event:") for k in keys)
    assert old and not old & keys  # a month-old period's claims went
    assert [k for k in keys if k.startswith("remind:")]  # this period's claims stay
    assert [k for k in keys if k.startswith("leadership:")]  # once per escalation: kept

    await world.tick()
    await world.tick()
    assert (len(world.sent("reminder_room")), len(world.sent("leadership_note"))) == sent
