"""`escalate` → card with a button → dialog (task module) → war-room thread with the card."""

from __future__ import annotations

from tests.teams.conftest import (
    CHANNEL,
    CSM,
    INTAKE,
    LEADER,
    REPORTER,
    TEAM,
    assert_valid_card,
    form_inputs,
    submit_data,
)


async def set_channel(teams) -> None:
    await teams.in_channel("escalations here")


async def open_form(teams, text: str = "escalate") -> dict:
    """Type `text` in the 1:1 chat, press the card's button: the dialog's card."""
    await teams.say(text)
    button = teams.stub.sent[-1].card["actions"][0]
    assert button["data"]["msteams"] == {"type": "task/fetch"}
    answer = await teams.invoke("task/fetch", {"data": button["data"]})
    assert answer["task"]["type"] == "continue"
    return answer["task"]["value"]["card"]["content"]


async def open_escalation(teams, **overrides) -> str:
    """Set the channel, fill the intake; returns the war room thread's conversation id."""
    await set_channel(teams)
    card = await open_form(teams)
    answer = await teams.invoke(
        "task/submit", {"data": submit_data(card, **{**INTAKE, **overrides})}
    )
    assert answer["task"]["type"] == "message", answer
    await teams.settle()
    return (
        teams.stub.created[-1]
        and teams.stub.sent[
            [s.activity for s in teams.stub.sent].index(teams.stub.created[-1]["activity"])
        ].conversation
    )


async def test_escalations_here_is_stored_and_confirmed_in_the_channel(teams, make_teams):
    await set_channel(teams)
    confirmation = teams.stub.sent[-1]
    assert confirmation.conversation.startswith(CHANNEL)
    assert "war room" in confirmation.text
    # A restart (a new app on the same database) still knows the channel.
    again = await make_teams()
    stored = again.runtime.teams.directory.channel()
    assert stored["channel"] == CHANNEL and stored["team"] == TEAM
    assert stored["service_url"] == teams.stub.url


async def test_escalate_answers_with_a_card_whose_button_opens_the_form(teams):
    card = await open_form(teams, "escalate Checkout down for EU customers")
    assert_valid_card(card)
    inputs = form_inputs(card)
    assert inputs["title"]["value"] == "Checkout down for EU customers"
    assert inputs["leader"]["value"] == REPORTER
    assert inputs["severity"]["value"] == "high"
    assert inputs["leader"]["choices.data"]["dataset"] == "graph.microsoft.com/users"
    assert card["actions"][0]["data"]["_form"] == "intake"


async def test_invalid_submit_reshows_the_form_with_the_error_and_every_value_typed(teams):
    card = await open_form(teams)
    typed = {**INTAKE, "title": "   ", "business_impact": "Orders lost <b>fast</b>"}
    answer = await teams.invoke("task/submit", {"data": submit_data(card, **typed)})
    assert answer["task"]["type"] == "continue"
    again = answer["task"]["value"]["card"]["content"]
    assert_valid_card(again)
    inputs = form_inputs(again)
    assert inputs["customer"]["value"] == "Acme Corp"
    assert inputs["business_impact"]["value"] == "Orders lost <b>fast</b>"
    assert inputs["stakeholders"]["value"] == CSM
    assert inputs["annual_contract_value"]["value"] == "250000"
    texts = [b.get("text", "") for b in again["body"] if b.get("type") == "TextBlock"]
    assert "This field is required." in texts
    # The same nonce travels on: the corrected submission still makes one escalation.
    assert (
        again["actions"][0]["data"]["_meta"]["nonce"]
        == card["actions"][0]["data"]["_meta"]["nonce"]
    )
    assert teams.stub.created == []


