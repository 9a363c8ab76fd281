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
    # A sealed value does not fit the old column, and the old code cannot read one:
    # refuse rather than lose the secrets quietly (delete or replace those webhooks first).
    sealed = op.get_bind().execute(sa.text("SELECT count(*) FROM webhook WHERE secret LIKE 'sealed:%'")).scalar()
    if sealed:
        raise RuntimeError(f"{sealed} webhook secrets are sealed and the older version cannot read them; "
                           "delete those webhooks before downgrading past this revision.")
    with op.batch_alter_table('webhook', schema=None) as batch_op:
        batch_op.alter_column('secret', existing_type=sqlmodel.sql.sqltypes.AutoString(length=255),
                              type_=sqlmodel.sql.sqltypes.AutoString(length=100), existing_nullable=False)
