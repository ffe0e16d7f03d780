"""Forms as Teams dialogs: a command's OpenForm → an Adaptive Card, a submission → plain values.

The card's submit button carries the form name and the command's metadata, so a submission
needs no server-side session: Teams posts the inputs merged with that data. A re-shown form
keeps the raw strings the person typed, so nothing is lost on an error.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.teams.render import render
from commands.forms import playbooks_options
from commands.results import Message, OpenForm
from playbooks.loader import Form, Playbooks

FORM_KEY = "_form"  # keys the bot adds to the submit data; never a field name
META_KEY = "_meta"


def zone(name: str | None) -> ZoneInfo:
    """The person's zone as Teams reports it (activity.localTimezone), else UTC."""
    try:
        return ZoneInfo(name) if name else ZoneInfo("UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def open_form_data(form: OpenForm) -> dict[str, Any]:
    """The data behind a button that opens `form` (Action.Submit with task/fetch)."""
    return {
        "msteams": {"type": "task/fetch"},
        "action": "open_form",
        "form": form.form,
        "values": form.values,
        "metadata": form.metadata,
        "title_suffix": form.title_suffix,
    }


def from_data(data: Mapping[str, Any]) -> OpenForm | None:
    """Rebuild the OpenForm a button carried (see `open_form_data`)."""
    if data.get("action") != "open_form" or not isinstance(data.get("form"), str):
        return None
    return OpenForm(
        data["form"],
        values=dict(data.get("values") or {}),
        metadata=dict(data.get("metadata") or {}),
        title_suffix=data.get("title_suffix"),
    )


def title(form: OpenForm, playbooks: Playbooks) -> str:
    spec = playbooks.forms[form.form]
    return f"{spec.title} {form.title_suffix}" if form.title_suffix else spec.title


def card(
    form: OpenForm,
    playbooks: Playbooks,
    *,
    typed: Mapping[str, Any] | None = None,
    errors: Mapping[str, str] | None = None,
    people: Mapping[str, str] | None = None,
    accounts: Mapping[str, str] | None = None,
    timezone: str | None = None,
    room_kind: str = "thread",
) -> dict[str, Any]:
    """The dialog's Adaptive Card. `typed` (raw submitted inputs) wins over the form's values.
    `people` and `accounts` title the choices already picked (`acct:7` → "Acme Corp");
    `room_kind` is what a new war room will be (`thread` or `channel`), for the private box."""
    spec = playbooks.forms[form.form]
    tz = zone(timezone)
    fields = [
        {**f.__dict__, "choices": playbooks_options(playbooks, f.options) if f.options else {}}
        for f in spec.fields
    ]
    values = _as_inputs(spec, form.values, tz)
    if typed is not None:
        values = {**values, **_typed_inputs(spec, typed)}
    metadata = dict(form.metadata)
    metadata.setdefault("nonce", secrets.token_hex(8))  # one submission = one escalation
    data = {
        FORM_KEY: form.form,
        META_KEY: metadata,
        "title_suffix": form.title_suffix,
    }
    rendered = render(
        Message(
            "form",
            {
                "title": title(form, playbooks),
                "submit": spec.submit,
                "fields": fields,
                "values": values,
                "errors": dict(errors or {}),
                "people": dict(people or {}),
                "accounts": dict(accounts or {}),
                "zone": tz.key,
                "data": data,
            },
        ),
        room_kind=room_kind,
    )
    return rendered["card"]


def _as_inputs(spec: Form, values: Mapping[str, Any], tz: ZoneInfo) -> dict[str, str]:
    """A command's values (epoch seconds, lists, booleans) → Teams input strings."""
    out: dict[str, str] = {}
    for f in spec.fields:
        value = values.get(f.name)
        if value in (None, "", []):
            continue
        if f.kind == "datetime":
            local = datetime.fromtimestamp(int(value), UTC).astimezone(tz)
            out[f.name] = local.strftime("%Y-%m-%dT%H:%M")
        elif f.kind in ("users", "checkboxes"):
            out[f.name] = ",".join(str(v) for v in value)
        elif f.kind == "checkbox":
            out[f.name] = "true" if value else "false"
        else:
            out[f.name] = str(value)
    return out


def _typed_inputs(spec: Form, typed: Mapping[str, Any]) -> dict[str, str]:
    """Submitted inputs as they came (strings), to show them again."""
    out: dict[str, str] = {}
    for f in spec.fields:
        if f.kind == "datetime":
            day, clock = typed.get(f"{f.name}__date"), typed.get(f"{f.name}__time")
            if day and clock:
                out[f.name] = f"{day}T{clock}"
        elif typed.get(f.name) not in (None, ""):
            out[f.name] = str(typed[f.name])
    return out


def submitted_values(spec: Form, data: Mapping[str, Any], timezone: str | None) -> dict:
    """Teams inputs → the plain values commands.forms.clean expects (never trusted: it checks)."""
    tz = zone(timezone)
    raw: dict[str, Any] = {}
    for f in spec.fields:
        value = data.get(f.name)
        if f.kind in ("users", "checkboxes"):
            raw[f.name] = [v.strip() for v in str(value or "").split(",") if v.strip()]
        elif f.kind == "checkbox":
            raw[f.name] = str(value).lower() == "true"
        elif f.kind == "datetime":
            raw[f.name] = _epoch(data.get(f"{f.name}__date"), data.get(f"{f.name}__time"), tz)
        else:
            raw[f.name] = value if value not in ("",) else None
    return raw


def _epoch(day: Any, clock: Any, tz: ZoneInfo) -> int | str | None:
    if not day and not clock:
        return None
    try:
        moment = datetime.combine(
            date.fromisoformat(str(day)), time.fromisoformat(str(clock or "09:00")), tz
        )
    except ValueError:
        return "invalid"  # commands.forms.clean answers "Pick a date and a time."
    return int(moment.timestamp())
