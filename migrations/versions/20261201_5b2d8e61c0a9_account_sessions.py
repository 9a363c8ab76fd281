"""account sessions: a signed-in browser is a row, and logging out deletes it

Revision ID: 5b2d8e61c0a9
Revises: a7e3c1d9b2f4
Create Date: 2026-12-01 16:10:00

Cookies signed before this revision (an account id, no session) no longer sign in:
everyone logs in once more after the upgrade.
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel  # noqa: F401  (column types in generated migrations)
from alembic import op


revision: str = '5b2d8e61c0a9'
down_revision: str | None = 'a7e3c1d9b2f4'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('accountsession',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['account.id'], name=op.f('fk_accountsession_account_id_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_accountsession'))
    )
    with op.batch_alter_table('accountsession', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_accountsession_account_id'), ['account_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('accountsession', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_accountsession_account_id'))
    op.drop_table('accountsession')
