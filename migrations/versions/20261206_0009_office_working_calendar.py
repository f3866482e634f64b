"""office working calendar: entered years and days; provisional flags on timers and open tasks

Revision ID: 20261206_0009
Revises: 0008
Create Date: 2026-12-06 01:30:00
"""
import sqlalchemy as sa
from alembic import op

import engine.tables

revision = '20261206_0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('office_calendar_year',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('source_text', sa.Text(), nullable=False),
    sa.Column('entered_by', sa.String(length=64), nullable=False),
    sa.Column('entered_at', engine.tables.UTCDateTime(timezone=True), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_office_calendar_year')),
    sa.UniqueConstraint('year', name=op.f('uq_office_calendar_year_year'))
    )
    with op.batch_alter_table('office_calendar_year', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_office_calendar_year_revision'), ['revision'], unique=False)
    op.create_table('office_calendar_day',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('year_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('name', sa.String(length=32), nullable=False),
    sa.ForeignKeyConstraint(['year_id'], ['office_calendar_year.id'],
                            name=op.f('fk_office_calendar_day_year_id_office_calendar_year'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_office_calendar_day'))
    )
    with op.batch_alter_table('office_calendar_day', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_office_calendar_day_year_id'), ['year_id'], unique=False)
    with op.batch_alter_table('wf_timer', schema=None) as batch_op:
        batch_op.add_column(sa.Column('provisional', sa.Boolean(), server_default='0', nullable=False))
    with op.batch_alter_table('wf_open_task', schema=None) as batch_op:
        batch_op.add_column(sa.Column('due_provisional', sa.Boolean(), server_default='0', nullable=False))


def downgrade():
    with op.batch_alter_table('wf_open_task', schema=None) as batch_op:
        batch_op.drop_column('due_provisional')
    with op.batch_alter_table('wf_timer', schema=None) as batch_op:
        batch_op.drop_column('provisional')
    with op.batch_alter_table('office_calendar_day', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_office_calendar_day_year_id'))
    op.drop_table('office_calendar_day')
    with op.batch_alter_table('office_calendar_year', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_office_calendar_year_revision'))
    op.drop_table('office_calendar_year')
