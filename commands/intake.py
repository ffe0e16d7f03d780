"""Opening an escalation: the intake form and what its submission sets in motion."""

from __future__ import annotations

from typing import Any

from sqlalchemy.exc import IntegrityError

from commands import accounts, cards, checklist, leadership
from commands.desk import Desk
from commands.forms import clean
from commands.invocation import Invocation
from commands.results import Accepted, FormErrors, Message, OpenForm, Result
from storage import queries
from storage.models import Escalation

FORM = "intake"


def start(desk: Desk, inv: Invocation, title: str | None = None) -> OpenForm:
    form = desk.playbooks.forms[FORM]
    values: dict[str, Any] = {"leader": inv.user_id}
    if title:
        values["title"] = title[: form.field("title").max_length or None]
    default = form.field("severity").default
    if default in desk.playbooks.policy.severities:
        values["severity"] = default
    return OpenForm(FORM, values=values, metadata={"origin": inv.origin, "channel": inv.channel_id})


LOOK_UP = object()  # validate(): find the account's open escalation in the database


def validate(
    desk: Desk, inv: Invocation, raw: dict[str, Any], *, open_elsewhere: Any = LOOK_UP
) -> FormErrors | None:
    """Field errors, and the account's open escalation if there is one.

    A platform that checked the account when it was picked (Slack, see `open_elsewhere()`)
    passes what it found: None, or the facts it showed. Validation then needs no database
    at all, which keeps it in front of the acknowledgement for free."""
    values, errors = _clean(desk, raw)
    if errors or values.get("separate"):
        return FormErrors(errors) if errors else None
    if open_elsewhere is LOOK_UP:
        open_elsewhere = open_for(desk, inv, values["customer"])
    if open_elsewhere:
        errors = {"customer": _duplicate_error(open_elsewhere)}
    return FormErrors(errors) if errors else None


def open_for(desk: Desk, inv: Invocation, customer: str | None) -> dict[str, str] | None:
    """The open escalation of the account a form names (an `acct:` id or a new name), as
    facts a form can show and hand back: one channel per problem, not per person who noticed
    it."""
    if not customer:
        return None
    with desk.db.session() as session:
        return _open_facts(session, inv, customer)


def _open_facts(session, inv: Invocation, customer: str) -> dict[str, str] | None:
    account = accounts.find(session, inv.platform, customer)
    open_ones = accounts.open_escalations(session, account) if account else []
    if not open_ones:
        return None
    esc = open_ones[-1]
    return {
        "customer": customer,
        "account": account.name,
        "key": esc.key,
        "room": esc.room_name or "",
        "title": esc.title[:80],
    }


def _duplicate_error(facts: dict[str, str]) -> Message:
    return Message("open_elsewhere_error", facts)


def _clean(desk: Desk, raw: dict[str, Any]) -> tuple[dict, dict[str, str]]:
    values, errors = clean(desk.playbooks.forms[FORM], raw, desk.playbooks)
    accounts.check_timezone(values, errors)
    return values, errors


def submit(
    desk: Desk,
    inv: Invocation,
    raw: dict[str, Any],
    *,
    intake_key: str,
    origin: str | None,
    acknowledged: bool = False,
) -> Result:
    """Validate, then store the escalation and queue its set-up. Idempotent on `intake_key`.

    `acknowledged`: the form was validated and has closed (Slack stores after its ack). An
    open escalation for the account that appeared since cannot be put to the person any
    more, and what they typed must not be lost: the escalation opens, and its welcome
    names the other one."""
    values, errors = _clean(desk, raw)
    if errors:
        return FormErrors(errors)
    now = desk.now()
    with desk.db.session() as session:
        existing = queries.escalation_by_intake_key(session, intake_key)
        if existing is not None:
            return Accepted(existing.id)
        known = accounts.find(session, inv.platform, values["customer"])
        also_open = (
            [e.key for e in accounts.open_escalations(session, known)]
            if known and not values.get("separate")  # "a different problem": nothing to say
            else []
        )
        if also_open and not acknowledged:
            facts = _open_facts(session, inv, values["customer"])
            return FormErrors({"customer": _duplicate_error(facts)})
        account = accounts.resolve(
            session,
            inv.platform,
            values["customer"],
            now=now,
            contract_value=values["annual_contract_value"],
            renewal=values["renewal_date"],
            timezone=values["customer_timezone"],
            tier=values["tier"],
            csm=values["csm"],
            ae=values["ae"],
        )
        esc = Escalation(
            intake_key=intake_key,
            platform=inv.platform,
            workspace=inv.workspace,
            account_id=account.id,
            customer=account.name,
            title=values["title"],
            severity=values["severity"],
            cause=values["cause"],
            flags=values["flags"],
            business_impact=values["business_impact"],
            ideal_resolution=values["ideal_resolution"],
            annual_contract_value=account.annual_contract_value,
            renewal_date=account.renewal_date,
            leader_id=values["leader"],
            reporter_id=inv.user_id,
            # The account's CSM and AE belong in the room with the people picked.
            stakeholder_ids=[
                u
                for u in dict.fromkeys([*values["stakeholders"], account.csm_id, account.ae_id])
                if u and u != values["leader"]
            ],
            private=bool(values["private"]),
            # A thread is seen by everyone in the channel it lives in: never for a private one.
            room_kind="channel"
            if values["private"]
            else desk.playbooks.policy.cadence(values["severity"]).war_room,
            opened_at=now,
        )
        session.add(esc)
        try:
            session.flush()
        except IntegrityError:  # the same submission, delivered twice at once
            session.rollback()
            again = queries.escalation_by_intake_key(session, intake_key)
            return Accepted(again.id if again else None)
        esc.next_update_due = desk.planned_due(esc)
        queries.record(
            session,
            esc,
            at=now,
            actor=inv.user_id,
            kind="opened",
            severity=esc.severity,
            leader=esc.leader_id,
            account=account.name,
        )
        facts = cards.summary(esc, desk.playbooks, now)
        queries.enqueue(
            session,
            esc,
            at=now,
            target="room",
            template="welcome",
            context={**facts, "reporter": inv.user_id, "also_open": also_open},
        )
        checklist.create(session, desk, esc)
        if esc.leader_id != inv.user_id:
            queries.enqueue(
                session,
                esc,
                at=now,
                target="user",
                target_value=esc.leader_id,
                template="lead_assigned",
                context={**facts, "by": inv.user_id},
            )
        queries.enqueue(
            session,
            esc,
            at=now,
            target="announcements",
            template="announcement",
            context={**facts, "reporter": inv.user_id},
        )
        queries.enqueue(
            session,
            esc,
            at=now,
            target="origin",
            target_value=origin,
            template="war_room_ready",
            context={**facts, "reporter": inv.user_id},
        )
        leadership.apply_rules(session, desk, esc, now=now, actor=inv.user_id)
        session.commit()
        escalation_id = esc.id
    desk.changed(escalation_id)
    return Accepted(escalation_id)
