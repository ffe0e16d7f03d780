"""Closing the loop: the post-mortem, the customer's satisfaction, the follow-ups, and
joining an existing war room instead of opening a second one."""

from __future__ import annotations

from typing import Any

from commands import cards
from commands.desk import Desk, reply
from commands.forms import clean
from commands.invocation import Invocation
from commands.results import Accepted, FormErrors, OpenForm, Reply, Result
from playbooks.text import render_text
from storage import queries
from storage.models import FollowUp

SATISFACTION = "satisfaction"

INVESTIGATION_LABELS = {
    "customer_view": "What the customer says happened",
    "facts": "What actually happened",
    "contributing_factors": "Contributing factors",
    "teams_consulted": "Teams consulted",
    "proposed_resolution": "Proposed resolution",
    "prevention": "Prevention measures",
}


def postmortem(desk: Desk, inv: Invocation, escalation_id: int | None = None) -> Reply:
    """Write the post-mortem from the record, store it, and post it to the room as a file."""
    now = desk.now()
    with desk.db.session() as session:
        found = desk.target_escalation(session, inv, "postmortem", escalation_id)
        if isinstance(found, Reply):
            return found
        esc = found
        facts = cards.card(esc, None, desk.playbooks, now)
        document = render_text(
            "postmortem.md.j2",
            {
                **facts,
                "investigation": [
                    (INVESTIGATION_LABELS.get(k, k), v) for k, v in esc.investigation.items()
                ],
                "updates": [cards.update(u) for u in queries.updates(session, esc.id)],
                "timeline": [
                    {
                        "at": e.at.strftime("%Y-%m-%d %H:%M UTC"),
                        "actor": e.actor_id,
                        "kind": e.kind,
                        "detail": _detail(e.detail),
                    }
                    for e in queries.timeline(session, esc.id)
                ],
                "follow_ups": [
                    {
                        "text": f.text,
                        "owner": f.owner_id,
                        "due": f.due_at.date().isoformat(),
                        "done": f.done_at.date().isoformat() if f.done_at else None,
                    }
                    for f in queries.follow_ups(session, esc.id)
                ],
                "commitments": esc.commitments,
            },
        )
        esc.postmortem = document
        queries.record(session, esc, at=now, actor=inv.user_id, kind="postmortem_written")
        queries.enqueue(
            session,
            esc,
            at=now,
            target="room",
            template="postmortem",
            context={
                **cards.summary(esc, desk.playbooks, now),
                "by": inv.user_id,
                "link_as": "postmortem",
                "file": {
                    "name": f"{esc.key.lower()}-postmortem.md",
                    "content": document,
                    "title": f"Post-mortem {esc.key}",
                },
            },
        )
        session.commit()
        key, escalation_id = esc.key, esc.id
    desk.changed(escalation_id)
    return reply("postmortem_done", key=key)


def _detail(detail: dict) -> str:
    return ", ".join(f"{k}={v}" for k, v in detail.items() if v not in (None, [], ""))


def start_satisfaction(desk: Desk, inv: Invocation, escalation_id: int) -> OpenForm | Reply:
    with desk.db.session() as session:
        esc = queries.escalation(session, escalation_id)
        if esc is None:
            return reply("unknown_escalation")
        values = {
            "score": str(esc.satisfaction_score) if esc.satisfaction_score else None,
            "comment": esc.satisfaction_comment,
        }
        return OpenForm(
            SATISFACTION, values=values, metadata={"escalation": esc.id}, title_suffix=esc.key
        )


def submit_satisfaction(
    desk: Desk, inv: Invocation, escalation_id: int, raw: dict[str, Any]
) -> Result:
    values, errors = clean(desk.playbooks.forms[SATISFACTION], raw, desk.playbooks)
    if errors:
        return FormErrors(errors)
    now = desk.now()
    with desk.db.session() as session:
        esc = queries.escalation(session, escalation_id)
        if esc is None:
            return FormErrors({"score": "This escalation no longer exists."})
        esc.satisfaction_score = int(values["score"])
        esc.satisfaction_comment = values["comment"]
        esc.satisfaction_recorded_at = now
        queries.record(
            session,
            esc,
            at=now,
            actor=inv.user_id,
            kind="satisfaction_recorded",
            score=esc.satisfaction_score,
        )
        session.commit()
    desk.changed(escalation_id)
    return Accepted(escalation_id)


def complete_follow_up(desk: Desk, inv: Invocation, follow_up_id: int) -> Reply:
    now = desk.now()
    with desk.db.session() as session:
        item = session.get(FollowUp, follow_up_id)
        if item is None:
            return reply("unknown_escalation")
        if item.done_at is None:
            item.done_at, item.done_by = now, inv.user_id
            session.add(item)
            esc = queries.escalation(session, item.escalation_id)
            queries.record(
                session, esc, at=now, actor=inv.user_id, kind="follow_up_done", follow_up=item.text
            )
            session.commit()
            desk.changed(esc.id)
        return reply("follow_up_done", text=item.text)


def join(desk: Desk, inv: Invocation, argument: str) -> Reply:
    """Join an escalation's war room (the answer to "this account already has one open")."""
    key = argument.strip().upper().removeprefix("ESC-")
    if not key.isdigit():
        return reply("usage", usage="join ESC-42")
    now = desk.now()
    with desk.db.session() as session:
        esc = queries.escalation(session, int(key))
        if esc is None or esc.platform != inv.platform:
            return reply("unknown_escalation")
        if esc.state == "closed":
            return reply("not_active", key=esc.key, state=esc.state, action="join it")
        if inv.user_id not in esc.stakeholder_ids and inv.user_id != esc.leader_id:
            esc.stakeholder_ids = [*esc.stakeholder_ids, inv.user_id]
            queries.record(session, esc, at=now, actor=inv.user_id, kind="joined")
            session.commit()
            desk.changed(esc.id)
        return reply("joined", key=esc.key, room=cards.summary(esc, desk.playbooks, now)["room"])
