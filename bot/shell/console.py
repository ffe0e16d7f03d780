"""The console loop: read a line, run the same command Slack would, print what follows.

One event loop serves the whole session. Reading stdin blocks it between commands, which is
what a one-person console wants: after each command the reconciler is drained and swept
(and due reminders scanned, as the scheduler would) before the next prompt, so everything
the bot posts is printed before you type again. The loop is run by hand, not by
`asyncio.run`, so Ctrl-C raises where the console reads and can cancel a line or a form.
"""

from __future__ import annotations

import asyncio
import io
import json
import logging
import sys
import uuid
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from bot.shell.forms import Cancelled, FormPrompter
from bot.shell.lines import EndOfInput, LineReader
from bot.shell.port import ShellPort, channel_id
from bot.shell.screen import Screen
from commands import buttons, intake, router
from commands.invocation import Invocation
from commands.lead import parse_user
from commands.results import Accepted, FormErrors, OpenForm, Reply, Result
from storage import queries

if TYPE_CHECKING:
    from app import Runtime

log = logging.getLogger(__name__)

PLATFORM = "shell"
DEFAULT_USER = "you"
DEFAULT_CHANNEL = "#support"
QUIT = ("quit", "exit")
# Forms about one escalation (its id is in OpenForm.metadata), as bot/slack/views.py lists them.
SHELL_HELP = (
    "In this shell the subcommands also work without `/escalate` (`update`, `lead @bob`, "
    "`list`…). `press <label>` presses a button printed above, `as <user>` switches who you "
    "are, `in <#channel>` where you are, `quit` leaves."
)


