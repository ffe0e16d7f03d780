"""Reading lines from the person at the console, or from a piped script.

Interactive: `input()` with line editing, the prompt printed by the terminal as usual.
Piped: nobody types, so each answer is echoed after its prompt and the output reads as a
transcript of the session, which is what a replayed demo should look like.
"""

from __future__ import annotations

import contextlib
from typing import TextIO

from bot.shell.screen import Screen


class EndOfInput(Exception):
    """Stdin is exhausted (Ctrl-D, or the end of a piped script): the session ends."""


class LineReader:
    def __init__(self, stream: TextIO, screen: Screen, *, interactive: bool) -> None:
        self.stream = stream
        self.screen = screen
        self.interactive = interactive
        if interactive:
            with contextlib.suppress(ImportError):  # history and editing where available
                import readline  # noqa: F401

    def read(self, prompt: str, *, comments: bool = False) -> str:
        """One line without its newline; raises EndOfInput at the end. With `comments`, a
        piped blank or `# …` line is echoed as itself (a demo script's narration)."""
        if self.interactive:
            try:
                return input(prompt)
            except EOFError:
                self.screen.line()
                raise EndOfInput from None
        raw = self.stream.readline()
        if not raw:
            raise EndOfInput
        line = raw.rstrip("\r\n")
        if comments and (not line.strip() or line.lstrip().startswith("#")):
            self.screen.line(self.screen.dim(line))
        else:
            self.screen.line(f"{prompt}{line}")
        return line
