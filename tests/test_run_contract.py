"""`python app.py` as an operator starts it: HTTP mode on HOST/PORT, /healthz, signed requests."""

from __future__ import annotations

import asyncio
import os
import socket
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

import aiohttp
from slack_sdk.signature import SignatureVerifier

from tests.slack.stub_api import SlackStub

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def test_http_mode_serves_healthz_and_signed_slash_commands(tmp_path):
    stub = await SlackStub().start()
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLACK_")}
    env.update(
        SLACK_BOT_TOKEN="xoxb-test",
        SLACK_SIGNING_SECRET="s3cret",
        SLACK_API_URL=stub.base_url,
        HOST="127.0.0.1",
        PORT=str(port),
        DATABASE_URL=f"sqlite:///{tmp_path / 'run.db'}",
    )
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "app.py",
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        async with aiohttp.ClientSession() as http:
            deadline = time.monotonic() + 30
            while True:
                try:
                    async with http.get(f"{base}/healthz") as response:
                        if response.status == 200:
                            break
                except aiohttp.ClientConnectionError:
                    pass
                assert time.monotonic() < deadline, "the bot never became ready"
                await asyncio.sleep(0.2)

            body = urlencode(
                {
                    "command": "/escalate",
                    "text": "help",
                    "user_id": "U1",
                    "channel_id": "C1",
                    "team_id": "T1",
                    "trigger_id": "t1",
                    "response_url": stub.response_url(),
                }
            )
            ts = str(int(time.time()))
            headers = {
                "X-Slack-Request-Timestamp": ts,
                "X-Slack-Signature": SignatureVerifier("s3cret").generate_signature(
                    timestamp=ts, body=body
                ),
                "Content-Type": "application/x-www-form-urlencoded",
            }
            async with http.post(f"{base}/slack/events", data=body, headers=headers) as response:
                assert response.status == 200
                answer = await response.json()
            assert answer["response_type"] == "ephemeral" and "/escalate" in answer["text"]
            headers["X-Slack-Signature"] = "v0=forged"
            async with http.post(f"{base}/slack/events", data=body, headers=headers) as response:
                assert response.status == 401
    finally:
        process.terminate()
        await asyncio.wait_for(process.wait(), 15)
        await stub.close()
