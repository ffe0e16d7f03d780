"""Forms as prompts: the fields of `playbooks/forms.yml`, asked one by one.

The shell only turns what was typed into the plain values every adapter hands over (keys,
ids, lists, booleans, epoch seconds); whether those values are acceptable is decided by the
command, exactly as for a Slack modal. Typing that cannot even be read (choice 9 of 3, a
time in no known format) is asked again on the spot; what the command refuses comes back as
FormErrors and only those fields are asked again, so no other answer is ever lost.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from bot.shell.lines import LineReader
from bot.shell.screen import Screen
from commands.forms import playbooks_options
from commands.lead import parse_user
from commands.results import OpenForm
from playbooks.loader import Form, FormField, Playbooks, parse_duration

CANCEL = "/cancel"
CLEAR = "-"
ALL = "/all"
SPLIT = re.compile(r"[,\s]+")
MOMENT_FORMATS = ("%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M")
HINTS = {
    "date": "YYYY-MM-DD",
    "datetime": "YYYY-MM-DD HH:MM UTC, or +4h",
    "users": "comma separated",
    "checkboxes": "numbers, comma separated",
}


class Cancelled(Exception):
    """`/cancel` or Ctrl-C inside a form: nothing is submitted."""


class RevisitAll(Exception):
    """`/all` while fixing refused fields: the fix may lie in another field (a box to tick),
    so every field is asked again, each answer kept as its default."""


def empty(kind: str) -> Any:
    """The value of a field left blank, in the shape the commands expect."""
    if kind in ("users", "checkboxes"):
        return []
    if kind == "checkbox":
        return False
    return None


def _choice(text: str, choices: dict[str, str]) -> str:
    keys = list(choices)
    if text.isdigit() and 1 <= int(text) <= len(keys):
        return keys[int(text) - 1]
    wanted = text.lower()
    for key, label in choices.items():
        if wanted in (key.lower(), label.lower()):
            return key
    raise ValueError(f"Pick a number from 1 to {len(keys)}, or one of: {', '.join(keys)}.")


def _user(text: str, me: str) -> str:
    if text.lower() == "me":
        return me
    user = parse_user(text)
    if user is None:
        raise ValueError(f"{text!r} is not a person: write an id like alice or @alice.")
    return user


def _moment(text: str, now: datetime) -> int:
    if text.startswith("+"):
        ahead = parse_duration(text[1:])
        if ahead is not None:
            return int((now + ahead).timestamp())
    for fmt in MOMENT_FORMATS:
        try:
            return int(datetime.strptime(text, fmt).replace(tzinfo=UTC).timestamp())
        except ValueError:
            continue
    raise ValueError("Enter a time as YYYY-MM-DD HH:MM (UTC), or +4h from now.")


def parse_answer(kind: str, text: str, choices: dict[str, str], *, now: datetime, me: str) -> Any:
    """What was typed → the field's plain value; ValueError when it cannot be read at all."""
    if kind == "select":
        return _choice(text, choices)
    if kind == "checkboxes":
        return list(dict.fromkeys(_choice(t, choices) for t in SPLIT.split(text) if t))
    if kind == "user":
        return _user(text, me)
    if kind == "users":
        return list(dict.fromkeys(_user(t, me) for t in SPLIT.split(text) if t))
    if kind == "checkbox":
        if text.lower() in ("y", "yes", "true", "1"):
            return True
        if text.lower() in ("n", "no", "false", "0"):
            return False
        raise ValueError("Answer y or n.")
    if kind == "datetime":
        return _moment(text, now)
    return text  # text, multiline, number, date: the command validates them


def show(kind: str, value: Any, choices: dict[str, str]) -> str:
    """A value as the person would type or read it, for `[default]` hints."""
    if kind == "select":
        return choices.get(value, str(value))
    if kind == "checkboxes":
        return ", ".join(choices.get(v, v) for v in value)
    if kind == "user":
        return f"@{value}"
    if kind == "users":
        return ", ".join(f"@{v}" for v in value)
    if kind == "checkbox":
        return "y" if value else "n"
    if kind == "datetime":
        return datetime.fromtimestamp(int(value), UTC).strftime("%Y-%m-%d %H:%M UTC")
    text = str(value)
    return text if len(text) <= 40 else text[:39] + "…"


