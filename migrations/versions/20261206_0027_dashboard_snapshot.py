"""the dashboard's figures kept per period for a while (dashboard_snapshot), shared by every web worker and host

Revision ID: 20261206_0027
Revises: 20261206_0026
Create Date: 2026-12-06 12:00:00

Issue 14, the dashboard at a province's 1,000,000 cases: computing its figures reads every case and open
task (1.2 s). The page shows the figures of the last computation while they are younger than
WELLS_DASHBOARD_MAX_AGE seconds (webapp/dashboard/snapshots.py); the timer worker computes them before.
"""
import sqlalchemy as sa
from alembic import op

import engine.tables

revision = '20261206_0027'
down_revision = '20261206_0026'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('dashboard_snapshot',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('period_start', sa.Date(), nullable=False),
    sa.Column('period_end', sa.Date(), nullable=False),
    sa.Column('figures', sa.JSON(), nullable=False),
    sa.Column('wells_map', sa.JSON(), nullable=False),
    sa.Column('taken_at', engine.tables.UTCDateTime(timezone=True), nullable=False),
    sa.Column('compute_ms', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dashboard_snapshot')),
    sa.UniqueConstraint('period_start', 'period_end', name='uq_dashboard_snapshot_period')
    )


def downgrade():
    op.drop_table('dashboard_snapshot')
