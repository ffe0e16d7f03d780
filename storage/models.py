"""Tables. Every time is an aware UTC datetime (SQLModel's UTCDateTime keeps it so on SQLite)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, Column, Index, Numeric, UniqueConstraint
from sqlmodel import Field, SQLModel


class Escalation(SQLModel, table=True):
    """One customer escalation, its war room and how far its platform setup has got.

    The platform side (room, card, invites) is *reconciled* from these columns by
    `commands.sync`: a command only changes the desired state here, so a crash or a
    platform outage never loses work, it only delays it.
    """

    id: int | None = Field(default=None, primary_key=True)
    intake_key: str = Field(unique=True, max_length=255)
    platform: str = Field(max_length=20)
    workspace: str | None = Field(default=None, max_length=255)

    customer: str = Field(max_length=200)
    title: str = Field(max_length=300)
    severity: str = Field(max_length=40)
    cause: str = Field(max_length=60)
    state: str = Field(default="open", max_length=20, index=True)
    business_impact: str = ""
    ideal_resolution: str | None = None
    annual_contract_value: Decimal | None = Field(
        default=None, sa_column=Column(Numeric(14, 2), nullable=True)
    )
    renewal_date: date | None = None

    account_id: int | None = Field(default=None, foreign_key="account.id", index=True)
    # What the customer said: threat to cancel, legal action, asked for an executive.
    flags: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))

    leader_id: str = Field(max_length=255, index=True)
    reporter_id: str = Field(max_length=255)
    stakeholder_ids: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    private: bool = False

    opened_at: datetime
    acknowledged_at: datetime | None = None
    last_update_at: datetime | None = None
    next_update_due: datetime | None = Field(default=None, index=True)
    resolved_at: datetime | None = None
    closed_at: datetime | None = None

    root_cause: str | None = None
    resolution: str | None = None
    prevention: str | None = None
    levers: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    lever_detail: str | None = None
    commitments: str | None = None
    investigation: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    postmortem: str | None = None
    satisfaction_score: int | None = None
    satisfaction_comment: str | None = None
    satisfaction_recorded_at: datetime | None = None
    # Messages the card links to (checklist, investigation record, briefs, post-mortem).
    links: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))

    # The war room as a conversation reference: a channel and, optionally, a thread in it.
    # `room_kind` is what the policy asked for at opening (channel or thread); the address is
    # what commands typed in the room arrive with (Invocation.channel_id), as the adapter
    # builds it: a channel id, or a channel and thread for a thread in a shared channel.
    room_kind: str = Field(default="channel", max_length=16)
    room_channel: str | None = Field(default=None, max_length=128)
    room_thread: str | None = Field(default=None, max_length=128)
    room_address: str | None = Field(default=None, max_length=255)
    room_name: str | None = Field(default=None, max_length=128)
    card_message_id: str | None = Field(default=None, max_length=128)
    card_pinned: bool = False
    topic_set: bool = False
    room_archived: bool = False
    invited_ids: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    card_version: int = 0
    card_rendered_version: int = -1

    # Reconciliation bookkeeping (see commands.sync).
    change_version: int = 0
    sync_pending: bool = Field(default=True)
    sync_retry_at: datetime | None = None
    sync_lease_until: datetime | None = None
    sync_attempts: int = 0
    sync_error: str | None = None

    __table_args__ = (
        Index("ix_escalation_room", "platform", "room_address"),
        Index("ix_escalation_sync", "sync_pending", "sync_retry_at"),
        Index("ix_escalation_resolved", "resolved_at"),
        Index("ix_escalation_opened", "platform", "opened_at"),
    )

    @property
    def key(self) -> str:
        return f"ESC-{self.id}"


class Account(SQLModel, table=True):
    """The customer. Escalations are usually several frustrations adding up, so the card
    shows the account's history, and a second escalation is questioned before it opens."""

    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=20)
    name: str = Field(max_length=200)
    name_key: str = Field(max_length=200, index=True)  # lowercased, for search and matching
    annual_contract_value: Decimal | None = Field(
        default=None, sa_column=Column(Numeric(14, 2), nullable=True)
    )
    renewal_date: date | None = None
    tier: str | None = Field(default=None, max_length=60)
    csm_id: str | None = Field(default=None, max_length=255)
    ae_id: str | None = Field(default=None, max_length=255)
    sponsor_id: str | None = Field(default=None, max_length=255)
    sponsor_since: date | None = None
    timezone: str | None = Field(default=None, max_length=64)
    created_at: datetime

    __table_args__ = (UniqueConstraint("platform", "name_key", name="uq_account_name"),)


