"""Block Kit → terminal text, so the shell prints the very messages Slack would show.

The templates under playbooks/templates/slack/ are the one wording source for every surface.
Rather than keep a second set for the terminal, the shell renders them with
`bot.slack.render` and reads the blocks back as lines of text. Only what our templates use is
handled (header, section text and fields, context, actions, divider); anything else falls
back to the message's `text`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

Style = Callable[[str], str]

USER = re.compile(r"<@([^>|]+)(?:\|([^>]*))?>")
CHANNEL = re.compile(r"<#([^>|]+)(?:\|([^>]*))?>")
SPECIAL = re.compile(r"<!([^>|]+)(?:\|([^>]*))?>")  # <!date^…|fallback>, <!here>
# Only real links: a literal `<title>` in a template is left as typed.
LINK = re.compile(r"<([a-z][a-z0-9+.-]*:[^<>|]+)(?:\|([^<>]*))?>")
BOLD = re.compile(r"(?<![\w*])\*(?=\S)([^*\n]+?)(?<=\S)\*(?![\w*])")
ITALIC = re.compile(r"(?<![\w_])_(?=\S)([^_\n]+?)(?<=\S)_(?![\w_])")
SHORTCODE = re.compile(r":([a-z0-9_+-]+):")
ANSI = re.compile(r"\x1b\[[0-9;]*m")

# The shortcodes our templates use; others are left as typed, which still reads fine.
EMOJI = {
    "rotating_light": "🚨",
    "wave": "👋",
    "white_check_mark": "✅",
    "lock": "🔒",
    "handshake": "🤝",
    "alarm_clock": "⏰",
    "arrow_up": "⬆️",
    "warning": "⚠️",
    "pushpin": "📌",
    "card_index": "📇",
    "ballot_box_with_check": "☑️",
    "hourglass": "⏳",
    "mag": "🔍",
    "speech_balloon": "💬",
    "office": "🏢",
    "hourglass_flowing_sand": "⏳",
}
# Links to a Slack message mean nothing on a terminal (the message is printed above): the
# label alone is kept.
SLACK_PERMALINK = "https://slack.com/archives/"
OPTION_LIMIT = 75  # characters in a Block Kit option's text


def plain(text: str) -> str:
    """No styling at all: what a pipe or a test should see."""
    return text


def visible_len(text: str) -> int:
    """Length on screen, ignoring ANSI styling."""
    return len(ANSI.sub("", text))


def unescape(text: str) -> str:
    """Undo Slack's mrkdwn escaping; `&amp;` last so `&amp;lt;` stays `&lt;`."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def emoji(text: str) -> str:
    return SHORTCODE.sub(lambda m: EMOJI.get(m.group(1), m.group(0)), text)


def _special(match: re.Match) -> str:
    command, label = match.group(1), match.group(2)
    if label:
        return label  # dates carry their UTC fallback here
    return "@" + command.split("^", 1)[0]  # <!here> → @here


def _link(match: re.Match) -> str:
    url, label = match.group(1), match.group(2)
    if not label:
        return url
    return label if url.startswith(SLACK_PERMALINK) else f"{label} ({url})"


def mrkdwn(text: str, bold: Style = plain) -> str:
    """Slack mrkdwn → terminal text: mentions, channels and dates as words, bold styled."""
    text = USER.sub(lambda m: "@" + (m.group(2) or m.group(1)), text)
    text = CHANNEL.sub(lambda m: "#" + (m.group(2) or m.group(1)).lstrip("#"), text)
    text = SPECIAL.sub(_special, text)
    text = LINK.sub(_link, text)
    text = BOLD.sub(lambda m: bold(m.group(1)), text)
    text = ITALIC.sub(lambda m: m.group(1), text)
    return unescape(emoji(text))


def _text(obj: dict[str, Any], bold: Style) -> str:
    text = str(obj.get("text", ""))
    if obj.get("type") == "plain_text":
        return emoji(text)  # shown literally by Slack: nothing was escaped
    return mrkdwn(text, bold)


def _fields(fields: list[dict[str, Any]], bold: Style) -> list[str]:
    """`*State*\\nOpen` fields as `State: Open`, two to a line like Slack's two columns."""
    cells = []
    for f in fields:
        label, _, value = _text(f, bold).partition("\n")
        cells.append(f"{label}: {' '.join(value.split())}" if value else label)
    width = max((visible_len(c) for c in cells[::2]), default=0)
    lines = []
    for i in range(0, len(cells), 2):
        left = cells[i]
        if i + 1 < len(cells):
            pad = " " * (width - visible_len(left) + 3)
            lines.append(f"{left}{pad}{cells[i + 1]}")
        else:
            lines.append(left)
    return lines


def _option(option: dict[str, Any], bold: Style) -> str:
    """An option's text, its description carrying on where Slack's 75 characters stopped."""
    text = _text(option["text"], bold)
    more = option.get("description")
    if not more or not text.endswith("…"):
        return text
    # The cut dropped the space it fell on when the head came out shorter than the limit.
    head = unescape(str(option["text"].get("text", ""))).removesuffix("…")
    space = " " if len(head) < OPTION_LIMIT - 1 else ""
    return text.removesuffix("…") + space + _text(more, bold).removeprefix("…")


def _actions(elements: list[dict[str, Any]], bold: Style) -> list[str]:
    """Buttons on one line as `[Post update] [Resolve]`; checkboxes one per line, ticked or
    not, so a checklist reads as one."""
    lines, buttons = [], []
    for el in elements:
        if el.get("type") == "button":
            buttons.append(f"[{_text(el['text'], bold)}]")
        elif el.get("type") == "checkboxes":
            ticked = {o.get("value") for o in el.get("initial_options", [])}
            for option in el.get("options", []):
                box = "☑" if option.get("value") in ticked else "☐"
                lines.append(f"{box} {_option(option, bold)}")
    if buttons:
        lines.append(" ".join(buttons))
    return lines


def to_lines(payload: dict[str, Any], bold: Style = plain) -> list[str]:
    """The lines a person would read in the message `payload` (`text` + `blocks`)."""
    blocks = payload.get("blocks") or []
    if not blocks:
        return mrkdwn(str(payload.get("text", "")), bold).splitlines()
    lines: list[str] = []
    for block in blocks:
        kind = block.get("type")
        if kind == "header":
            title = _text(block["text"], bold)
            lines += [bold(title), "─" * visible_len(title)]
        elif kind == "section":
            if "text" in block:
                lines += _text(block["text"], bold).splitlines()
            lines += _fields(block.get("fields", []), bold)
        elif kind == "context":
            parts = [_text(el, bold) for el in block.get("elements", []) if "text" in el]
            lines += " · ".join(parts).splitlines()
        elif kind == "actions":
            lines += _actions(block.get("elements", []), bold)
        elif kind == "divider":
            lines.append("─" * 20)
    return [line.rstrip() for line in lines]
