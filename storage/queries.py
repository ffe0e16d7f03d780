"""The named queries the commands use. Nothing outside storage/ builds SQL."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import delete, func, or_, update
from sqlalchemy import insert as sa_insert
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from storage.models import (
    Account,
    ChecklistItem,
    Claim,
    ConversationRef,
    Escalation,
    FollowUp,
    OutboxMessage,
    Setting,
    StatusUpdate,
    TimelineEvent,
)

ACTIVE_STATES = ("open", "acknowledged")


def escalation(session: Session, escalation_id: int) -> Escalation | None:
    return session.get(Escalation, escalation_id)


def escalation_by_intake_key(session: Session, intake_key: str) -> Escalation | None:
    return session.exec(select(Escalation).where(Escalation.intake_key == intake_key)).first()


def escalation_by_room(session: Session, platform: str, address: str) -> Escalation | None:
    """The escalation whose war room is at `address` (the newest, should one be reused)."""
    return session.exec(
        select(Escalation)
        .where(Escalation.platform == platform, Escalation.room_address == address)
        .order_by(col(Escalation.id).desc())
    ).first()


def list_escalations(
    session: Session,
    *,
    platform: str,
    which: str,
    user_id: str,
    now: datetime,
    limit: int,
) -> tuple[Sequence[Escalation], int]:
    """Escalations for `/escalate list`: (first `limit` rows, total count). Soonest due first."""
    query = select(Escalation).where(Escalation.platform == platform)
    if which != "all":
        query = query.where(col(Escalation.state).in_(ACTIVE_STATES))
    if which == "mine":
        query = query.where(Escalation.leader_id == user_id)
    elif which == "overdue":
        query = query.where(col(Escalation.next_update_due) < now)
    rows = session.exec(
        query.order_by(
            col(Escalation.next_update_due).is_(None),
            col(Escalation.next_update_due),
            col(Escalation.id).desc(),
        )
    ).all()
    return rows[:limit], len(rows)


def opened_since(session: Session, platform: str, since: datetime) -> Sequence[Escalation]:
    """Every escalation opened on `platform` since `since`, oldest first (for `report`): one
    range scan of the (platform, opened_at) index."""
    return session.exec(
        select(Escalation)
        .where(Escalation.platform == platform, col(Escalation.opened_at) >= since)
        .order_by(col(Escalation.opened_at))
    ).all()


def latest_update(session: Session, escalation_id: int) -> StatusUpdate | None:
    return session.exec(
        select(StatusUpdate)
        .where(StatusUpdate.escalation_id == escalation_id)
        .order_by(col(StatusUpdate.id).desc())
    ).first()


def timeline(session: Session, escalation_id: int) -> Sequence[TimelineEvent]:
    return session.exec(
        select(TimelineEvent)
        .where(TimelineEvent.escalation_id == escalation_id)
        .order_by(col(TimelineEvent.id))
    ).all()


def record(
    session: Session, esc: Escalation, *, at: datetime, actor: str, kind: str, **detail: object
) -> None:
    """Append a timeline event and mark the escalation for reconciliation with its platform."""
    session.add(
        TimelineEvent(escalation_id=esc.id, at=at, actor_id=actor, kind=kind, detail=detail)
    )
    touch_card(session, esc)


def enqueue(
    session: Session,
    esc: Escalation,
    *,
    at: datetime,
    target: str,
    template: str,
    context: dict,
    target_value: str | None = None,
) -> None:
    session.add(
        OutboxMessage(
            escalation_id=esc.id,
            target=target,
            target_value=target_value,
            template=template,
            context=context,
            created_at=at,
        )
    )
    mark_pending(session, esc)


def pending_messages(session: Session, escalation_id: int) -> Sequence[OutboxMessage]:
    return session.exec(
        select(OutboxMessage)
        .where(OutboxMessage.escalation_id == escalation_id, col(OutboxMessage.sent_at).is_(None))
        .order_by(col(OutboxMessage.id))
    ).all()


def messages(session: Session, escalation_id: int) -> Sequence[OutboxMessage]:
    return session.exec(
        select(OutboxMessage)
        .where(OutboxMessage.escalation_id == escalation_id)
        .order_by(col(OutboxMessage.id))
    ).all()


def due_for_sync(session: Session, now: datetime, limit: int = 100) -> list[int]:
    """Escalations with platform work outstanding whose retry time has come."""
    return list(
        session.exec(
            select(Escalation.id)
            .where(
                col(Escalation.sync_pending).is_(True),
                or_(col(Escalation.sync_retry_at).is_(None), col(Escalation.sync_retry_at) <= now),
                or_(
                    col(Escalation.sync_lease_until).is_(None),
                    col(Escalation.sync_lease_until) < now,
                ),
            )
            .order_by(col(Escalation.id))
            .limit(limit)
        ).all()
    )


def take_lease(session: Session, escalation_id: int, now: datetime, until: datetime) -> bool:
    """Single-flight across replicas: only one worker reconciles an escalation at a time."""
    result = session.execute(
        update(Escalation)
        .where(
            col(Escalation.id) == escalation_id,
            or_(col(Escalation.sync_lease_until).is_(None), col(Escalation.sync_lease_until) < now),
        )
        .values(sync_lease_until=until)
    )
    session.commit()
    return result.rowcount == 1


def release_lease(
    session: Session,
    escalation_id: int,
    *,
    seen_version: int,
    finished: bool,
    retry_at: datetime | None = None,
    error: str | None = None,
) -> bool:
    """Give the lease back. Returns False when a change arrived meanwhile (work again)."""
    values: dict[str, object] = {"sync_lease_until": None}
    if finished:
        values.update(sync_attempts=0, sync_error=None, sync_retry_at=None)
        result = session.execute(
            update(Escalation)
            .where(
                col(Escalation.id) == escalation_id, col(Escalation.change_version) == seen_version
            )
            .values(sync_pending=False, **values)
        )
        if result.rowcount == 0:
            session.execute(
                update(Escalation).where(col(Escalation.id) == escalation_id).values(**values)
            )
            session.commit()
            return False
    else:
        session.execute(
            update(Escalation)
            .where(col(Escalation.id) == escalation_id)
            .values(
                sync_retry_at=retry_at,
                sync_error=error,
                sync_attempts=Escalation.sync_attempts + 1,
                **values,
            )
        )
    session.commit()
    return True


def claim(session: Session, key: str, now: datetime) -> bool:
    """Insert `key` once; True for the first caller only, on any number of replicas."""
    session.add(Claim(key=key, claimed_at=now))
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        return False
    return True


# How long a claim is worth keeping, by what it guards. Slack retries an event for minutes;
# a reminder or follow-up claim names its period or day, and later scans only ever ask about
# the current one. Claims not listed (leadership rules, satisfaction requests, "unreachable"
# notes) are one per escalation and guard once-in-a-lifetime messages: they stay.
CLAIM_RETENTION = {
    "slack-event:": timedelta(days=1),
    "remind:": timedelta(days=30),
    "follow-up:": timedelta(days=30),
}


def prune_claims(session: Session, now: datetime) -> int:
    """Delete the claims nothing will ask about again; returns how many went."""
    conditions = [
        (col(Claim.key).startswith(prefix, autoescape=True)) & (col(Claim.claimed_at) < now - age)
        for prefix, age in CLAIM_RETENTION.items()
    ]
    result = session.execute(delete(Claim).where(or_(*conditions)))
    session.commit()
    return result.rowcount


def overdue(session: Session, now: datetime, limit: int = 1000) -> Sequence[Escalation]:
    """Active escalations whose next update is owed by now: one range scan of the deadline
    index, so a scan costs what is due, not how many escalations exist."""
    return session.exec(
        select(Escalation)
        .where(col(Escalation.next_update_due) <= now, col(Escalation.state).in_(ACTIVE_STATES))
        .order_by(col(Escalation.next_update_due))
        .limit(limit)
    ).all()


def claim_many(session: Session, keys: Sequence[str], now: datetime) -> set[str]:
    """Insert the keys nobody holds yet, in one statement; returns the ones this caller won.
    Not committed: the caller commits the claims together with the work they guard."""
    if not keys:
        return set()
    insert = sqlite_insert if session.get_bind().dialect.name == "sqlite" else pg_insert
    statement = (
        insert(Claim)
        .values([{"key": key, "claimed_at": now} for key in dict.fromkeys(keys)])
        .on_conflict_do_nothing(index_elements=["key"])
        .returning(Claim.key)
    )
    return set(session.execute(statement).scalars())


def touch_card(session: Session, esc: Escalation) -> None:
    """The card must be drawn again (e.g. it just became overdue) though nothing was changed."""
    # Increments in SQL, not in Python: two writers never overwrite each other's bump.
    esc.card_version = Escalation.card_version + 1
    mark_pending(session, esc)


def mark_pending(session: Session, esc: Escalation) -> None:
    """Something changed that the platform must catch up with: the reconciler will run."""
    esc.change_version = Escalation.change_version + 1
    esc.sync_pending = True
    esc.sync_retry_at = None
    session.add(esc)


def enqueue_many(session: Session, messages: Sequence[dict]) -> None:
    """Queue many messages in one statement (the reminder scan's hot path).

    Rows are grouped by whether they name a target value: SQLAlchemy batches consecutive
    rows of the same shape into one INSERT, and interleaved shapes would cost one each.
    Order within each group, and so per target, is kept."""
    if messages:
        rows = sorted(messages, key=lambda m: m.get("target_value") is None)
        session.execute(sa_insert(OutboxMessage), rows)


def record_many(session: Session, events: Sequence[dict]) -> None:
    if events:
        session.execute(sa_insert(TimelineEvent), list(events))


def mark_many_pending(session: Session, ids: Sequence[int], *, redraw_card: Sequence[int]) -> None:
    """One UPDATE per kind of change instead of one per escalation."""
    redraw = set(redraw_card)
    for group, card in ((sorted(redraw), True), (sorted(set(ids) - redraw), False)):
        if not group:
            continue
        values: dict[str, object] = {
            "change_version": Escalation.change_version + 1,
            "sync_pending": True,
            "sync_retry_at": None,
        }
        if card:
            values["card_version"] = Escalation.card_version + 1
        session.execute(update(Escalation).where(col(Escalation.id).in_(group)).values(**values))


def save_reference(
    session: Session, *, platform: str, scope: str, key: str, reference: dict, now: datetime
) -> None:
    """Insert or replace the stored reference for (platform, scope, key)."""
    row = session.exec(
        select(ConversationRef).where(
            ConversationRef.platform == platform,
            ConversationRef.scope == scope,
            ConversationRef.key == key,
        )
    ).first()
    if row is None:
        row = ConversationRef(
            platform=platform, scope=scope, key=key, reference=reference, updated_at=now
        )
    else:
        row.reference, row.updated_at = reference, now
    session.add(row)
    try:
        session.commit()
    except IntegrityError:  # saved concurrently by another request: theirs is as good
        session.rollback()


def reference(session: Session, *, platform: str, scope: str, key: str) -> dict | None:
    row = session.exec(
        select(ConversationRef).where(
            ConversationRef.platform == platform,
            ConversationRef.scope == scope,
            ConversationRef.key == key,
        )
    ).first()
    return row.reference if row else None


def setting(session: Session, key: str) -> dict | None:
    row = session.get(Setting, key)
    return row.value if row else None


def save_setting(session: Session, key: str, value: dict, now: datetime) -> None:
    row = session.get(Setting, key) or Setting(key=key, value=value, updated_at=now)
    row.value, row.updated_at = value, now
    session.add(row)
    session.commit()


def accounts_matching(session: Session, platform: str, text: str, limit: int = 20):
    """Accounts whose name contains `text` (case-insensitive), shortest names first."""
    needle = f"%{text.strip().lower()}%"
    return session.exec(
        select(Account)
        .where(Account.platform == platform, col(Account.name_key).like(needle))
        .order_by(func.length(Account.name_key), Account.name_key)
        .limit(limit)
    ).all()


def account_by_name(session: Session, platform: str, name: str) -> Account | None:
    return session.exec(
        select(Account).where(
            Account.platform == platform, Account.name_key == name.strip().lower()
        )
    ).first()


def account_escalations(session: Session, account_id: int) -> Sequence[Escalation]:
    return session.exec(
        select(Escalation).where(Escalation.account_id == account_id).order_by(col(Escalation.id))
    ).all()


def checklist(session: Session, escalation_id: int) -> Sequence[ChecklistItem]:
    return session.exec(
        select(ChecklistItem)
        .where(ChecklistItem.escalation_id == escalation_id)
        .order_by(col(ChecklistItem.position))
    ).all()


def updates(session: Session, escalation_id: int) -> Sequence[StatusUpdate]:
    return session.exec(
        select(StatusUpdate)
        .where(StatusUpdate.escalation_id == escalation_id)
        .order_by(col(StatusUpdate.id))
    ).all()


def follow_ups(session: Session, escalation_id: int) -> Sequence[FollowUp]:
    return session.exec(
        select(FollowUp).where(FollowUp.escalation_id == escalation_id).order_by(col(FollowUp.id))
    ).all()


def overdue_follow_ups(session: Session, now: datetime, limit: int = 500) -> Sequence[FollowUp]:
    return session.exec(
        select(FollowUp)
        .where(col(FollowUp.done_at).is_(None), col(FollowUp.due_at) <= now)
        .order_by(col(FollowUp.due_at))
        .limit(limit)
    ).all()


def awaiting_satisfaction(
    session: Session, resolved_before: datetime, resolved_after: datetime, limit: int = 500
) -> Sequence[Escalation]:
    """Resolved long enough ago that the customer can say how it went, not so long ago that
    asking is pointless, and not recorded yet: one range scan of the resolved_at index, so the
    cost stays what is due, not every escalation ever resolved. (Only resolving sets
    resolved_at, and nothing reopens: no state test, which would lead SQLite's planner to
    the state index and a walk through every closed escalation.)"""
    return session.exec(
        select(Escalation)
        .where(
            col(Escalation.resolved_at) > resolved_after,
            col(Escalation.resolved_at) <= resolved_before,
            col(Escalation.satisfaction_recorded_at).is_(None),
        )
        .order_by(col(Escalation.resolved_at))
        .limit(limit)
    ).all()
