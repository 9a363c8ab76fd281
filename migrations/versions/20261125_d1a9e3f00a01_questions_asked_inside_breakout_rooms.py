"""questions asked inside breakout rooms

Revision ID: d1a9e3f00a01
Revises: b7e4a0c1d2f3
Create Date: 2026-11-25 20:02:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'd1a9e3f00a01'
down_revision: str | None = 'b7e4a0c1d2f3'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('question', schema=None) as batch_op:
        batch_op.add_column(sa.Column('breakout_room_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_question_breakout_room_id'), ['breakout_room_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_question_breakout_room_id_breakoutroom'), 'breakoutroom',
                                    ['breakout_room_id'], ['id'], ondelete='CASCADE')


def downgrade() -> None:
    with op.batch_alter_table('question', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_question_breakout_room_id_breakoutroom'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_question_breakout_room_id'))
        batch_op.drop_column('breakout_room_id')
