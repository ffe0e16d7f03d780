"""Opening an escalation: the intake form and what its submission sets in motion."""

from __future__ import annotations

from typing import Any

from sqlalchemy.exc import IntegrityError

from commands import cards
from commands.desk import Desk
from commands.forms import clean
from commands.invocation import Invocation
from commands.results import Accepted, FormErrors, OpenForm, Result
from storage import queries
from storage.models import Escalation

FORM = "intake"


def start(desk: Desk, inv: Invocation, title: str | None = None) -> OpenForm:
    form = desk.playbooks.forms[FORM]
    values: dict[str, Any] = {"leader": inv.user_id}
    if title:
        values["title"] = title[: form.field("title").max_length or None]
    default = form.field("severity").default
    if default in desk.playbooks.policy.severities:
        values["severity"] = default
    return OpenForm(FORM, values=values, metadata={"origin": inv.origin, "channel": inv.channel_id})


def validate(desk: Desk, raw: dict[str, Any]) -> FormErrors | None:
    """Field errors only, no side effects: cheap enough to run before acknowledging."""
    _, errors = clean(desk.playbooks.forms[FORM], raw, desk.playbooks)
    return FormErrors(errors) if errors else None


def submit(
    desk: Desk, inv: Invocation, raw: dict[str, Any], *, intake_key: str, origin: str | None
) -> Result:
    """Validate, then store the escalation and queue its set-up. Idempotent on `intake_key`."""
    values, errors = clean(desk.playbooks.forms[FORM], raw, desk.playbooks)
    if errors:
        return FormErrors(errors)
    now = desk.now()
    with desk.db.session() as session:
        existing = queries.escalation_by_intake_key(session, intake_key)
        if existing is not None:
            return Accepted(existing.id)
        esc = Escalation(
            intake_key=intake_key,
            platform=inv.platform,
            workspace=inv.workspace,
            customer=values["customer"],
            title=values["title"],
            severity=values["severity"],
            cause=values["cause"],
            business_impact=values["business_impact"],
            ideal_resolution=values["ideal_resolution"],
            annual_contract_value=values["annual_contract_value"],
            renewal_date=values["renewal_date"],
            leader_id=values["leader"],
            reporter_id=inv.user_id,
            stakeholder_ids=[u for u in values["stakeholders"] if u != values["leader"]],
            private=bool(values["private"]),
            opened_at=now,
        )
        session.add(esc)
        try:
            session.flush()
        except IntegrityError:  # the same submission, delivered twice at once
            session.rollback()
            again = queries.escalation_by_intake_key(session, intake_key)
            return Accepted(again.id if again else None)
        esc.next_update_due = desk.planned_due(esc)
        queries.record(
            session,
            esc,
            at=now,
            actor=inv.user_id,
            kind="opened",
            severity=esc.severity,
            leader=esc.leader_id,
        )
        facts = cards.summary(esc, desk.playbooks, now)
        queries.enqueue(
            session,
            esc,
            at=now,
            target="room",
            template="welcome",
            context={**facts, "reporter": inv.user_id},
        )
        if esc.leader_id != inv.user_id:
            queries.enqueue(
                session,
                esc,
                at=now,
                target="user",
                target_value=esc.leader_id,
                template="lead_assigned",
                context={**facts, "by": inv.user_id},
            )
        queries.enqueue(
            session,
            esc,
            at=now,
            target="announcements",
            template="announcement",
            context={**facts, "reporter": inv.user_id},
        )
        queries.enqueue(
            session,
            esc,
            at=now,
            target="origin",
            target_value=origin,
            template="war_room_ready",
            context={**facts, "reporter": inv.user_id},
        )
        session.commit()
        escalation_id = esc.id
    desk.changed(escalation_id)
    return Accepted(escalation_id)
