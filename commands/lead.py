"""Handing the lead over: there is always exactly one leader."""

from __future__ import annotations

import re

from commands import cards
from commands.desk import Desk, reply
from commands.invocation import Invocation
from commands.results import Reply
from storage import queries

# `<@U123|name>` (Slack with should_escape), `<@U123>`, `@U123` or a bare `U123`.
MENTION = re.compile(r"^<?@?([A-Z0-9][A-Z0-9._-]{1,63})(?:\|[^>]*)?>?$", re.IGNORECASE)


def parse_user(text: str) -> str | None:
    match = MENTION.match(text.strip())
    return match.group(1) if match else None


def hand_over(desk: Desk, inv: Invocation, argument: str) -> Reply:
    new_leader = parse_user(argument) if argument else None
    if new_leader is None:
        return reply("usage", usage="lead @person")
    now = desk.now()
    with desk.db.session() as session:
        found = desk.room_escalation(session, inv, "lead")
        if isinstance(found, Reply):
            return found
        esc = found
        if esc.state == "closed":
            return reply("not_active", key=esc.key, state=esc.state, action="change its leader")
        if esc.leader_id == new_leader:
            return reply("already_leader", key=esc.key, leader=new_leader)
        previous = esc.leader_id
        esc.leader_id = new_leader
        queries.record(
            session,
            esc,
            at=now,
            actor=inv.user_id,
            kind="lead_changed",
            previous=previous,
            leader=new_leader,
        )
        facts = cards.summary(esc, desk.playbooks, now)
        queries.enqueue(
            session,
            esc,
            at=now,
            target="room",
            template="lead_changed",
            context={**facts, "previous": previous, "by": inv.user_id},
        )
        queries.enqueue(
            session,
            esc,
            at=now,
            target="user",
            target_value=new_leader,
            template="lead_assigned",
            context={**facts, "by": inv.user_id},
        )
        session.commit()
        key = esc.key
        escalation_id = esc.id
    desk.changed(escalation_id)
    return reply("lead_done", key=key, leader=new_leader)
