"""The buttons on the bot's messages, by the action name every platform's templates give them,
and what pressing one does. A button carries one number: the escalation (or follow-up) it is
about. Slack, Teams and the shell all press buttons through this table."""

from __future__ import annotations

from collections.abc import Callable

from commands import closing, resolve, updates
from commands.desk import Desk, reply
from commands.invocation import Invocation
from commands.results import Result

# Buttons that open a form about one escalation.
OPEN_FORM: dict[str, Callable[[Desk, Invocation, int | None], Result]] = {
    "card_update": updates.start,
    "card_resolve": resolve.start,
    "open_satisfaction": closing.start_satisfaction,
}
# Buttons that do something and answer the presser.
ACT: dict[str, Callable[[Desk, Invocation, int | None], Result]] = {
    "postmortem": closing.postmortem,
    "follow_up_done": lambda desk, inv, target: closing.complete_follow_up(desk, inv, target or 0),
}


def press(desk: Desk, inv: Invocation, action: str, target: int | None) -> Result:
    handler = OPEN_FORM.get(action) or ACT.get(action)
    if handler is None:
        return reply("unknown_escalation")
    return handler(desk, inv, target)
