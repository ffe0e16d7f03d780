"""Issue 4 without a platform: accounts, checklists, leadership rules, investigation, drafts,
1-3-1 briefs, post-mortems, satisfaction and follow-ups, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from commands import (
    checklist,
    closing,
    drafting,
    intake,
    investigation,
    leadership,
    resolve,
    severity,
    updates,
)
from commands.desk import Desk
from commands.invocation import Invocation
from commands.reminders import Reminders
from commands.results import Accepted, FormErrors
from commands.sync import Reconciler
from playbooks import loader
from storage import queries
from storage.db import Database
from storage.models import Account
from tests.fakes import FakePort

POLICY = """
severities:
  critical: {acknowledge_within: 1h, update_every: 24h}
  high: {acknowledge_within: 2h, update_every: 48h}
leadership: [UVP]
leadership_rules:
  contract_value_at_least: 100000
  severities: [critical]
satisfaction_after: 2d
"""
REPORTER = Invocation("test", "UREP", "CSUPPORT")


def form(**overrides):
    values = {
        "customer": "new:Globex",
        "title": "Invoices doubled",
        "severity": "high",
        "cause": "renewal_dispute",
        "business_impact": "Finance blocked",
        "leader": "ULEAD",
        "customer_timezone": "Europe/Berlin",
    }
    values.update(overrides)
    return values


class World:
    def __init__(self, url, clock, policy):
        self.db = Database(url)
        self.db.migrate()
        self.clock = clock
        self.playbooks = loader.load(policy)
        self.port = FakePort()
        self.desk = Desk(self.db, self.playbooks, clock=clock)
        self.reconciler = Reconciler(self.db, self.playbooks, {"test": self.port}, clock=clock)
        self.reminders = Reminders(self.db, self.playbooks, {"test": self.port}, clock=clock)

    async def open(self, key="k", **overrides) -> int:
        result = intake.submit(self.desk, REPORTER, form(**overrides), intake_key=key, origin=None)
        assert isinstance(result, Accepted), result
        await self.reconciler.run(result.escalation_id)
        return result.escalation_id

    def room(self, escalation_id, user="ULEAD") -> Invocation:
        with self.db.session() as session:
            channel = queries.escalation(session, escalation_id).room_channel
        return Invocation("test", user, channel)

    def esc(self, escalation_id):
        with self.db.session() as session:
            return queries.escalation(session, escalation_id)

    def timeline(self, escalation_id):
        with self.db.session() as session:
            return [e for e in queries.timeline(session, escalation_id)]

    def sent(self, template):
        return [(t.value, m.context) for _, t, m in self.port.posts if m.template == template]


@pytest.fixture
def world(database_url, clock, tmp_path):
    path = tmp_path / "policy.yml"
    path.write_text(POLICY)
    w = World(database_url, clock, path)
    yield w
    w.db.dispose()


async def test_accounts_are_found_or_created_and_history_shows(world, clock):
    first = await world.open(key="a", tier="enterprise", csm="UCSM", ae="UAE")
    with world.db.session() as session:
        [account] = session.exec(select(Account)).all()
    assert account.name == "Globex" and account.timezone == "Europe/Berlin"
    assert (account.tier, account.csm_id, account.ae_id) == ("enterprise", "UCSM", "UAE")
    assert {"UCSM", "UAE"} <= set(world.esc(first).stakeholder_ids)  # in the room
    resolve.submit(world.desk, world.room(first), first, {"root_cause": "x", "resolution": "y"})
    clock.advance(days=10)
    second = await world.open(key="b", customer=f"acct:{account.id}")
    assert world.esc(second).account_id == account.id
    card = world.port.posts[[m.template for _, _, m in world.port.posts].index("status_card", 6)][
        2
    ].context
    assert card["account"]["rank_in_window"] == 2 and card["account"]["name"] == "Globex"
    assert card["account"]["tier_label"] == "Enterprise" and card["account"]["csm"] == "UCSM"


async def test_a_second_open_escalation_is_questioned_before_it_opens(world):
    first = await world.open(key="a")
    result = intake.submit(
        world.desk, REPORTER, form(customer="globex"), intake_key="b", origin=None
    )
    assert isinstance(result, FormErrors)
    error = result.errors["customer"]  # a message: each platform words `join` its own way
    assert error.template == "open_elsewhere_error" and error.context["key"] == "ESC-1"
    assert intake.validate(world.desk, REPORTER, form(customer="globex")) is not None
    separate = intake.submit(
        world.desk, REPORTER, form(customer="globex", separate=True), intake_key="b", origin=None
    )
    assert isinstance(separate, Accepted)
    joined = closing.join(world.desk, Invocation("test", "UNEW"), "esc-1")
    assert joined.message.template == "joined"
    assert "UNEW" in world.esc(first).stakeholder_ids


async def test_checklist_is_posted_ticked_and_counted(world, clock):
    esc = await world.open()
    [(_, posted)] = world.sent("checklist")
    steps = [g["step"] for g in posted["groups"]]
    assert steps == ["acknowledge", "investigate", "communicate", "use_levers", "collaborate"]
    first_group = posted["groups"][0]
    keys = [i["key"] for i in first_group["items"]][:2]
    checklist.tick(world.desk, world.room(esc), esc, "acknowledge", keys)
    await world.reconciler.run(esc)
    with world.db.session() as session:
        done = [i for i in queries.checklist(session, esc) if i.done_at]
    assert {i.key for i in done} == set(keys) and all(i.done_by == "ULEAD" for i in done)
    card = [m for _, m in world.port.updates if m.template == "status_card"][-1].context
    assert card["checklist"]["done"] == 2
    assert any(m.template == "checklist" for _, m in world.port.updates)
    checklist.tick(world.desk, world.room(esc), esc, "acknowledge", keys[:1])
    with world.db.session() as session:
        assert sum(1 for i in queries.checklist(session, esc) if i.done_at) == 1


async def test_changing_the_cause_keeps_shared_ticks(world):
    esc = await world.open()
    checklist.tick(
        world.desk,
        world.room(esc),
        esc,
        "acknowledge",
        ["acknowledge-within-hours", "ask-business-impact"],
    )
    with world.db.session() as session:
        before = {i.key for i in queries.checklist(session, esc)}
    reply = checklist.change_cause(world.desk, world.room(esc), "product_issue")
    assert reply.message.context["kept"] == 2
    with world.db.session() as session:
        items = queries.checklist(session, esc)
    assert {i.key for i in items if i.done_at} == {
        "acknowledge-within-hours",
        "ask-business-impact",
    }
    assert {i.key for i in items} != before
    assert world.esc(esc).cause == "product_issue"


async def test_each_leadership_rule_fires_once_and_is_recorded(world):
    esc = await world.open(annual_contract_value="250000", flags=["legal_action"])
    [(to, brief)] = world.sent("leadership_rule_brief")
    assert to == "UVP" and set(brief["rules"]) == {"contract_value", "legal_action"}
    severity.change(world.desk, world.room(esc), "critical")
    await world.reconciler.run(esc)
    briefs = world.sent("leadership_rule_brief")
    assert [b["rules"] for _, b in briefs] == [
        ["contract_value", "legal_action"],
        ["severity_critical"],
    ]
    severity.change(world.desk, world.room(esc), "high")
    severity.change(world.desk, world.room(esc), "critical")
    await world.reconciler.run(esc)
    assert len(world.sent("leadership_rule_brief")) == 2
    fired = [e.detail["rules"] for e in world.timeline(esc) if e.kind == "leadership_looped_in"]
    assert fired == [["contract_value", "legal_action"], ["severity_critical"]]
    assert "UVP" in world.port.invited


async def test_investigation_round_trip_and_link(world):
    esc = await world.open()
    opened = investigation.start(world.desk, world.room(esc))
    assert opened.form == "investigate" and opened.values == {}
    result = investigation.submit(
        world.desk,
        world.room(esc),
        esc,
        {
            "customer_view": "Billed twice",
            "facts": "Job ran twice",
            "prevention": "Idempotent billing",
        },
    )
    assert isinstance(result, Accepted)
    reopened = investigation.start(world.desk, world.room(esc))
    assert reopened.values["facts"] == "Job ran twice"
    await world.reconciler.run(esc)
    assert world.esc(esc).links["investigation"]["id"]


async def test_draft_uses_the_latest_update_and_the_customers_time_zone(world, clock):
    esc = await world.open()
    assert drafting.draft(world.desk, world.room(esc)).message.template == "draft_needs_update"
    updates.submit(
        world.desk,
        world.room(esc),
        esc,
        {
            "what_we_know": "Duplicate invoices came from a retried job",
            "what_we_are_doing": "Voiding them today",
        },
    )
    reply = drafting.draft(world.desk, world.room(esc))
    text = reply.message.context["text"]
    assert "Duplicate invoices came from a retried job" in text and "Voiding them" in text
    # 09:00 UTC + 48 h → Wednesday 10:00 in Berlin
    assert "Wednesday 25 November, 10:00 (Europe/Berlin)" in text


async def test_exec_brief_reaches_leadership_and_enrols_sponsorship(world):
    esc = await world.open()
    assert leadership.start_exec(world.desk, world.room(esc)).form == "exec"
    result = leadership.submit_exec(
        world.desk,
        world.room(esc),
        esc,
        {
            "problem": "Renewal at risk",
            "option_1": "Credit",
            "option_2": "Discount",
            "option_3": "Exec call",
            "recommendation": "Credit plus exec call",
            "enrol": True,
            "sponsor": "UCEO",
        },
    )
    assert isinstance(result, Accepted)
    await world.reconciler.run(esc)
    [(to, brief)] = [(t, c) for t, c in world.sent("exec_brief") if t == "UVP"]
    assert brief["options"] == ["Credit", "Discount", "Exec call"]
    with world.db.session() as session:
        account = session.get(Account, world.esc(esc).account_id)
    assert account.sponsor_id == "UCEO" and account.sponsor_since is not None


async def test_postmortem_contains_root_cause_prevention_and_timeline(world):
    esc = await world.open()
    updates.submit(
        world.desk,
        world.room(esc),
        esc,
        {"what_we_know": "Retried job", "what_we_are_doing": "Voiding"},
    )
    resolve.submit(
        world.desk,
        world.room(esc),
        esc,
        {
            "root_cause": "A billing job retried without idempotency",
            "resolution": "Voided the duplicates",
            "prevention": "Idempotency keys\nAlerting",
            "levers": ["pricing"],
            "lever_detail": "10% credit",
            "commitments": "Quarterly review",
        },
    )
    closing.postmortem(world.desk, world.room(esc))
    await world.reconciler.run(esc)
    document = world.esc(esc).postmortem
    for expected in (
        "A billing job retried without idempotency",
        "Idempotency keys",
        "opened",
        "resolved",
        "Quarterly review",
        "10% credit",
        "Retried job",
    ):
        assert expected in document
    [(_, posted)] = world.sent("postmortem")
    assert posted["file"]["content"] == document


async def test_satisfaction_is_asked_at_the_right_time_and_stored(world, clock):
    esc = await world.open()
    resolve.submit(world.desk, world.room(esc), esc, {"root_cause": "x", "resolution": "y"})
    clock.advance(days=1, hours=23)
    await world.reminders.scan()
    await world.reconciler.sweep()
    assert world.sent("satisfaction_request") == []
    clock.advance(hours=2)
    await world.reminders.scan()
    await world.reminders.scan()
    await world.reconciler.sweep()
    [(to, _)] = world.sent("satisfaction_request")
    assert to == "ULEAD"
    bad = closing.submit_satisfaction(world.desk, world.room(esc), esc, {"score": "9"})
    assert isinstance(bad, FormErrors)
    closing.submit_satisfaction(
        world.desk,
        world.room(esc),
        esc,
        {"score": "4", "comment": "Fast once it reached the right team"},
    )
    stored = world.esc(esc)
    assert stored.satisfaction_score == 4 and "right team" in stored.satisfaction_comment


async def test_follow_ups_are_created_and_their_owners_nudged(world, clock):
    esc = await world.open()
    resolve.submit(
        world.desk,
        world.room(esc),
        esc,
        {
            "root_cause": "x",
            "resolution": "y",
            "prevention": "- Add alerting\n- Runbook",
            "follow_up_owner": "UENG",
        },
    )
    with world.db.session() as session:
        items = queries.follow_ups(session, esc)
    assert [(i.text, i.owner_id) for i in items] == [("Add alerting", "UENG"), ("Runbook", "UENG")]
    assert items[0].due_at == clock() + timedelta(days=14)
    clock.advance(days=14, minutes=1)
    await world.reminders.scan()
    await world.reconciler.sweep()
    nudges = world.sent("follow_up_due")
    assert sorted(n["follow_up"]["text"] for _, n in nudges) == ["Add alerting", "Runbook"]
    closing.complete_follow_up(world.desk, Invocation("test", "UENG"), items[0].id)
    clock.advance(days=1)
    await world.reminders.scan()
    await world.reconciler.sweep()
    assert [n["follow_up"]["text"] for _, n in world.sent("follow_up_due")][2:] == ["Runbook"]


async def test_the_account_is_edited_from_its_war_room_and_carried_into_it(world):
    from commands import accounts, router

    esc = await world.open(annual_contract_value="50000")
    assert world.sent("leadership_rule_note") == []  # 50k: below the rule's threshold
    inside = world.room(esc)
    form_ = router.handle(world.desk, inside, "account")
    assert form_.form == "account" and form_.values["annual_contract_value"] == "50000"
    assert form_.values["customer_timezone"] == "Europe/Berlin"

    refused = accounts.submit_edit(world.desk, inside, esc, {"annual_contract_value": "lots"})
    assert "number" in refused.errors["annual_contract_value"]

    saved = accounts.submit_edit(
        world.desk,
        inside,
        esc,
        {
            "annual_contract_value": "250000",
            "renewal_date": "2027-01-31",
            "customer_timezone": "Europe/Berlin",
            "csm": "UCSM2",
        },
    )
    assert isinstance(saved, Accepted)
    await world.reconciler.run(esc)
    after = world.esc(esc)
    assert after.annual_contract_value == 250000 and str(after.renewal_date) == "2027-01-31"
    assert "UCSM2" in after.stakeholder_ids and "UCSM2" in world.port.invited  # joins the room
    [(_, note)] = world.sent("account_updated")
    assert note["changed"] == ["Annual contract value", "Renewal date", "Customer Success Manager"]
    assert [c["rules"] for _, c in world.sent("leadership_rule_note")] == [["contract_value"]]
    card = [m for _, m in world.port.updates if m.template == "status_card"][-1].context
    assert card["account"]["csm"] == "UCSM2"
    assert "account_updated" in [e.kind for e in world.timeline(esc)]
    # Outside a war room it says where to run it.
    elsewhere = router.handle(world.desk, REPORTER, "account")
    assert elsewhere.message.template == "not_in_war_room"


async def test_satisfaction_is_not_asked_weeks_after_it_fell_due(world, clock):
    """Say the bot was down: three weeks after resolution, the customer's feelings are old
    news, and the scan never walks every escalation ever resolved."""
    esc = await world.open()
    resolve.submit(world.desk, world.room(esc), esc, {"root_cause": "x", "resolution": "y"})
    clock.advance(days=2 + 14, minutes=1)
    await world.reminders.scan()
    await world.reconciler.sweep()
    assert world.sent("satisfaction_request") == []


async def test_report_shows_the_patterns_across_escalations(world, clock):
    from commands import router

    first = await world.open(key="a", cause="renewal_dispute")
    updates.submit(
        world.desk, world.room(first), first, {"what_we_know": "a", "what_we_are_doing": "b"}
    )
    clock.advance(hours=30)
    resolve.submit(
        world.desk,
        world.room(first),
        first,
        {"root_cause": "x", "resolution": "y", "levers": ["pricing"]},
    )
    await world.open(key="b", cause="renewal_dispute", separate=True)  # Globex again
    await world.open(key="c", customer="new:Initech", cause="product_issue", severity="critical")
    closing.submit_satisfaction(world.desk, world.room(first), first, {"score": "4"})

    facts = router.handle(world.desk, REPORTER, "report").message.context
    assert (facts["days"], facts["total"], facts["active"], facts["resolved"]) == (90, 3, 2, 1)
    assert [(c["key"], c["count"]) for c in facts["causes"]] == [
        ("renewal_dispute", 2),
        ("product_issue", 1),
    ]
    [again] = facts["repeat_accounts"]
    assert (again["name"], again["count"]) == ("Globex", 2)
    assert again["escalations"] == ["ESC-1", "ESC-2"]
    assert facts["acknowledge_median"] == "0.0 h" and facts["resolve_median"] == "30.0 h"
    assert [lever["key"] for lever in facts["levers"]] == ["pricing"]
    assert (facts["satisfaction"], facts["satisfaction_count"]) == (4.0, 1)
    # A shorter window leaves out what is older; a nonsense window is answered with usage.
    clock.advance(days=10)
    assert router.handle(world.desk, REPORTER, "report 7").message.context["total"] == 0
    assert router.handle(world.desk, REPORTER, "report lots").message.template == "usage"
