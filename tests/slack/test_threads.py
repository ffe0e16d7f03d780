"""The lighter war room: a standard escalation as a thread in ESCALATIONS_CHANNEL (policy
`war_room: thread`), worked by mentioning the bot since slash commands do not run in threads."""

from __future__ import annotations

import json
import time
from urllib.parse import urlencode

import pytest

from tests.slack.conftest import intake_values

ESC_CHANNEL = "CESC"


@pytest.fixture
async def threads(make_slack):
    slack = await make_slack(escalations_channel=ESC_CHANNEL)
    slack.stub.channels[ESC_CHANNEL] = {
        "id": ESC_CHANNEL,
        "name": "escalations",
        "is_private": False,
        "is_archived": False,
        "topic": "",
    }
    return slack


async def mention(slack, text: str, *, thread: str | None, user: str = "ULEAD", n: int = 1):
    event = {
        "type": "app_mention",
        "user": user,
        "text": f"<@UBOT> {text}",
        "channel": ESC_CHANNEL,
        "ts": f"{time.time():.6f}",
        "team": "T1",
    }
    if thread:
        event["thread_ts"] = thread
    response = await slack.event(event, event_id=f"Ev{time.monotonic_ns()}")
    assert response.status == 200
    await slack.settle()
    return slack.stub.called("chat.postEphemeral")[-n:]


async def open_standard(slack) -> str:
    await slack.submit("intake", intake_values(severity="standard"))
    await slack.settle()
    root = next(iter(slack.stub.messages[ESC_CHANNEL]))  # the first message in the channel
    return root


async def test_standard_escalation_opens_as_a_thread_whose_first_message_is_the_card(threads):
    stub = threads.stub
    root = await open_standard(threads)
    assert stub.called("conversations.create") == []  # no channel for a standard one
    card = stub.messages[ESC_CHANNEL][root]
    assert "ESC-1 · Acme Corp" in str(card["blocks"])  # the placeholder became the card
    assert [b for b in card["blocks"] if b["type"] == "actions"]  # with its buttons
    in_thread = [c for c in stub.called("chat.postMessage") if c.get("thread_ts") == root]
    texts = " ".join(str(c.get("blocks")) for c in in_thread)
    assert "war room for" in texts and "top of this thread" in texts  # the welcome, in it
    assert "<@ULEAD>" in texts and "mention the bot" in texts  # people told, and how
    assert {"ULEAD", "U1", "UCSM", "UAE"} <= stub.members[ESC_CHANNEL]  # so they can see it
    assert stub.called("pins.add") == [] and stub.called("conversations.setTopic") == []
    # The card is the announcement: no second message at the top of the channel.
    top_level = [c for c in stub.called("chat.postMessage") if c["channel"] == ESC_CHANNEL]
    assert all(c.get("thread_ts") == root for c in top_level[1:])
    # Where the new leader is told the war room is: a link to the thread.
    told = [c for c in stub.called("chat.postMessage") if c["channel"] == "DULEAD"]
    assert f"https://slack.com/archives/{ESC_CHANNEL}/p{root.replace('.', '')}" in str(told)


async def test_mentions_in_the_thread_work_the_escalation(threads):
    root = await open_standard(threads)
    [answer] = await mention(threads, "lead <@UDANA|dana>", thread=root)
    assert answer["thread_ts"] == root and answer["user"] == "ULEAD"  # ephemeral, in thread
    card = threads.stub.messages[ESC_CHANNEL][root]
    assert "<@UDANA>" in str(card["blocks"])  # the card, edited in place
    [listing] = await mention(threads, "list", thread=root)
    assert "ESC-1" in str(listing["blocks"])
    [refused] = await mention(threads, "close", thread=root)  # not resolved yet
    assert "`@escalations resolve`" in str(refused["blocks"])  # as it is typed here


async def test_a_form_command_by_mention_answers_with_a_button_that_opens_the_form(threads):
    root = await open_standard(threads)
    [answer] = await mention(threads, "update", thread=root)
    button = answer["blocks"][0]["accessory"]
    assert button["action_id"] == "open_form"
    payload = {
        "type": "block_actions",
        "team": {"id": "T1"},
        "user": {"id": "ULEAD", "name": "lead", "team_id": "T1"},
        "api_app_id": "A1",
        "trigger_id": "trigger-form",
        "channel": {"id": ESC_CHANNEL},
        "container": {"type": "message", "is_ephemeral": True, "channel_id": ESC_CHANNEL},
        "response_url": threads.stub.response_url("action"),
        "actions": [{"type": "button", "action_id": "open_form", "value": button["value"]}],
    }
    response = await threads.post(urlencode({"payload": json.dumps(payload)}))
    assert response.status == 200
    await threads.settle()
    [opened] = threads.stub.called("views.open")
    assert opened["trigger_id"] == "trigger-form" and opened["view"]["callback_id"] == "update"
    assert json.loads(opened["view"]["private_metadata"])["escalation"] == 1


async def test_a_slash_command_at_the_top_of_the_shared_channel_says_how_to_reach_a_thread(
    threads,
):
    await open_standard(threads)
    response = await threads.command("update", user="ULEAD", channel=ESC_CHANNEL)
    body = await response.json()
    assert body["response_type"] == "ephemeral" and "mention the bot" in str(body["blocks"])


async def test_closing_a_thread_room_archives_nothing(threads):
    root = await open_standard(threads)
    await threads.submit(
        "resolve",
        {
            "root_cause": {"root_cause": {"type": "plain_text_input", "value": "Bad deploy"}},
            "resolution": {"resolution": {"type": "plain_text_input", "value": "Rolled back"}},
        },
        user="ULEAD",
        metadata={"escalation": 1},
    )
    await threads.settle()
    await mention(threads, "close", thread=root)
    assert threads.stub.called("conversations.archive") == []
    assert "Closed" in str(threads.stub.messages[ESC_CHANNEL][root]["blocks"])


async def test_high_and_private_escalations_still_get_channels(threads):
    await threads.submit("intake", intake_values(severity="high"))
    await threads.submit("intake", intake_values(severity="standard", private=True))
    await threads.settle()
    assert len(threads.stub.called("conversations.create")) == 2


async def test_a_reminder_in_a_thread_says_to_mention_the_bot(threads, clock):
    root = await open_standard(threads)
    clock.advance(hours=2, minutes=1)  # standard: acknowledge within 2 h
    await threads.runtime.reminders.scan()
    await threads.runtime.reconciler.sweep()
    await threads.settle()
    [reminder] = [
        c
        for c in threads.stub.called("chat.postMessage")
        if c.get("thread_ts") == root and "promised" in str(c.get("blocks"))
    ]
    assert "`@escalations update`" in str(reminder["blocks"])
    assert "/escalate" not in str(reminder["blocks"])


async def test_a_thread_room_opens_as_a_channel_when_the_bot_cannot_post_there(threads, caplog):
    threads.stub.fail_next("chat.postMessage", error="not_in_channel")
    await threads.submit("intake", intake_values(severity="standard"))
    await threads.settle()
    [created] = threads.stub.called("conversations.create")  # never left without a room
    assert created["name"] == "esc-1-acme-corp"
    assert "invite the bot" in caplog.text
