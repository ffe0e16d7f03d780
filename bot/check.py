"""`python app.py check`: is every playbook, the policy and every template usable?

Files are validated by their loaders (one line per problem). Templates are checked the way
production uses them: a sample escalation is walked through its whole life (intake, ticks,
updates, investigation, brief, reminders, resolution, post-mortem, satisfaction, follow-ups)
against a throwaway SQLite database, and every message, reply and form the commands produce
is rendered with the real Slack renderer. A template that refers to a variable the data
does not have fails here (StrictUndefined), not as a blank in front of a customer.
"""

from __future__ import annotations

import asyncio
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from jinja2 import TemplateError

from bot.slack.forms import modal
from bot.slack.render import render
from commands import (
    accounts,
    checklist,
    closing,
    drafting,
    intake,
    investigation,
    leadership,
    listing,
    resolve,
    router,
    severity,
    updates,
)
from commands.desk import Desk
from commands.invocation import Invocation
from commands.ports import Room, Target
from commands.reminders import Reminders
from commands.results import Message, OpenForm, Reply
from commands.sync import Reconciler
from playbooks import loader
from playbooks.causes import check_causes
from playbooks.loader import HERE, PlaybookError, Playbooks
from storage.db import Database

TEMPLATES = HERE / "templates" / "slack"


class RenderingPort:
    """A ChatPort that renders everything it is asked to send and remembers what failed."""

    platform = "check"

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        self.rendered: set[str] = set()
        self._n = 0

    def render(self, message: Message) -> None:
        self.rendered.add(message.template)
        try:
            render(message)
        except (TemplateError, ValueError, TypeError, KeyError) as exc:
            self.problems.append(f"{TEMPLATES / (message.template + '.json.j2')}: {exc}")

    async def create_room(
        self, name: str, *, private: bool, kind: str = "channel", owner: str | None = None
    ) -> Room:
        return Room(channel=f"C{name[:10]}", name=name)

    async def set_topic(self, room: Room, topic: Message) -> None:
        self.render(topic)

    async def invite(self, room: Room, user_ids: list[str]) -> list[str]:
        return []

    async def post(self, room: Room | None, target: Target, message: Message) -> str | None:
        self.render(message)
        self._n += 1
        return f"{self._n}.0001"

    async def update(self, room: Room, message_id: str, message: Message) -> None:
        self.render(message)

    async def pin(self, room: Room, message_id: str) -> None:
        return None

    async def archive(self, room: Room) -> None:
        return None

    async def user_timezone(self, user_id: str) -> str | None:
        return "Europe/Paris"


def check(policy_path: str | None = None) -> list[str]:
    """Every problem found, one line each; empty when all is well."""
    problems = check_causes(HERE / "causes", _keys("causes"), _keys("levers"))
    try:
        playbooks = loader.load(policy_path)
    except PlaybookError as exc:
        line = str(exc)
        return problems if line in problems else [*problems, line]
    if problems:
        return problems
    asyncio.run(_walk_through(playbooks, problems))
    return problems


def _keys(name: str) -> list[str]:
    try:
        return list(loader.load_taxonomy(HERE / "taxonomy.yml").options(name))
    except PlaybookError:
        return []


async def _walk_through(playbooks: Playbooks, problems: list[str]) -> None:
    with tempfile.TemporaryDirectory() as directory:
        db = Database(f"sqlite:///{Path(directory) / 'check.db'}")
        db.migrate()
        moment = [datetime(2026, 1, 5, 9, 0, tzinfo=UTC)]

        def clock() -> datetime:
            return moment[0]

        port = RenderingPort(problems)
        reconciler = Reconciler(db, playbooks, {"check": port}, clock=clock)
        reminders = Reminders(db, playbooks, {"check": port}, clock=clock)
        desk = Desk(db, playbooks, clock=clock)
        try:
            await _scenario(desk, reconciler, reminders, port, moment, playbooks)
        finally:
            db.dispose()


