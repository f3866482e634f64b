"""the case stage kept on each instance (wf_instance.stage), filled for the instances there are

Revision ID: 20261206_0019
Revises: 20261206_0017
Create Date: 2026-12-06 06:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '20261206_0019'
down_revision = '20261206_0017'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('wf_instance', schema=None) as batch_op:
        batch_op.add_column(sa.Column('stage', sa.String(length=16), nullable=True))
        batch_op.create_index(batch_op.f('ix_wf_instance_stage'), ['stage'], unique=False)
    # Every instance started before this revision: its workflow restored against its own diagram
    # version and its stage derived as a save would (engine/stage.py). Later saves keep it current.
    from engine import stage

    stage.backfill(op.get_bind())


def downgrade():
    with op.batch_alter_table('wf_instance', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_wf_instance_stage'))
        batch_op.drop_column('stage')