async def test_valid_submit_opens_a_thread_with_the_card_as_its_root_message(teams):
    thread = await open_escalation(teams)
    [created] = teams.stub.created
    assert created["channelData"]["channel"]["id"] == CHANNEL
    assert created["isGroup"] is True
    root_id = thread.split("messageid=")[1]
    # The root message became the status card, edited in place (PUT to the root activity).
    card_edit = teams.card_edits(thread)[-1]  # drawn again once the checklist is linked
    card = card_edit.card
    assert_valid_card(card)
    assert "ESC-1" in card_edit.text and "Acme Corp" in card_edit.text
    assert [a["title"] for a in card["actions"]] == ["Post update", "Resolve"]
    mentioned = {e["mentioned"]["id"] for e in card["msteams"]["entities"]}
    assert {LEADER, REPORTER, CSM} <= mentioned
    # Everyone was @mentioned in the thread with real mention entities.
    in_thread = teams.stub.in_conversation(thread)
    invite = next(s for s in in_thread if "part of this war room" in s.text)
    entities = invite.card["msteams"]["entities"]
    assert {e["mentioned"]["id"] for e in entities} == {LEADER, REPORTER, CSM}
    assert all(e["text"] in invite.text for e in entities)
    assert "<at>Leo Leader</at>" in invite.text
    # The reporter hears back in their 1:1 chat; the leader could not be DMed (never installed).
    personal = teams.stub.in_conversation(f"a:personal-{REPORTER}")
    assert any("is open" in s.text for s in personal)
    with teams.runtime.db.session() as session:
        from storage import queries

        esc = queries.escalation(session, 1)
        assert esc.platform == "teams"
        assert esc.room_channel == thread and esc.room_thread == root_id
        assert esc.card_message_id == root_id


async def test_the_card_is_updated_in_place_after_an_update_from_its_button(teams):
    thread = await open_escalation(teams)
    root_id = thread.split("messageid=")[1]
    edits_before = len([u for u in teams.stub.updated if u.id == root_id])
    conversation = {"id": thread, "conversationType": "channel", "tenantId": "tenant-1"}
    button = next(
        a
        for a in teams.card_edits(thread)[-1].card["actions"]
        if a["data"].get("action") == "card_update"
    )
    answer = await teams.invoke(
        "task/fetch", {"data": button["data"]}, user=LEADER, conversation=conversation
    )
    form = answer["task"]["value"]["card"]["content"]
    assert_valid_card(form)
    data = submit_data(
        form,
        what_we_know="Payment provider outage in EU.",
        what_we_are_doing="Failing over to the backup provider.",
    )
    answer = await teams.invoke(
        "task/submit", {"data": data}, user=LEADER, conversation=conversation
    )
    assert answer["task"]["type"] == "message"
    await teams.settle()
    edits = [u for u in teams.stub.updated if u.id == root_id]
    assert len(edits) > edits_before
    assert "Payment provider outage in EU." in edits[-1].text
    assert "Acknowledged" in teams.stub.in_conversation(thread)[-1].text
    # Never re-posted: exactly one conversation (thread) was ever created.
    assert len(teams.stub.created) == 1


async def test_the_escalate_message_action_prefills_the_form_from_the_message(teams):
    value = {
        "commandId": "escalate",
        "commandContext": "message",
        "messagePayload": {
            "body": {
                "contentType": "html",
                "content": "<p>Acme checkout is down</p><p>EU orders &amp; refunds fail</p>",
            }
        },
    }
    answer = await teams.invoke("composeExtension/fetchTask", value)
    card = answer["task"]["value"]["card"]["content"]
    assert_valid_card(card)
    inputs = form_inputs(card)
    assert inputs["title"]["value"] == "Acme checkout is down"
    assert inputs["business_impact"]["value"] == "Acme checkout is down\nEU orders & refunds fail"
    await set_channel(teams)
    answer = await teams.invoke(
        "composeExtension/submitAction",
        {"commandId": "escalate", "data": submit_data(card, **{**INTAKE, "title": "From ME"})},
    )
    assert answer["task"]["type"] == "message"
    await teams.settle()
    assert len(teams.stub.created) == 1


async def test_in_thread_mode_the_form_says_a_war_room_cannot_be_private(teams):
    card = await open_form(teams)
    assert_valid_card(card)
    assert "private" not in form_inputs(card)  # no box that would promise what is not there
    notes = [b.get("text", "") for b in card["body"] if b.get("type") == "TextBlock"]
    assert any("a thread cannot be private" in n for n in notes)


async def test_a_private_request_in_thread_mode_is_told_plainly_it_is_not_private(teams):
    """A form from before a switch to thread mode can still ask for privacy."""
    thread = await open_escalation(teams, private="true")
    assert teams.stub.created[0]["channelData"]["channel"]["id"] == CHANNEL
    note = next(s for s in teams.stub.in_conversation(thread) if "not private" in s.text)
    assert "everyone in Escalations can read it" in note.text
    texts = " ".join(s.text for s in teams.stub.sent)
    assert "private channel" not in texts and "only the people" not in texts