async def _scenario(desk, reconciler, reminders, port, moment, playbooks) -> None:
    reporter = Invocation("check", "UREPORTER", "CSUPPORT", origin="{}")

    def show(result) -> None:
        if isinstance(result, Reply):
            port.render(result.message)
        elif isinstance(result, OpenForm):
            try:
                modal(result, playbooks)
            except (TemplateError, ValueError, TypeError, KeyError) as exc:
                port.problems.append(f"{TEMPLATES / 'form.json.j2'} ({result.form}): {exc}")

    for text in (
        "help",
        "nonsense",
        "",
        "list",
        "report",
        "report 9x",
        "update",
        "lead",
        "Checkout is down",
    ):
        show(router.handle(desk, reporter, text))
    severity_key = next(iter(playbooks.policy.severities))
    cause = next(iter(playbooks.taxonomy.causes))
    values = {
        "customer": "new:Sample Customer <&>",
        "title": "Sample title with <!channel>",
        "severity": severity_key,
        "cause": cause,
        "business_impact": "Orders blocked",
        "ideal_resolution": "Working again today",
        "annual_contract_value": "250000",
        "renewal_date": "2026-03-01",
        "leader": "ULEADER",
        "stakeholders": ["UCSM"],
        "flags": list(playbooks.taxonomy.flags),
        "customer_timezone": "Europe/Paris",
    }
    opened = intake.submit(desk, reporter, values, intake_key="check", origin="{}")
    escalation_id = opened.escalation_id
    await reconciler.run(escalation_id)
    # A second escalation for the same account: the note the form shows when it is picked,
    # and the welcome of one stored after its form closed (acknowledged) regardless.
    found = intake.open_for(desk, reporter, values["customer"])
    port.render(Message("open_elsewhere", {**found, "block_id": "customer_note"}))
    again = intake.submit(
        desk, reporter, values, intake_key="check-again", origin="{}", acknowledged=True
    )
    await reconciler.run(again.escalation_id)
    from storage import queries

    with desk.db.session() as session:
        room = queries.escalation(session, escalation_id).room_address
        items = queries.checklist(session, escalation_id)
    inside = Invocation("check", "ULEADER", room)
    for text in (
        "update",
        "investigate",
        "account",
        "exec",
        "resolve",
        "draft",
        "lead ULEADER",
        f"severity {severity_key}",
        f"cause {cause}",
        "close",
        "join ESC-1",
        "list overdue",
        "report 30",
    ):
        show(router.handle(desk, inside, text))
    if items:
        checklist.tick(desk, inside, escalation_id, items[0].step, [items[0].key])
    other = next((c for c in playbooks.taxonomy.causes if c != cause), cause)
    show(checklist.change_cause(desk, inside, other))
    moment[0] += timedelta(days=8)
    await reminders.scan()
    show(
        updates.submit(
            desk, inside, escalation_id, {"what_we_know": "Known", "what_we_are_doing": "Doing"}
        )
    )
    accounts.submit_edit(
        desk, inside, escalation_id, {"annual_contract_value": "500000", "csm": "UCSM2"}
    )
    show(drafting.draft(desk, inside))
    show(
        investigation.submit(
            desk, inside, escalation_id, {"customer_view": "View", "facts": "Facts"}
        )
    )
    show(
        leadership.submit_exec(
            desk,
            inside,
            escalation_id,
            {
                "problem": "P",
                "option_1": "A",
                "option_2": "B",
                "option_3": "C",
                "recommendation": "R",
                "enrol": True,
            },
        )
    )
    show(severity.change(desk, inside, list(playbooks.policy.severities)[-1]))
    show(
        resolve.submit(
            desk,
            inside,
            escalation_id,
            {
                "root_cause": "Cause",
                "resolution": "Fix",
                "prevention": "Measure one\nMeasure two",
                "levers": list(playbooks.taxonomy.levers),
                "lever_detail": "Credit",
                "commitments": "Review",
            },
        )
    )
    show(closing.postmortem(desk, inside))
    show(closing.start_satisfaction(desk, inside, escalation_id))
    moment[0] += timedelta(days=30)
    await reminders.scan()
    await reconciler.run(escalation_id)
    show(closing.submit_satisfaction(desk, inside, escalation_id, {"score": "4"}))
    show(closing.complete_follow_up(desk, inside, 1))
    show(router.handle(desk, inside, "close"))
    show(listing.list_escalations(desk, inside, "all"))
    await reconciler.run(escalation_id)
    for form in playbooks.forms:
        show(OpenForm(form))
