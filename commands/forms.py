"""Server-side validation of submitted forms, from the same field specs the platforms render.

Adapters hand over plain values (str, list, bool, epoch seconds); platform hints such as a
modal's max_length are never trusted on their own.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from playbooks.loader import Form, Playbooks

REQUIRED = "This field is required."


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def clean(form: Form, raw: dict[str, Any], playbooks: Playbooks) -> tuple[dict, dict[str, str]]:
    """Return (clean values, errors by field name)."""
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for f in form.fields:
        value = raw.get(f.name)
        try:
            values[f.name] = _clean_one(f.kind, value, f.max_length, f.options, playbooks)
        except ValueError as exc:
            errors[f.name] = str(exc)
            continue
        if f.required and values[f.name] in (None, [], ""):
            errors[f.name] = REQUIRED
    return values, errors


def _clean_one(
    kind: str, value: Any, max_length: int | None, options: str | None, playbooks: Playbooks
) -> Any:
    if kind in ("text", "multiline"):
        text = _text(value)
        if text and max_length and len(text) > max_length:
            raise ValueError(f"Keep it to {max_length} characters (this is {len(text)}).")
        return text
    if kind == "number":
        text = _text(value)
        if text is None:
            return None
        try:
            number = Decimal(text.replace(",", "").replace("$", "").replace(" ", ""))
        except InvalidOperation:
            raise ValueError("Enter a number, like 120000.") from None
        if not number.is_finite() or number < 0 or number >= Decimal("1e12"):
            raise ValueError("Enter an amount between 0 and 999,999,999,999.")
        return number
    if kind == "date":
        text = _text(value)
        if text is None:
            return None
        try:
            return date.fromisoformat(text)
        except ValueError:
            raise ValueError("Enter a date as YYYY-MM-DD.") from None
    if kind == "datetime":
        if value in (None, ""):
            return None
        if isinstance(value, datetime):
            return value.astimezone(UTC)
        try:
            return datetime.fromtimestamp(int(value), UTC)
        except (TypeError, ValueError, OverflowError):
            raise ValueError("Pick a date and a time.") from None
    if kind == "account":
        text = _text(value)
        name = text.split(":", 1)[1] if text and text.startswith("new:") else text
        if name is not None and not name.strip():
            return None
        if name and max_length and len(name) > max_length:
            raise ValueError(f"Keep it to {max_length} characters (this is {len(name)}).")
        return text
    if kind in ("select", "user"):
        text = _text(value)
        if text and options and text not in playbooks_options(playbooks, options):
            raise ValueError("Pick one of the listed options.")
        return text
    if kind in ("users", "checkboxes"):
        items = [str(v) for v in (value or []) if str(v).strip()]
        if options:
            allowed = playbooks_options(playbooks, options)
            if any(v not in allowed for v in items):
                raise ValueError("Pick from the listed options.")
        return list(dict.fromkeys(items))
    if kind == "checkbox":
        return bool(value)
    raise ValueError(f"unknown field kind {kind}")


def playbooks_options(playbooks: Playbooks, name: str) -> dict[str, str]:
    """The choices for a select: severities come from the policy, the rest from the taxonomy."""
    if name == "severities":
        return {k: playbooks.severity_label(k) for k in playbooks.policy.severities}
    return playbooks.taxonomy.options(name)
