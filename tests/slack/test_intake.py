"""/escalate → modal → war room: channel, topic, invites, card, pin, announcements."""

from __future__ import annotations

import json
from urllib.parse import urlencode

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


async def pick_customer(slack, view: dict, value: str):
    """The person picks an account in the open intake modal (dispatch_action)."""
    payload = {
        "type": "block_actions",
        "team": {"id": "T1", "domain": "test"},
        "user": {"id": "U2", "name": "u2", "team_id": "T1"},
        "api_app_id": "A1",
        "trigger_id": "trigger-pick",
        "container": {"type": "view", "view_id": view["id"]},
        "view": view,
        "actions": [
            {
                "type": "external_select",
                "action_id": "customer",
                "block_id": "customer",
                "selected_option": {"text": {"type": "plain_text", "text": value}, "value": value},
                "action_ts": "1.2",
            }
        ],
    }
    response = await slack.post(urlencode({"payload": json.dumps(payload)}))
    assert response.status == 200
    await slack.settle()


async def test_picking_an_account_with_an_open_escalation_warns_in_the_form(slack):
    await open_escalation(slack, customer="new:Acme Corp")
    await slack.command("", user="U2")
    await slack.settle()
    [opened] = slack.stub.called("views.open")
    view = {**opened["view"], "id": "VSECOND", "hash": "h-1"}
    assert [b for b in view["blocks"] if b["block_id"] == "customer"][0]["dispatch_action"]

    await pick_customer(slack, view, "acct:1")
    [update] = slack.stub.called("views.update")
    assert (update["view_id"], update["hash"]) == ("VSECOND", "h-1")
    ids = [b.get("block_id") for b in update["view"]["blocks"]]
    assert ids[ids.index("customer") + 1] == "customer_note"  # right under the field
    assert ids.count("customer_note") == 1 and len(ids) == len(view["blocks"]) + 1
    note = str(update["view"]["blocks"][ids.index("customer_note")])
    assert "ESC-1" in note and "/escalate join ESC-1" in note and "#esc-1-acme-corp" in note
    meta = json.loads(update["view"]["private_metadata"])
    assert meta["origin"] == json.loads(view["private_metadata"])["origin"]  # kept

    # Submitting anyway is stopped on the field; ticking "a different problem" opens it.
    refused = await slack.submit(
        "intake", intake_values(customer="acct:1"), user="U2", metadata=meta
    )
    errors = (await refused.json())["errors"]
    assert "ESC-1" in errors["customer"]
    separate = intake_values(customer="acct:1")
    separate["separate"] = {
        "separate": {"type": "checkboxes", "selected_options": [{"value": "yes"}]}
    }
    accepted = await slack.submit("intake", separate, user="U2", metadata=meta)
    assert accepted.status == 200 and await accepted.text() == ""
    await slack.settle()
    assert len(slack.stub.called("conversations.create")) == 2
    second = list(slack.stub.channels)[-1]
    assert "also has" not in str(list(slack.stub.messages[second].values()))  # they said so

    # Picking another account takes the note away again.
    updated = {**update["view"], "id": "VSECOND", "hash": "h-next"}
    await pick_customer(slack, updated, "new:Globex")
    removal = slack.stub.called("views.update")[-1]
    assert "customer_note" not in [b.get("block_id") for b in removal["view"]["blocks"]]
    assert json.loads(removal["view"]["private_metadata"])["open_elsewhere"] is None


async def test_escalation_opened_while_the_form_was_open_is_not_lost(slack):
    """The form closed (acked) before the store; a duplicate that appeared meanwhile cannot be
    put back on the form, so the escalation opens and its welcome names the other one."""
    await open_escalation(slack, customer="new:Acme Corp")
    response = await slack.submit("intake", intake_values(customer="acct:1"), user="U2")
    assert response.status == 200 and await response.text() == ""
    await slack.settle()
    second = list(slack.stub.channels)[-1]
    assert slack.stub.channels[second]["name"].startswith("esc-2-acme-corp")
    welcome = [m for m in slack.stub.messages[second].values() if "war room for" in m["text"]]
    assert "also has ESC-1 open" in str(welcome[0]["blocks"])
