"""initial schema: departments, users, wells, cases and engine tables

Revision ID: 0001
Revises: 
Create Date: 2026-11-29 11:53:14.970631
"""
import sqlalchemy as sa
from alembic import op

import engine.tables

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('wf_audit_head',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('chain_no', sa.BigInteger(), nullable=False),
    sa.Column('last_hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_wf_audit_head'))
    )
    # The audit chain starts empty: the head row every append locks and moves (engine/audit.py).
    op.bulk_insert(sa.table('wf_audit_head', sa.column('id', sa.Integer), sa.column('chain_no', sa.BigInteger),
                            sa.column('last_hash', sa.String)),
                   [{'id': 1, 'chain_no': 0, 'last_hash': '0' * 64}])
    op.create_table('wf_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('chain_no', sa.BigInteger(), nullable=False),
    sa.Column('prev_hash', sa.String(length=64), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.Column('instance_id', sa.Integer(), nullable=True),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('actor', sa.String(length=64), nullable=False),
    sa.Column('actor_department', sa.String(length=32), nullable=True),
    sa.Column('task_guid', sa.String(length=36), nullable=True),
    sa.Column('task_spec', sa.String(length=64), nullable=True),
    sa.Column('title', sa.String(length=128), nullable=True),
    sa.Column('form_key', sa.String(length=64), nullable=True),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('created_at', engine.tables.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_wf_event')),
    sa.UniqueConstraint('chain_no', name=op.f('uq_wf_event_chain_no'))
    )
    with op.batch_alter_table('wf_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_wf_event_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_wf_event_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_wf_event_instance_id'), ['instance_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_wf_event_kind'), ['kind'], unique=False)
        batch_op.create_index(batch_op.f('ix_wf_event_task_guid'), ['task_guid'], unique=False)

    op.create_table('wf_instance',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('process_id', sa.String(length=64), nullable=False),
    sa.Column('spec_version', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('context', sa.JSON(), nullable=False),
    sa.Column('state', sa.Text(), nullable=False),
    sa.Column('created_at', engine.tables.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', engine.tables.UTCDateTime(timezone=True), nullable=False),
    sa.Column('completed_at', engine.tables.UTCDateTime(timezone=True), nullable=True),
    sa.Column('outcome', sa.String(length=64), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_wf_instance'))
    )
    with op.batch_alter_table('wf_instance', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_wf_instance_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_wf_instance_status'), ['status'], unique=False)

    op.create_table('wf_spec_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version', sa.String(length=64), nullable=False),
    sa.Column('files', sa.JSON(), nullable=False),
    sa.Column('created_at', engine.tables.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_wf_spec_version')),
    sa.UniqueConstraint('version', name=op.f('uq_wf_spec_version_version'))
    )
    op.create_table('wf_open_task',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('task_guid', sa.String(length=36), nullable=False),
    sa.Column('instance_id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('task_spec', sa.String(length=64), nullable=False),
    sa.Column('title', sa.String(length=128), nullable=False),
    sa.Column('form_key', sa.String(length=64), nullable=False),
    sa.Column('lane', sa.String(length=32), nullable=False),
    sa.Column('department', sa.String(length=32), nullable=False),
    sa.Column('town', sa.String(length=32), nullable=False),
    sa.Column('well_no', sa.String(length=64), nullable=False),
    sa.Column('party_name', sa.String(length=128), nullable=False),
    sa.Column('created_at', engine.tables.UTCDateTime(timezone=True), nullable=False),
    sa.Column('due_at', engine.tables.UTCDateTime(timezone=True), nullable=True),
    sa.Column('assignee', sa.String(length=64), nullable=True),
    sa.Column('assigned_at', engine.tables.UTCDateTime(timezone=True), nullable=True),
    sa.Column('priority', sa.Integer(), server_default='0', nullable=False),
    sa.ForeignKeyConstraint(['instance_id'], ['wf_instance.id'], name=op.f('fk_wf_open_task_instance_id_wf_instance'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_wf_open_task')),
    sa.UniqueConstraint('task_guid', name=op.f('uq_wf_open_task_task_guid'))
    )
    with op.batch_alter_table('wf_open_task', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_wf_open_task_assignee'), ['assignee'], unique=False)
        batch_op.create_index(batch_op.f('ix_wf_open_task_case_id'), ['case_id'], unique=False)
        batch_op.create_index('ix_wf_open_task_department_created', ['department', 'created_at'], unique=False)
        batch_op.create_index('ix_wf_open_task_department_due', ['department', 'due_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_wf_open_task_instance_id'), ['instance_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_wf_open_task_task_spec'), ['task_spec'], unique=False)
        batch_op.create_index(batch_op.f('ix_wf_open_task_town'), ['town'], unique=False)

    op.create_table('wf_timer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('instance_id', sa.Integer(), nullable=False),
    sa.Column('task_guid', sa.String(length=36), nullable=False),
    sa.Column('task_spec', sa.String(length=64), nullable=False),
    sa.Column('due_at', engine.tables.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['instance_id'], ['wf_instance.id'], name=op.f('fk_wf_timer_instance_id_wf_instance'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_wf_timer')),
    sa.UniqueConstraint('instance_id', 'task_guid', name=op.f('uq_wf_timer_instance_id'))
    )
    with op.batch_alter_table('wf_timer', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_wf_timer_due_at'), ['due_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_wf_timer_instance_id'), ['instance_id'], unique=False)

    op.create_table('department',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_department')),
    sa.UniqueConstraint('code', name=op.f('uq_department_code'))
    )
    op.create_table('water_user',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('name', sa.String(length=128), nullable=False),
    sa.Column('party_id', sa.String(length=18), nullable=False),
    sa.Column('legal_rep', sa.String(length=64), nullable=True),
    sa.Column('address', sa.String(length=256), nullable=False),
    sa.Column('phone', sa.String(length=32), nullable=False),
    sa.Column('industry', sa.String(length=64), nullable=True),
    sa.Column('town', sa.String(length=32), nullable=False),
    sa.Column('created_at', engine.tables.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_water_user')),
    sa.UniqueConstraint('party_id', name=op.f('uq_water_user_party_id'))
    )
    with op.batch_alter_table('water_user', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_water_user_name'), ['name'], unique=False)
        batch_op.create_index(batch_op.f('ix_water_user_town'), ['town'], unique=False)

    op.create_table('user_account',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('display_name', sa.String(length=64), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('password_hash', sa.String(length=256), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('task_force_member', sa.Boolean(), server_default='0', nullable=False),
    sa.Column('created_at', engine.tables.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['department_id'], ['department.id'], name=op.f('fk_user_account_department_id_department')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_user_account')),
    sa.UniqueConstraint('username', name=op.f('uq_user_account_username'))
    )
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_user_account_department_id'), ['department_id'], unique=False)

    op.create_table('well',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('well_no', sa.String(length=32), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('town', sa.String(length=32), nullable=False),
    sa.Column('village', sa.String(length=64), nullable=False),
    sa.Column('address', sa.String(length=256), nullable=True),
    sa.Column('latitude', sa.Float(), nullable=True),
    sa.Column('longitude', sa.Float(), nullable=True),
    sa.Column('depth_m', sa.Float(), nullable=True),
    sa.Column('year_drilled', sa.Integer(), nullable=True),
    sa.Column('purpose', sa.String(length=32), nullable=False),
    sa.Column('annual_volume_m3', sa.Float(), nullable=True),
    sa.Column('in_coverage', sa.Boolean(), nullable=False),
    sa.Column('coverage_source', sa.String(length=128), nullable=True),
    sa.Column('in_restricted_zone', sa.Boolean(), nullable=False),
    sa.Column('permit_no', sa.String(length=64), nullable=True),
    sa.Column('permit_issuer', sa.String(length=64), nullable=True),
    sa.Column('permit_valid_from', sa.Date(), nullable=True),
    sa.Column('permit_valid_to', sa.Date(), nullable=True),
    sa.Column('has_meter', sa.Boolean(), nullable=False),
    sa.Column('meter_serial', sa.String(length=64), nullable=True),
    sa.Column('hidden_well', sa.Boolean(), nullable=False),
    sa.Column('created_at', engine.tables.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['owner_id'], ['water_user.id'], name=op.f('fk_well_owner_id_water_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_well')),
    sa.UniqueConstraint('well_no', name=op.f('uq_well_well_no'))
    )
    with op.batch_alter_table('well', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_well_owner_id'), ['owner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_well_town'), ['town'], unique=False)

    op.create_table('well_case',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('well_id', sa.Integer(), nullable=False),
    sa.Column('town', sa.String(length=32), nullable=False),
    sa.Column('instance_id', sa.Integer(), nullable=True),
    sa.Column('registered_by', sa.String(length=64), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('created_at', engine.tables.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['well_id'], ['well.id'], name=op.f('fk_well_case_well_id_well')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_well_case')),
    sa.UniqueConstraint('instance_id', name=op.f('uq_well_case_instance_id')),
    sa.UniqueConstraint('well_id', name=op.f('uq_well_case_well_id'))
    )
    with op.batch_alter_table('well_case', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_well_case_town'), ['town'], unique=False)



def downgrade():
    with op.batch_alter_table('well_case', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_well_case_town'))

    op.drop_table('well_case')
    with op.batch_alter_table('well', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_well_town'))
        batch_op.drop_index(batch_op.f('ix_well_owner_id'))

    op.drop_table('well')
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_user_account_department_id'))

    op.drop_table('user_account')
    with op.batch_alter_table('water_user', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_water_user_town'))
        batch_op.drop_index(batch_op.f('ix_water_user_name'))

    op.drop_table('water_user')
    op.drop_table('department')
    with op.batch_alter_table('wf_timer', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_wf_timer_instance_id'))
        batch_op.drop_index(batch_op.f('ix_wf_timer_due_at'))

    op.drop_table('wf_timer')
    with op.batch_alter_table('wf_open_task', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_wf_open_task_town'))
        batch_op.drop_index(batch_op.f('ix_wf_open_task_task_spec'))
        batch_op.drop_index(batch_op.f('ix_wf_open_task_instance_id'))
        batch_op.drop_index('ix_wf_open_task_department_due')
        batch_op.drop_index('ix_wf_open_task_department_created')
        batch_op.drop_index(batch_op.f('ix_wf_open_task_case_id'))
        batch_op.drop_index(batch_op.f('ix_wf_open_task_assignee'))

    op.drop_table('wf_open_task')
    op.drop_table('wf_spec_version')
    with op.batch_alter_table('wf_instance', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_wf_instance_status'))
        batch_op.drop_index(batch_op.f('ix_wf_instance_case_id'))

    op.drop_table('wf_instance')
    with op.batch_alter_table('wf_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_wf_event_task_guid'))
        batch_op.drop_index(batch_op.f('ix_wf_event_kind'))
        batch_op.drop_index(batch_op.f('ix_wf_event_instance_id'))
        batch_op.drop_index(batch_op.f('ix_wf_event_created_at'))
        batch_op.drop_index(batch_op.f('ix_wf_event_case_id'))

    op.drop_table('wf_event')
    op.drop_table('wf_audit_head')
