"""The investigation record: what the customer says, what actually happened, and why.
Editable as the investigation goes on; each save posts the current record to the room."""

from __future__ import annotations

from typing import Any

from commands import cards
from commands.desk import Desk, reply
from commands.forms import clean
from commands.invocation import Invocation
from commands.results import Accepted, FormErrors, OpenForm, Reply, Result
from storage import queries

FORM = "investigate"


def start(desk: Desk, inv: Invocation) -> OpenForm | Reply:
    with desk.db.session() as session:
        found = desk.room_escalation(session, inv, "investigate")
        if isinstance(found, Reply):
            return found
        if found.state == "closed":
            return reply(
                "not_active", key=found.key, state=found.state, action="edit its investigation"
            )
        return OpenForm(
            FORM,
            values=dict(found.investigation),
            metadata={"escalation": found.id},
            title_suffix=found.key,
        )


def submit(desk: Desk, inv: Invocation, escalation_id: int, raw: dict[str, Any]) -> Result:
    values, errors = clean(desk.playbooks.forms[FORM], raw, desk.playbooks)
    if errors:
        return FormErrors(errors)
    now = desk.now()
    with desk.db.session() as session:
        esc = queries.escalation(session, escalation_id)
        if esc is None:
            return FormErrors({"customer_view": "This escalation no longer exists."})
        first = not esc.investigation
        esc.investigation = {k: v for k, v in values.items() if v}
        queries.record(
            session,
            esc,
            at=now,
            actor=inv.user_id,
            kind="investigation_recorded" if first else "investigation_edited",
        )
        queries.enqueue(
            session,
            esc,
            at=now,
            target="room",
            template="investigation",
            context={
                **cards.summary(esc, desk.playbooks, now),
                "by": inv.user_id,
                "record": esc.investigation,
                "first": first,
                "link_as": "investigation",
            },
        )
        session.commit()
    desk.changed(escalation_id)
    return Accepted(escalation_id)
