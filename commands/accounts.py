"""Accounts: who the customer is, and what they have been through with us already."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from sqlmodel import Session

from commands.desk import Desk
from playbooks.loader import Playbooks
from storage import queries
from storage.models import Account, Escalation

NEW = "new:"
EXISTING = "acct:"
HISTORY_WINDOW = timedelta(days=90)


def options(desk: Desk, platform: str, text: str) -> list[tuple[str, str]]:
    """Choices for the account picker: matching accounts, then "create" for a new name."""
    text = (text or "").strip()[:80]
    with desk.db.session() as session:
        found = queries.accounts_matching(session, platform, text)
    choices = [(f"{EXISTING}{a.id}", a.name) for a in found]
    if text and not any(a.name_key == text.lower() for a in found):
        choices.append((f"{NEW}{text}", f"Create account “{text}”"))
    return choices


def resolve(
    session: Session,
    platform: str,
    value: str,
    *,
    now: datetime,
    contract_value: Decimal | None = None,
    renewal=None,
    timezone: str | None = None,
    tier: str | None = None,
    csm: str | None = None,
    ae: str | None = None,
) -> Account:
    """The account an intake names: an existing id, or a name (matched, else created).
    Intake facts (contract value, renewal date) are the freshest: they update the account."""
    account = None
    if value.startswith(EXISTING) and value[len(EXISTING) :].isdigit():
        account = session.get(Account, int(value[len(EXISTING) :]))
    name = value[len(NEW) :] if value.startswith(NEW) else value
    if account is None:
        account = queries.account_by_name(session, platform, name)
    if account is None:
        account = Account(
            platform=platform, name=name.strip(), name_key=name.strip().lower(), created_at=now
        )
    if contract_value is not None:
        account.annual_contract_value = contract_value
    if renewal is not None:
        account.renewal_date = renewal
    if timezone:
        account.timezone = timezone
    for attribute, value in (("tier", tier), ("csm_id", csm), ("ae_id", ae)):
        if value:
            setattr(account, attribute, value)
    session.add(account)
    session.flush()
    return account


def open_escalations(session: Session, account: Account) -> list[Escalation]:
    if account.id is None:
        return []
    return [
        e
        for e in queries.account_escalations(session, account.id)
        if e.state in queries.ACTIVE_STATES
    ]


def history(session: Session, esc: Escalation, now: datetime, playbooks: Playbooks) -> dict | None:
    """What the card says about the account: this escalation's rank in 90 days, the other
    open ones, the renewal date — escalations are usually several frustrations adding up."""
    if esc.account_id is None:
        return None
    account = session.get(Account, esc.account_id)
    every = queries.account_escalations(session, esc.account_id)
    recent = [e for e in every if e.opened_at >= now - HISTORY_WINDOW]
    others_open = [e.key for e in every if e.id != esc.id and e.state in queries.ACTIVE_STATES]
    renewal_in = (account.renewal_date - now.date()).days if account.renewal_date else None
    return {
        "name": account.name,
        "tier": account.tier,
        "tier_label": playbooks.taxonomy.tiers.get(account.tier or "", account.tier),
        "csm": account.csm_id,
        "ae": account.ae_id,
        "rank_in_window": sum(1 for e in recent if e.id <= esc.id),
        "total": len(every),
        "others_open": others_open,
        "renewal_in_days": renewal_in,
        "sponsor": account.sponsor_id,
        "sponsor_since": account.sponsor_since.isoformat() if account.sponsor_since else None,
    }