class Console:
    def __init__(
        self,
        runtime: Runtime,
        reader: LineReader,
        screen: Screen,
        *,
        user: str = DEFAULT_USER,
        channel: str = DEFAULT_CHANNEL,
    ) -> None:
        self.runtime = runtime
        self.desk = runtime.desk
        self.reader = reader
        self.screen = screen
        self.user = user
        self.channel = channel_id(channel)
        self.port = ShellPort(
            screen,
            escalations_channel=runtime.settings.escalations_channel,
            viewer=lambda: self.user,
        )
        runtime.reconciler.ports[PLATFORM] = self.port
        self.forms = FormPrompter(
            reader, screen, self.desk.playbooks, now=self.desk.now, me=lambda: self.user
        )
        self._remember_rooms()

    # ---- the session ---------------------------------------------------------------------
    async def run(self) -> int:
        """Until `quit` or the end of input; the exit status."""
        self.screen.note(
            f"escalation desk shell: you are @{self.user} in {self.channel}. "
            "`help` lists commands, `quit` leaves."
        )
        await self.settle()  # finish what an earlier session left pending
        while True:
            try:
                line = self.reader.read(self.prompt(), comments=True)
            except EndOfInput:
                return 0
            except KeyboardInterrupt:
                self.screen.line()
                continue
            try:
                if not await self.handle(line):
                    return 0
            except Cancelled:
                self.screen.note("form cancelled: nothing was sent")
            except EndOfInput:
                self.screen.note("end of input: the open form was not sent")
                return 0
            except Exception as exc:  # one broken command must not end the session
                log.exception("shell command failed: %s", line)
                self.screen.note(f"that failed ({type(exc).__name__}: {exc}); see the log")

    def prompt(self) -> str:
        return f"[{self.user}@{self.channel}] > "

    async def settle(self) -> None:
        """Let the bot catch up, as the scheduler would, then print what it held back."""
        await self.runtime.reconciler.drain()
        await self.runtime.reminders.scan()
        await self.runtime.reconciler.drain()
        await self.runtime.reconciler.sweep()
        self.port.flush()

    # ---- one line ------------------------------------------------------------------------
    async def handle(self, line: str) -> bool:
        """Run one line; False when the session should end."""
        text = line.strip()
        if not text or text.startswith("#"):
            return True
        word, _, rest = text.partition(" ")
        word, rest = word.lower(), rest.strip()
        if word in QUIT:
            return False
        if word == "as":
            self.switch_user(rest)
            return True
        if word == "in":
            self.switch_channel(rest)
            return True
        if word == "press":
            await self.press(rest)
            return True
        if word == "/escalate":
            command = rest
        elif word in router.SUBCOMMANDS:
            command = text
        else:
            self.show(router.help_text(self.desk, unknown=text))
            self.screen.note(SHELL_HELP)
            return True
        result = router.handle(self.desk, self.invocation(), command)
        await self.dispatch(result)
        if command.lower().startswith("help"):
            self.screen.note(SHELL_HELP)
        await self.settle()
        return True

    async def press(self, label: str) -> None:
        """Press a button printed above (`press Resolve`): the newest one with that label in
        this channel, your DMs or your private answers, as a click would on Slack."""
        places = {self.channel, f"DM to @{self.user}", "only you"}
        found = self.port.button(label, places) if label else None
        if found is None or found[0] not in (*buttons.OPEN_FORM, *buttons.ACT):
            self.screen.note(f"no button [{label}] here: buttons print as [Label]")
            return
        action, value = found
        target = int(value) if value.isdigit() else None
        await self.dispatch(buttons.press(self.desk, self.invocation(), action, target))
        await self.settle()

    async def dispatch(self, result: Result) -> None:
        if isinstance(result, OpenForm):
            await self.fill(result)
        else:
            self.show(result)

    def show(self, result: Result) -> None:
        """A command's answer to the asker alone (ephemeral on Slack)."""
        if isinstance(result, Reply):
            self.screen.message("only you", result.message)
        elif isinstance(result, Accepted) and result.reply is not None:
            self.screen.message("only you", result.reply)
        elif isinstance(result, FormErrors):
            for error in result.errors.values():
                self.screen.line(f"  ✗ {error}")

    # ---- forms ---------------------------------------------------------------------------
    async def fill(self, form: OpenForm) -> None:
        """Prompt, submit, and on FormErrors ask again only the refused fields."""
        submit = self._submitter(form)
        values = self.forms.fill(form)
        while True:
            result = submit(values)
            if not isinstance(result, FormErrors):
                break
            values = self.forms.fix(form, values, result.errors)
        self.show(result)
        if form.form == intake.FORM and isinstance(result, Accepted) and result.escalation_id:
            await self.settle()
            self.enter_war_room(result.escalation_id)

    def _submitter(self, form: OpenForm):
        """The form's command, with errors that are messages turned into their text."""
        command = self._command(form)

        def submit(values: dict[str, Any]) -> Result:
            result = command(values)
            if isinstance(result, FormErrors):
                return FormErrors(
                    {
                        field: error if isinstance(error, str) else self.screen.text_of(error)
                        for field, error in result.errors.items()
                    }
                )
            return result

        return submit

    def _command(self, form: OpenForm):
        inv = self.invocation()
        escalation_id = int(form.metadata.get("escalation") or 0)
        if form.form == intake.FORM:
            key = f"shell:{uuid.uuid4()}"  # one per form: resubmitting after errors is safe
            origin = form.metadata.get("origin") or inv.origin

            def submit(values: dict[str, Any]) -> Result:
                return intake.submit(self.desk, inv, values, intake_key=key, origin=origin)

            return submit
        command = router.SUBMITS.get(form.form)
        if command is None:
            raise ValueError(f"the shell cannot submit form {form.form!r}")
        return lambda values: command(self.desk, inv, escalation_id, values)

    # ---- who and where -------------------------------------------------------------------
    def invocation(self) -> Invocation:
        origin = json.dumps({"user": self.user, "channel": self.channel})
        return Invocation(
            platform=PLATFORM, user_id=self.user, channel_id=self.channel, origin=origin
        )

    def switch_user(self, argument: str) -> None:
        user = parse_user(argument) if argument else None
        if user is None:
            self.screen.note("usage: as <user>, e.g. `as alice`")
            return
        self.user = user
        self.screen.note(f"you are now @{user}")

    def switch_channel(self, argument: str) -> None:
        if not argument.strip("#<> "):
            self.screen.note("usage: in <#channel>, e.g. `in #support`")
            return
        self.channel = channel_id(argument)
        room = self.port.rooms.get(self.channel)
        where = "a war room" if room else "a channel"
        if room and room.archived:
            where = "an archived war room"
        self.screen.note(f"you are now in {self.channel} ({where})")

    def enter_war_room(self, escalation_id: int) -> None:
        with self.desk.db.session() as session:
            esc = queries.escalation(session, escalation_id)
            key, channel = esc.key, esc.room_channel
        if channel is None:
            self.screen.note(f"{key} is saved; its war room is not ready yet")
            return
        self.channel = channel
        self.screen.note(f"you are now in {channel}, the war room of {key}")

    def _remember_rooms(self) -> None:
        """War rooms live in the database; tell the port about earlier sessions' ones."""
        with self.desk.db.session() as session:
            rows, _ = queries.list_escalations(
                session,
                platform=PLATFORM,
                which="all",
                user_id=self.user,
                now=self.desk.now(),
                limit=10_000,
            )
            for esc in rows:
                if esc.room_channel:
                    self.port.remember(
                        esc.room_channel,
                        esc.room_name,
                        archived=esc.room_archived,
                        pinned=esc.card_message_id if esc.card_pinned else None,
                    )


def run_console(runtime: Runtime) -> int:
    """`python app.py` without Slack credentials: the console on this terminal or pipe."""
    interactive = sys.stdin.isatty()
    screen = Screen(sys.stdout, color=interactive and sys.stdout.isatty())
    reader = LineReader(sys.stdin, screen, interactive=interactive)
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    try:
        return loop.run_until_complete(Console(runtime, reader, screen).run())
    except KeyboardInterrupt:
        screen.line()
        return 0
    finally:
        loop.run_until_complete(runtime.reconciler.drain())
        loop.run_until_complete(loop.shutdown_asyncgens())
        asyncio.set_event_loop(None)
        loop.close()


async def run_script(
    runtime: Runtime,
    lines: str | Iterable[str],
    *,
    user: str = DEFAULT_USER,
    channel: str = DEFAULT_CHANNEL,
) -> str:
    """Replay `lines` as piped input on the running loop; returns everything printed."""
    script = lines if isinstance(lines, str) else "\n".join(lines) + "\n"
    out = io.StringIO()
    screen = Screen(out)
    reader = LineReader(io.StringIO(script), screen, interactive=False)
    await Console(runtime, reader, screen, user=user, channel=channel).run()
    return out.getvalue()
