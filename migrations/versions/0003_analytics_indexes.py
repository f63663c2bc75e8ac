"""analytics: indexes led by the campaign that answer its funnel, messages, days and clicks alone

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
    with op.batch_alter_table('enrollment', schema=None) as batch_op:
        batch_op.create_index('ix_enrollment_campaign_funnel', [
            'campaign_id', 'language', 'state', 'reply_sentiment', 'invited_at', 'accepted_at', 'welcomed_at',
            'replied_at', 'withdrawn_at'], unique=False)
    with op.batch_alter_table('send', schema=None) as batch_op:
        batch_op.create_index('ix_send_campaign_message', ['campaign_id', 'status', 'step', 'position', 'language'],
                              unique=False)
    with op.batch_alter_table('click', schema=None) as batch_op:
        batch_op.create_index('ix_click_campaign_contact', ['campaign_id', 'contact_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('send', schema=None) as batch_op:
        batch_op.drop_index('ix_send_campaign_message')
    with op.batch_alter_table('enrollment', schema=None) as batch_op:
        batch_op.drop_index('ix_enrollment_campaign_funnel')
    with op.batch_alter_table('click', schema=None) as batch_op:
        batch_op.drop_index('ix_click_campaign_contact')
