"""analytics: indexes led by the campaign that answer its funnel, messages, days and clicks alone;
the rollup tables of each campaign's results (a workspace's summary reads them); members' weekly
summary preference

Revision ID: 0004_analytics_indexes
Revises: 0003_slack_revoked_token
Create Date: 2026-12-01 15:40:00
"""
import sqlalchemy as sa
from alembic import op

import core.db

revision = '0004_analytics_indexes'
down_revision = '0003_slack_revoked_token'
branch_labels = None
depends_on = None


def _counts(*names: str) -> list[sa.Column]:
    return [sa.Column(name, sa.Integer(), nullable=False) for name in names]


def upgrade() -> None:
    campaign = sa.ForeignKeyConstraint(['campaign_id'], ['campaign.id'])
    op.create_table(
        'campaignstatsday',
        sa.Column('campaign_id', sa.Integer(), nullable=False), sa.Column('day', sa.Date(), nullable=False),
        sa.Column('language', sa.String(length=8), nullable=False),
        *_counts('invited', 'accepted', 'welcomed', 'replied', 'positive', 'clicked', 'withdrawn'),
        campaign, sa.PrimaryKeyConstraint('campaign_id', 'day', 'language'))
    op.create_table(
        'campaignstatsmessage',
        sa.Column('campaign_id', sa.Integer(), nullable=False), sa.Column('step', sa.String(length=16), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False), sa.Column('language', sa.String(length=8), nullable=False),
        *_counts('sent', 'replied', 'positive', 'clicked'),
        sa.ForeignKeyConstraint(['campaign_id'], ['campaign.id']),
        sa.PrimaryKeyConstraint('campaign_id', 'step', 'position', 'language'))
    op.create_table(
        'campaignstatsfunnel',
        sa.Column('campaign_id', sa.Integer(), nullable=False), sa.Column('language', sa.String(length=8), nullable=False),
        *_counts('invited', 'accepted', 'welcomed', 'replied', 'positive', 'clicked', 'pending', 'withdrawn'),
        sa.ForeignKeyConstraint(['campaign_id'], ['campaign.id']), sa.PrimaryKeyConstraint('campaign_id', 'language'))
    op.create_table(
        'campaignstatsrefresh',
        sa.Column('campaign_id', sa.Integer(), nullable=False),
        sa.Column('refreshed_at', core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['campaign_id'], ['campaign.id']), sa.PrimaryKeyConstraint('campaign_id'))
    op.create_table(
        'weeklysummarypreference',
        sa.Column('member_id', sa.Integer(), nullable=False), sa.Column('enabled', sa.Boolean(), nullable=False),
        sa.Column('last_sent_on', sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(['member_id'], ['member.id']), sa.PrimaryKeyConstraint('member_id'))
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
    for table in ('weeklysummarypreference', 'campaignstatsrefresh', 'campaignstatsfunnel', 'campaignstatsmessage', 'campaignstatsday'):
        op.drop_table(table)
    with op.batch_alter_table('send', schema=None) as batch_op:
        batch_op.drop_index('ix_send_campaign_message')
    with op.batch_alter_table('enrollment', schema=None) as batch_op:
        batch_op.drop_index('ix_enrollment_campaign_funnel')
    with op.batch_alter_table('click', schema=None) as batch_op:
        batch_op.drop_index('ix_click_campaign_contact')
