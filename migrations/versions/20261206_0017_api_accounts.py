"""system accounts of the REST API and the events other systems sent in

Revision ID: 20261206_0017
Revises: 20261206_0016
Create Date: 2026-12-06 04:00:00
"""
import sqlalchemy as sa
from alembic import op

import engine.tables

revision = '20261206_0017'
down_revision = '20261206_0016'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('api_account',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=48), nullable=False),
    sa.Column('display_name', sa.String(length=64), nullable=False),
    sa.Column('scopes', sa.JSON(), nullable=False),
    sa.Column('towns', sa.JSON(), nullable=True),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('token_hint', sa.String(length=16), nullable=False),
    sa.Column('expires_at', engine.tables.UTCDateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', engine.tables.UTCDateTime(timezone=True), nullable=True),
    sa.Column('revoked_by', sa.String(length=64), nullable=True),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.Column('created_at', engine.tables.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_account')),
    sa.UniqueConstraint('name', name=op.f('uq_api_account_name')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_api_account_token_hash'))
    )
    op.create_table('api_inbound_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.String(length=128), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('result', sa.JSON(), nullable=False),
    sa.Column('received_at', engine.tables.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['api_account.id'],
                            name=op.f('fk_api_inbound_event_account_id_api_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_inbound_event')),
    sa.UniqueConstraint('account_id', 'event_id', name=op.f('uq_api_inbound_event_account_id'))
    )


def downgrade():
    op.drop_table('api_inbound_event')
    op.drop_table('api_account')
