"""`draft`: a customer-facing update written from the latest update, ready to copy.
Specific and time-bound: what we know, what we do, and when they hear from us next, in the
customer's own time zone."""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from commands import cards
from commands.desk import Desk, reply
from commands.invocation import Invocation
from commands.results import Reply
from playbooks.text import render_text
from storage import queries
from storage.models import Account


def draft(desk: Desk, inv: Invocation) -> Reply:
    now = desk.now()
    with desk.db.session() as session:
        found = desk.room_escalation(session, inv, "draft")
        if isinstance(found, Reply):
            return found
        esc = found
        latest = queries.latest_update(session, esc.id)
        if latest is None:
            return reply("draft_needs_update", key=esc.key)
        account = session.get(Account, esc.account_id) if esc.account_id else None
        zone_name = (account.timezone if account else None) or "UTC"
        try:
            zone = ZoneInfo(zone_name)
        except (ZoneInfoNotFoundError, ValueError):
            zone, zone_name = ZoneInfo("UTC"), "UTC"
        due = esc.next_update_due.astimezone(zone) if esc.next_update_due else None
        local = f"{due:%A %d %B, %H:%M} ({zone_name})" if due else None
        text = render_text(
            "customer_update.md.j2",
            {
                **cards.summary(esc, desk.playbooks, now),
                "update": cards.update(latest),
                "next_update_local": local,
                "leader_name": None,
            },
        )
    return reply("draft", key=esc.key, text=text, zone=zone_name)
