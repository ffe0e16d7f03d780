"""Everything the shell prints goes through here: bot messages, its own notes, form prompts.

One writer keeps the output in order (the reconciler and the console print to the same
stream) and decides on styling once: ANSI bold only on a terminal, so piped output and test
captures stay plain text.
"""

from __future__ import annotations

from typing import Any, TextIO

from bot.shell.text import plain, to_lines
from bot.slack.render import render
from commands.results import Message

# Context keys that hold person ids. The Slack renderer only turns Slack-shaped ids
# (`U123`) into mentions; shell ids such as `alice` would print bare, so they get their `@`
# here. The wording itself still comes from the templates. A key missing from this list only
# means a bare `alice` instead of `@alice`.
USER_KEYS = frozenset({"leader", "reporter", "by", "previous", "author", "done_by", "sponsor"})
USER_LIST_KEYS = frozenset({"stakeholders", "leadership"})


def _at(user: Any) -> Any:
    return f"@{user}" if isinstance(user, str) and user and not user.startswith("@") else user


def mention_users(value: Any) -> Any:
    """A copy of a template context with every person id written `@id`."""
    if isinstance(value, list):
        return [mention_users(v) for v in value]
    if not isinstance(value, dict):
        return value
    out = {}
    for key, item in value.items():
        if key in USER_KEYS:
            out[key] = _at(item)
        elif key in USER_LIST_KEYS and isinstance(item, list):
            out[key] = [_at(u) for u in item]
        else:
            out[key] = mention_users(item)
    return out


def message_lines(message: Message, bold=plain) -> list[str]:
    """A command's message as terminal lines, from the same template Slack uses."""
    payload = render(Message(message.template, mention_users(message.context)))
    return to_lines(payload, bold)


class Screen:
    def __init__(self, out: TextIO, *, color: bool = False) -> None:
        self.out = out
        self.color = color

    def bold(self, text: str) -> str:
        return f"\x1b[1m{text}\x1b[0m" if self.color else text

    def dim(self, text: str) -> str:
        return f"\x1b[2m{text}\x1b[0m" if self.color else text

    def line(self, text: str = "") -> None:
        self.out.write(text + "\n")
        self.out.flush()

    def note(self, text: str) -> None:
        """The shell speaking for itself (not the bot): where you are, form hints."""
        self.line(self.dim(f"» {text}"))

    def event(self, where: str, text: str) -> None:
        """Something the bot did to a channel rather than said in it."""
        self.line(f"[{where}] " + self.dim(text))

    def message(self, where: str, message: Message, *, heading: str = "bot:") -> None:
        """A bot message, prefixed with where it went, its body indented beneath."""
        self.line(f"[{where}] {heading}")
        for text in message_lines(message, self.bold):
            self.line(f"  {text}" if text else "")

    def text_of(self, message: Message) -> str:
        """One line of plain text (topics and other one-liners)."""
        return " ".join(message_lines(message))
