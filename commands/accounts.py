"""Accounts: who the customer is, and what they have been through with us already."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlmodel import Session

from commands import cards, leadership
from commands.desk import Desk, reply
from commands.forms import clean
from commands.invocation import Invocation
from commands.results import Accepted, FormErrors, OpenForm, Reply, Result
from playbooks.loader import Playbooks
from storage import queries
from storage.models import Account, Escalation

NEW = "new:"
EXISTING = "acct:"
HISTORY_WINDOW = timedelta(days=90)
FORM = "account"
# Form field → Account attribute, for the facts that can change after intake.
EDITABLE = {
    "annual_contract_value": "annual_contract_value",
    "renewal_date": "renewal_date",
    "customer_timezone": "timezone",
    "tier": "tier",
    "csm": "csm_id",
    "ae": "ae_id",
}


def check_timezone(values: dict[str, Any], errors: dict[str, str]) -> None:
    zone = values.get("customer_timezone")
    if zone and "customer_timezone" not in errors:
        try:
            ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError):
            errors["customer_timezone"] = "Use a zone name like Europe/Berlin or America/Chicago."


def options(desk: Desk, platform: str, text: str) -> list[tuple[str, str]]:
    """Choices for the account picker: matching accounts, then "create" for a new name."""
    text = (text or "").strip()[:80]
    with desk.db.session() as session:
        found = queries.accounts_matching(session, platform, text)
    choices = [(f"{EXISTING}{a.id}", a.name) for a in found]
    if text and not any(a.name_key == text.lower() for a in found):
        choices.append((f"{NEW}{text}", f"Create account “{text}”"))
    return choices


def find(session: Session, platform: str, value: str) -> Account | None:
    """The stored account a form's value names: `acct:<id>`, or a name (`new:` or typed)."""
    number = value.removeprefix(EXISTING)
    if value.startswith(EXISTING) and number.isdigit():
        found = session.get(Account, int(number))
        if found is not None:
            return found
    return queries.account_by_name(session, platform, value.removeprefix(NEW))


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
    account = find(session, platform, value)
    name = value.removeprefix(NEW)
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


def start_edit(desk: Desk, inv: Invocation) -> OpenForm | Reply:
    """The account form, prefilled, for the account of the war room it is typed in."""
    with desk.db.session() as session:
        found = desk.room_escalation(session, inv, "account")
        if isinstance(found, Reply):
            return found
        account = session.get(Account, found.account_id) if found.account_id else None
        if account is None:
            return reply("unknown_escalation")
        values = {field: getattr(account, attribute) for field, attribute in EDITABLE.items()}
        if values["annual_contract_value"] is not None:
            text = f"{values['annual_contract_value']:f}"
            values["annual_contract_value"] = text.rstrip("0").rstrip(".") if "." in text else text
        if values["renewal_date"] is not None:
            values["renewal_date"] = values["renewal_date"].isoformat()
        return OpenForm(
            FORM,
            values={k: v for k, v in values.items() if v is not None},
            metadata={"escalation": found.id},
            title_suffix=found.key,
        )


def submit_edit(desk: Desk, inv: Invocation, escalation_id: int, raw: dict[str, Any]) -> Result:
    """Save the account, and carry it into every open escalation of the account: the card
    shows it, a new CSM or AE joins the room, a bigger contract may loop in leadership."""
    values, errors = clean(desk.playbooks.forms[FORM], raw, desk.playbooks)
    check_timezone(values, errors)
    if errors:
        return FormErrors(errors)
    now = desk.now()
    with desk.db.session() as session:
        esc = queries.escalation(session, escalation_id)
        account = session.get(Account, esc.account_id) if esc and esc.account_id else None
        if account is None:
            return FormErrors({"annual_contract_value": "This escalation no longer exists."})
        changed = {
            field: values[field]
            for field, attribute in EDITABLE.items()
            if values[field] != getattr(account, attribute)
        }
        if not changed:
            return Accepted(escalation_id)
        for field, value in changed.items():
            setattr(account, EDITABLE[field], value)
        session.add(account)
        touched = open_escalations(session, account) or [esc]
        for each in touched:
            each.annual_contract_value = account.annual_contract_value
            each.renewal_date = account.renewal_date
            joining = [u for u in (account.csm_id, account.ae_id) if u and u != each.leader_id]
            each.stakeholder_ids = list(dict.fromkeys([*each.stakeholder_ids, *joining]))
            queries.record(
                session,
                each,
                at=now,
                actor=inv.user_id,
                kind="account_updated",
                account=account.name,
                changed={k: str(v) if v is not None else None for k, v in changed.items()},
            )
            queries.enqueue(
                session,
                each,
                at=now,
                target="room",
                template="account_updated",
                context={
                    **cards.summary(each, desk.playbooks, now),
                    "by": inv.user_id,
                    "account_name": account.name,
                    "changed": [desk.playbooks.forms[FORM].field(k).label for k in changed],
                },
            )
            leadership.apply_rules(session, desk, each, now=now, actor=inv.user_id)
        session.commit()
        ids = [each.id for each in touched]
    for each_id in ids:
        desk.changed(each_id)
    return Accepted(escalation_id)
