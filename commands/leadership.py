"""Looping in leadership when the facts call for it, and the 1-3-1 brief to them.

Rules come from the policy (`leadership_rules`): contract value at or over a threshold, a
severity, or what the customer said (threat to cancel, legal action, asked for an executive).
Each rule fires once per escalation: its key is claimed in the same transaction that queues
the brief, so re-evaluating after every change is safe.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from commands import cards
from commands.desk import Desk, reply
from commands.forms import clean
from commands.invocation import Invocation
from commands.results import Accepted, FormErrors, OpenForm, Reply, Result
from storage import queries
from storage.models import Account, Escalation

FORM = "exec"


def fired_rules(desk: Desk, esc: Escalation) -> list[str]:
    rules = desk.playbooks.policy.leadership_rules
    fired = []
    threshold = rules.contract_value_at_least
    acv = esc.annual_contract_value
    if threshold is not None and acv is not None and acv >= threshold:
        fired.append("contract_value")
    if esc.severity in rules.severities:
        fired.append(f"severity_{esc.severity}")
    fired.extend(flag for flag in esc.flags if flag in rules.flags)
    return fired


def apply_rules(session, desk: Desk, esc: Escalation, *, now: datetime, actor: str) -> list[str]:
    """Fire the rules that hold now and have not fired before; returns those that fired."""
    candidates = fired_rules(desk, esc)
    if not candidates:
        return []
    won = queries.claim_many(session, [f"rule:{esc.id}:{r}" for r in candidates], now)
    new = [r for r in candidates if f"rule:{esc.id}:{r}" in won]
    if new:
        loop_in(session, desk, esc, rules=new, now=now, actor=actor)
    return new


def loop_in(
    session, desk: Desk, esc: Escalation, *, rules: list[str], now: datetime, actor: str
) -> None:
    people = list(desk.playbooks.policy.leadership)
    esc.stakeholder_ids = [
        *esc.stakeholder_ids,
        *(p for p in people if p not in esc.stakeholder_ids),
    ]
    queries.record(
        session, esc, at=now, actor=actor, kind="leadership_looped_in", rules=rules, people=people
    )
    brief = {**cards.card(esc, None, desk.playbooks, now), "rules": rules}
    queries.enqueue(
        session,
        esc,
        at=now,
        target="room",
        template="leadership_rule_note",
        context={**brief, "leadership": people},
    )
    for person in people:
        queries.enqueue(
            session,
            esc,
            at=now,
            target="user",
            target_value=person,
            template="leadership_rule_brief",
            context=brief,
        )


def start_exec(desk: Desk, inv: Invocation) -> OpenForm | Reply:
    with desk.db.session() as session:
        found = desk.room_escalation(session, inv, "exec")
        if isinstance(found, Reply):
            return found
        if found.state not in queries.ACTIVE_STATES:
            return reply("not_active", key=found.key, state=found.state, action="brief leadership")
        return OpenForm(FORM, metadata={"escalation": found.id}, title_suffix=found.key)


def submit_exec(desk: Desk, inv: Invocation, escalation_id: int, raw: dict[str, Any]) -> Result:
    """One problem, three options, one recommendation: sent to leadership, kept in the room."""
    values, errors = clean(desk.playbooks.forms[FORM], raw, desk.playbooks)
    if errors:
        return FormErrors(errors)
    now = desk.now()
    people = list(desk.playbooks.policy.leadership)
    with desk.db.session() as session:
        esc = queries.escalation(session, escalation_id)
        if esc is None:
            return FormErrors({"problem": "This escalation no longer exists."})
        brief = {
            **cards.summary(esc, desk.playbooks, now),
            "by": inv.user_id,
            "problem": values["problem"],
            "recommendation": values["recommendation"],
            "options": [values["option_1"], values["option_2"], values["option_3"]],
            "leadership": people,
        }
        queries.enqueue(
            session,
            esc,
            at=now,
            target="room",
            template="exec_brief",
            context={**brief, "link_as": "exec_brief"},
        )
        for person in people:
            queries.enqueue(
                session,
                esc,
                at=now,
                target="user",
                target_value=person,
                template="exec_brief",
                context=brief,
            )
        esc.stakeholder_ids = [
            *esc.stakeholder_ids,
            *(p for p in people if p not in esc.stakeholder_ids),
        ]
        queries.record(session, esc, at=now, actor=inv.user_id, kind="exec_brief", people=people)
        if values["enrol"] and esc.account_id:
            account = session.get(Account, esc.account_id)
            account.sponsor_id = values["sponsor"] or (people[0] if people else inv.user_id)
            account.sponsor_since = now.date()
            session.add(account)
            queries.record(
                session,
                esc,
                at=now,
                actor=inv.user_id,
                kind="sponsorship_enrolled",
                sponsor=account.sponsor_id,
                account=account.name,
            )
        session.commit()
    desk.changed(escalation_id)
    return Accepted(escalation_id)
