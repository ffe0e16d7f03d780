"""Closing: the war room is archived once the escalation is resolved."""

from __future__ import annotations

from commands import cards
from commands.desk import Desk, reply
from commands.invocation import Invocation
from commands.results import Reply
from storage import queries


def close(desk: Desk, inv: Invocation) -> Reply:
    now = desk.now()
    with desk.db.session() as session:
        found = desk.room_escalation(session, inv, "close")
        if isinstance(found, Reply):
            return found
        esc = found
        if esc.state == "closed":
            return reply("not_active", key=esc.key, state=esc.state, action="close it again")
        if esc.state != "resolved":
            return reply("resolve_first", key=esc.key)
        esc.state = "closed"
        esc.closed_at = now
        queries.record(session, esc, at=now, actor=inv.user_id, kind="closed")
        queries.enqueue(
            session,
            esc,
            at=now,
            target="room",
            template="closed",
            context={**cards.summary(esc, desk.playbooks, now), "by": inv.user_id},
        )
        session.commit()
        key, escalation_id = esc.key, esc.id
    desk.changed(escalation_id)
    return reply("close_done", key=key)
