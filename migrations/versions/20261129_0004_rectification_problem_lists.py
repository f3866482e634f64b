"""rectification problem lists

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29 13:24:49.899347
"""
import sqlalchemy as sa
from alembic import op

import engine.tables

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('rectification_problem',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('notice_task_guid', sa.String(length=36), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('description', sa.String(length=200), nullable=False),
    sa.Column('required_act', sa.String(length=32), nullable=False),
    sa.Column('rectify_days', sa.Integer(), nullable=False),
    sa.Column('served_on', sa.Date(), nullable=False),
    sa.Column('deadline', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('checked_on', sa.Date(), nullable=True),
    sa.Column('closed_on', sa.Date(), nullable=True),
    sa.Column('evidence', sa.String(length=300), nullable=False),
    sa.Column('checked_by', sa.String(length=64), nullable=True),
    sa.Column('created_at', engine.tables.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['well_case.id'], name=op.f('fk_rectification_problem_case_id_well_case')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rectification_problem'))
    )
    with op.batch_alter_table('rectification_problem', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rectification_problem_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_rectification_problem_deadline'), ['deadline'], unique=False)
        batch_op.create_index(batch_op.f('ix_rectification_problem_status'), ['status'], unique=False)



def downgrade():
    with op.batch_alter_table('rectification_problem', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rectification_problem_status'))
        batch_op.drop_index(batch_op.f('ix_rectification_problem_deadline'))
        batch_op.drop_index(batch_op.f('ix_rectification_problem_case_id'))

    op.drop_table('rectification_problem')
