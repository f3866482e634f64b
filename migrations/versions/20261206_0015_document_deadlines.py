"""documents keep the party's deadlines they printed

Revision ID: 20261206_0015
Revises: 20261206_0011
Create Date: 2026-12-06 02:30:00
"""
import sqlalchemy as sa
from alembic import op

revision = '20261206_0015'
down_revision = '20261206_0011'
branch_labels = None
depends_on = None


def upgrade():
    # Nullable: documents issued before have none stored (a new version of one computes its date afresh).
    with op.batch_alter_table('case_document', schema=None) as batch_op:
        batch_op.add_column(sa.Column('deadlines', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('case_document', schema=None) as batch_op:
        batch_op.drop_column('deadlines')
