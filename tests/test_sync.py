"""The reconciler that brings a war room in line with storage, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from commands import intake, lead
from commands.desk import Desk
from commands.invocation import Invocation
from commands.sync import Reconciler
from storage import queries
from storage.db import Database
from tests.fakes import FakePort

REPORTER = Invocation(platform="test", user_id="UREP")
FORM = {
    "customer": "Initech",
    "title": "Reports empty",
    "severity": "standard",
    "cause": "product_issue",
    "business_impact": "Board pack late",
    "leader": "ULEAD",
    "stakeholders": ["UCSM", "UGONE"],
}


@pytest.fixture
def world(database_url, playbooks, clock):
    db = Database(database_url)
    db.migrate()
    port = FakePort()
    reconciler = Reconciler(db, playbooks, {"test": port}, clock=clock)
    desk = Desk(db, playbooks, clock=clock)
    yield desk, reconciler, port
    db.dispose()


def opened(desk, key="k") -> int:
    return intake.submit(desk, REPORTER, FORM, intake_key=key, origin=None).escalation_id


async def test_full_setup_in_order(world):
    desk, reconciler, port = world
    esc_id = opened(desk)
    assert await reconciler.run(esc_id)
    assert list(port.rooms) == ["esc-1-initech"]
    assert port.invited == ["ULEAD", "UREP", "UCSM", "UGONE"]
    assert port.templates()[:2] == ["status_card", "checklist"] and port.pins == ["m1"]
    assert port.templates()[2:] == ["welcome", "lead_assigned", "announcement", "war_room_ready"]
    with desk.db.session() as session:
        esc = queries.escalation(session, esc_id)
        assert not esc.sync_pending and esc.card_message_id == "m1"
        assert queries.pending_messages(session, esc_id) == []


async def test_failure_midway_resumes_where_it_stopped(world, clock):
    desk, reconciler, port = world
    esc_id = opened(desk)
    port.fail["pin"] = 1
    assert not await reconciler.run(esc_id)
    assert port.pins == [] and len(port.rooms) == 1
    await reconciler.sweep()  # the retry is not due yet
    assert port.pins == []
    clock.advance(minutes=5)
    await reconciler.sweep()
    assert port.pins == ["m1"]
    assert len(port.rooms) == 1 and port.templates().count("status_card") == 1
    assert port.templates().count("welcome") == 1


async def test_changes_after_setup_edit_the_card_and_invite_the_new_leader(world):
    desk, reconciler, port = world
    esc_id = opened(desk)
    await reconciler.run(esc_id)
    with desk.db.session() as session:
        room = queries.escalation(session, esc_id).room_channel
    lead.hand_over(desk, Invocation(platform="test", user_id="ULEAD", channel_id=room), "UNEW")
    await reconciler.run(esc_id)
    assert port.invited[-1] == "UNEW"
    message_id, card = [(i, m) for i, m in port.updates if m.template == "status_card"][-1]
    assert message_id == "m1" and card.context["leader"] == "UNEW"


async def test_unreachable_person_is_skipped_not_retried_forever(world):
    desk, reconciler, port = world
    port.unreachable.add("ULEAD")
    esc_id = opened(desk)
    assert await reconciler.run(esc_id)
    with desk.db.session() as session:
        dm = [m for m in queries.messages(session, esc_id) if m.target == "user"][0]
    assert dm.sent_at is not None and dm.last_error.startswith("unreachable")


async def test_only_one_worker_reconciles_an_escalation_at_a_time(world, clock):
    desk, reconciler, port = world
    esc_id = opened(desk)
    with desk.db.session() as session:
        assert queries.take_lease(session, esc_id, clock(), clock() + timedelta(minutes=2))
    assert not await reconciler.run(esc_id)  # someone else holds it
    assert port.rooms == {}
    clock.advance(minutes=3)  # that worker died; its lease runs out
    assert await reconciler.run(esc_id)
    assert len(port.rooms) == 1


async def test_concurrent_kicks_create_one_room(world):
    desk, reconciler, port = world
    esc_id = opened(desk)
    await asyncio.gather(*(reconciler.run(esc_id) for _ in range(5)))
    await reconciler.sweep()
    assert len(port.rooms) == 1 and port.templates().count("status_card") == 1
