"""The commands without any platform, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from commands import close, intake, lead, listing, resolve, router, severity, updates
from commands.desk import Desk
from commands.invocation import Invocation
from commands.results import Accepted, FormErrors, OpenForm, Reply
from storage import queries
from storage.db import Database

REPORTER = Invocation(platform="test", user_id="UREP", channel_id="CSUPPORT")


def form(**overrides):
    values = {
        "customer": "Globex",
        "title": "Invoices doubled",
        "severity": "high",
        "cause": "renewal_dispute",
        "business_impact": "Finance team blocked",
        "annual_contract_value": "90,000",
        "leader": "ULEAD",
        "stakeholders": ["UCSM"],
    }
    values.update(overrides)
    return values


@pytest.fixture
def desk(database_url, playbooks, clock):
    db = Database(database_url)
    db.migrate()
    yield Desk(db, playbooks, clock=clock)
    db.dispose()


def open_one(desk, key="k1", **overrides) -> int:
    result = intake.submit(desk, REPORTER, form(**overrides), intake_key=key, origin=None)
    assert isinstance(result, Accepted)
    with desk.db.session() as session:
        esc = queries.escalation(session, result.escalation_id)
        esc.room_channel = esc.room_address = f"room-{esc.id}"  # as the reconciler would
        session.add(esc)
        session.commit()
    return result.escalation_id


def in_room(escalation_id: int, user: str = "ULEAD") -> Invocation:
    return Invocation(platform="test", user_id=user, channel_id=f"room-{escalation_id}")


def load(desk, escalation_id):
    with desk.db.session() as session:
        return queries.escalation(session, escalation_id)


def test_intake_stores_everything_and_owes_an_acknowledgement(desk, clock):
    esc = load(desk, open_one(desk))
    assert (esc.key, esc.customer, esc.state, esc.leader_id) == ("ESC-1", "Globex", "open", "ULEAD")
    assert esc.annual_contract_value == Decimal("90000")
    assert esc.next_update_due == clock() + timedelta(hours=2)  # high: acknowledge within 2 h
    with desk.db.session() as session:
        kinds = [e.kind for e in queries.timeline(session, esc.id)]
        targets = [m.target for m in queries.messages(session, esc.id)]
    assert kinds == ["opened"]
    assert targets == ["room", "user", "announcements", "origin"]


def test_the_same_submission_twice_is_one_escalation(desk):
    first = intake.submit(desk, REPORTER, form(), intake_key="same", origin=None)
    second = intake.submit(desk, REPORTER, form(), intake_key="same", origin=None)
    assert first.escalation_id == second.escalation_id
    with desk.db.session() as session:
        assert len(queries.messages(session, first.escalation_id)) == 4


def test_bad_intake_values_are_errors_on_their_fields(desk):
    result = intake.submit(
        desk,
        REPORTER,
        form(
            customer="  ",
            annual_contract_value="a lot",
            severity="apocalyptic",
            renewal_date="soon",
        ),
        intake_key="bad",
        origin=None,
    )
    assert isinstance(result, FormErrors)
    assert set(result.errors) == {"customer", "annual_contract_value", "severity", "renewal_date"}


def test_first_update_acknowledges_and_sets_the_cadence(desk, clock):
    esc_id = open_one(desk)
    clock.advance(minutes=30)
    result = updates.submit(
        desk,
        in_room(esc_id),
        esc_id,
        {
            "what_we_know": "Duplicate invoices from a billing job",
            "what_we_are_doing": "Voiding the duplicates",
        },
    )
    assert isinstance(result, Accepted)
    esc = load(desk, esc_id)
    assert esc.state == "acknowledged" and esc.acknowledged_at == clock()
    assert esc.next_update_due == clock() + timedelta(hours=48)


def test_update_promise_is_enforced_and_bounded(desk, clock):
    esc_id = open_one(desk)
    soon = int((clock() + timedelta(hours=4)).timestamp())
    updates.submit(
        desk,
        in_room(esc_id),
        esc_id,
        {"what_we_know": "a", "what_we_are_doing": "b", "next_update_at": soon},
    )
    assert load(desk, esc_id).next_update_due == clock() + timedelta(hours=4)
    past = int((clock() - timedelta(hours=1)).timestamp())
    result = updates.submit(
        desk,
        in_room(esc_id),
        esc_id,
        {"what_we_know": "a", "what_we_are_doing": "b", "next_update_at": past},
    )
    assert "future" in result.errors["next_update_at"]


def test_severity_change_replans_the_next_deadline(desk, clock):
    esc_id = open_one(desk)
    updates.submit(desk, in_room(esc_id), esc_id, {"what_we_know": "a", "what_we_are_doing": "b"})
    assert load(desk, esc_id).next_update_due == clock() + timedelta(hours=48)
    reply = severity.change(desk, in_room(esc_id), "critical")
    assert isinstance(reply, Reply)
    assert load(desk, esc_id).next_update_due == clock() + timedelta(hours=24)
    assert severity.change(desk, in_room(esc_id), "purple").message.template == "usage"


def test_lead_hand_off_keeps_exactly_one_leader(desk):
    esc_id = open_one(desk)
    lead.hand_over(desk, in_room(esc_id), "<@UNEXT|next>")
    assert load(desk, esc_id).leader_id == "UNEXT"
    again = lead.hand_over(desk, in_room(esc_id), "UNEXT")
    assert again.message.template == "already_leader"
    with desk.db.session() as session:
        events = [e.kind for e in queries.timeline(session, esc_id)]
    assert events == ["opened", "lead_changed"]


def test_resolve_then_close_and_nothing_after(desk):
    esc_id = open_one(desk)
    assert close.close(desk, in_room(esc_id)).message.template == "resolve_first"
    assert isinstance(resolve.start(desk, in_room(esc_id)), OpenForm)
    result = resolve.submit(
        desk,
        in_room(esc_id),
        esc_id,
        {
            "root_cause": "Billing job ran twice",
            "resolution": "Voided",
            "levers": ["pricing", "leadership"],
            "lever_detail": "5% credit",
        },
    )
    assert isinstance(result, Accepted)
    esc = load(desk, esc_id)
    assert esc.state == "resolved" and esc.levers == ["pricing", "leadership"]
    assert esc.next_update_due is None
    assert close.close(desk, in_room(esc_id)).message.template == "close_done"
    assert load(desk, esc_id).state == "closed"
    assert updates.start(desk, in_room(esc_id)).message.template == "not_active"
    with desk.db.session() as session:
        kinds = [e.kind for e in queries.timeline(session, esc_id)]
    assert kinds == ["opened", "resolved", "closed"]


def test_list_filters(desk, clock):
    a = open_one(desk, key="a", severity="critical")
    open_one(desk, key="b", leader="UOTHER", customer="Initech")
    clock.advance(hours=1, minutes=30)  # critical acknowledges within 1 h: a is overdue
    mine = listing.list_escalations(desk, in_room(a), "mine").message.context
    assert [i["key"] for i in mine["items"]] == ["ESC-1"]
    overdue = listing.list_escalations(desk, in_room(a), "overdue").message.context
    assert [i["key"] for i in overdue["items"]] == ["ESC-1"] and overdue["items"][0]["overdue"]
    everything = listing.list_escalations(desk, in_room(a), "").message.context
    assert everything["total"] == 2
    assert listing.list_escalations(desk, in_room(a), "bogus").message.template == "usage"


def test_router_reads_titles_subcommands_and_typos(desk):
    inv = in_room(1)
    assert router.handle(desk, inv, "").form == "intake"
    opened = router.handle(desk, inv, "Invoices doubled for Globex")
    assert opened.values["title"] == "Invoices doubled for Globex"
    assert router.handle(desk, inv, "halp").message.context["unknown"] == "halp"
    assert router.handle(desk, inv, "update").message.template == "not_in_war_room"
