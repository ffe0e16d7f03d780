"""What must hold when input is hostile, Slack misbehaves or the bot restarts."""

from __future__ import annotations

import json
import time

from sqlmodel import select

from storage.models import Escalation
from tests.slack.conftest import intake_values


async def test_unsigned_or_stale_requests_get_401(slack):
    response = await slack.post("command=/escalate&text=help", signed=False)
    assert response.status == 401
    stale = int(time.time()) - 10 * 60
    response = await slack.post("command=/escalate&text=help", timestamp=stale)
    assert response.status == 401
    assert slack.stub.calls == []


async def test_mentions_in_user_text_never_ping(slack):
    hostile = intake_values(
        customer="<!everyone> Corp",
        title="Down <!channel> <@UBOSS> & <!here>",
        business_impact="<https://evil.example|click me>",
    )
    await slack.submit("intake", hostile)
    await slack.settle()
    posted = slack.stub.called("chat.postMessage") + slack.stub.called("chat.update")
    assert posted
    for call in posted:
        # mrkdwn is where mentions are parsed; plain_text (headers) shows text literally.
        mrkdwn = [b for b in call.get("blocks") or [] if b["type"] != "header"]
        text = str(mrkdwn) + str(call.get("text"))
        for raw in ("<!channel>", "<!here>", "<!everyone>", "<@UBOSS>", "<https://evil"):
            assert raw not in text
    room = next(iter(slack.stub.channels))
    [ts] = slack.stub.pins[room]
    assert "Down &lt;!channel&gt; &lt;@UBOSS&gt; &amp; &lt;!here&gt;" in str(
        slack.stub.messages[room][ts]["blocks"]
    )


async def test_long_text_is_cut_to_block_kit_limits(slack):
    await slack.submit("intake", intake_values(business_impact="x" * 2000, customer="C" * 80))
    await slack.settle()
    room = next(iter(slack.stub.channels))
    [ts] = slack.stub.pins[room]
    for block in slack.stub.messages[room][ts]["blocks"]:
        if block["type"] == "section" and "text" in block:
            assert len(block["text"]["text"]) <= 3000
        if block["type"] == "header":
            assert len(block["text"]["text"]) <= 150
    assert len(slack.stub.channels[room]["name"]) <= 80


async def test_name_taken_picks_another_name(slack):
    slack.stub.taken_names.add("esc-1-acme-corp")
    await slack.submit("intake", intake_values())
    await slack.settle()
    names = [c["name"] for c in slack.stub.called("conversations.create")]
    assert names == ["esc-1-acme-corp", "esc-1-acme-corp-2"]
    room = next(iter(slack.stub.channels))
    assert slack.stub.pins[room], "the card still gets posted and pinned"


async def test_rate_limited_call_is_retried_after_retry_after(slack):
    slack.stub.fail_next("chat.postMessage", error="ratelimited", status=429, retry_after=1)
    await slack.submit("intake", intake_values())
    await slack.settle()
    room = next(iter(slack.stub.channels))
    assert len(slack.stub.pins[room]) == 1
    cards = [c for c in slack.stub.called("chat.postMessage") if c["channel"] == room]
    assert len(cards) >= 2  # the 429 and the retry that went through


async def test_slack_outage_resumes_setup_later_without_duplicates(slack, clock):
    slack.stub.fail_next("pins.add", error="internal_error", status=500, times=10)
    await slack.submit("intake", intake_values())
    await slack.settle()
    room = next(iter(slack.stub.channels))
    assert slack.stub.pins[room] == []
    # Slack answers again; the scheduler's sweep picks the escalation up once its retry is due.
    slack.stub.failures.clear()
    await slack.runtime.reconciler.sweep()
    assert slack.stub.pins[room] == [], "not before the backoff has passed"
    clock.advance(minutes=20)
    await slack.runtime.reconciler.sweep()
    assert len(slack.stub.pins[room]) == 1
    assert len(slack.stub.called("conversations.create")) == 1
    cards = [
        c
        for c in slack.stub.called("chat.postMessage")
        if c["channel"] == room and "card_actions" in str(c.get("blocks"))
    ]
    assert len(cards) == 1, "the card is posted once, not once per attempt"


async def test_double_submission_creates_one_escalation(slack):
    values = intake_values()
    first = await slack.submit("intake", values, view_id="VSAME")
    second = await slack.submit("intake", values, view_id="VSAME")
    assert first.status == second.status == 200
    await slack.settle()
    assert len(slack.stub.called("conversations.create")) == 1
    with slack.runtime.db.session() as session:
        assert len(session.exec(select(Escalation)).all()) == 1


async def test_retried_event_is_handled_once(slack):
    event = {"type": "app_home_opened", "user": "ULEAD", "channel": "D1", "tab": "home"}
    for retry in (None, 1, 2):
        response = await slack.event(event, event_id="Ev1", retry=retry)
        assert response.status == 200
    await slack.settle()
    assert len(slack.stub.called("views.publish")) == 1


async def test_restart_on_the_same_database_keeps_the_escalation(make_slack, tmp_path):
    url = f"sqlite:///{tmp_path / 'restart.db'}"
    first = await make_slack(url)
    await first.submit("intake", intake_values())
    await first.settle()
    await first.client.close()
    first.runtime.db.dispose()

    second = await make_slack(url)
    room = next(iter(second.stub.channels))
    body = await (await second.command("list")).json()
    assert "ESC-1" in str(body["blocks"])
    response = await second.command("severity critical", channel=room)
    assert "Critical" in (await response.json())["text"]


async def test_answers_in_the_origin_channel_are_only_ephemeral(slack):
    """/escalate may be typed in a Slack Connect channel the customer reads."""
    for text in ("help", "list", "update", "nonsense"):
        body = await (await slack.command(text, channel="CSHARED")).json()
        assert body["response_type"] == "ephemeral"
    await slack.command("", channel="CSHARED")
    await slack.settle()
    modal = slack.stub.called("views.open")[-1]["view"]
    await slack.submit("intake", intake_values(), metadata=json.loads(modal["private_metadata"]))
    await slack.settle()
    assert all(c["channel"] != "CSHARED" for c in slack.stub.called("chat.postMessage"))
    [told] = slack.stub.responses
    assert told["response_type"] == "ephemeral" and "ESC-1" in told["text"]


async def test_private_channel_and_announcement(make_slack):
    slack = await make_slack(escalations_channel="CANNOUNCE")
    await slack.submit("intake", intake_values(private=True))
    await slack.settle()
    [create] = slack.stub.called("conversations.create")
    assert create["is_private"] in (True, "true", "1")
    announced = [c for c in slack.stub.called("chat.postMessage") if c["channel"] == "CANNOUNCE"]
    assert len(announced) == 1 and "ESC-1" in announced[0]["text"]
