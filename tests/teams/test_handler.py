"""Handler logic with botbuilder's TestAdapter (no HTTP): references captured on install,
card actions by Action.Execute, and invokes answered with plain JSON bodies."""

from __future__ import annotations

from botbuilder.core import TurnContext
from botbuilder.core.adapters import TestAdapter
from botbuilder.schema import (
    Activity,
    ChannelAccount,
    ConversationAccount,
    ConversationReference,
)

from bot.teams.bot import EscalationBot
from bot.teams.directory import Directory
from commands.desk import Desk
from storage.db import Database
from tests.teams.conftest import LEADER, PEOPLE


def _bot(tmp_path, playbooks, clock) -> EscalationBot:
    db = Database(f"sqlite:///{tmp_path / 'h.db'}")
    db.migrate()
    desk = Desk(db, playbooks, clock=clock)
    return EscalationBot(desk, Directory(db, clock))


def _adapter(bot: EscalationBot) -> TestAdapter:
    """TestAdapter stamps its template's people and conversation on every activity."""
    person = PEOPLE[LEADER]
    template = ConversationReference(
        channel_id="msteams",
        service_url="https://smba.example/teams/",
        user=ChannelAccount(id=person["id"], name=person["name"], aad_object_id=LEADER),
        bot=ChannelAccount(id="28:bot", name="Escalations"),
        conversation=ConversationAccount(id="a:leader", conversation_type="personal"),
    )
    adapter = TestAdapter(bot.on_turn, template)
    # It copies only the ids from the reference: restore what Teams sends.
    adapter.template.conversation = template.conversation
    adapter.template.from_property = template.user
    return adapter


def _activity(**fields) -> Activity:
    return Activity(channel_id="msteams", local_timezone="America/Chicago", **fields)


async def test_installing_the_bot_stores_the_1to1_reference_and_zone(tmp_path, playbooks, clock):
    bot = _bot(tmp_path, playbooks, clock)
    adapter = _adapter(bot)
    await adapter.process_activity(_activity(type="installationUpdate", action="add"), bot.on_turn)
    stored = bot.directory.personal(LEADER)
    assert stored["reference"]["conversation"]["id"] == "a:leader"
    assert stored["timezone"] == "America/Chicago"
    assert bot.directory.name(LEADER) == "Leo Leader"


async def test_action_execute_on_an_unknown_follow_up_answers_with_a_message(
    tmp_path, playbooks, clock
):
    bot = _bot(tmp_path, playbooks, clock)
    adapter = _adapter(bot)
    answers = []

    async def capture(context: TurnContext) -> None:
        answers.append(await bot.on_invoke_activity(context))

    value = {
        "action": {"type": "Action.Execute", "verb": "follow_up_done", "data": {"escalation": 999}}
    }
    await adapter.process_activity(
        _activity(type="invoke", name="adaptiveCard/action", value=value), capture
    )
    [answer] = answers
    assert answer.status == 200
    assert answer.body["type"] == "application/vnd.microsoft.activity.message"
    assert isinstance(answer.body["value"], str) and answer.body["value"]
