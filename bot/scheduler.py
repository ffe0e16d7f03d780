"""APScheduler wiring: every REMINDER_INTERVAL, retry whatever platform work is pending.

No per-escalation jobs live in memory: each sweep derives the work from the database, so a
restart loses nothing and several replicas can sweep side by side (leases keep it single-flight).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from commands.sync import Reconciler


def build(reconciler: Reconciler, interval: timedelta) -> AsyncIOScheduler:
    scheduler = AsyncIOScheduler(timezone="UTC")
    scheduler.add_job(
        reconciler.sweep,
        "interval",
        seconds=interval.total_seconds(),
        id="sync-sweep",
        max_instances=1,
        coalesce=True,
        next_run_time=datetime.now(UTC),  # pick up what a previous run left unfinished
    )
    return scheduler
