"""finder runs: searches that run, their schedule, state and runs

Revision ID: 0006_finder_runs
Revises: 0005_member_language
Create Date: 2026-12-01 15:26:18.351899
"""
import sqlalchemy as sa
import sqlmodel
from alembic import op

import core.db

revision = '0006_finder_runs'
down_revision = '0005_member_language'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('finderrun',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('finder_id', sa.Integer(), nullable=False),
    sa.Column('workspace_id', sa.Integer(), nullable=False),
    sa.Column('trigger', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('state', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('cursor', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=True),
    sa.Column('pages', sa.Integer(), nullable=False),
    sa.Column('results', sa.Integer(), nullable=False),
    sa.Column('new', sa.Integer(), nullable=False),
    sa.Column('next_page_at', core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('lease_until', core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('problem', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('progress_ref', sa.JSON(), nullable=True),
    sa.Column('started_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('finished_at', core.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['finder_id'], ['finder.id'], ),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspace.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('finderrun', schema=None) as batch_op:
        batch_op.create_index('ix_finder_run_due', ['state', 'next_page_at'], unique=False)
        batch_op.create_index('ix_finder_run_finder', ['finder_id'], unique=False)

    with op.batch_alter_table('finder', schema=None) as batch_op:
        batch_op.add_column(sa.Column('api', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False, server_default='classic'))
        batch_op.add_column(sa.Column('filter_ids', sa.JSON(), nullable=False, server_default='{}'))
        batch_op.add_column(sa.Column('result_cap', sa.Integer(), nullable=False, server_default='1000'))
        batch_op.add_column(sa.Column('every_days', sa.Integer(), nullable=False, server_default='1'))
        batch_op.add_column(sa.Column('paused', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('state', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False, server_default='new'))
        batch_op.add_column(sa.Column('problem', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True))
        batch_op.add_column(sa.Column('found', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('added', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('last_run_at', core.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('next_run_at', core.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('run_id', sa.Integer(), nullable=True))
        batch_op.create_index('ix_finder_next_run', ['next_run_at'], unique=False)
    # Finders made before searches ran (a name and a stored query) run at the clock's next sweep.
    op.execute("UPDATE finder SET next_run_at = created_at")



def downgrade() -> None:
    with op.batch_alter_table('finder', schema=None) as batch_op:
        batch_op.drop_index('ix_finder_next_run')
        batch_op.drop_column('run_id')
        batch_op.drop_column('next_run_at')
        batch_op.drop_column('last_run_at')
        batch_op.drop_column('added')
        batch_op.drop_column('found')
        batch_op.drop_column('problem')
        batch_op.drop_column('state')
        batch_op.drop_column('paused')
        batch_op.drop_column('every_days')
        batch_op.drop_column('result_cap')
        batch_op.drop_column('filter_ids')
        batch_op.drop_column('api')

    with op.batch_alter_table('finderrun', schema=None) as batch_op:
        batch_op.drop_index('ix_finder_run_finder')
        batch_op.drop_index('ix_finder_run_due')

    op.drop_table('finderrun')
