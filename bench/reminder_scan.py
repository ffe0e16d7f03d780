"""How long one reminder scan takes with a realistic backlog, on SQLite and PostgreSQL.

    python bench/reminder_scan.py            # SQLite, plus PostgreSQL if BENCH_DATABASE_URL
                                             # or TEST_DATABASE_URL is set

100,000 stored escalations, of which 10,000 are open and 100 are overdue. A scan is the
query for what is due plus the claims and queued messages for the reminders it finds (Slack
is not called: delivery is the reconciler's job). Two cases are timed:
- "new":    every overdue escalation needs its reminders (claims inserted, messages queued);
- "steady": the same scan again, everything already claimed (the usual case every minute).
Target: each under 50 ms.
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import sqlalchemy as sa  # noqa: E402

from commands.reminders import Reminders  # noqa: E402
from playbooks import loader  # noqa: E402
from storage.db import Database  # noqa: E402
from storage.models import Claim, Escalation, OutboxMessage, TimelineEvent  # noqa: E402

TOTAL, OPEN, OVERDUE = 100_000, 10_000, 100
ROUNDS = 15
TARGET_MS = 50.0
NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def seed(db: Database) -> None:
    """Bulk-insert the backlog with Core (the ORM would take minutes for 100k rows)."""
    rows = []
    for n in range(TOTAL):
        active = n < OPEN
        due = None
        if active:
            # the first OVERDUE are past due, the rest due within the next days
            due = NOW - timedelta(minutes=30 + n) if n < OVERDUE else NOW + timedelta(hours=n)
        rows.append(
            {
                "intake_key": f"bench:{n}",
                "platform": "slack",
                "workspace": "T1",
                "customer": f"Customer {n % 5000}",
                "title": "Something broke",
                "severity": "critical",
                "cause": "product_issue",
                "state": "acknowledged" if active else "closed",
                "business_impact": "Orders blocked",
                "leader_id": f"U{n % 300}",
                "reporter_id": "U1",
                "stakeholder_ids": [],
                "private": False,
                "opened_at": NOW - timedelta(days=n % 400),
                "acknowledged_at": NOW - timedelta(days=1),
                "next_update_due": due,
                "levers": [],
                "room_channel": f"C{n}",
                "card_message_id": f"{n}.0001",
                "card_pinned": True,
                "topic_set": True,
                "room_archived": not active,
                "invited_ids": [],
                "card_version": 1,
                "card_rendered_version": 1,
                "change_version": 1,
                "sync_pending": False,
                "sync_attempts": 0,
            }
        )
    with db.engine.begin() as conn:
        for start in range(0, TOTAL, 5000):
            conn.execute(sa.insert(Escalation), rows[start : start + 5000])
    if db.engine.dialect.name == "postgresql":
        with db.engine.begin() as conn:
            conn.execute(sa.text("ANALYZE"))


def forget_reminders(db: Database) -> None:
    """Undo a scan's claims and queued messages so the "new" case can be timed again."""
    with db.engine.begin() as conn:
        conn.execute(sa.delete(Claim))
        conn.execute(sa.delete(OutboxMessage))
        conn.execute(sa.delete(TimelineEvent))


async def time_scans(db: Database) -> dict[str, list[float]]:
    playbooks = loader.load()
    reminders = Reminders(db, playbooks, ports={}, clock=lambda: NOW)
    timings: dict[str, list[float]] = {"new": [], "steady": []}
    await reminders.scan()  # warm-up: connections, statement caches
    for _ in range(ROUNDS):
        forget_reminders(db)
        started = time.perf_counter()
        queued = await reminders.scan()
        timings["new"].append((time.perf_counter() - started) * 1000)
        assert queued == 2 * OVERDUE, queued  # a room reminder and a DM for each
        started = time.perf_counter()
        queued = await reminders.scan()
        timings["steady"].append((time.perf_counter() - started) * 1000)
        assert queued == 0, queued
    return timings


def database_urls() -> list[tuple[str, str]]:
    directory = tempfile.mkdtemp(prefix="scan-bench-")
    urls = [("SQLite", f"sqlite:///{directory}/bench.db")]
    pg = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("TEST_DATABASE_URL")
    if pg:
        urls.append(("PostgreSQL", pg))
    return urls


def fresh_postgres_schema(url: str) -> tuple[str, str]:
    schema = f"bench_{uuid.uuid4().hex[:8]}"
    with sa.create_engine(url).begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in url else "?"
    return schema, f"{url}{separator}options=-csearch_path%3D{schema}"


def main() -> int:
    results = {}
    print(f"{TOTAL:,} escalations, {OPEN:,} open, {OVERDUE} overdue; {ROUNDS} rounds each\n")
    print(
        f"{'database':<11} {'case':<7} {'median ms':>10} {'max ms':>8}  target < {TARGET_MS:.0f} ms"
    )
    for name, url in database_urls():
        schema = None
        if url.startswith("postgresql"):
            schema, url = fresh_postgres_schema(url)
        db = Database(url)
        db.migrate()
        seed(db)
        timings = asyncio.run(time_scans(db))
        db.dispose()
        if schema:
            base = url.split("?")[0]
            with sa.create_engine(base).begin() as conn:
                conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        for case, values in timings.items():
            worst = max(values)
            verdict = "PASS" if worst < TARGET_MS else "FAIL"
            print(
                f"{name:<11} {case:<7} {statistics.median(values):>10.1f} {worst:>8.1f}  {verdict}"
            )
            results[f"{name}/{case}"] = {"median_ms": statistics.median(values), "max_ms": worst}
    out = Path(__file__).parent / "results"
    out.mkdir(exist_ok=True)
    (out / "reminder_scan.json").write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
