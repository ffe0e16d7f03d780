"""The shell backend, driven the way a person or a piped demo drives it: lines in, text out."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from app import compose
from bot.settings import Settings
from bot.shell.console import run_script
from bot.shell.text import mrkdwn, to_lines
from playbooks import loader
from storage import queries

ROOT = Path(__file__).resolve().parent.parent
ROOM = "#esc-1-acme-corp"

PLAYBOOKS = loader.load()


def answers(form: str, **given: str) -> list[str]:
    """One answer per field of `form`, in the form's order; blank (the default) unless given,
    so the tests keep working when a form gains an optional field."""
    return [given.get(f.name, "") for f in PLAYBOOKS.forms[form].fields]


INTAKE = dict(
    customer="Acme Corp",
    severity="2",
    cause="1",
    business_impact="Checkout fails for every EU shopper",
    annual_contract_value="120000",
    renewal_date="2027-01-31",
    stakeholders="bob, @carol",
    private="n",
)
OPEN = ["/escalate Checkout down", *answers("intake", **INTAKE)]
UPDATE = [
    "update",
    *answers(
        "update",
        what_we_know="Payment gateway TLS change",
        what_we_are_doing="Rolling it back",
        next_update_at="+4h",
    ),
]
RESOLVE = [
    "resolve",
    *answers(
        "resolve",
        root_cause="TLS config without canary",
        resolution="Rolled back",
        levers="1, 2",
        lever_detail="One month credit",
    ),
]


@pytest.fixture
def runtime(database_url, clock):
    runtime = compose(Settings(database_url=database_url), clock=clock)
    yield runtime
    runtime.db.dispose()


def escalation(runtime, escalation_id: int = 1):
    with runtime.db.session() as session:
        return queries.escalation(session, escalation_id)


def after(output: str, marker: str) -> str:
    """What was printed after the last occurrence of `marker`."""
    assert marker in output, output
    return output.rsplit(marker, 1)[1]


async def test_opening_creates_the_room_prints_the_pinned_card_and_moves_you_in(runtime):
    out = await run_script(runtime, OPEN)
    assert f"[{ROOM}] bot created {ROOM} (public war room)" in out
    assert f"[{ROOM}] bot invited @you, @bob, @carol" in out
    card = after(out, f"[{ROOM}] 📌 bot:")
    assert "ESC-1 · Acme Corp" in card and "State: Open" in card and "Leader: @you" in card
    assert "[Post update] [Resolve]" in card
    assert f"[only you] bot:\n  ✅ ESC-1 (Acme Corp) is open. The war room is {ROOM}" in out
    assert f"» you are now in {ROOM}, the war room of ESC-1" in out
    esc = escalation(runtime)
    assert (esc.platform, esc.room_channel, esc.card_pinned) == ("shell", ROOM, True)
    assert (esc.title, esc.leader_id, esc.stakeholder_ids) == (
        "Checkout down",
        "you",
        ["bob", "carol"],
    )


async def test_a_private_war_room_is_made_private(runtime):
    intake = answers("intake", **{**INTAKE, "private": "yes"})
    out = await run_script(runtime, ["/escalate Checkout down", *intake])
    assert f"[{ROOM}] bot created {ROOM} (private war room)" in out
    assert escalation(runtime).private is True


async def test_update_posts_in_the_room_and_edits_the_card(runtime, clock):
    out = await run_script(runtime, [*OPEN, *UPDATE])
    assert f"[you@{ROOM}] > update" in out
    posted = after(out, f"[{ROOM}] bot:\n  Acknowledged: first update on ESC-1 from @you")
    card = after(posted, f"[{ROOM}] 📌 ✎ card updated:")
    assert "State: Acknowledged" in card and "We know: Payment gateway TLS change" in card
    assert "Next update due: 2026-11-23 13:00 UTC" in card  # +4h from the fake 09:00
    assert escalation(runtime).state == "acknowledged"


async def test_lead_hands_over_tells_the_new_leader_and_updates_the_card(runtime):
    out = await run_script(runtime, [*OPEN, "lead @bob"])
    rest = after(out, f"[you@{ROOM}] > lead @bob")
    assert "[only you] bot:\n  @bob now leads ESC-1." in rest
    assert "handed the lead of ESC-1 from @you to @bob" in rest
    assert "[DM to @bob] bot:\n  @you made you the leader of ESC-1" in rest
    assert "Leader: @bob" in after(rest, "✎ card updated:")
    assert escalation(runtime).leader_id == "bob"


async def test_resolve_then_close_archives_the_room(runtime):
    out = await run_script(runtime, [*OPEN, *RESOLVE, "close"])
    resolved = after(out, f"[you@{ROOM}] > resolve")
    assert "✅ @you resolved ESC-1." in resolved
    assert "State: Resolved" in resolved and "[Post update]" not in after(resolved, "✎")
    closed = after(out, f"[you@{ROOM}] > close")
    assert "Closing ESC-1: the war room will be archived." in closed
    assert "🔒 @you closed ESC-1." in closed and "State: Closed" in closed
    assert closed.rstrip().endswith(f"[{ROOM}] bot archived this channel (read-only from now on)")
    esc = escalation(runtime)
    assert (esc.state, esc.room_archived, esc.levers) == (
        "closed",
        True,
        ["value_added_service", "pricing"],
    )


async def test_list_shows_the_escalation_with_its_room(runtime):
    out = await run_script(runtime, [*OPEN, "in #support", "list", "/escalate list mine"])
    listed = after(out, "[you@#support] > list")
    assert f"ESC-1 {ROOM} · Acme Corp · High · Open" in listed
    assert "Leader @you · next update 2026-11-23 11:00 UTC" in listed
    assert "Open escalations you lead" in after(out, "list mine")


async def test_a_bad_number_asks_again_for_that_field_only(runtime):
    intake = answers("intake", **{**INTAKE, "annual_contract_value": "lots"})
    out = await run_script(runtime, ["/escalate Checkout down", *intake, "250,000"])
    assert "  ✗ Annual contract value: Enter a number, like 120000." in out
    retry = after(out, "✗ Annual contract value")
    assert "Annual contract value (optional): 250,000" in retry
    customer = PLAYBOOKS.forms["intake"].field("customer").label
    assert customer not in retry and "Business impact:" not in retry
    assert out.count(f"{customer}:") == 1
    esc = escalation(runtime)
    assert (esc.customer, esc.cause, esc.annual_contract_value) == (
        "Acme Corp",
        "product_issue",
        250000,
    )


async def test_all_goes_through_every_field_again_keeping_the_answers(runtime):
    intake = answers("intake", **{**INTAKE, "annual_contract_value": "lots"})
    again = answers("intake", annual_contract_value="99000")  # Enter keeps the rest
    out = await run_script(runtime, ["/escalate Checkout down", *intake, "/all", *again])
    assert "» every field again: Enter keeps your answer" in out
    assert "Severity [High]:" in after(out, "every field again")
    esc = escalation(runtime)
    assert (esc.customer, esc.stakeholder_ids, esc.annual_contract_value) == (
        "Acme Corp",
        ["bob", "carol"],
        99000,
    )


async def test_a_line_ending_in_a_backslash_goes_on(runtime):
    update = answers("update", what_we_know="Line one \\", what_we_are_doing="Doing")
    update.insert(1, "Line two")
    await run_script(runtime, [*OPEN, "update", *update])
    with runtime.db.session() as session:
        assert queries.latest_update(session, 1).what_we_know == "Line one\nLine two"


async def test_a_failing_command_does_not_end_the_session(runtime, monkeypatch):
    from commands import router

    def broken(*_args):
        raise RuntimeError("database on fire")

    monkeypatch.setattr(router, "handle", broken)
    out = await run_script(runtime, ["list", "as bob"])
    assert "» that failed (RuntimeError: database on fire); see the log" in out
    assert "» you are now @bob" in out


async def test_unreadable_answers_are_asked_again_on_the_spot(runtime):
    intake = answers("intake", **{**INTAKE, "severity": "9", "stakeholders": "bob carol @dave"})
    at = [f.name for f in PLAYBOOKS.forms["intake"].fields].index("severity")
    intake.insert(at + 1, "critical")  # 9 is asked again; then by key
    out = await run_script(runtime, ["/escalate Checkout down", *intake])
    assert "✗ Pick a number from 1 to 3, or one of: critical, high, standard." in out
    esc = escalation(runtime)
    assert (esc.severity, esc.stakeholder_ids) == ("critical", ["bob", "carol", "dave"])


async def test_a_time_in_no_known_format_is_asked_again(runtime, clock):
    update = answers("update", what_we_know="Known", what_we_are_doing="Doing")
    at = [f.name for f in PLAYBOOKS.forms["update"].fields].index("next_update_at")
    update[at : at + 1] = ["tomorrow", "2026-11-24 10:30"]
    script = [*OPEN, "update", *update]
    out = await run_script(runtime, script)
    assert "✗ Enter a time as YYYY-MM-DD HH:MM (UTC), or +4h from now." in out
    assert "Next update due: 2026-11-24 10:30 UTC" in after(out, "✎ card updated:")


async def test_the_commands_refusal_reasks_the_field(runtime):
    update = answers(
        "update", what_we_know="Known", what_we_are_doing="Doing", next_update_at="+5d"
    )
    script = [*OPEN, "update", *update, "+1h"]  # high: within 48 h, asked again
    out = await run_script(runtime, script)
    assert "✗ Next update by (empty = the severity's cadence): High escalations are" in out
    assert "Next update due: 2026-11-23 10:00 UTC" in after(out, "✎ card updated:")


async def test_cancel_sends_nothing(runtime):
    out = await run_script(runtime, ["/escalate", "Acme Corp", "/cancel", "list"])
    assert "» form cancelled: nothing was sent" in out
    assert "Nothing here." in out
    assert escalation(runtime) is None


async def test_end_of_input_inside_a_form_sends_nothing(runtime):
    out = await run_script(runtime, ["/escalate", "Acme Corp"])
    assert out.rstrip().endswith("» end of input: the open form was not sent")
    assert escalation(runtime) is None


async def test_war_room_commands_elsewhere_say_where_to_run_them(runtime):
    out = await run_script(runtime, ["update", "close"])
    assert "`/escalate update` works inside an escalation's war room channel." in out
    assert "Post an update" not in out


async def test_unknown_lines_get_the_help_and_the_shell_commands(runtime):
    out = await run_script(runtime, ["frobnicate", "help"])
    assert "I don't know `frobnicate`. Here is what I can do:" in out
    assert "`/escalate <title>`" in out  # a literal <title> is not taken for a link
    assert out.count("`as <user>` switches who you are") == 2


async def test_as_and_in_switch_who_and_where(runtime):
    out = await run_script(runtime, [*OPEN, "as alice", "in #support", "in esc-1-acme-corp"])
    assert "» you are now @alice" in out
    assert "[alice@#support] > in esc-1-acme-corp" in out
    assert f"» you are now in {ROOM} (a war room)" in out


async def test_answers_to_someone_else_are_marked_as_theirs(runtime):
    out = await run_script(runtime, ["as alice", *OPEN])
    assert "[only you] bot:\n  ✅ ESC-1" in out
    assert "Raised by @alice" in out


async def test_announcements_go_to_the_escalations_channel(database_url, clock):
    runtime = compose(
        Settings(database_url=database_url, escalations_channel="escalations"), clock=clock
    )
    try:
        out = await run_script(runtime, OPEN)
    finally:
        runtime.db.dispose()
    assert "[#escalations] bot:\n  🚨 ESC-1 · Acme Corp · High" in out
    assert f"war room {ROOM}" in after(out, "[#escalations] bot:")


async def test_a_later_session_keeps_editing_the_pinned_card(runtime):
    await run_script(runtime, OPEN)
    out = await run_script(runtime, [f"in {ROOM}", "lead @bob"])
    assert f"[{ROOM}] 📌 ✎ card updated:" in out  # the pin is known from the database


async def test_a_later_session_knows_the_earlier_war_rooms(runtime):
    await run_script(runtime, [*OPEN, *RESOLVE, "close"])
    out = await run_script(runtime, [f"in {ROOM}", "update", "list all"])
    assert f"» you are now in {ROOM} (an archived war room)" in out
    assert "ESC-1 is closed, so you cannot post an update." in out
    assert "Closed" in after(out, "list all")


async def test_overdue_reminders_are_printed_before_the_next_prompt(runtime, clock):
    await run_script(runtime, OPEN)
    clock.advance(hours=3)  # high: acknowledge within 2 h
    out = await run_script(runtime, ["list overdue"])
    assert f"[{ROOM}] bot:\n  ⏰ @you the acknowledgement on ESC-1" in out
    assert "[DM to @you] bot:\n  ⏰ The acknowledgement you owe on ESC-1" in out
    assert "🚨 OVERDUE since 2026-11-23 11:00 UTC" in after(out, "✎ card updated:")


def test_blocks_read_as_terminal_text():
    assert mrkdwn("<@U1> in <#C1|war-room> and <##esc-1>") == "@U1 in #war-room and #esc-1"
    assert mrkdwn("due <!date^1790000000^{date_short}|2026-09-21 14:13 UTC>") == (
        "due 2026-09-21 14:13 UTC"
    )
    assert mrkdwn("*bold* _quiet_ what_we_know &lt;b&gt; &amp;lt;") == (
        "bold quiet what_we_know <b> &lt;"
    )
    assert mrkdwn("<https://x.test|docs> <!here> :wave: 10:00:00") == (
        "docs (https://x.test) @here 👋 10:00:00"
    )
    payload = {
        "blocks": [
            {"type": "header", "text": {"type": "plain_text", "text": "ESC-1 · A&B"}},
            {
                "type": "section",
                "fields": [
                    {"type": "mrkdwn", "text": "*State*\nOpen"},
                    {"type": "mrkdwn", "text": "*Severity*\nHigh"},
                    {"type": "mrkdwn", "text": "*Leader*\n<@U1>"},
                ],
            },
            {"type": "context", "elements": [{"type": "mrkdwn", "text": "a"}, {"text": "b"}]},
            {
                "type": "actions",
                "elements": [
                    {
                        "type": "checkboxes",
                        "options": [
                            {"text": {"type": "mrkdwn", "text": "Call them"}, "value": "a"},
                            {
                                "text": {"type": "mrkdwn", "text": "x" * 68 + " give…"},
                                "description": {"type": "mrkdwn", "text": "…an exact time"},
                                "value": "b",
                            },
                        ],
                        "initial_options": [{"value": "a"}],
                    }
                ],
            },
            {
                "type": "actions",
                "elements": [
                    {"type": "button", "text": {"type": "plain_text", "text": "Post update"}},
                    {"type": "button", "text": {"type": "plain_text", "text": "Resolve"}},
                ],
            },
        ]
    }
    assert to_lines(payload) == [
        "ESC-1 · A&B",
        "───────────",
        "State: Open   Severity: High",
        "Leader: @U1",
        "a · b",
        "☑ Call them",
        "☐ " + "x" * 68 + " give an exact time",
        "[Post update] [Resolve]",
    ]


def _app(script: str, tmp_path: Path, **extra_env: str) -> subprocess.CompletedProcess:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("SLACK_") and k not in ("ESCALATIONS_CHANNEL", "ESCALATION_POLICY")
    }
    env.update(DATABASE_URL=f"sqlite:///{tmp_path / 'shell.db'}", LOG_LEVEL="WARNING")
    env.update(extra_env)
    return subprocess.run(
        [sys.executable, "app.py"],
        input=script,
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=60,
    )


def test_piped_input_runs_to_the_end_and_exits_0(tmp_path):
    done = _app("\n".join([*OPEN, *UPDATE, "list"]) + "\n", tmp_path)
    assert done.returncode == 0, done.stderr
    assert f"[{ROOM}] 📌 bot:" in done.stdout and "✎ card updated:" in done.stdout
    assert f"ESC-1 {ROOM} · Acme Corp" in after(done.stdout, "> list")
    assert "\x1b[" not in done.stdout  # no terminal styling in a pipe


def test_the_demo_script_replays_cleanly(tmp_path):
    demo = (ROOT / "bot" / "shell" / "demo.txt").read_text(encoding="utf-8")
    done = _app(demo, tmp_path, ESCALATIONS_CHANNEL="escalations")
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("✗") == 1  # the demo shows one refused answer, fixed at once
    assert "bot archived this channel" in done.stdout
    assert "Traceback" not in done.stderr and "cancelled" not in done.stdout


async def test_press_clicks_a_button_printed_above(runtime, clock):
    """The shell's click: the satisfaction form, reachable only by its button."""
    out = await run_script(
        runtime, [*OPEN, "press post update", *UPDATE[1:], *RESOLVE, "press Nothing"]
    )
    assert "State: Acknowledged" in after(out, "> press post update")  # the update form
    assert "» no button [Nothing] here" in out
    clock.advance(days=3)  # the leader is asked to record the customer's satisfaction
    out = await run_script(runtime, ["in #esc-1-acme-corp", "press Record satisfaction", "2", ""])
    assert "» Customer satisfaction ESC-1" in after(out, "> press Record satisfaction")
    assert escalation(runtime).satisfaction_score == 4
