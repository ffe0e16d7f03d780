"""Resolving: what went wrong, what fixed it, what stops it happening again, and which levers
were pulled."""

from __future__ import annotations

from datetime import UTC, datetime, time
from typing import Any

from commands import cards
from commands.desk import Desk, reply
from commands.forms import clean
from commands.invocation import Invocation
from commands.results import Accepted, FormErrors, OpenForm, Reply, Result
from storage import queries
from storage.models import FollowUp

FORM = "resolve"


def start(desk: Desk, inv: Invocation, escalation_id: int | None = None) -> OpenForm | Reply:
    with desk.db.session() as session:
        found = desk.target_escalation(session, inv, "resolve", escalation_id)
        if isinstance(found, Reply):
            return found
        esc = found
        if esc.state not in ("open", "acknowledged"):
            return reply("not_active", key=esc.key, state=esc.state, action="resolve it")
        return OpenForm(FORM, metadata={"escalation": esc.id}, title_suffix=esc.key)


def submit(desk: Desk, inv: Invocation, escalation_id: int, raw: dict[str, Any]) -> Result:
    values, errors = clean(desk.playbooks.forms[FORM], raw, desk.playbooks)
    if errors:
        return FormErrors(errors)
    now = desk.now()
    with desk.db.session() as session:
        esc = queries.escalation(session, escalation_id)
        if esc is None or esc.state not in ("open", "acknowledged"):
            state = esc.state if esc else "gone"
            return FormErrors({"root_cause": f"This escalation is already {state}."})
        esc.state = "resolved"
        esc.resolved_at = now
        esc.next_update_due = None
        esc.root_cause = values["root_cause"]
        esc.resolution = values["resolution"]
        esc.prevention = values["prevention"]
        esc.levers = values["levers"]
        esc.lever_detail = values["lever_detail"]
        esc.commitments = values["commitments"]
        follow_ups = _follow_ups(desk, esc, values, now)
        session.add_all(follow_ups)
        queries.record(
            session,
            esc,
            at=now,
            actor=inv.user_id,
            kind="resolved",
            levers=esc.levers,
            follow_ups=len(follow_ups),
        )
        queries.enqueue(
            session,
            esc,
            at=now,
            target="room",
            template="resolved",
            context={**cards.card(esc, None, desk.playbooks, now), "by": inv.user_id},
        )
        session.commit()
    desk.changed(escalation_id)
    return Accepted(escalation_id)


def _follow_ups(desk: Desk, esc, values: dict, now: datetime) -> list[FollowUp]:
    """Each line of the prevention measures becomes work with an owner and a due date."""
    if values["follow_up_due"]:
        due = datetime.combine(values["follow_up_due"], time(17, 0), tzinfo=UTC)
    else:
        due = now + desk.playbooks.policy.follow_up_within
    owner = values["follow_up_owner"] or esc.leader_id
    lines = [line.strip(" -•*\t") for line in (values["prevention"] or "").splitlines()]
    return [
        FollowUp(escalation_id=esc.id, text=line[:500], owner_id=owner, due_at=due)
        for line in lines
        if line
    ]
