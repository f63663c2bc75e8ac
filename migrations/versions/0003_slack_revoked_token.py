"""slack revoked tokens: the bot tokens Slack said are dead (app uninstalled, tokens revoked)

Revision ID: 0003_slack_revoked_token
Revises: 0002_digest_delivery
Create Date: 2026-12-01 16:00:00
"""
import sqlalchemy as sa
import sqlmodel
from alembic import op

import core.db

revision = '0003_slack_revoked_token'
down_revision = '0002_digest_delivery'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'slackrevokedtoken',
        sa.Column('token_sha256', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('team_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('revoked_at', core.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('token_sha256'),
    )


def downgrade() -> None:
    op.drop_table('slackrevokedtoken')
