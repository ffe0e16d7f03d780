"""The war room's life through Slack: update, lead, severity, resolve, close, list, help."""

from __future__ import annotations

import json

import pytest

from tests.slack.conftest import intake_values


@pytest.fixture
async def room(slack):
    """An open escalation; returns its war room channel id."""
    response = await slack.submit("intake", intake_values(), metadata={"origin": None})
    assert response.status == 200
    await slack.settle()
    return next(iter(slack.stub.channels))


def card(slack, channel):
    [ts] = slack.stub.pins[channel]
    return ts, str(slack.stub.messages[channel][ts]["blocks"])


def update_values(
    know="Root cause found in the EU load balancer.", doing="Rolling out a fix.", next_at=None
):
    return {
        "what_we_know": {"what_we_know": {"type": "plain_text_input", "value": know}},
        "what_we_are_doing": {"what_we_are_doing": {"type": "plain_text_input", "value": doing}},
        "next_update_at": {
            "next_update_at": {"type": "datetimepicker", "selected_date_time": next_at}
        },
    }


async def test_update_edits_the_same_pinned_card(slack, room, clock):
    ts, before = card(slack, room)
    assert "No update yet" in before
    response = await slack.command("update", user="ULEAD", channel=room)
    assert response.status == 200
    await slack.settle()
    [opened] = slack.stub.called("views.open")
    assert opened["view"]["callback_id"] == "update"
    metadata = opened["view"]["private_metadata"]
    response = await slack.submit(
        "update", update_values(), user="ULEAD", metadata=json.loads(metadata)
    )
    assert response.status == 200
    await slack.settle()
    ts_after, after = card(slack, room)
    assert ts_after == ts and len(slack.stub.pins[room]) == 1  # never re-posted or re-pinned
    # edited in place: the card (and the playbook checklist beside it), nothing re-posted
    assert ts in [u["ts"] for u in slack.stub.called("chat.update")]
    assert "EU load balancer" in after and "Acknowledged" in after
    posted = [
        m for m in slack.stub.messages[room].values() if "Acknowledged: first update" in str(m)
    ]
    assert posted, "the update itself is posted as a message in the war room"


async def test_card_button_opens_the_update_modal(slack, room):
    response = await slack.click("card_update", "1", user="ULEAD", channel=room)
    assert response.status == 200
    await slack.settle()
    [opened] = slack.stub.called("views.open")
    assert opened["view"]["callback_id"] == "update"


async def test_update_promising_a_time_beyond_the_cadence_is_refused(slack, room, clock):
    too_late = int(clock().timestamp()) + 5 * 24 * 3600  # high = every 48 h
    response = await slack.submit(
        "update", update_values(next_at=too_late), user="ULEAD", metadata={"escalation": 1}
    )
    body = await response.json()
    assert body["response_action"] == "errors"
    assert "48 h" in body["errors"]["next_update_at"]


async def test_lead_hand_off_invites_tells_and_updates_the_card(slack, room):
    response = await slack.command("lead <@UNEW|new.person>", user="ULEAD", channel=room)
    body = await response.json()
    assert body["response_type"] == "ephemeral" and "<@UNEW>" in body["text"]
    await slack.settle()
    assert "UNEW" in slack.stub.members[room]
    assert any(p["channel"] == "DUNEW" for p in slack.stub.called("chat.postMessage"))
    _, text = card(slack, room)
    assert "*Leader*\\n<@UNEW>" in text


async def test_lead_accepts_a_bare_user_id_and_rejects_nonsense(slack, room):
    body = await (await slack.command("lead UOTHER", channel=room)).json()
    assert "<@UOTHER>" in body["text"]
    body = await (await slack.command("lead", channel=room)).json()
    assert "Usage" in body["text"]


async def test_severity_change_replans_and_shows_on_the_card(slack, room):
    body = await (await slack.command("severity critical", channel=room)).json()
    assert "Critical" in body["text"]
    await slack.settle()
    _, text = card(slack, room)
    assert "*Severity*\\nCritical" in text


