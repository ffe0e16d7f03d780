"""The data behind the status card and the other messages, as plain dicts for the templates.

Times are given as epoch seconds (Slack renders them in each reader's zone) and as a UTC
fallback string for surfaces that cannot.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from playbooks.loader import Playbooks
from storage.models import Escalation, StatusUpdate


def when(moment: datetime | None) -> dict[str, Any] | None:
    if moment is None:
        return None
    return {"epoch": int(moment.timestamp()), "utc": moment.strftime("%Y-%m-%d %H:%M UTC")}


def summary(esc: Escalation, playbooks: Playbooks, now: datetime) -> dict[str, Any]:
    """The facts every message about an escalation may mention."""
    overdue = bool(
        esc.state in ("open", "acknowledged") and esc.next_update_due and esc.next_update_due < now
    )
    return {
        "id": esc.id,
        "key": esc.key,
        "customer": esc.customer,
        "title": esc.title,
        "severity": esc.severity,
        "severity_label": playbooks.severity_label(esc.severity),
        "cause": esc.cause,
        "cause_label": playbooks.taxonomy.causes.get(esc.cause, esc.cause),
        "state": esc.state,
        "state_label": playbooks.taxonomy.states.get(esc.state, esc.state),
        "active": esc.state in ("open", "acknowledged"),
        "leader": esc.leader_id,
        "next_update_due": when(esc.next_update_due),
        "overdue": overdue,
        "room": {"channel": esc.room_channel, "thread": esc.room_thread, "name": esc.room_name}
        if esc.room_channel
        else None,
    }


def card(
    esc: Escalation, latest: StatusUpdate | None, playbooks: Playbooks, now: datetime
) -> dict[str, Any]:
    """Everything the pinned status card shows."""
    acv = esc.annual_contract_value
    return {
        **summary(esc, playbooks, now),
        "reporter": esc.reporter_id,
        "stakeholders": list(esc.stakeholder_ids),
        "business_impact": esc.business_impact,
        "ideal_resolution": esc.ideal_resolution,
        "annual_contract_value": f"{acv:,.0f}" if acv is not None else None,
        "renewal_date": esc.renewal_date.isoformat() if esc.renewal_date else None,
        "opened_at": when(esc.opened_at),
        "resolved_at": when(esc.resolved_at),
        "closed_at": when(esc.closed_at),
        "latest_update": update(latest) if latest else None,
        "root_cause": esc.root_cause,
        "resolution": esc.resolution,
        "prevention": esc.prevention,
        "levers": [playbooks.taxonomy.levers.get(k, k) for k in esc.levers],
        "lever_detail": esc.lever_detail,
        "commitments": esc.commitments,
        "flags": [playbooks.taxonomy.flags.get(f, f) for f in esc.flags],
        "links": dict(esc.links),
        "satisfaction": esc.satisfaction_score,
    }


def update(u: StatusUpdate) -> dict[str, Any]:
    return {
        "author": u.author_id,
        "what_we_know": u.what_we_know,
        "what_we_are_doing": u.what_we_are_doing,
        "posted_at": when(u.posted_at),
        "next_update_due": when(u.next_update_due),
    }
