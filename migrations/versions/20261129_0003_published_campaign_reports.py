"""published campaign reports (weekly dispatch, monthly summary, briefing)

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29 14:00:00
"""
import sqlalchemy as sa
from alembic import op

import engine.tables

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    # Rows are only ever added: each publication is a new version with its figures and DOCX bytes.
    op.create_table('campaign_report',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('period_start', sa.Date(), nullable=False),
    sa.Column('period_end', sa.Date(), nullable=False),
    sa.Column('issue_no', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=128), nullable=False),
    sa.Column('figures', sa.JSON(), nullable=False),
    sa.Column('file_name', sa.String(length=128), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('published_by', sa.String(length=64), nullable=False),
    sa.Column('published_by_department', sa.String(length=32), nullable=False),
    sa.Column('published_at', engine.tables.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_campaign_report')),
    sa.UniqueConstraint('kind', 'issue_no', 'version', name='uq_campaign_report_issue_version'),
    sa.UniqueConstraint('kind', 'period_start', 'period_end', 'version', name='uq_campaign_report_period_version')
    )
    with op.batch_alter_table('campaign_report', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_campaign_report_kind'), ['kind'], unique=False)


def downgrade():
    with op.batch_alter_table('campaign_report', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_campaign_report_kind'))

    op.drop_table('campaign_report')
