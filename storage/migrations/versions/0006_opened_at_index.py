"""an index on (platform, opened_at), for the patterns report

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30 04:40:00
"""
from alembic import op


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('escalation', schema=None) as batch_op:
        batch_op.create_index('ix_escalation_opened', ['platform', 'opened_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('escalation', schema=None) as batch_op:
        batch_op.drop_index('ix_escalation_opened')
