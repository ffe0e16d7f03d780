"""Reads the text after `/escalate` (or a shell line) and picks the command."""

from __future__ import annotations

from commands import close, intake, lead, listing, resolve, severity, updates
from commands.desk import Desk, reply
from commands.invocation import Invocation
from commands.results import Result

SUBCOMMANDS = ("update", "lead", "severity", "resolve", "close", "list", "help")


def handle(desk: Desk, inv: Invocation, text: str) -> Result:
    text = (text or "").strip()
    word, _, rest = text.partition(" ")
    word = word.lower()
    rest = rest.strip()
    if not text:
        return intake.start(desk, inv)
    if word == "help":
        return help_text(desk)
    if word == "update" and not rest:
        return updates.start(desk, inv)
    if word == "lead":
        return lead.hand_over(desk, inv, rest)
    if word == "severity":
        return severity.change(desk, inv, rest)
    if word == "resolve" and not rest:
        return resolve.start(desk, inv)
    if word == "close" and not rest:
        return close.close(desk, inv)
    if word == "list":
        return listing.list_escalations(desk, inv, rest)
    if word in SUBCOMMANDS:
        return reply("usage", usage=word)
    if " " not in text:
        # One unknown word is a mistyped subcommand far more often than a title.
        return help_text(desk, unknown=text)
    return intake.start(desk, inv, title=text)


def help_text(desk: Desk, unknown: str | None = None) -> Result:
    return reply("help", unknown=unknown, severities=list(desk.playbooks.policy.severities))