class FormPrompter:
    def __init__(
        self,
        reader: LineReader,
        screen: Screen,
        playbooks: Playbooks,
        *,
        now: Callable[[], datetime],
        me: Callable[[], str],
    ) -> None:
        self.reader = reader
        self.screen = screen
        self.playbooks = playbooks
        self.now = now
        self.me = me

    def spec(self, form: OpenForm) -> Form:
        return self.playbooks.forms[form.form]

    def fill(self, form: OpenForm) -> dict[str, Any]:
        """Ask every field in order; defaults come from the command (OpenForm.values)."""
        spec = self.spec(form)
        title = f"{spec.title} {form.title_suffix}" if form.title_suffix else spec.title
        more = (
            ", \\ at the end of a line goes on"
            if any(f.kind == "multiline" for f in spec.fields)
            else ""
        )
        self.screen.note(
            f"{title}: Enter keeps the [default], {CLEAR} clears{more}, {CANCEL} stops"
        )
        return {f.name: self.ask(f, form.values.get(f.name)) for f in spec.fields}

    def fix(self, form: OpenForm, values: dict[str, Any], errors: dict[str, str]) -> dict:
        """Ask again only the fields the command refused, each with its error beside it."""
        spec = self.spec(form)
        names = {f.name for f in spec.fields}
        for name, error in errors.items():
            if name not in names:
                self.screen.line(f"  ✗ {error}")
        self.screen.note(f"fix what was refused, or {ALL} to go through every field again")
        fixed = dict(values)
        try:
            for f in spec.fields:
                if f.name in errors:
                    self.screen.line(f"  ✗ {f.label}: {errors[f.name]}")
                    fixed[f.name] = self.ask(f, form.values.get(f.name), revisit=True)
        except RevisitAll:
            self.screen.note("every field again: Enter keeps your answer")
            for f in spec.fields:
                if f.name in errors:
                    self.screen.line(f"  ✗ {f.label}: {errors[f.name]}")
                fixed[f.name] = self.ask(f, fixed.get(f.name))
        return fixed

    def ask(self, f: FormField, default: Any, *, revisit: bool = False) -> Any:
        choices = playbooks_options(self.playbooks, f.options) if f.options else {}
        if choices:
            self._list(choices)
        prompt = self._prompt(f, default, choices)
        while True:
            try:
                answer = self.reader.read(prompt).strip()
            except KeyboardInterrupt:
                self.screen.line()  # Ctrl-C leaves the cursor after the prompt
                raise Cancelled from None
            if answer == CANCEL:
                raise Cancelled
            if answer == ALL and revisit:
                raise RevisitAll
            if answer == "":
                return empty(f.kind) if default in (None, "", []) else default
            if answer == CLEAR:
                return empty(f.kind)
            if f.kind == "multiline":
                return self._more_lines(answer)
            try:
                return parse_answer(f.kind, answer, choices, now=self.now(), me=self.me())
            except ValueError as exc:
                self.screen.line(f"  ✗ {exc}")

    def _more_lines(self, answer: str) -> str:
        """A line ending in `\\` goes on: multiline fields (one follow-up per line) in a
        console that reads lines."""
        lines = [answer]
        while lines[-1].endswith("\\"):
            lines[-1] = lines[-1][:-1].rstrip()
            try:
                lines.append(self.reader.read("  … ").strip())
            except KeyboardInterrupt:
                self.screen.line()
                raise Cancelled from None
        return "\n".join(line for line in lines if line)

    def _prompt(self, f: FormField, default: Any, choices: dict[str, str]) -> str:
        # With a default, Enter already does the right thing: no need to say "optional".
        optional = not f.required and default in (None, "", [])
        label, notes = f.label, [HINTS.get(f.kind), "optional" if optional else None]
        if f.kind == "checkbox":
            label = f"{f.label}: {f.option_label}?" if f.option_label else f.label
            notes = ["y/n"]
        notes = [n for n in notes if n]
        text = f"  {label}"
        if notes:
            text += f" ({', '.join(notes)})"
        if default not in (None, "", [], False):
            text += f" [{show(f.kind, default, choices)}]"
        return text + ": "

    def _list(self, choices: dict[str, str]) -> None:
        items = [f"{n}) {label}" for n, label in enumerate(choices.values(), start=1)]
        if sum(len(i) + 2 for i in items) <= 72:
            self.screen.line("      " + "  ".join(items))
        else:
            for item in items:
                self.screen.line(f"      {item}")
