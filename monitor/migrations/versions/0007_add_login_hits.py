"""add login hits and the sign-in link's next path

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 07:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # The /login limit per client was kept in each process's memory until now: nothing to copy.
    op.create_table('login_hits',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client', sa.String(length=64), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_login_hits'))
    )
    with op.batch_alter_table('login_hits', schema=None) as batch_op:
        batch_op.create_index('ix_login_hits_client_at', ['client', 'at'], unique=False)
        batch_op.create_index(batch_op.f('ix_login_hits_at'), ['at'], unique=False)
    with op.batch_alter_table('sign_in_links', schema=None) as batch_op:
        batch_op.add_column(sa.Column('next_path', sa.String(length=512), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('sign_in_links', schema=None) as batch_op:
        batch_op.drop_column('next_path')
    with op.batch_alter_table('login_hits', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_login_hits_at'))
        batch_op.drop_index('ix_login_hits_client_at')
    op.drop_table('login_hits')
