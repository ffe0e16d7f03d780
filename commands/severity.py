"""Changing severity changes the cadence, so the next deadline is planned again."""

from __future__ import annotations

from commands import cards, leadership
from commands.desk import Desk, reply
from commands.invocation import Invocation
from commands.results import Reply
from storage import queries


def change(desk: Desk, inv: Invocation, argument: str) -> Reply:
    severities = list(desk.playbooks.policy.severities)
    wanted = argument.strip().lower()
    if wanted not in severities:
        return reply("usage", usage=f"severity {'|'.join(severities)}")
    now = desk.now()
    with desk.db.session() as session:
        found = desk.room_escalation(session, inv, "severity")
        if isinstance(found, Reply):
            return found
        esc = found
        if esc.state not in ("open", "acknowledged"):
            return reply("not_active", key=esc.key, state=esc.state, action="change its severity")
        if esc.severity == wanted:
            return reply(
                "severity_unchanged",
                key=esc.key,
                severity_label=desk.playbooks.severity_label(wanted),
            )
        previous = esc.severity
        esc.severity = wanted
        planned = desk.planned_due(esc)
        latest = queries.latest_update(session, esc.id)
        # A time promised to the customer in an update still stands if it is sooner.
        if latest is not None and latest.next_update_due < planned:
            planned = latest.next_update_due
        esc.next_update_due = planned
        queries.record(
            session,
            esc,
            at=now,
            actor=inv.user_id,
            kind="severity_changed",
            previous=previous,
            severity=wanted,
            next_update_due=planned.isoformat(),
        )
        leadership.apply_rules(session, desk, esc, now=now, actor=inv.user_id)
        queries.enqueue(
            session,
            esc,
            at=now,
            target="room",
            template="severity_changed",
            context={
                **cards.summary(esc, desk.playbooks, now),
                "by": inv.user_id,
                "previous_label": desk.playbooks.severity_label(previous),
            },
        )
        session.commit()
        key, escalation_id = esc.key, esc.id
    desk.changed(escalation_id)
    return reply("severity_done", key=key, severity_label=desk.playbooks.severity_label(wanted))
