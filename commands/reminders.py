"""Overdue-update reminders, derived from stored deadlines on every scan.

Nothing is scheduled per escalation: each scan asks the database which active escalations
owe an update by now (one indexed query) and works out, for each, which reminders the
current period calls for. Every reminder has a key (escalation, kind, deadline, target,
period) that is claimed in the database in the same transaction that queues its message,
so two scans, two replicas or a restart can never send it twice, and a reminder that fell
due while the bot was down is sent once for the current period, not once per missed one.
Delivery is the reconciler's job, which retries until the platform takes the message.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from commands import cards
from commands.clock import Clock, utcnow
from commands.ports import ChatPort, PlatformError
from playbooks.loader import Cadence, Playbooks
from storage import queries
from storage.db import Database
from storage.models import Escalation

log = logging.getLogger(__name__)


# How long after it falls due the leader is still asked for the customer's satisfaction
# (if the bot was down then, say): after that, what the customer felt is no longer news.
SATISFACTION_WINDOW = timedelta(days=14)


@dataclass(frozen=True)
class Planned:
    key: str
    escalation_id: int
    target: str
    target_value: str | None
    template: str
    context: dict


class Reminders:
    def __init__(
        self,
        db: Database,
        playbooks: Playbooks,
        ports: Mapping[str, ChatPort],
        clock: Clock = utcnow,
        on_change: Callable[[int], None] = lambda _id: None,
    ) -> None:
        self.db = db
        self.playbooks = playbooks
        self.ports = ports
        self.clock = clock
        self.on_change = on_change

    def prune(self) -> int:
        """Forget claims no scan will ask about again, so the table stays the size of what
        is current (storage.queries.CLAIM_RETENTION)."""
        with self.db.session() as session:
            return queries.prune_claims(session, self.clock())

    async def scan(self) -> int:
        """Queue every reminder due now and not yet claimed; returns how many were queued."""
        now = self.clock()
        with self.db.session() as session:
            due = queries.overdue(session, now)
            plans: list[Planned] = self._closing_the_loop(session, now)
            session.commit()
        for esc in due:
            plans.extend(await self._plan(esc, now))
        if not plans:
            return 0
        by_id = {esc.id: esc for esc in due}
        with self.db.session() as session:
            claimed = queries.claim_many(session, [p.key for p in plans], now)
            won = [p for p in plans if p.key in claimed]
            queries.enqueue_many(
                session,
                [
                    {
                        "escalation_id": p.escalation_id,
                        "target": p.target,
                        "target_value": p.target_value,
                        "template": p.template,
                        "context": p.context,
                        "created_at": now,
                        "attempts": 0,
                    }
                    for p in won
                ],
            )
            rooms = [p for p in won if p.template == "reminder_room"]
            queries.record_many(
                session,
                [
                    {
                        "escalation_id": p.escalation_id,
                        "at": now,
                        "actor_id": "bot",
                        "kind": "reminder",
                        "detail": {
                            "overdue": p.context["kind"],
                            "number": p.context["reminder_number"],
                        },
                    }
                    for p in rooms
                ],
            )
            for p in won:
                if p.template == "leadership_note":
                    self._loop_in_leadership(session, by_id[p.escalation_id], p, now)
                elif p.template == "satisfaction_request":
                    queries.record_many(
                        session,
                        [
                            {
                                "escalation_id": p.escalation_id,
                                "at": now,
                                "actor_id": "bot",
                                "kind": "satisfaction_asked",
                                "detail": {},
                            }
                        ],
                    )
            touched = sorted({p.escalation_id for p in won})
            # The card shows the overdue state, so it is drawn again with the room reminder.
            queries.mark_many_pending(
                session, touched, redraw_card=[p.escalation_id for p in rooms]
            )
            session.commit()
        for escalation_id in touched:
            self.on_change(escalation_id)
        return len(won)

    def _closing_the_loop(self, session, now: datetime) -> list[Planned]:
        """After resolution: ask how the customer feels, and nudge owners of late follow-ups
        (once a day each)."""
        policy = self.playbooks.policy
        plans = [
            Planned(
                f"satisfaction:{esc.id}",
                esc.id,
                "user",
                esc.leader_id,
                "satisfaction_request",
                cards.summary(esc, self.playbooks, now),
            )
            for esc in queries.awaiting_satisfaction(
                session,
                now - policy.satisfaction_after,
                now - policy.satisfaction_after - SATISFACTION_WINDOW,
            )
        ]
        for item in queries.overdue_follow_ups(session, now):
            day = int((now - item.due_at) / timedelta(days=1))
            esc = queries.escalation(session, item.escalation_id)
            plans.append(
                Planned(
                    f"follow-up:{item.id}:{day}",
                    item.escalation_id,
                    "user",
                    item.owner_id,
                    "follow_up_due",
                    {
                        **cards.summary(esc, self.playbooks, now),
                        "follow_up": {
                            "id": item.id,
                            "text": item.text,
                            "due": cards.when(item.due_at),
                        },
                    },
                )
            )
        return plans

    async def _plan(self, esc: Escalation, now: datetime) -> list[Planned]:
        cadence = self.playbooks.policy.cadence(esc.severity)
        late = now - esc.next_update_due
        period = int(late / cadence.reminder_period)
        kind = "acknowledgement" if esc.acknowledged_at is None else "update"
        base = f"remind:{esc.id}:{kind}:{int(esc.next_update_due.timestamp())}"
        facts = {
            **cards.summary(esc, self.playbooks, now),
            "kind": kind,
            "overdue_since": cards.when(esc.next_update_due),
            "reminder_number": period + 1,
        }
        plans = [Planned(f"{base}:room:{period}", esc.id, "room", None, "reminder_room", facts)]
        if await self._in_working_hours(esc, cadence, now):
            plans.append(
                Planned(
                    f"{base}:dm:{esc.leader_id}:{period}",
                    esc.id,
                    "user",
                    esc.leader_id,
                    "reminder_dm",
                    facts,
                )
            )
        leadership = self.playbooks.policy.leadership
        if cadence.escalate_after and late >= cadence.escalate_after and leadership:
            brief = {
                **cards.card(esc, None, self.playbooks, now),
                "overdue_since": cards.when(esc.next_update_due),
                "kind": kind,
            }
            plans.append(
                Planned(
                    f"leadership:{esc.id}:room",
                    esc.id,
                    "room",
                    None,
                    "leadership_note",
                    {**brief, "leadership": list(leadership)},
                )
            )
            plans.extend(
                Planned(
                    f"leadership:{esc.id}:{user}", esc.id, "user", user, "leadership_brief", brief
                )
                for user in leadership
            )
        return plans

    @staticmethod
    def _loop_in_leadership(session, esc: Escalation, plan: Planned, now: datetime) -> None:
        """Rare (once per escalation), so plain ORM work is fine here."""
        esc = session.merge(esc, load=False)
        added = [u for u in plan.context["leadership"] if u not in esc.stakeholder_ids]
        esc.stakeholder_ids = [*esc.stakeholder_ids, *added]
        queries.record(
            session,
            esc,
            at=now,
            actor="bot",
            kind="leadership_escalated",
            rule="escalate_after",
            people=plan.context["leadership"],
        )

    async def _in_working_hours(self, esc: Escalation, cadence: Cadence, now: datetime) -> bool:
        """DMs wait for the leader's working day, in the leader's own time zone."""
        hours = cadence.working_hours
        if hours is None:
            return True
        port = self.ports.get(esc.platform)
        zone_name = None
        if port is not None:
            try:
                zone_name = await port.user_timezone(esc.leader_id)
            except PlatformError as exc:
                log.warning(
                    "no time zone for %s (%s): DM waits for the next scan", esc.leader_id, exc
                )
                return False
        try:
            zone = ZoneInfo(zone_name) if zone_name else ZoneInfo("UTC")
        except (ZoneInfoNotFoundError, ValueError):
            zone = ZoneInfo("UTC")
        return hours.is_open(now.astimezone(zone))
