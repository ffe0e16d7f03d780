"""Plain-text and Markdown documents the bot writes for people to copy or keep: the customer
update draft and the post-mortem. No chat markup here, so no chat escaping either."""

from __future__ import annotations

from typing import Any

from jinja2 import FileSystemLoader, StrictUndefined
from jinja2.sandbox import SandboxedEnvironment

from playbooks.loader import TEMPLATES

_env = SandboxedEnvironment(
    loader=FileSystemLoader(str(TEMPLATES)),
    undefined=StrictUndefined,
    autoescape=False,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)


def render_text(name: str, context: dict[str, Any]) -> str:
    """`name` is a file under playbooks/templates/, e.g. `customer_update.md.j2`."""
    return _env.get_template(name).render(**context)
