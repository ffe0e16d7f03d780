"""Two bot processes on one database deliver each reminder exactly once.

Real processes (`python app.py`, HTTP mode) with their own schedulers, one shared database
(PostgreSQL when TEST_DATABASE_URL is set, as in CI; otherwise one SQLite file) and one Slack
Web API stub. The policy uses seconds so that several reminder periods pass in a few seconds.
"""

from __future__ import annotations

import asyncio
import os
import re
import sys
from collections import Counter
from pathlib import Path

from sqlmodel import col, select

from commands import intake
from commands.desk import Desk
from commands.invocation import Invocation
from playbooks import loader
from storage.db import Database
from storage.models import Claim
from tests.slack.stub_api import SlackStub
from tests.test_run_contract import free_port

ROOT = Path(__file__).resolve().parents[1]
POLICY = """
severities:
  critical: {acknowledge_within: 2s, update_every: 1h, remind_every: 2s}
"""


async def start_bot(env: dict) -> tuple[asyncio.subprocess.Process, int]:
    port = free_port()
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "app.py",
        cwd=ROOT,
        env={**env, "PORT": str(port)},
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    return process, port


async def wait_ready(port: int) -> None:
    import aiohttp

    async with aiohttp.ClientSession() as http:
        for _ in range(150):
            try:
                async with http.get(f"http://127.0.0.1:{port}/healthz") as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientConnectionError:
                pass
            await asyncio.sleep(0.2)
    raise AssertionError("bot did not start")


async def test_two_processes_deliver_each_reminder_once(database_url, tmp_path):
    stub = SlackStub()
    await stub.start()
    policy = tmp_path / "policy.yml"
    policy.write_text(POLICY)
    db = Database(database_url)
    db.migrate()
    desk = Desk(db, loader.load(policy))
    for n in range(3):  # stored before any bot runs: the bots' first sweep sets them up
        values = {
            "customer": f"Customer {n}",
            "title": "Outage",
            "severity": "critical",
            "cause": "product_issue",
            "business_impact": "Down",
            "leader": "ULEAD",
        }
        intake.submit(desk, Invocation("slack", "UREP"), values, intake_key=f"k{n}", origin=None)
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLACK_")}
    env.update(
        SLACK_BOT_TOKEN="xoxb-test",
        SLACK_SIGNING_SECRET="s",
        HOST="127.0.0.1",
        SLACK_API_URL=stub.base_url,
        DATABASE_URL=database_url,
        ESCALATION_POLICY=str(policy),
        REMINDER_INTERVAL="1s",
        LOG_LEVEL="WARNING",
    )
    bots = [await start_bot(env) for _ in range(2)]
    try:
        for _, port in bots:
            await wait_ready(port)
        await asyncio.sleep(9)
    finally:
        for process, _ in bots:
            process.terminate()
        for process, _ in bots:
            await asyncio.wait_for(process.wait(), 20)
        await stub.close()

    delivered = Counter()
    for channel, messages in stub.messages.items():
        for message in messages.values():
            found = re.search(r"Reminder (\d+)", str(message.get("blocks")))
            if found:
                key = re.search(r"ESC-\d+", message["text"]).group(0)
                delivered[(channel, key, found.group(1))] += 1
    assert delivered, "no reminder was delivered"
    assert max(delivered.values()) == 1, f"duplicates: {delivered}"
    numbers = {int(n) for _, _, n in delivered}
    assert len(numbers) >= 3, "several reminder periods should have passed"
    with db.session() as session:
        claims = session.exec(select(Claim).where(col(Claim.key).startswith("remind:"))).all()
    db.dispose()
    # Every claimed reminder reached Slack exactly once: in the 3 rooms and the leader's DMs.
    assert sum(delivered.values()) == len(claims)
    assert len(stub.channels) == 3, "each war room created once, by one of the processes"