async def test_resolve_then_close_archives_the_room(slack, room):
    body = await (await slack.command("close", channel=room)).json()
    assert "not resolved yet" in body["text"]
    await slack.command("resolve", channel=room)
    await slack.settle()
    assert slack.stub.called("views.open")[-1]["view"]["callback_id"] == "resolve"
    values = {
        "root_cause": {"root_cause": {"type": "plain_text_input", "value": "Bad deploy"}},
        "resolution": {"resolution": {"type": "plain_text_input", "value": "Rolled back"}},
        "prevention": {"prevention": {"type": "plain_text_input", "value": "Canary deploys"}},
        "levers": {"levers": {"type": "checkboxes", "selected_options": [{"value": "pricing"}]}},
        "lever_detail": {"lever_detail": {"type": "plain_text_input", "value": "10% credit"}},
    }
    response = await slack.submit("resolve", values, metadata={"escalation": 1})
    assert response.status == 200
    await slack.settle()
    _, text = card(slack, room)
    assert "Resolved" in text and "Bad deploy" in text and "card_update" not in text
    body = await (await slack.command("close", channel=room)).json()
    assert "Closing ESC-1" in body["text"]
    await slack.settle()
    assert slack.stub.channels[room]["is_archived"]
    _, text = card(slack, room)
    assert "*State*\\nClosed" in text


async def test_list_is_ephemeral_and_marks_overdue(slack, room, clock):
    clock.advance(hours=3)  # high: acknowledge within 2 h
    body = await (await slack.command("list")).json()
    assert body["response_type"] == "ephemeral"
    text = str(body["blocks"])
    assert "ESC-1" in text and "overdue" in text and "Acme Corp" in text
    body = await (await slack.command("list mine", user="ULEAD")).json()
    assert "ESC-1" in str(body["blocks"])
    body = await (await slack.command("list mine", user="USOMEONE")).json()
    assert "Nothing here" in str(body["blocks"])


async def test_help_and_unknown_subcommand(slack):
    body = await (await slack.command("help")).json()
    assert body["response_type"] == "ephemeral" and "`lead @person`" in str(body)
    body = await (await slack.command("frobnicate")).json()
    assert "I don't know `frobnicate`" in str(body)


async def test_room_commands_elsewhere_say_where_to_run_them(slack):
    body = await (await slack.command("update", channel="CRANDOM")).json()
    assert "war room" in body["text"]
    assert slack.stub.called("views.open") == []


async def test_expired_trigger_is_explained_not_swallowed(slack):
    slack.stub.fail_next("views.open", error="expired_trigger_id")
    response = await slack.command("")
    assert response.status == 200
    await slack.settle()
    [told] = slack.stub.responses
    assert told["response_type"] == "ephemeral" and "expired_trigger_id" in told["text"]


async def test_account_form_from_the_war_room_updates_the_card_and_brings_in_the_csm(slack, room):
    response = await slack.command("account", user="ULEAD", channel=room)
    assert response.status == 200
    await slack.settle()
    [opened] = slack.stub.called("views.open")
    view = opened["view"]
    assert view["callback_id"] == "account" and len(view["title"]["text"]) <= 24
    blocks = {b["block_id"]: b for b in view["blocks"]}
    assert blocks["annual_contract_value"]["element"]["initial_value"] == "250000"  # prefilled
    values = {
        "annual_contract_value": {
            "annual_contract_value": {"type": "plain_text_input", "value": "400000"}
        },
        "csm": {"csm": {"type": "users_select", "selected_user": "UNEWCSM"}},
    }
    metadata = json.loads(view["private_metadata"])
    response = await slack.submit("account", values, user="ULEAD", metadata=metadata)
    assert response.status == 200 and await response.text() == ""
    await slack.settle()
    _, after = card(slack, room)
    assert "<@UNEWCSM>" in after  # the card shows the new CSM
    assert "UNEWCSM" in slack.stub.members[room]  # who is invited to the war room
    note = [m for m in slack.stub.messages[room].values() if "updated the account" in str(m)]
    assert note and "Annual contract value" in str(note[0]["blocks"])


async def test_report_is_ephemeral_and_shows_the_patterns(slack, room):
    body = await (await slack.command("report 30")).json()
    assert body["response_type"] == "ephemeral"
    text = str(body["blocks"])
    assert "Escalations in the last 30 days" in text and "Product issue" in text
