"""saved case-list searches (常用查询), a user's own or shared with the department

Revision ID: 20261206_0022
Revises: 20261206_0021
Create Date: 2026-12-06 06:00:00
"""
import sqlalchemy as sa
from alembic import op

import engine.tables

revision = '20261206_0022'
down_revision = '20261206_0021'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('saved_filter',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('department', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('query', sa.String(length=1000), nullable=False),
    sa.Column('shared', sa.Boolean(), server_default='0', nullable=False),
    sa.Column('created_at', engine.tables.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_saved_filter_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_saved_filter'))
    )
    with op.batch_alter_table('saved_filter', schema=None) as batch_op:
        batch_op.create_index('ix_saved_filter_department_shared', ['department', 'shared'], unique=False)
        batch_op.create_index(batch_op.f('ix_saved_filter_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('saved_filter', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_saved_filter_user_id'))
        batch_op.drop_index('ix_saved_filter_department_shared')
    op.drop_table('saved_filter')
