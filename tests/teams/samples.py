"""Sample facts for rendering every Teams template (one context holds what any needs)."""

from __future__ import annotations

LEADER = "aaaaaaaa-0000-0000-0000-000000000002"
WHEN = {"epoch": 1795424400, "utc": "2026-11-23 09:00 UTC"}
ESC = {
    "id": 1,
    "key": "ESC-1",
    "customer": "Acme <Corp>",
    "title": "Checkout *down*",
    "severity": "high",
    "severity_label": "High",
    "cause": "product_issue",
    "cause_label": "Product issue",
    "state": "open",
    "state_label": "Open",
    "active": True,
    "leader": LEADER,
    "next_update_due": WHEN,
    "overdue": True,
    "room": {"channel": "19:x@thread.tacv2;messageid=1", "name": "esc-1-acme"},
    "reporter": LEADER,
    "stakeholders": [LEADER],
    "business_impact": "Orders lost",
    "ideal_resolution": "Back up",
    "annual_contract_value": "250,000",
    "renewal_date": "2027-03-01",
    "opened_at": WHEN,
    "resolved_at": WHEN,
    "closed_at": WHEN,
    "latest_update": {
        "author": LEADER,
        "what_we_know": "a",
        "what_we_are_doing": "b",
        "posted_at": WHEN,
        "next_update_due": WHEN,
    },
    "root_cause": "cert",
    "resolution": "renewed",
    "prevention": "monitor",
    "levers": ["Credit"],
    "lever_detail": "10%",
    "account": {"renewal_in_days": 90},
    "checklist": {"done": 1, "total": 3},
}
EXTRA = {
    "by": LEADER,
    "previous": LEADER,
    "previous_label": "Low",
    "kind": "update",
    "overdue_since": WHEN,
    "reminder_number": 2,
    "leadership": [LEADER],
    "rules": ["threat_to_cancel", "severity_critical"],
    "update": ESC["latest_update"],
    "first": True,
    "command": "update",
    "action": "post an update",
    "usage": "lead @person",
    "unknown": "frobnicate",
    "severities": ["low", "high"],
    "which": "active",
    "items": [ESC],
    "total": 1,
    "more": 0,
    "values": {"title": "x"},
    "error": "boom",
    "text": "Dear customer",
    "zone": "Europe/Berlin",
    "kept": 1,
    "problem": "p",
    "options": ["o1", "o2", "o3"],
    "recommendation": "r",
    "record": {"customer_view": "v", "facts": "f"},
    "follow_up": {"id": 3, "text": "add monitoring", "due": WHEN},
    "file": {"name": "pm.md", "title": "PM", "content": "# Post-mortem"},
    "people": [LEADER],
    "user": LEADER,
    "who": "Leo",
    "what": "reminder_dm",
    "name": "esc-1-acme",
    "channel_name": "Escalations",
    "data": {"x": 1},
    "groups": [
        {
            "step": "acknowledge",
            "label": "Acknowledge",
            "items": [
                {
                    "key": "k1",
                    "text": "Call them",
                    "done": True,
                    "done_by": LEADER,
                    "done_at": WHEN,
                },
                {"key": "k2", "text": "Write", "done": False, "done_by": None, "done_at": None},
            ],
        }
    ],
    "progress": {"done": 1, "total": 2},
    "questions": ["What broke?"],
    "teams": ["SRE"],
    "also_open": ["ESC-7"],
    "account_name": "Acme <Corp>",
    "changed": ["Annual contract value", "Renewal date"],
    # Teams-only notes (channel mode)
    "cause": "permission",
    "permission": "Channel.Create",
    "reason": "Missing role permissions on the request.",
    "private": True,
    "owner": LEADER,
    "team_name": "Support",
    "accounts": {},
}


REPORT = {
    "days": 90,
    "total": 3,
    "active": 2,
    "overdue": 1,
    "resolved": 1,
    "causes": [{"key": "pricing", "label": "Renewal <dispute>", "count": 2}],
    "severities": [{"key": "high", "label": "High", "count": 3}],
    "repeat_accounts": [{"name": "Acme *Corp*", "count": 2, "escalations": ["ESC-1", "ESC-2"]}],
    "levers": [{"key": "pricing", "label": "Pricing", "count": 1}],
    "acknowledge_median": "1.5 h",
    "resolve_median": "2.0 days",
    "satisfaction": 4.0,
    "satisfaction_count": 1,
}


def context_for(name: str) -> dict:
    context = {**ESC, **EXTRA}
    if name == "report":  # its own shapes for names other messages use (causes, levers)
        context.update(REPORT)
    if name == "form":
        context.update(
            fields=[
                {
                    "name": "title",
                    "label": "Title",
                    "kind": "text",
                    "required": True,
                    "max_length": 10,
                    "placeholder": None,
                    "choices": {},
                }
            ],
            values={},
            errors={"title": "bad"},
            people={},
            submit="Go",
        )
    return context
