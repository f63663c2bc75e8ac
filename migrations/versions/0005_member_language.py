"""member language: the language a member chose to be spoken to in, and their chat's locale

Revision ID: 0005_member_language
Revises: 0004_analytics_indexes
Create Date: 2026-12-01 15:30:00
"""
import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0005_member_language'
down_revision = '0004_analytics_indexes'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('member', schema=None) as batch_op:
        batch_op.add_column(sa.Column('language', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=True))
        batch_op.add_column(sa.Column('locale', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('member', schema=None) as batch_op:
        batch_op.drop_column('locale')
        batch_op.drop_column('language')
