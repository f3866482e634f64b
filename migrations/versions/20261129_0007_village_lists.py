"""village lists

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29 14:09:19.372145
"""
import sqlalchemy as sa
from alembic import op

import engine.tables

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('village',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('town', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_village')),
    sa.UniqueConstraint('town', 'name', name=op.f('uq_village_town'))
    )
    with op.batch_alter_table('village', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_village_town'), ['town'], unique=False)



def downgrade():
    with op.batch_alter_table('village', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_village_town'))

    op.drop_table('village')
