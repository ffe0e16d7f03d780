"""`report [days]`: the patterns across escalations, so the causes behind them get fixed.

Escalations are rarely one-offs: the same cause keeps coming back, the same accounts keep
escalating. The report reads what every escalation records (cause, severity, account, when
it was acknowledged and resolved, the levers used, the satisfaction the customer gave) over a
window, for whoever runs the desk or the executives it reports to.
"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from statistics import median

from commands.desk import Desk, reply
from commands.invocation import Invocation
from commands.results import Reply
from storage import queries

DEFAULT_DAYS = 90
MOST_DAYS = 730
SHOWN = 5  # rows per ranking


def report(desk: Desk, inv: Invocation, argument: str) -> Reply:
    text = argument.strip().lower().removesuffix("d")
    if text and not (text.isdigit() and 1 <= int(text) <= MOST_DAYS):
        return reply("usage", usage=f"report [days, 1 to {MOST_DAYS}]")
    days = int(text) if text else DEFAULT_DAYS
    now = desk.now()
    taxonomy = desk.playbooks.taxonomy
    with desk.db.session() as session:
        rows = queries.opened_since(session, inv.platform, now - timedelta(days=days))
    accounts = Counter(e.account_id or e.customer for e in rows)
    names = {e.account_id or e.customer: e.customer for e in rows}
    keys: dict = {}
    for e in rows:
        keys.setdefault(e.account_id or e.customer, []).append(e.key)
    resolved = [e for e in rows if e.resolved_at]
    scores = [e.satisfaction_score for e in rows if e.satisfaction_score]
    acknowledged = [e.acknowledged_at - e.opened_at for e in rows if e.acknowledged_at]
    return reply(
        "report",
        days=days,
        total=len(rows),
        active=sum(1 for e in rows if e.state in queries.ACTIVE_STATES),
        overdue=sum(
            1
            for e in rows
            if e.state in queries.ACTIVE_STATES and e.next_update_due and e.next_update_due < now
        ),
        resolved=len(resolved),
        causes=_ranked(Counter(e.cause for e in rows), taxonomy.causes),
        severities=_ranked(Counter(e.severity for e in rows), taxonomy.severities),
        repeat_accounts=[
            {"name": names[a], "count": n, "escalations": keys[a][-3:]}
            for a, n in accounts.most_common(SHOWN)
            if n > 1
        ],
        levers=_ranked(Counter(lever for e in resolved for lever in e.levers), taxonomy.levers),
        acknowledge_median=_hours(median(acknowledged)) if acknowledged else None,
        resolve_median=_hours(median(e.resolved_at - e.opened_at for e in resolved))
        if resolved
        else None,
        satisfaction=round(sum(scores) / len(scores), 1) if scores else None,
        satisfaction_count=len(scores),
    )


def _ranked(counts: Counter, labels: dict[str, str]) -> list[dict]:
    return [
        {"key": key, "label": labels.get(key, key), "count": n}
        for key, n in counts.most_common(SHOWN)
    ]


def _hours(span: timedelta) -> str:
    hours = span.total_seconds() / 3600
    return f"{hours:.1f} h" if hours < 48 else f"{hours / 24:.1f} days"
