"""Reads the text after `/escalate` (or a shell line) and picks the command."""

from __future__ import annotations

from commands import (
    accounts,
    checklist,
    close,
    closing,
    drafting,
    intake,
    investigation,
    lead,
    leadership,
    listing,
    report,
    resolve,
    severity,
    updates,
)
from commands.desk import Desk, reply
from commands.invocation import Invocation
from commands.results import Result

SUBCOMMANDS = (
    "update",
    "lead",
    "severity",
    "cause",
    "investigate",
    "account",
    "draft",
    "exec",
    "resolve",
    "postmortem",
    "close",
    "join",
    "list",
    "report",
    "help",
)
# Subcommands that take no argument: anything after them is a mistake, not ignored.
BARE = {
    "update": updates.start,
    "investigate": investigation.start,
    "account": accounts.start_edit,
    "draft": drafting.draft,
    "exec": leadership.start_exec,
    "resolve": resolve.start,
    "postmortem": closing.postmortem,
    "close": close.close,
}
WITH_ARGUMENT = {
    "lead": lead.hand_over,
    "severity": severity.change,
    "cause": checklist.change_cause,
    "join": closing.join,
    "list": listing.list_escalations,
    "report": report.report,
}

# The forms about one escalation (its id travels with the form), and what each submits to:
# every platform's adapter dispatches its submissions through this one table.
SUBMITS = {
    updates.FORM: updates.submit,
    resolve.FORM: resolve.submit,
    investigation.FORM: investigation.submit,
    leadership.FORM: leadership.submit_exec,
    closing.SATISFACTION: closing.submit_satisfaction,
    accounts.FORM: accounts.submit_edit,
}


def handle(desk: Desk, inv: Invocation, text: str) -> Result:
    text = (text or "").strip()
    word, _, rest = text.partition(" ")
    word = word.lower()
    rest = rest.strip()
    if not text:
        return intake.start(desk, inv)
    if word == "help":
        return help_text(desk)
    if word in BARE and not rest:
        return BARE[word](desk, inv)
    if word in WITH_ARGUMENT:
        return WITH_ARGUMENT[word](desk, inv, rest)
    if word in SUBCOMMANDS:
        return reply("usage", usage=word)
    if " " not in text:
        # One unknown word is a mistyped subcommand far more often than a title.
        return help_text(desk, unknown=text)
    return intake.start(desk, inv, title=text)


def help_text(desk: Desk, unknown: str | None = None) -> Result:
    return reply("help", unknown=unknown, severities=list(desk.playbooks.policy.severities))
