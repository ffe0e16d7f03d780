"""Authentication (401, never 500), commands by text in the thread, and user text that can
neither mention anyone nor break the card."""

from __future__ import annotations

import base64
import json

from aiohttp.test_utils import TestClient, TestServer

from app import compose
from bot import web as web_module
from bot.settings import Settings
from bot.teams.render import render
from commands.results import Message
from tests.teams.conftest import CSM, INTAKE, LEADER, assert_valid_card, form_inputs
from tests.teams.test_intake import open_escalation


def _segment(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


async def test_requests_without_a_valid_token_are_401_when_an_app_id_is_set(tmp_path, teams):
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'auth.db'}",
        microsoft_app_id="11111111-2222-3333-4444-555555555555",
        microsoft_app_password="secret",
        microsoft_app_tenant_id="tenant-1",
    )
    runtime = compose(settings)
    web_module.mark_ready(runtime.web)
    async with TestClient(TestServer(runtime.web)) as client:
        body = json.dumps(teams.activity("message", text="help"))
        foreign = ".".join(
            [
                _segment({"alg": "RS256", "kid": "nope", "typ": "JWT"}),
                _segment({"iss": "https://evil.example", "aud": "someone-else", "exp": 1}),
                "c2lnbmF0dXJl",
            ]
        )
        for header in (None, "Bearer", "Bearer not-a-jwt", "Basic abc", f"Bearer {foreign}"):
            headers = {"Content-Type": "application/json"}
            if header:
                headers["Authorization"] = header
            response = await client.post("/api/messages", data=body, headers=headers)
            assert response.status == 401, (header, response.status)
    runtime.db.dispose()
    assert teams.stub.sent == []


async def test_commands_by_text_in_the_thread(teams):
    thread = await open_escalation(teams)
    root_id = thread.split("messageid=")[1]
    await teams.in_channel("lead", thread=thread, mentions=[CSM])
    await teams.settle()
    assert any("now leads" in s.text for s in teams.stub.in_conversation(thread))
    with teams.runtime.db.session() as session:
        from storage import queries

        assert queries.escalation(session, 1).leader_id == CSM
    await teams.in_channel("severity critical", thread=thread, user=CSM)
    await teams.settle()
    assert "Critical" in teams.card_edits(thread)[-1].text
    await teams.in_channel("close", thread=thread, user=CSM)
    assert "not resolved yet" in teams.stub.sent[-1].text
    await teams.in_channel("resolve", thread=thread, user=CSM)
    button = teams.stub.sent[-1].card["actions"][0]["data"]
    answer = await teams.invoke("task/fetch", {"data": button}, user=CSM)
    form = answer["task"]["value"]["card"]["content"]
    data = {
        **form["actions"][0]["data"],
        "root_cause": "Expired certificate",
        "resolution": "Renewed it",
    }
    answer = await teams.invoke("task/submit", {"data": data}, user=CSM)
    assert answer["task"]["type"] == "message"
    await teams.settle()
    await teams.in_channel("close", thread=thread, user=CSM)
    await teams.settle()
    assert any("closed" in s.text for s in teams.stub.in_conversation(thread))
    assert [u for u in teams.stub.updated if u.id == root_id][-1].card.get("actions") is None
    await teams.in_channel("list all", thread=thread)
    assert "ESC-1" in teams.stub.sent[-1].text
    await teams.in_channel("help", thread=thread)
    assert "escalations here" in teams.stub.sent[-1].text


async def test_markup_and_mentions_in_user_text_cannot_mention_anyone_or_break_the_card(teams):
    hostile = '<at>Everyone</at> **bold** [x](https://evil) "quote" {{DATE(2020-01-01T00:00:00Z)}}'
    thread = await open_escalation(
        teams, title=hostile[:120], customer="Acme <at>Leo Leader</at>", business_impact=hostile
    )
    card = teams.card_edits(thread)[-1].card
    assert_valid_card(card)
    text = json.dumps(card)
    assert "<at>Everyone</at>" not in text
    assert "&lt;at&gt;Everyone&lt;/at&gt;" in text
    assert "\\\\*\\\\*bold" in text and "\\\\[x\\\\]" in text
    assert "{{DATE(2020" not in text
    ids = {e["mentioned"]["id"] for e in card["msteams"]["entities"]}
    assert ids <= {LEADER, CSM, INTAKE and "aaaaaaaa-0000-0000-0000-000000000001"}
    # Every `<at>` left in the card is one of the bot's own mentions.
    tags = [e["text"] for e in card["msteams"]["entities"]]
    body = json.dumps(card["body"], ensure_ascii=False)
    assert body.count("<at>") == sum(body.count(t) for t in tags)
    assert thread


async def test_every_message_the_commands_send_renders_to_a_valid_card(playbooks):
    """Each template name used by the commands, with sample facts: valid Adaptive Card 1.5."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    names: set[str] = set()
    for path in list((root / "commands").glob("*.py")):
        source = path.read_text()
        names |= set(re.findall(r'template="([a-z_]+)"', source))
        names |= set(re.findall(r'reply\(\s*"([a-z_]+)"', source))
        names |= set(re.findall(r'Message\(\s*"([a-z_]+)"', source))
    names |= {
        "reminder_room",
        "reminder_dm",
        "leadership_note",
        "leadership_brief",
        "satisfaction_request",
        "follow_up_due",
        "status_card",
        "checklist",
        # the Teams adapter's own: war rooms, channel mode and its fallbacks
        "room_root",
        "invite",
        "room_fallback",
        "members_failed",
        "archive_failed",
        "channel_set",
        "channel_needed",
        "help",
        "form",
    }
    from tests.teams.samples import context_for

    for name in sorted(names):
        for kind in ("thread", "channel", "private"):
            rendered = render(Message(name, context_for(name)), {LEADER: "Leo"}, room_kind=kind)
            assert_valid_card(rendered["card"])
            assert rendered["summary"], name
    causes = ("permission", "sign_in", "graph", "team_unknown", "bot_not_in_channel", "thread_mode")
    for cause in causes:
        for private in (True, False):
            context = {**context_for("room_fallback"), "cause": cause, "private": private}
            rendered = render(Message("room_fallback", context))
            assert_valid_card(rendered["card"])
            said = rendered["card"]["body"][0]["text"]
            assert ("not private" in said) is private, (cause, said)
        context = {"name": "esc-1-acme", "cause": cause, "permission": "Channel.Create"}
        blocked = render(Message("private_room_blocked", {**context, "reason": "<at>x</at>"}))
        assert_valid_card(blocked["card"])
        assert "nowhere else" in blocked["card"]["body"][0]["text"]


async def test_the_account_form_from_the_thread_saves_into_the_card(teams):
    thread = await open_escalation(teams)
    await teams.in_channel("account", thread=thread)
    button = teams.stub.sent[-1].card["actions"][0]["data"]
    answer = await teams.invoke("task/fetch", {"data": button})
    form = answer["task"]["value"]["card"]["content"]
    inputs = form_inputs(form)
    assert inputs["annual_contract_value"]["value"] == "250000"  # prefilled from the account
    assert inputs["csm"]["type"] == "Input.ChoiceSet"  # a people picker
    data = {**form["actions"][0]["data"], "annual_contract_value": "900000", "csm": CSM}
    answer = await teams.invoke("task/submit", {"data": data})
    assert answer["task"]["type"] == "message"
    await teams.settle()
    assert any("updated the account" in s.text for s in teams.stub.in_conversation(thread))
    assert "900,000" in teams.card_edits(thread)[-1].text
