"""documents and their number series; instance category

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29 13:12:53.375353
"""
import sqlalchemy as sa
from alembic import op

import engine.tables

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('document_series',
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('last_no', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('kind', 'year', name=op.f('pk_document_series'))
    )
    op.create_table('case_document',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('serial', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=64), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('task_guid', sa.String(length=36), nullable=True),
    sa.Column('file_name', sa.String(length=128), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.Column('created_at', engine.tables.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['well_case.id'], name=op.f('fk_case_document_case_id_well_case')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_document')),
    sa.UniqueConstraint('kind', 'year', 'serial', 'version', name=op.f('uq_case_document_kind'))
    )
    with op.batch_alter_table('case_document', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_document_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_case_document_number'), ['number'], unique=False)

    # Filled at each instance's next save (Engine.category_key); no case was running before this revision.
    with op.batch_alter_table('wf_instance', schema=None) as batch_op:
        batch_op.add_column(sa.Column('category', sa.String(length=32), nullable=True))
        batch_op.create_index(batch_op.f('ix_wf_instance_category'), ['category'], unique=False)



def downgrade():
    with op.batch_alter_table('wf_instance', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_wf_instance_category'))
        batch_op.drop_column('category')

    with op.batch_alter_table('case_document', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_document_number'))
        batch_op.drop_index(batch_op.f('ix_case_document_case_id'))

    op.drop_table('case_document')
    op.drop_table('document_series')
