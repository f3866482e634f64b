"""instance waits for message

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29 13:43:30.193422
"""
import sqlalchemy as sa
from alembic import op

import engine.tables

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    # Filled at each instance's next save (engine.runtime: the message catch events it waits on).
    with op.batch_alter_table('wf_instance', schema=None) as batch_op:
        batch_op.add_column(sa.Column('waiting_for', sa.String(length=64), nullable=True))
        batch_op.create_index(batch_op.f('ix_wf_instance_waiting_for'), ['waiting_for'], unique=False)



def downgrade():
    with op.batch_alter_table('wf_instance', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_wf_instance_waiting_for'))
        batch_op.drop_column('waiting_for')

