"""Issue 4 through Slack's own payloads: account picker, checklist ticks, investigation,
post-mortem file, satisfaction button."""

from __future__ import annotations

import json

from tests.slack.conftest import intake_values


async def open_room(slack, **overrides) -> str:
    await slack.submit("intake", intake_values(**overrides))
    await slack.settle()
    return list(slack.stub.channels)[-1]


async def test_account_picker_searches_and_offers_to_create(slack):
    await open_room(slack, customer="new:Acme Corp")
    payload = {
        "type": "block_suggestion",
        "action_id": "customer",
        "block_id": "customer",
        "value": "acm",
        "team": {"id": "T1"},
        "user": {"id": "U1"},
        "api_app_id": "A1",
        "view": {"id": "V1", "callback_id": "intake"},
    }
    from urllib.parse import urlencode

    response = await slack.post(urlencode({"payload": json.dumps(payload)}))
    options = (await response.json())["options"]
    assert options[0]["text"]["text"] == "Acme Corp" and options[0]["value"].startswith("acct:")
    assert options[-1]["value"] == "new:acm"


async def test_checklist_is_posted_and_ticked_through_block_actions(slack):
    room = await open_room(slack)
    checklists = [(ts, m) for ts, m in slack.stub.messages[room].items() if "playbook" in m["text"]]
    [(ts, message)] = checklists
    boxes = [b for b in message["blocks"] if b["type"] == "actions"]
    assert len(boxes) == 5
    first = boxes[0]["elements"][0]
    option = first["options"][0]
    payload = {
        "type": "block_actions",
        "team": {"id": "T1"},
        "user": {"id": "ULEAD"},
        "api_app_id": "A1",
        "trigger_id": "t",
        "channel": {"id": room},
        "container": {"type": "message", "channel_id": room, "message_ts": ts},
        "message": {"ts": ts},
        "response_url": slack.stub.response_url("tick"),
        "actions": [
            {
                "type": "checkboxes",
                "action_id": first["action_id"],
                "block_id": boxes[0]["block_id"],
                "selected_options": [option],
            }
        ],
    }
    from urllib.parse import urlencode

    response = await slack.post(urlencode({"payload": json.dumps(payload)}))
    assert response.status == 200
    await slack.settle()
    ticked = slack.stub.messages[room][ts]
    assert "<@ULEAD>" in str(ticked["blocks"])
    [card_ts] = slack.stub.pins[room]
    assert "1 of " in str(slack.stub.messages[room][card_ts]["blocks"])


async def test_investigation_modal_round_trip_links_from_the_card(slack):
    room = await open_room(slack)
    await slack.command("investigate", channel=room)
    await slack.settle()
    view = slack.stub.called("views.open")[-1]["view"]
    assert view["callback_id"] == "investigate"
    values = {
        "customer_view": {
            "customer_view": {"type": "plain_text_input", "value": "They were billed twice"}
        },
        "facts": {"facts": {"type": "plain_text_input", "value": "A job retried"}},
    }
    response = await slack.submit(
        "investigate", values, metadata=json.loads(view["private_metadata"])
    )
    assert response.status == 200
    await slack.settle()
    assert any("billed twice" in str(m["blocks"]) for m in slack.stub.messages[room].values())
    [card_ts] = slack.stub.pins[room]
    assert "investigation record" in str(slack.stub.messages[room][card_ts]["blocks"])
    await slack.command("investigate", channel=room)
    await slack.settle()
    reopened = slack.stub.called("views.open")[-1]["view"]
    facts = [b for b in reopened["blocks"] if b["block_id"] == "facts"][0]
    assert facts["element"]["initial_value"] == "A job retried"


async def test_postmortem_is_posted_as_a_markdown_file(slack):
    room = await open_room(slack)
    body = await (await slack.command("postmortem", channel=room)).json()
    assert "post-mortem" in body["text"]
    await slack.settle()
    [upload] = [u for u in slack.stub.uploads.values() if u.get("title")]
    assert upload["channel"] == room
    assert b"# Post-mortem: ESC-1" in upload["content"]


async def test_draft_is_ephemeral_and_ready_to_copy(slack):
    room = await open_room(slack)
    body = await (await slack.command("draft", channel=room)).json()
    assert body["response_type"] == "ephemeral" and "no update" in body["text"]
