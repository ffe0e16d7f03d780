"""`list`: the escalations someone can see at a glance, soonest due first."""

from __future__ import annotations

from commands import cards
from commands.desk import Desk, reply
from commands.invocation import Invocation
from commands.results import Reply
from storage import queries

FILTERS = ("active", "mine", "overdue", "all")
SHOWN = 20


def list_escalations(desk: Desk, inv: Invocation, argument: str) -> Reply:
    which = argument.strip().lower() or "active"
    if which not in FILTERS:
        return reply("usage", usage="list [mine|overdue|all]")
    now = desk.now()
    with desk.db.session() as session:
        rows, total = queries.list_escalations(
            session, platform=inv.platform, which=which, user_id=inv.user_id, now=now, limit=SHOWN
        )
        items = [cards.summary(esc, desk.playbooks, now) for esc in rows]
    return reply("list", which=which, items=items, total=total, more=total - len(items))
