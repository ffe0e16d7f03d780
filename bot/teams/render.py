"""Render templates into Adaptive Cards 1.5, escaping every piece of user text for Teams.

Templates under playbooks/templates/teams/ are JSON with Jinja2 and produce
`{"summary": …, "body": [...], "actions": [...]}`; `render` wraps that into an Adaptive Card.
Every `{{ value }}` passes through `_finalize`: strings are escaped for the TextBlock markdown
subset (`*`, `_`, `[`, `]`), as HTML (`&`, `<`, `>`, so a typed `<at>Everyone</at>` stays
text) and for JSON, so user text can neither mention anybody nor break the card. Mentions
only come from the `user` filter, which emits `<at>name</at>` *and* records the matching
mention entity (Teams turns `<at>` into a mention only when an entity matches it). Dates use
the Adaptive Card `{{DATE()}}`/`{{TIME()}}` functions, so each reader sees their own zone.

Mirrors bot/slack/render.py; no botbuilder import here, so it is plain to test.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup

from bot.json_templates import cut, environment, json_inner
from commands.results import Message
from playbooks.loader import TEMPLATES

SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
VERSION = "1.5"
# Teams refuses activities much over ~28 KB of card; keep well inside it.
MAX_CARD_BYTES = 26_000
_MARKDOWN = re.compile(r"([\\*_\[\]`~])")
# A line that would start a markdown list or heading.
_LINE_START = re.compile(r"(?m)^(\s*)([-+#>]|\d+\.)")


def escape_text(text: str) -> str:
    """User text → inert TextBlock text: no markup, no mention, no link, no list."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = _MARKDOWN.sub(r"\\\1", text)
    text = _LINE_START.sub(r"\1\\\2", text)
    # `{{DATE(...)}}` is an Adaptive Card function: user text must not call it.
    return text.replace("{{", "{\u200b{")


_json_inner = json_inner
_cut = cut


@pass_context
def _user(context: Context, user_id: Any) -> Markup:
    """`<at>Name</at>` plus the mention entity that makes it a real mention."""
    user = str(user_id or "")
    if not user:
        return Markup("someone")
    names: Mapping[str, str] = context.get("_names") or {}
    mentions: list[dict] = context["_mentions"]
    name = escape_text(names.get(user) or "colleague")
    text = f"<at>{name}</at>"
    if not any(m["mentioned"]["id"] == user for m in mentions):
        mentions.append({"type": "mention", "text": text, "mentioned": {"id": user, "name": name}})
    return Markup(_json_inner(text))


def _room(room: Any) -> Markup:
    """War rooms are threads: named, since a deep link needs ids the bot does not keep."""
    name = (room or {}).get("name") if isinstance(room, dict) else None
    return Markup(_json_inner(f"“{escape_text(name)}”" if name else "the war room thread"))


def _date(moment: dict | None, style: str = "SHORT") -> Markup:
    """Shown in each reader's own zone by the Teams client; UTC in the summary fallback."""
    if not moment:
        return Markup("—")
    stamp = datetime.fromtimestamp(int(moment["epoch"]), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return Markup(f"{{{{DATE({stamp}, {style})}}}} {{{{TIME({stamp})}}}}")


_env = environment(TEMPLATES / "teams", escape_text, "Teams")
_env.filters.update(user=_user, room=_room, date=_date)


def has_template(name: str) -> bool:
    return f"{name}.json.j2" in _env.list_templates()


def render(
    message: Message, names: Mapping[str, str] | None = None, *, room_kind: str = "thread"
) -> dict[str, Any]:
    """`{"card": <Adaptive Card>, "summary": <plain text>}`. `names` maps user ids to display
    names for mentions (the port looks them up; unknown people are mentioned as "colleague").
    `room_kind` (`thread`, `channel` or `private`) is what the war room is, so the wording
    never calls a thread a channel, nor a thread anyone can read private."""
    mentions: list[dict] = []
    template = _env.get_template(f"{message.template}.json.j2")
    raw = template.render(
        **message.context, room_kind=room_kind, _names=names or {}, _mentions=mentions
    )
    try:
        payload = json.loads(raw)
    except json.JSONDecodeError as exc:  # a template bug, not user input: say which template
        name = f"teams/{message.template}.json.j2"
        raise ValueError(f"template {name} made invalid JSON: {exc}") from None
    card: dict[str, Any] = {
        "type": "AdaptiveCard",
        "$schema": SCHEMA,
        "version": VERSION,
        "body": payload.get("body") or [],
    }
    if payload.get("actions"):
        card["actions"] = payload["actions"]
    # Teams' host extension: full width, and the entities that make `<at>` real mentions.
    card["msteams"] = {"width": "Full", **({"entities": mentions} if mentions else {})}
    card = fit(card)
    return {"card": card, "summary": _cut(payload.get("summary") or "", 250), "mentions": mentions}


def fit(card: dict[str, Any]) -> dict[str, Any]:
    """Cut the longest TextBlocks until the card fits Teams' message size, never refusing it."""
    while len(json.dumps(card, ensure_ascii=False).encode()) > MAX_CARD_BYTES:
        blocks = [b for b in _walk(card["body"]) if b.get("type") == "TextBlock"]
        longest = max(blocks, key=lambda b: len(b.get("text", "")), default=None)
        if longest is None or len(longest["text"]) < 200:
            card["body"] = card["body"][: max(1, len(card["body"]) // 2)]
            continue
        longest["text"] = safe_cut(longest["text"], len(longest["text"]) // 2)
    return card


def _walk(elements: list) -> list[dict]:
    found = []
    for element in elements:
        if isinstance(element, dict):
            found.append(element)
            for key in ("items", "columns"):
                found.extend(_walk(element.get(key) or []))
    return found


_OPEN_ENTITY = re.compile(r"(&[a-z]{0,4}|<[^>]*|\\)$")


def safe_cut(text: str, limit: int) -> str:
    """Cut without splitting an `&amp;` entity, an `<at>` tag or a `\\` escape."""
    if len(text) <= limit:
        return text
    head = _OPEN_ENTITY.sub("", text[: limit - 1])
    return head.rstrip() + "…"


def user_ids(value: Any) -> set[str]:
    """Every string in a message context that looks like a Teams user id (Entra object id or
    a `29:` id): the port resolves their names before rendering."""
    found: set[str] = set()
    if isinstance(value, str):
        if _USER_ID.match(value):
            found.add(value)
    elif isinstance(value, dict):
        for item in value.values():
            found |= user_ids(item)
    elif isinstance(value, list | tuple):
        for item in value:
            found |= user_ids(item)
    return found


_USER_ID = re.compile(
    r"^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|29:[\w\-.:]{4,})$",
    re.IGNORECASE,
)
