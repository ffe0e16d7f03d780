"""Overdue reminders as proactive messages: into the war-room thread (mentioning the leader)
and into the leader's 1:1 chat; a leader the bot cannot reach is reported in the thread."""

from __future__ import annotations

from tests.teams.conftest import LEADER
from tests.teams.test_intake import open_escalation


async def overdue(teams, clock) -> None:
    clock.advance(days=2)
    await teams.runtime.reminders.scan()
    await teams.runtime.reconciler.sweep()
    await teams.settle()


async def test_reminders_reach_the_thread_with_a_mention_and_the_leaders_1to1_chat(teams, clock):
    await teams.say("hello", user=LEADER)  # the leader's 1:1 chat: its reference is stored
    thread = await open_escalation(teams)
    await overdue(teams, clock)
    in_room = [s for s in teams.stub.in_conversation(thread) if "due since" in s.text]
    assert in_room, [s.text for s in teams.stub.in_conversation(thread)]
    entities = in_room[0].card["msteams"]["entities"]
    assert [e["mentioned"]["id"] for e in entities] == [LEADER]
    assert "<at>Leo Leader</at>" in in_room[0].text
    dms = [s for s in teams.stub.in_conversation(f"a:personal-{LEADER}") if "owe" in s.text]
    assert len(dms) == 1
    assert dms[0].card["actions"][0]["data"]["action"] == "card_update"
    # The same scan again sends nothing twice.
    sent = len(teams.stub.sent)
    await teams.runtime.reminders.scan()
    await teams.runtime.reconciler.sweep()
    await teams.settle()
    assert len(teams.stub.sent) == sent


async def test_a_leader_the_bot_cannot_reach_is_reported_in_the_thread_once(teams, clock):
    thread = await open_escalation(teams)  # the leader never talked to the bot
    await overdue(teams, clock)
    clock.advance(days=1)
    await teams.runtime.reminders.scan()
    await teams.runtime.reconciler.sweep()
    await teams.settle()
    notes = [s for s in teams.stub.in_conversation(thread) if "could not send" in s.text]
    assert len(notes) == 1
    assert notes[0].card["msteams"]["entities"][0]["mentioned"]["id"] == LEADER
    with teams.runtime.db.session() as session:
        from storage import queries

        errors = [m.last_error or "" for m in queries.messages(session, 1) if m.target == "user"]
    assert any(e.startswith("unreachable") for e in errors)


async def test_throttled_calls_are_retried_with_backoff(teams, clock):
    await teams.say("hello", user=LEADER)
    thread = await open_escalation(teams)
    teams.stub.fail_next("send", 429, times=2)
    teams.stub.fail_next("update", 502)
    await overdue(teams, clock)
    assert any("due since" in s.text for s in teams.stub.in_conversation(thread))
    assert (
        teams.stub.failures["send"]
        == teams.stub.failures["update"]
        == type(teams.stub.failures["send"])()
    )  # every injected failure was met, and retried past
