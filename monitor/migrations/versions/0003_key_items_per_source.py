"""key items per source, evidence charset

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02 03:30:00.000000

An item's key was unique across sources, so two sources sharing a URL made one item flip
between them on every poll. It is now unique within its source. Existing rows keep their keys;
the parsers give each stored item's former key as an alias, so nothing stored looks new.
Evidence also records the charset its bytes were read in.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('evidence', schema=None) as batch_op:
        batch_op.add_column(sa.Column('charset', sa.String(length=64), nullable=True))
    with op.batch_alter_table('observations', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_observations_key'), type_='unique')
        batch_op.create_unique_constraint(
            batch_op.f('uq_observations_source_id_key'), ['source_id', 'key']
        )


def downgrade() -> None:
    with op.batch_alter_table('evidence', schema=None) as batch_op:
        batch_op.drop_column('charset')
    # Refused when two sources now hold the same key: the rows would have to be merged by hand.
    with op.batch_alter_table('observations', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_observations_source_id_key'), type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_observations_key'), ['key'])
