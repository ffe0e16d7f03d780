"""Status updates: the leader's promise to the customer, kept on a cadence."""

from __future__ import annotations

from typing import Any

from commands import cards
from commands.desk import Desk, reply
from commands.forms import clean
from commands.invocation import Invocation
from commands.results import Accepted, FormErrors, OpenForm, Reply, Result
from storage import queries
from storage.models import StatusUpdate

FORM = "update"


def start(desk: Desk, inv: Invocation, escalation_id: int | None = None) -> OpenForm | Reply:
    with desk.db.session() as session:
        found = desk.target_escalation(session, inv, "update", escalation_id)
        if isinstance(found, Reply):
            return found
        esc = found
        if esc.state not in ("open", "acknowledged"):
            return reply("not_active", key=esc.key, state=esc.state, action="post an update")
        default_next = int((desk.now() + desk.update_window(esc.severity)).timestamp())
        return OpenForm(
            FORM,
            values={"next_update_at": default_next},
            metadata={"escalation": esc.id},
            title_suffix=esc.key,
        )


def submit(desk: Desk, inv: Invocation, escalation_id: int, raw: dict[str, Any]) -> Result:
    values, errors = clean(desk.playbooks.forms[FORM], raw, desk.playbooks)
    now = desk.now()
    with desk.db.session() as session:
        esc = queries.escalation(session, escalation_id)
        if esc is None:
            return FormErrors({"what_we_know": "This escalation no longer exists."})
        if esc.state not in ("open", "acknowledged"):
            return FormErrors({"what_we_know": f"{esc.key} is {esc.state}: no more updates."})
        window = desk.update_window(esc.severity)
        promised = values.get("next_update_at")
        if promised is not None and "next_update_at" not in errors:
            if promised <= now:
                errors["next_update_at"] = "Pick a time in the future."
            elif promised > now + window:
                hours = int(window.total_seconds() // 3600)
                errors["next_update_at"] = (
                    f"{desk.playbooks.severity_label(esc.severity)} escalations are updated at "
                    f"least every {hours} h: pick a time within that."
                )
        if errors:
            return FormErrors(errors)
        due = promised or now + window
        update = StatusUpdate(
            escalation_id=esc.id,
            author_id=inv.user_id,
            what_we_know=values["what_we_know"],
            what_we_are_doing=values["what_we_are_doing"],
            next_update_due=due,
            posted_at=now,
        )
        session.add(update)
        first = esc.acknowledged_at is None
        if first:
            esc.acknowledged_at = now
            esc.state = "acknowledged"
        esc.last_update_at = now
        esc.next_update_due = due
        queries.record(
            session,
            esc,
            at=now,
            actor=inv.user_id,
            kind="update_posted",
            acknowledged=first,
            next_update_due=due.isoformat(),
        )
        queries.enqueue(
            session,
            esc,
            at=now,
            target="room",
            template="update_posted",
            context={
                **cards.summary(esc, desk.playbooks, now),
                "update": cards.update(update),
                "first": first,
            },
        )
        session.commit()
    desk.changed(escalation_id)
    return Accepted(escalation_id)
