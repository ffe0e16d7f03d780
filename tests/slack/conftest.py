"""Drive the real app the way Slack does: signed HTTP requests into /slack/events, with the
real slack_sdk client talking to a local stub of the Web API."""

from __future__ import annotations

import asyncio
import json
import time
from urllib.parse import urlencode

import pytest
from aiohttp.test_utils import TestClient, TestServer
from slack_sdk.signature import SignatureVerifier

from app import compose
from bot import web as web_module
from bot.settings import Settings
from tests.slack.stub_api import SlackStub

SECRET = "test-signing-secret"
# The coroutine in which Bolt runs a listener after it has acknowledged the request.
BOLT_LISTENER_TASK = "run_ack_function_asynchronously"


class SlackHarness:
    def __init__(self, stub: SlackStub, runtime, client: TestClient) -> None:
        self.stub = stub
        self.runtime = runtime
        self.client = client
        self._views = 0

    # ---- requests as Slack sends them -------------------------------------------------
    async def post(
        self,
        body: str,
        *,
        signed: bool = True,
        timestamp: int | None = None,
        headers: dict | None = None,
    ):
        ts = str(timestamp if timestamp is not None else int(time.time()))
        all_headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Slack-Request-Timestamp": ts,
        }
        if signed:
            all_headers["X-Slack-Signature"] = SignatureVerifier(SECRET).generate_signature(
                timestamp=ts, body=body
            )
        all_headers.update(headers or {})
        return await self.client.post("/slack/events", data=body.encode(), headers=all_headers)

    async def command(self, text: str = "", *, user: str = "U1", channel: str = "CORIGIN"):
        body = urlencode(
            {
                "token": "legacy",
                "team_id": "T1",
                "team_domain": "test",
                "channel_id": channel,
                "channel_name": "support",
                "user_id": user,
                "user_name": user.lower(),
                "command": "/escalate",
                "text": text,
                "api_app_id": "A1",
                "is_enterprise_install": "false",
                "response_url": self.stub.response_url(),
                "trigger_id": f"trigger-{time.monotonic_ns()}",
            }
        )
        return await self.post(body)

    async def submit(
        self,
        callback_id: str,
        values: dict,
        *,
        user: str = "U1",
        metadata: dict | None = None,
        view_id: str | None = None,
    ):
        self._views += 1
        payload = {
            "type": "view_submission",
            "team": {"id": "T1", "domain": "test"},
            "user": {"id": user, "name": user.lower(), "team_id": "T1"},
            "api_app_id": "A1",
            "trigger_id": f"trigger-{time.monotonic_ns()}",
            "view": {
                "id": view_id or f"VIEW{self._views}",
                "type": "modal",
                "callback_id": callback_id,
                "private_metadata": json.dumps(metadata or {}),
                "hash": "h1",
                "state": {"values": values},
            },
        }
        return await self.post(urlencode({"payload": json.dumps(payload)}))

    async def click(self, action_id: str, value: str, *, user: str = "U1", channel: str):
        payload = {
            "type": "block_actions",
            "team": {"id": "T1", "domain": "test"},
            "user": {"id": user, "name": user.lower(), "team_id": "T1"},
            "api_app_id": "A1",
            "trigger_id": f"trigger-{time.monotonic_ns()}",
            "channel": {"id": channel, "name": "war-room"},
            "container": {"type": "message", "channel_id": channel, "message_ts": "1.1"},
            "response_url": self.stub.response_url("action"),
            "actions": [
                {
                    "type": "button",
                    "action_id": action_id,
                    "block_id": "card_actions",
                    "value": value,
                    "action_ts": "1.2",
                }
            ],
        }
        return await self.post(urlencode({"payload": json.dumps(payload)}))

    async def event(self, event: dict, *, event_id: str, retry: int | None = None):
        body = json.dumps(
            {
                "token": "x",
                "team_id": "T1",
                "api_app_id": "A1",
                "type": "event_callback",
                "event_id": event_id,
                "event_time": int(time.time()),
                "event": event,
            }
        )
        headers = {"Content-Type": "application/json"}
        if retry is not None:
            headers.update(
                {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"}
            )
        return await self.post(body, headers=headers)

    async def settle(self) -> None:
        """Wait until the work done after the acks has finished: Bolt's listener tasks (which
        run on after ack(), as in production) and the reconciliation they kicked off."""
        while True:
            listeners = [
                t
                for t in asyncio.all_tasks()
                if getattr(t.get_coro(), "__name__", "") == BOLT_LISTENER_TASK
            ]
            if not listeners and not self.runtime.reconciler._tasks:
                return
            await asyncio.gather(*listeners, return_exceptions=True)
            await self.runtime.reconciler.drain()


def intake_values(**overrides) -> dict:
    """view.state.values of a filled-in intake modal, as Slack sends it."""
    fields = {
        "customer": "Acme Corp",
        "title": "Checkout down for EU customers",
        "severity": "high",
        "cause": "product_issue",
        "business_impact": "Orders cannot be placed; about $40k a day at stake.",
        "ideal_resolution": None,
        "annual_contract_value": "250000",
        "renewal_date": "2027-03-01",
        "leader": "ULEAD",
        "stakeholders": ["UCSM", "UAE"],
        "private": False,
    }
    fields.update(overrides)

    def select(v):
        return {
            "type": "static_select",  # noqa: E731
            "selected_option": {"value": v} if v else None,
        }

    text = lambda v: {"type": "plain_text_input", "value": v}  # noqa: E731
    return {
        "customer": {"customer": text(fields["customer"])},
        "title": {"title": text(fields["title"])},
        "severity": {"severity": select(fields["severity"])},
        "cause": {"cause": select(fields["cause"])},
        "business_impact": {"business_impact": text(fields["business_impact"])},
        "ideal_resolution": {"ideal_resolution": text(fields["ideal_resolution"])},
        "annual_contract_value": {"annual_contract_value": text(fields["annual_contract_value"])},
        "renewal_date": {
            "renewal_date": {"type": "datepicker", "selected_date": fields["renewal_date"]}
        },
        "leader": {"leader": {"type": "users_select", "selected_user": fields["leader"]}},
        "stakeholders": {
            "stakeholders": {"type": "multi_users_select", "selected_users": fields["stakeholders"]}
        },
        "private": {
            "private": {
                "type": "checkboxes",
                "selected_options": [{"value": "yes"}] if fields["private"] else [],
            }
        },
    }


@pytest.fixture
async def stub():
    server = await SlackStub().start()
    yield server
    await server.close()


@pytest.fixture
async def make_slack(stub, tmp_path, clock):
    """Start (or restart) the app on a given database; returns a SlackHarness."""
    harnesses = []

    async def start(database_url: str | None = None, **settings) -> SlackHarness:
        config = Settings(
            database_url=database_url or f"sqlite:///{tmp_path / 'slack.db'}",
            slack_bot_token="xoxb-test",
            slack_signing_secret=SECRET,
            slack_api_url=stub.base_url,
            **settings,
        )
        runtime = compose(config, clock=clock)
        web_module.mark_ready(runtime.web)
        client = TestClient(TestServer(runtime.web))
        await client.start_server()
        harness = SlackHarness(stub, runtime, client)
        harnesses.append(harness)
        return harness

    yield start
    for harness in harnesses:
        await harness.settle()
        await harness.client.close()
        harness.runtime.db.dispose()


@pytest.fixture
async def slack(make_slack):
    return await make_slack()
