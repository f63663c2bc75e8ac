"""analytics: a campaign's clicks by campaign first (funnel, per message, per day, CSV export)

Revision ID: 0003_analytics_indexes
Revises: 0002_digest_delivery
Create Date: 2026-12-01 15:40:00
"""
from alembic import op

revision = '0003_analytics_indexes'
down_revision = '0002_digest_delivery'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('click', schema=None) as batch_op:
        batch_op.create_index('ix_click_campaign_contact', ['campaign_id', 'contact_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('click', schema=None) as batch_op:
        batch_op.drop_index('ix_click_campaign_contact')
