"""war rooms as threads: the kind asked for, and the address commands arrive with

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30 04:20:00
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('escalation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('room_kind', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False, server_default='channel'))
        batch_op.add_column(sa.Column('room_address', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True))
        batch_op.drop_index('ix_escalation_room')
    # Every room so far is a channel (or a Teams thread conversation): its address is its id.
    op.execute("UPDATE escalation SET room_address = room_channel")
    with op.batch_alter_table('escalation', schema=None) as batch_op:
        batch_op.alter_column('room_kind', server_default=None)
        batch_op.create_index('ix_escalation_room', ['platform', 'room_address'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('escalation', schema=None) as batch_op:
        batch_op.drop_index('ix_escalation_room')
        batch_op.drop_column('room_address')
        batch_op.drop_column('room_kind')
        batch_op.create_index('ix_escalation_room', ['platform', 'room_channel'], unique=False)
