"""The cause playbook's checklist for one escalation: posted in the war room, ticked there.

The checklist message is, like the status card, a living message: the reconciler posts it
once after the card and edits it whenever the card changes. Ticking records who and when.
"""

from __future__ import annotations

from collections.abc import Iterable

from commands import cards
from commands.desk import Desk, reply
from commands.invocation import Invocation
from commands.results import Reply
from playbooks.loader import Playbooks
from storage import queries
from storage.models import ChecklistItem, Escalation


def create(session, desk: Desk, esc: Escalation) -> None:
    playbook = desk.playbooks.causes.get(esc.cause)
    if playbook is None:
        return
    for position, item in enumerate(playbook.steps):
        session.add(
            ChecklistItem(
                escalation_id=esc.id,
                key=item.key,
                step=item.step,
                text=item.text,
                position=position,
            )
        )


def progress(items: Iterable[ChecklistItem]) -> dict:
    items = list(items)
    return {"done": sum(1 for i in items if i.done_at), "total": len(items)}


def context(session, playbooks: Playbooks, esc: Escalation) -> dict:
    """What the checklist message shows, grouped by the five steps in order."""
    items = queries.checklist(session, esc.id)
    playbook = playbooks.causes.get(esc.cause)
    groups = []
    for step, label in playbooks.step_labels.items():
        in_step = [i for i in items if i.step == step]
        if in_step:
            groups.append(
                {
                    "step": step,
                    "label": label,
                    "items": [
                        {
                            "key": i.key,
                            "text": i.text,
                            "done": bool(i.done_at),
                            "done_by": i.done_by,
                            "done_at": cards.when(i.done_at),
                        }
                        for i in in_step
                    ],
                }
            )
    return {
        "id": esc.id,
        "key": esc.key,
        "cause_label": playbook.title if playbook else esc.cause,
        "groups": groups,
        "progress": progress(items),
        "questions": list(playbook.questions) if playbook else [],
        "teams": [playbooks.taxonomy.teams.get(t, t) for t in playbook.teams] if playbook else [],
        "levers": [playbooks.taxonomy.levers.get(k, k) for k in playbook.levers]
        if playbook
        else [],
        "active": esc.state in queries.ACTIVE_STATES,
    }


def tick(
    desk: Desk, inv: Invocation, escalation_id: int, step: str, selected: list[str]
) -> Reply | None:
    """The boxes of one step as the person left them: record newly ticked and unticked."""
    now = desk.now()
    with desk.db.session() as session:
        esc = queries.escalation(session, escalation_id)
        if esc is None:
            return reply("unknown_escalation")
        changed = []
        for item in queries.checklist(session, escalation_id):
            if item.step != step:
                continue
            wanted = item.key in selected
            if wanted and not item.done_at:
                item.done_at, item.done_by = now, inv.user_id
            elif not wanted and item.done_at:
                item.done_at, item.done_by = None, None
            else:
                continue
            changed.append({"key": item.key, "done": wanted})
            session.add(item)
        if not changed:
            return None
        queries.record(session, esc, at=now, actor=inv.user_id, kind="checklist", changes=changed)
        session.commit()
    desk.changed(escalation_id)
    return None


def change_cause(desk: Desk, inv: Invocation, argument: str) -> Reply:
    """Swap the checklist for the new cause's, keeping ticks on steps the two share."""
    wanted = argument.strip().lower()
    causes = desk.playbooks.taxonomy.causes
    if wanted not in causes:
        return reply("usage", usage=f"cause {'|'.join(causes)}")
    now = desk.now()
    with desk.db.session() as session:
        found = desk.room_escalation(session, inv, "cause")
        if isinstance(found, Reply):
            return found
        esc = found
        if esc.cause == wanted:
            return reply("cause_unchanged", key=esc.key, cause_label=causes[wanted])
        previous = esc.cause
        old = {i.key: i for i in queries.checklist(session, esc.id)}
        playbook = desk.playbooks.causes.get(wanted)
        new_items = list(playbook.steps) if playbook else []
        kept = []
        for position, item in enumerate(new_items):
            row = old.pop(item.key, None)
            if row is None:
                row = ChecklistItem(
                    escalation_id=esc.id,
                    key=item.key,
                    step=item.step,
                    text=item.text,
                    position=position,
                )
            else:
                row.step, row.text, row.position = item.step, item.text, position
                if row.done_at:
                    kept.append(item.key)
            session.add(row)
        for row in old.values():
            session.delete(row)
        esc.cause = wanted
        queries.record(
            session,
            esc,
            at=now,
            actor=inv.user_id,
            kind="cause_changed",
            previous=previous,
            cause=wanted,
            kept=kept,
        )
        queries.enqueue(
            session,
            esc,
            at=now,
            target="room",
            template="cause_changed",
            context={
                **cards.summary(esc, desk.playbooks, now),
                "by": inv.user_id,
                "kept": len(kept),
                "total": len(new_items),
            },
        )
        session.commit()
        key, escalation_id = esc.key, esc.id
    desk.changed(escalation_id)
    return reply("cause_done", key=key, cause_label=causes[wanted], kept=len(kept))
