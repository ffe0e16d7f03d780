"""Overdue reminders as Slack users see them: in the war room, by DM with a button."""

from __future__ import annotations

from tests.slack.conftest import intake_values


async def scan(slack) -> None:
    await slack.runtime.reminders.scan()
    await slack.runtime.reconciler.sweep()
    await slack.settle()


def reminders_in(slack, channel):
    """Reminders Slack accepted (failed attempts are not messages anyone saw)."""
    return [
        m for m in slack.stub.messages[channel].values() if "alarm_clock" in str(m.get("blocks"))
    ]


async def test_overdue_acknowledgement_reminds_in_room_and_by_dm(slack, clock):
    await slack.submit("intake", intake_values(severity="critical"))
    await slack.settle()
    room = next(iter(slack.stub.channels))
    clock.advance(minutes=59)
    await scan(slack)
    assert reminders_in(slack, room) == []
    clock.advance(minutes=2)  # critical: acknowledge within 1 h
    await scan(slack)
    [in_room] = reminders_in(slack, room)
    assert "<@ULEAD>" in str(in_room["blocks"]) and "acknowledgement" in in_room["text"]
    [dm] = reminders_in(slack, "DULEAD")
    [button] = [b for b in dm["blocks"] if b["type"] == "actions"][0]["elements"]
    assert button["action_id"] == "card_update" and button["value"] == "1"
    # the card says overdue
    [ts] = slack.stub.pins[room]
    assert "OVERDUE" in str(slack.stub.messages[room][ts]["blocks"])
    # the DM's button opens the update modal straight away
    await slack.click("card_update", "1", user="ULEAD", channel="DULEAD")
    await slack.settle()
    assert slack.stub.called("views.open")[-1]["view"]["callback_id"] == "update"
    # and a second scan in the same period sends nothing more
    await scan(slack)
    assert len(reminders_in(slack, room)) == 1 and len(reminders_in(slack, "DULEAD")) == 1


async def test_dm_outside_working_hours_waits_but_the_room_is_told(slack, clock):
    slack.stub.zones["ULEAD"] = "Asia/Tokyo"  # 11:01 UTC is 20:01 in Tokyo
    await slack.submit("intake", intake_values(severity="high"))
    await slack.settle()
    room = next(iter(slack.stub.channels))
    clock.advance(hours=2, minutes=1)
    await scan(slack)
    assert len(reminders_in(slack, room)) == 1 and reminders_in(slack, "DULEAD") == []
    assert slack.stub.called("users.info")


async def test_slack_failure_during_a_reminder_is_retried_and_delivered_once(slack, clock):
    await slack.submit("intake", intake_values(severity="critical"))
    await slack.settle()
    room = next(iter(slack.stub.channels))
    clock.advance(hours=1, minutes=1)
    slack.stub.fail_next("chat.postMessage", error="fatal_error", status=503, times=3)
    await scan(slack)
    for _ in range(5):
        clock.advance(minutes=10)
        await scan(slack)
    assert len(reminders_in(slack, room)) == 1
    assert len(reminders_in(slack, "DULEAD")) == 1
