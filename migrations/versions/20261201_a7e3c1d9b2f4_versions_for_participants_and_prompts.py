"""versions for participants and icebreaker prompts (ETag / If-Match in the API)

Revision ID: a7e3c1d9b2f4
Revises: 7d8d852e7ae4
Create Date: 2026-12-01 10:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = 'a7e3c1d9b2f4'
down_revision: str | None = '7d8d852e7ae4'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A server default fills the rows that exist (version 0), on SQLite and PostgreSQL alike.
    for table in ('participant', 'icebreakerprompt'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('version', sa.Integer(), nullable=False, server_default='0'))


def downgrade() -> None:
    for table in ('participant', 'icebreakerprompt'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('version')
