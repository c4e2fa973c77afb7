"""add lease holders and withdrawal checks

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 03:30:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('observations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('missing_since', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('checked_at', sa.DateTime(), nullable=True))

    with op.batch_alter_table('sources', schema=None) as batch_op:
        batch_op.add_column(sa.Column('lease_host', sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column('lease_pid', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('lease_process_started', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('lease_since', sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('sources', schema=None) as batch_op:
        batch_op.drop_column('lease_since')
        batch_op.drop_column('lease_process_started')
        batch_op.drop_column('lease_pid')
        batch_op.drop_column('lease_host')

    with op.batch_alter_table('observations', schema=None) as batch_op:
        batch_op.drop_column('checked_at')
        batch_op.drop_column('missing_since')
