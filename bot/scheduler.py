"""APScheduler wiring: every REMINDER_INTERVAL, queue due reminders and retry pending work.

No per-escalation jobs live in memory: each sweep derives the work from the database, so a
restart loses nothing and several replicas can sweep side by side (leases keep it single-flight).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from commands.reminders import Reminders
from commands.sync import Reconciler


async def tick(reminders: Reminders, reconciler: Reconciler) -> None:
    await reconciler.pace()  # a scan is one block of work: not in front of an ack
    await reminders.scan()
    await reconciler.sweep()


def build(reminders: Reminders, reconciler: Reconciler, interval: timedelta) -> AsyncIOScheduler:
    scheduler = AsyncIOScheduler(timezone="UTC")
    scheduler.add_job(
        tick,
        "interval",
        args=(reminders, reconciler),
        seconds=interval.total_seconds(),
        id="tick",
        max_instances=1,
        coalesce=True,
        next_run_time=datetime.now(UTC),  # pick up what a previous run left unfinished
    )
    scheduler.add_job(
        reminders.prune,
        "interval",
        hours=6,
        id="prune",
        max_instances=1,
        coalesce=True,
        next_run_time=datetime.now(UTC) + timedelta(minutes=5),
    )
    return scheduler
