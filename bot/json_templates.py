"""What every chat surface's JSON templates share: a sandboxed Jinja2 environment in which
each `{{ value }}` is escaped for the surface's markup and for JSON, unless a filter built it
as markup (Markup), plus the filters that do not depend on the surface.

Slack (mrkdwn) and Teams (Adaptive Card TextBlock markdown) differ only in how user text is
made inert, which each adapter passes in as `escape`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

from jinja2 import FileSystemLoader, StrictUndefined, Undefined
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup


def json_inner(text: str) -> str:
    """`text` as the inside of a JSON string literal."""
    return json.dumps(text, ensure_ascii=False)[1:-1]


def finalizer(escape: Callable[[str], str], surface: str) -> Callable[[Any], Any]:
    def finalize(value: Any) -> Any:
        if isinstance(value, Undefined):
            str(value)  # StrictUndefined raises here, naming the missing variable
        if isinstance(value, Markup):
            return str(value)
        if value is None:
            return ""
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, int | float | Decimal):
            return str(value)
        if isinstance(value, str):
            return json_inner(escape(value))
        raise TypeError(f"cannot place a {type(value).__name__} in a {surface} template; use |json")

    return finalize


def plain(value: Any) -> Markup:
    """For plain-text fields (titles, input values): JSON-escaped, shown literally."""
    return Markup(json_inner("" if value is None else str(value)))


def cut(value: Any, limit: int) -> str:
    text = "" if value is None else str(value)
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def as_json(value: Any) -> Markup:
    """Structures the bot builds itself (id lists, options): never user text."""
    return Markup(json.dumps(value, ensure_ascii=False, default=str))


def environment(
    directory: Path, escape: Callable[[str], str], surface: str
) -> SandboxedEnvironment:
    env = SandboxedEnvironment(
        loader=FileSystemLoader(str(directory)),
        undefined=StrictUndefined,
        finalize=finalizer(escape, surface),
        autoescape=False,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(plain=plain, cut=cut, json=as_json)
    return env
