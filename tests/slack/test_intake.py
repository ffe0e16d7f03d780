"""/escalate → modal → war room: channel, topic, invites, card, pin, announcements."""

from __future__ import annotations

from tests.slack.conftest import intake_values


async def open_escalation(slack, **overrides) -> str:
    """Submit a filled intake form; returns the war room channel id."""
    response = await slack.submit(
        "intake", intake_values(**overrides), metadata={"origin": None, "channel": "CORIGIN"}
    )
    assert response.status == 200
    await slack.settle()
    return slack.stub.called("conversations.create")[-1] and list(slack.stub.channels)[-1]


async def test_slash_command_opens_the_intake_modal_with_the_title_prefilled(slack):
    response = await slack.command("Checkout down for EU customers", user="U1")
    assert response.status == 200
    await slack.settle()
    [opened] = slack.stub.called("views.open")
    view = opened["view"]
    assert view["callback_id"] == "intake"
    blocks = {b["block_id"]: b for b in view["blocks"]}
    assert blocks["title"]["element"]["initial_value"] == "Checkout down for EU customers"
    assert blocks["leader"]["element"]["initial_user"] == "U1"
    assert len(view["title"]["text"]) <= 24


async def test_submission_creates_war_room_with_people_card_and_pin(slack):
    channel = await open_escalation(slack)
    stub = slack.stub
    [create] = stub.called("conversations.create")
    assert create["name"] == "esc-1-acme-corp"
    assert stub.channels[channel]["topic"].startswith("ESC-1 · Acme Corp")
    assert {"ULEAD", "U1", "UCSM", "UAE"} <= stub.members[channel]
    [card_ts] = stub.pins[channel]
    card = stub.messages[channel][card_ts]
    text = str(card["blocks"])
    assert "ESC-1 · Acme Corp" in text and "<@ULEAD>" in text and "Checkout down" in text
    actions = [b for b in card["blocks"] if b["type"] == "actions"][0]
    assert [e["action_id"] for e in actions["elements"]] == ["card_update", "card_resolve"]
    # the new leader hears about it by DM
    assert any(p["channel"] == "DULEAD" for p in stub.called("chat.postMessage"))


async def test_invalid_input_is_answered_on_the_field(slack):
    response = await slack.submit(
        "intake", intake_values(annual_contract_value="lots", title="x" * 130)
    )
    body = await response.json()
    assert body["response_action"] == "errors"
    assert "number" in body["errors"]["annual_contract_value"]
    assert "120" in body["errors"]["title"]
    assert slack.stub.called("conversations.create") == []
