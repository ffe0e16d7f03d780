"""Drive the real app the way Teams does: Bot Framework activities POSTed to /api/messages
(built by app.compose, authentication off as with the Emulator), with botbuilder's real
connector client talking to a local Bot Connector stub given as the activities' serviceUrl,
and, in channel mode, the real Graph client talking to a local Graph and token stub."""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from aiohttp.test_utils import TestClient, TestServer

from app import compose
from bot import web as web_module
from bot.settings import GraphApp, Settings
from bot.teams.retry import Backoff
from tests.teams.connector_stub import ConnectorStub
from tests.teams.graph_stub import GraphStub

HERE = Path(__file__).parent
BOT = {"id": "28:bot-app-id", "name": "Escalations"}
TENANT = "tenant-1"
TEAM = "19:team@thread.tacv2"
CHANNEL = "19:escalations@thread.tacv2"
REPORTER = "aaaaaaaa-0000-0000-0000-000000000001"
LEADER = "aaaaaaaa-0000-0000-0000-000000000002"
CSM = "aaaaaaaa-0000-0000-0000-000000000003"
PEOPLE = {
    REPORTER: {"id": "29:reporter", "name": "Rita Reporter", "aadObjectId": REPORTER},
    LEADER: {"id": "29:leader", "name": "Leo Leader", "aadObjectId": LEADER},
    CSM: {"id": "29:csm", "name": "Cass CSM", "aadObjectId": CSM},
}
_CARD_SCHEMA = json.loads((HERE / "adaptive-card.schema.1.5.json").read_text())
# The card itself, so errors point into it rather than at the schema's top-level anyOf.
_VALIDATOR = jsonschema.Draft6Validator(
    {"$ref": "#/definitions/AdaptiveCard", "definitions": _CARD_SCHEMA["definitions"]}
)
_ids = itertools.count(1)


def assert_valid_card(card: dict) -> None:
    """Adaptive Card 1.5, once Teams' documented host extensions are set aside: the card's
    `msteams` object (width, mention entities) and an input's `choices.data` (people picker)."""
    plain = json.loads(json.dumps(card))
    plain.pop("msteams", None)

    def strip(element):
        if isinstance(element, dict):
            element.pop("choices.data", None)
            for value in element.values():
                strip(value)
        elif isinstance(element, list):
            for item in element:
                strip(item)

    strip(plain)
    errors = list(_VALIDATOR.iter_errors(plain))
    assert not errors, [
        (list(e.absolute_path), (jsonschema.exceptions.best_match(e.context) or e).message[:200])
        for e in errors[:3]
    ]


def personal(user: str) -> dict:
    return {"id": f"a:personal-{user}", "conversationType": "personal", "tenantId": TENANT}


class TeamsHarness:
    def __init__(self, stub: ConnectorStub, runtime, client: TestClient) -> None:
        self.stub = stub
        self.runtime = runtime
        self.client = client
        self.slept: list[float] = []  # Graph retry delays, in seconds

    def activity(
        self,
        kind: str,
        *,
        user: str = REPORTER,
        conversation: dict | None = None,
        channel_data: dict | None = None,
        **fields: Any,
    ) -> dict:
        person = PEOPLE[user]
        return {
            "type": kind,
            "id": f"incoming-{next(_ids)}",
            "channelId": "msteams",
            "serviceUrl": self.stub.url,
            "timestamp": "2026-11-23T09:00:00.000Z",
            "localTimezone": "Europe/Berlin",
            "from": dict(person),
            "recipient": dict(BOT),
            "conversation": conversation or personal(user),
            "channelData": channel_data or {"tenant": {"id": TENANT}},
            **fields,
        }

    async def send(self, activity: dict, headers: dict | None = None):
        return await self.client.post(
            "/api/messages",
            data=json.dumps(activity),
            headers={"Content-Type": "application/json", **(headers or {})},
        )

    async def say(
        self,
        text: str,
        *,
        user: str = REPORTER,
        conversation=None,
        mentions=(),
        channel_data=None,
        value=None,
    ):
        """A message as Teams delivers it; in a channel the bot is @mentioned first."""
        entities = []
        if conversation and conversation.get("conversationType") == "channel":
            text = f"<at>{BOT['name']}</at> {text}"
            entities.append(
                {"type": "mention", "text": f"<at>{BOT['name']}</at>", "mentioned": dict(BOT)}
            )
        for person in mentions:  # `lead @Cass` arrives as `lead <at>Cass CSM</at>` + an entity
            text = f"{text} <at>{PEOPLE[person]['name']}</at>"
            entities.append(
                {
                    "type": "mention",
                    "text": f"<at>{PEOPLE[person]['name']}</at>",
                    "mentioned": {"id": PEOPLE[person]["id"], "name": PEOPLE[person]["name"]},
                }
            )
        activity = self.activity(
            "message",
            user=user,
            conversation=conversation,
            channel_data=channel_data,
            text=text,
            entities=entities,
        )
        if value is not None:
            activity["value"] = value
        response = await self.send(activity)
        assert response.status in (200, 201), await response.text()
        return response

    async def invoke(
        self, name: str, value: dict, *, user: str = REPORTER, conversation=None, channel_data=None
    ) -> dict:
        response = await self.send(
            self.activity(
                "invoke",
                user=user,
                conversation=conversation,
                channel_data=channel_data,
                name=name,
                value=value,
            )
        )
        assert response.status == 200, await response.text()
        return await response.json()

    async def in_channel(
        self, text: str, *, user: str = REPORTER, thread: str | None = None, mentions=()
    ):
        conversation = {
            "id": thread or f"{CHANNEL};messageid=1",
            "conversationType": "channel",
            "tenantId": TENANT,
        }
        channel_data = {
            "channel": {"id": CHANNEL, "name": "Escalations"},
            "team": {"id": TEAM, "name": "Support"},
            "tenant": {"id": TENANT},
        }
        return await self.say(
            text, user=user, conversation=conversation, channel_data=channel_data, mentions=mentions
        )

    def card_edits(self, thread: str):
        """Edits of the status card: PUTs to the thread's root activity (the checklist, the
        other living message, is edited too, under its own id)."""
        root = thread.split("messageid=")[1]
        return [u for u in self.stub.updated if u.id == root]

    async def settle(self) -> None:
        await self.runtime.reconciler.drain()


