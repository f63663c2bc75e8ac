"""digest delivery: attempts, next try and last error of a digest not yet delivered

Revision ID: 0002_digest_delivery
Revises: 0001
Create Date: 2026-11-27 10:00:00
"""
import sqlalchemy as sa
import sqlmodel
from alembic import op

import core.db

revision = '0002_digest_delivery'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('digest', schema=None) as batch_op:
        batch_op.add_column(sa.Column('attempts', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('next_try_at', core.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('last_error', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True))
    # Digests already marked delivered stay so (the old rule); pending ones are tried at once.


def downgrade() -> None:
    with op.batch_alter_table('digest', schema=None) as batch_op:
        batch_op.drop_column('last_error')
        batch_op.drop_column('next_try_at')
        batch_op.drop_column('attempts')
