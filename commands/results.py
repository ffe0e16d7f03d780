"""What a command hands back to the adapter that called it: plain data, no Block Kit."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Message:
    """Something to show: a template name (under playbooks/templates/<surface>/) and its data."""

    template: str
    context: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Reply:
    """Answer only the person who asked (ephemeral on Slack)."""

    message: Message


@dataclass(frozen=True)
class OpenForm:
    """Open a form (Slack modal, Teams dialog, shell prompts)."""

    form: str
    values: dict[str, Any] = field(default_factory=dict)
    metadata: dict[str, Any] = field(default_factory=dict)
    title_suffix: str | None = None


@dataclass(frozen=True)
class FormErrors:
    """A submitted form was refused: field name → what is wrong, shown on the field. An error
    that names a command is a Message, so each platform words the command its own way."""

    errors: dict[str, str | Message]


@dataclass(frozen=True)
class Accepted:
    """A form was accepted; `reply` (optional) is shown to the submitter."""

    escalation_id: int | None = None
    reply: Message | None = None


Result = Reply | OpenForm | FormErrors | Accepted
