"""One deployment serving Slack and Teams at once: one web server, one database; each
escalation lives on the platform where it was opened."""

from __future__ import annotations

import pytest

from tests.slack.conftest import SECRET, SlackHarness, intake_values
from tests.slack.stub_api import SlackStub
from tests.teams.test_intake import open_escalation


@pytest.fixture
async def slack_stub():
    server = await SlackStub().start()
    yield server
    await server.close()


async def test_slack_and_teams_share_one_server_and_keep_their_own_escalations(
    make_teams, slack_stub
):
    teams = await make_teams(
        slack_bot_token="xoxb-test", slack_signing_secret=SECRET, slack_api_url=slack_stub.base_url
    )
    assert teams.runtime.settings.mode == "slack-http"
    slack = SlackHarness(slack_stub, teams.runtime, teams.client)  # the same web server

    thread = await open_escalation(teams)  # ESC-1, from Teams
    response = await slack.submit("intake", intake_values(customer="Globex"))  # ESC-2
    assert response.status == 200
    await slack.settle()
    await teams.settle()

    [created] = slack_stub.called("conversations.create")
    assert created["name"] == "esc-2-globex"  # Slack only ever heard of its own
    assert len(teams.stub.created) == 1 and "ESC-1" in teams.card_edits(thread)[-1].text
    listed = await (await slack.command("list all")).json()
    assert "ESC-2" in str(listed["blocks"]) and "ESC-1" not in str(listed["blocks"])
    await teams.in_channel("list all", thread=thread)
    assert "ESC-1" in teams.stub.sent[-1].text and "ESC-2" not in teams.stub.sent[-1].text
    await teams.in_channel("report", thread=thread)  # the patterns, per platform too
    assert "**Opened:** 1 (High 1)" in teams.stub.sent[-1].text  # ESC-2 is Slack's