def form_inputs(card: dict) -> dict[str, dict]:
    found: dict[str, dict] = {}

    def walk(element):
        if isinstance(element, dict):
            if str(element.get("type", "")).startswith("Input.") and "id" in element:
                found[element["id"]] = element
            for value in element.values():
                walk(value)
        elif isinstance(element, list):
            for item in element:
                walk(item)

    walk(card)
    return found


def submit_data(card: dict, **inputs: Any) -> dict:
    """What Teams posts on the card's submit: the button's data merged with the inputs."""
    action = card["actions"][0]
    return {**action["data"], **inputs}


INTAKE = {
    "customer": "Acme Corp",
    "title": "Checkout down for EU customers",
    "severity": "high",
    "cause": "product_issue",
    "business_impact": "Orders cannot be placed; about $40k a day at stake.",
    "annual_contract_value": "250000",
    "renewal_date": "2027-03-01",
    "leader": LEADER,
    "stakeholders": CSM,
    "private": "false",
    "separate": "false",
}


@pytest.fixture
async def stub():
    server = await ConnectorStub().start()
    server.members.update({p["aadObjectId"]: p for p in PEOPLE.values()})
    server.members.update({p["id"]: p for p in PEOPLE.values()})
    yield server
    await server.close()


@pytest.fixture
async def make_teams(stub, tmp_path, clock):
    harnesses = []

    async def start(**settings: Any) -> TeamsHarness:
        config = Settings(
            database_url=f"sqlite:///{tmp_path / 'teams.db'}", teams_enabled=True, **settings
        )
        runtime = compose(config, clock=clock)
        runtime.teams.port.backoff = Backoff(attempts=4, base=0.001, cap=0.01)
        web_module.mark_ready(runtime.web)
        client = TestClient(TestServer(runtime.web))
        await client.start_server()
        harness = TeamsHarness(stub, runtime, client)
        if runtime.teams.graph is not None:

            async def sleep(delay: float) -> None:  # Graph's retries, recorded, not waited
                harness.slept.append(delay)

            runtime.teams.graph.backoff = Backoff(attempts=4, base=0.001, cap=8, sleep=sleep)
        harnesses.append(harness)
        return harness

    yield start
    for harness in harnesses:
        await harness.settle()
        await harness.client.close()
        harness.runtime.db.dispose()


@pytest.fixture
async def teams(make_teams):
    return await make_teams()


GRAPH_APP = GraphApp("graph-client-id", "graph-secret", TENANT)


@pytest.fixture
async def graph():
    server = await GraphStub().start()
    yield server
    await server.close()


@pytest.fixture
async def channel_teams(make_teams, graph):
    """Channel mode: Graph credentials for the bot's registration, and Graph and the token
    endpoint at the local stub (the Bot Framework side stays unauthenticated, as above)."""
    return await make_teams(
        teams_war_rooms="channel",
        microsoft_graph_url=f"{graph.url}v1.0/",
        microsoft_login_url=graph.url,
        graph_app=GRAPH_APP,
    )
