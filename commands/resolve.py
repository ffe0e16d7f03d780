"""Resolving: what went wrong, what fixed it, what stops it happening again, and which levers
were pulled."""

from __future__ import annotations

from typing import Any

from commands import cards
from commands.desk import Desk, reply
from commands.forms import clean
from commands.invocation import Invocation
from commands.results import Accepted, FormErrors, OpenForm, Reply, Result
from storage import queries

FORM = "resolve"


def start(desk: Desk, inv: Invocation, escalation_id: int | None = None) -> OpenForm | Reply:
    with desk.db.session() as session:
        if escalation_id is None:
            found = desk.room_escalation(session, inv, "resolve")
            if isinstance(found, Reply):
                return found
            esc = found
        else:
            esc = queries.escalation(session, escalation_id)
            if esc is None:
                return reply("unknown_escalation")
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
        queries.record(session, esc, at=now, actor=inv.user_id, kind="resolved", levers=esc.levers)
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
