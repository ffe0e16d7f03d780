"""Forms as Slack modals: render a command's OpenForm, read a view_submission back."""

from __future__ import annotations

import json
from typing import Any

from bot.slack.render import render
from commands.forms import playbooks_options
from commands.results import Message, OpenForm
from playbooks.loader import Playbooks


def modal(form: OpenForm, playbooks: Playbooks) -> dict[str, Any]:
    """The modal for `form`. The view without its metadata depends only on the form and the
    prefilled values, so it is rendered once and reused: this runs right after the ack, on
    the loop that serves every other acknowledgement."""
    key = (
        id(playbooks),
        form.form,
        json.dumps(form.values, sort_keys=True, default=str),
        form.title_suffix,
    )
    rendered = _rendered.get(key)
    if rendered is None:
        if len(_rendered) >= CACHE_SIZE:
            _rendered.clear()
        rendered = _rendered[key] = json.dumps(_render(form, playbooks))
    view = json.loads(rendered)
    view["private_metadata"] = json.dumps(form.metadata)
    return view


CACHE_SIZE = 512
_rendered: dict[tuple, str] = {}


def _render(form: OpenForm, playbooks: Playbooks) -> dict[str, Any]:
    spec = playbooks.forms[form.form]
    fields = [
        {**f.__dict__, "choices": playbooks_options(playbooks, f.options) if f.options else {}}
        for f in spec.fields
    ]
    title = f"{spec.title} {form.title_suffix}" if form.title_suffix else spec.title
    if len(title) > 24 and form.title_suffix:
        title = form.title_suffix + " " + spec.title.split()[-1]
    return render(
        Message(
            "form",
            {
                "callback_id": form.form,
                "private_metadata": "",
                "title": title,
                "submit": spec.submit,
                "fields": fields,
                "values": form.values,
            },
        )
    )


def submitted_values(view: dict[str, Any]) -> dict[str, Any]:
    """`view.state.values` → {field name: plain value}. Block ids are the field names."""
    values: dict[str, Any] = {}
    for block_id, actions in view.get("state", {}).get("values", {}).items():
        for element in actions.values():
            values[block_id] = _value(element)
    return values


def _value(element: dict[str, Any]) -> Any:
    kind = element.get("type")
    if kind == "plain_text_input":
        return element.get("value")
    if kind in ("static_select", "external_select"):
        option = element.get("selected_option")
        return option["value"] if option else None
    if kind == "users_select":
        return element.get("selected_user")
    if kind == "multi_users_select":
        return element.get("selected_users") or []
    if kind == "checkboxes":
        return [o["value"] for o in element.get("selected_options") or []]
    if kind == "datepicker":
        return element.get("selected_date")
    if kind == "datetimepicker":
        return element.get("selected_date_time")
    return element.get("value")


def with_note(
    view: dict[str, Any], field: str, note: list[dict[str, Any]], meta: dict[str, Any]
) -> dict[str, Any]:
    """The open modal `view` (as a block_actions payload carries it) for views.update, with
    `note` blocks right under `field` in place of any earlier note. Block and action ids stay
    as they are, which is what makes Slack keep everything already typed."""
    note_id = f"{field}_note"
    blocks = []
    for block in view["blocks"]:
        if block.get("block_id") == note_id:
            continue
        blocks.append(block)
        if block.get("block_id") == field:
            blocks.extend(note)
    kept = ("type", "callback_id", "title", "submit", "close", "clear_on_close", "notify_on_close")
    return {
        **{k: view[k] for k in kept if k in view},
        "blocks": blocks,
        "private_metadata": json.dumps(meta),
    }


def metadata(view: dict[str, Any]) -> dict[str, Any]:
    try:
        data = json.loads(view.get("private_metadata") or "{}")
    except json.JSONDecodeError:
        return {}
    return data if isinstance(data, dict) else {}