class ChecklistItem(SQLModel, table=True):
    """One step of the cause playbook for one escalation; ticking records who and when."""

    __tablename__ = "checklist_item"

    id: int | None = Field(default=None, primary_key=True)
    escalation_id: int = Field(foreign_key="escalation.id", index=True)
    key: str = Field(max_length=60)
    step: str = Field(max_length=30)
    text: str = Field(max_length=300)
    position: int
    done_by: str | None = Field(default=None, max_length=255)
    done_at: datetime | None = None

    __table_args__ = (UniqueConstraint("escalation_id", "key", name="uq_checklist_key"),)


class FollowUp(SQLModel, table=True):
    """A prevention measure turned into work with an owner and a due date."""

    __tablename__ = "follow_up"

    id: int | None = Field(default=None, primary_key=True)
    escalation_id: int = Field(foreign_key="escalation.id", index=True)
    text: str = Field(max_length=500)
    owner_id: str = Field(max_length=255)
    due_at: datetime = Field(index=True)
    done_at: datetime | None = None
    done_by: str | None = Field(default=None, max_length=255)


class StatusUpdate(SQLModel, table=True):
    """A status update posted by the leader (or anyone in the room)."""

    __tablename__ = "status_update"

    id: int | None = Field(default=None, primary_key=True)
    escalation_id: int = Field(foreign_key="escalation.id", index=True)
    author_id: str = Field(max_length=255)
    what_we_know: str
    what_we_are_doing: str
    next_update_due: datetime
    posted_at: datetime


class TimelineEvent(SQLModel, table=True):
    """The audit trail: who did what, when. Never updated, only appended."""

    __tablename__ = "timeline_event"

    id: int | None = Field(default=None, primary_key=True)
    escalation_id: int = Field(foreign_key="escalation.id", index=True)
    at: datetime
    actor_id: str = Field(max_length=255)
    kind: str = Field(max_length=40)
    detail: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class OutboxMessage(SQLModel, table=True):
    """A message a command decided to send, written in the same transaction as the change.

    Delivered by `commands.sync` in id order; kept after delivery as a record.
    """

    __tablename__ = "outbox_message"

    id: int | None = Field(default=None, primary_key=True)
    escalation_id: int = Field(foreign_key="escalation.id", index=True)
    target: str = Field(max_length=40)  # room | user | origin | announcements
    target_value: str | None = Field(default=None, max_length=2000)
    template: str = Field(max_length=80)
    context: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime
    sent_at: datetime | None = None
    message_id: str | None = Field(default=None, max_length=128)
    attempts: int = 0
    last_error: str | None = None

    __table_args__ = (Index("ix_outbox_pending", "escalation_id", "sent_at"),)


class Claim(SQLModel, table=True):
    """A unique key taken once, e.g. a Slack event id: whoever inserts it first does the work."""

    key: str = Field(primary_key=True, max_length=255)
    claimed_at: datetime


class ConversationRef(SQLModel, table=True):
    """A stored way to reach a person or a place later (proactive messages).

    Teams cannot message anyone out of the blue: the bot keeps the conversation reference it
    received when a person first talked to it (scope `user`) or where war rooms open
    (scope `channel`). The reference itself is opaque JSON owned by the adapter.
    """

    __tablename__ = "conversation_ref"

    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=20)
    scope: str = Field(max_length=20)
    key: str = Field(max_length=255)
    reference: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    updated_at: datetime

    __table_args__ = (UniqueConstraint("platform", "scope", "key", name="uq_conversation_ref"),)


class Setting(SQLModel, table=True):
    """Settings people change from chat (e.g. `escalations here`), kept across restarts."""

    key: str = Field(primary_key=True, max_length=255)
    value: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    updated_at: datetime
