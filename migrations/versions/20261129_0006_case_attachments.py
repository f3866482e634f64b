"""case attachments: photos and evidence files uploaded with the steps (bytes on disk, one row each)

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29 14:06:26.071064
"""
import sqlalchemy as sa
from alembic import op

import engine.tables

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('case_attachment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('task_guid', sa.String(length=36), nullable=False),
    sa.Column('form_key', sa.String(length=64), nullable=False),
    sa.Column('field', sa.String(length=64), nullable=False),
    sa.Column('file_name', sa.String(length=255), nullable=False),
    sa.Column('content_type', sa.String(length=64), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('stored_path', sa.String(length=255), nullable=False),
    sa.Column('uploaded_by', sa.String(length=64), nullable=False),
    sa.Column('created_at', engine.tables.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['well_case.id'], name=op.f('fk_case_attachment_case_id_well_case')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_attachment')),
    sa.UniqueConstraint('stored_path', name=op.f('uq_case_attachment_stored_path'))
    )
    with op.batch_alter_table('case_attachment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_attachment_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_case_attachment_task_guid'), ['task_guid'], unique=False)


def downgrade():
    with op.batch_alter_table('case_attachment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_attachment_task_guid'))
        batch_op.drop_index(batch_op.f('ix_case_attachment_case_id'))

    op.drop_table('case_attachment')
