"""Render templates into Block Kit, escaping every piece of user text for Slack mrkdwn.

Templates under playbooks/templates/slack/ are JSON with Jinja2. Every `{{ value }}` passes
through `_finalize`: strings are escaped for mrkdwn (`&`, `<`, `>`) and for JSON, so a title
like `<!channel>` can never ping anybody nor break the payload. Markup built by the bot
itself (mentions, dates, JSON lists) comes from the filters below, which mark it safe.
After rendering, Block Kit's length limits are enforced so long text is cut, not refused.
"""

from __future__ import annotations

import json
import re
from typing import Any

from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup

from bot.json_templates import environment, finalizer, json_inner
from commands.results import Message
from playbooks.loader import TEMPLATES

SLACK_ID = re.compile(r"^[A-Z0-9]{2,40}$")


def escape_mrkdwn(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


_json_inner = json_inner
_finalize = finalizer(escape_mrkdwn, "Slack")


def _user(user_id: Any) -> Markup:
    text = str(user_id or "")
    return Markup(f"<@{text}>") if SLACK_ID.match(text) else Markup(_finalize(text))


def _channel(channel_id: Any) -> Markup:
    text = str(channel_id or "")
    return Markup(f"<#{text}>") if SLACK_ID.match(text) else Markup(_finalize(text))


def _room(room: dict | None) -> Markup:
    """A war room: its channel, or its thread (a link) in the escalations channel."""
    if not room or not room.get("channel"):
        return Markup("—")
    if room.get("thread"):
        ts = str(room["thread"]).replace(".", "")
        url = f"https://slack.com/archives/{room['channel']}/p{ts}"
        return Markup(f"<{_json_inner(url)}|a thread> in {_channel(room['channel'])}")
    return _channel(room["channel"])


@pass_context
def _command(context: Context, words: str) -> Markup:
    """A command as it is typed where the message is read: `/escalate …`, or, in a thread
    war room (Slack runs no slash commands in threads), a mention of the bot. A message is in
    a thread when its room is one, or when it answers a mention made in one."""
    room = context.get("room")
    thread = context.get("in_thread") or (isinstance(room, dict) and room.get("thread"))
    return Markup(f"`{'@escalations' if thread else '/escalate'} {_finalize(str(words))}`")


def _date(moment: dict | None, fmt: str = "{date_short_pretty} at {time}") -> Markup:
    """Slack shows `<!date^…>` in each reader's own time zone."""
    if not moment:
        return Markup("—")
    return Markup(f"<!date^{int(moment['epoch'])}^{fmt}|{moment['utc']}>")


def _permalink(link: dict | None, label: str) -> Markup:
    """A link to a message the bot posted (or a file's permalink), labelled."""
    if not link or not link.get("id"):
        return Markup(_finalize(label))
    target = str(link["id"])
    if not target.startswith("https://"):
        target = f"https://slack.com/archives/{link['channel']}/p{target.replace('.', '')}"
    return Markup(f"<{_json_inner(target)}|{_finalize(label)}>")


_env = environment(TEMPLATES / "slack", escape_mrkdwn, "Slack")
_env.filters.update(
    user=_user, channel=_channel, room=_room, command=_command, date=_date, permalink=_permalink
)


def render(message: Message) -> dict[str, Any]:
    """A message (`text` + `blocks`) or a view, within Block Kit's limits."""
    raw = _env.get_template(f"{message.template}.json.j2").render(**message.context)
    try:
        payload = json.loads(raw)
    except json.JSONDecodeError as exc:  # a template bug, not user input: say which template
        name = f"slack/{message.template}.json.j2"
        raise ValueError(f"template {name} made invalid JSON: {exc}") from None
    return fit(payload)


# Block Kit limits (see shared platform notes): cut instead of failing the call.
LIMITS = {"section": 3000, "header": 150, "field": 2000, "context": 2000, "button": 75}


def fit(payload: dict[str, Any]) -> dict[str, Any]:
    max_blocks = 100 if payload.get("type") == "modal" else 50
    blocks = payload.get("blocks", [])
    if len(blocks) > max_blocks:
        payload["blocks"] = blocks = blocks[: max_blocks - 1] + [
            {"type": "context", "elements": [{"type": "mrkdwn", "text": "…(cut to fit Slack)"}]}
        ]
    for block in blocks:
        kind = block.get("type")
        if kind == "section":
            if "text" in block:
                block["text"]["text"] = safe_cut(block["text"]["text"], LIMITS["section"])
            for f in block.get("fields", [])[:10]:
                f["text"] = safe_cut(f["text"], LIMITS["field"])
            if "fields" in block:
                block["fields"] = block["fields"][:10]
        elif kind == "header":
            block["text"]["text"] = safe_cut(block["text"]["text"], LIMITS["header"])
        elif kind == "context":
            for el in block.get("elements", []):
                if "text" in el:
                    el["text"] = safe_cut(el["text"], LIMITS["context"])
        elif kind == "actions":
            for el in block.get("elements", []):
                if "text" in el:
                    el["text"]["text"] = safe_cut(el["text"]["text"], LIMITS["button"])
    if "text" in payload and isinstance(payload["text"], str):
        payload["text"] = safe_cut(payload["text"], 3000)
    if payload.get("type") == "modal":
        for key in ("title", "submit", "close"):
            if key in payload:
                payload[key]["text"] = safe_cut(payload[key]["text"], 24)
    return payload


_OPEN_ENTITY = re.compile(r"(&[a-z]{0,4}|<[^>]*)$")


def safe_cut(text: str, limit: int) -> str:
    """Cut to `limit` characters without splitting an `&amp;` entity or a `<…>` link."""
    if len(text) <= limit:
        return text
    head = _OPEN_ENTITY.sub("", text[: limit - 1])
    return head.rstrip() + "…"
