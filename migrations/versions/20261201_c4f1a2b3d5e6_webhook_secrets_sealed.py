"""webhook secrets sealed: room in the column for the encrypted value

Revision ID: c4f1a2b3d5e6
Revises: 5b2d8e61c0a9
Create Date: 2026-12-01 19:30:00

Secrets stored before this revision are sealed by the app when it next starts
(app/webhooks/service.py seal_old_secrets), with its own SECRET_KEY: a migration
run elsewhere might not have the same one.
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel  # noqa: F401  (column types in generated migrations)
from alembic import op


revision: str = 'c4f1a2b3d5e6'
down_revision: str | None = '5b2d8e61c0a9'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('webhook', schema=None) as batch_op:
        batch_op.alter_column('secret', existing_type=sqlmodel.sql.sqltypes.AutoString(length=100),
                              type_=sqlmodel.sql.sqltypes.AutoString(length=255), existing_nullable=False)


def downgrade() -> None:
    # A sealed value does not fit the old column: downgrading loses the secrets, so
    # every webhook would need a new one. Refuse rather than lose them quietly.
    raise RuntimeError("Webhook secrets are sealed and do not fit the old column; this migration cannot be undone.")
