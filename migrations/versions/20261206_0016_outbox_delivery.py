"""outbox delivery: destinations, idempotency keys, attempts and backoff; endpoints; attempt log

Revision ID: 20261206_0016
Revises: 20261206_0015
Create Date: 2026-12-06 09:00:00
"""
import uuid

import sqlalchemy as sa
from alembic import op

import engine.tables

revision = '20261206_0016'
down_revision = '20261206_0015'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.alter_column('case_id', existing_type=sa.Integer(), nullable=True)  # messages for people
        batch_op.add_column(sa.Column('destination', sa.String(length=64), nullable=False,
                                      server_default='credit_platform'))
        batch_op.add_column(sa.Column('recipient', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('idempotency_key', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('attempts', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('next_attempt_at', engine.tables.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('claim_token', sa.String(length=36), nullable=True))
        batch_op.add_column(sa.Column('last_error', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('failed_at', engine.tables.UTCDateTime(timezone=True), nullable=True))

    # Messages written before: each gets its key now, and is due at once.
    outbox = sa.table('outbox', sa.column('id', sa.Integer()), sa.column('idempotency_key', sa.String()),
                      sa.column('created_at', engine.tables.UTCDateTime(timezone=True)),
                      sa.column('next_attempt_at', engine.tables.UTCDateTime(timezone=True)))
    conn = op.get_bind()
    for (message_id,) in conn.execute(sa.select(outbox.c.id)).all():
        conn.execute(outbox.update().where(outbox.c.id == message_id).values(idempotency_key=str(uuid.uuid4())))
    conn.execute(outbox.update().values(next_attempt_at=outbox.c.created_at))

    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.alter_column('idempotency_key', existing_type=sa.String(length=64), nullable=False)
        batch_op.alter_column('next_attempt_at', existing_type=engine.tables.UTCDateTime(timezone=True),
                              nullable=False)
        batch_op.create_unique_constraint(batch_op.f('uq_outbox_idempotency_key'), ['idempotency_key'])
        batch_op.create_index('ix_outbox_status_next_attempt_at', ['status', 'next_attempt_at'], unique=False)

    op.create_table('outbox_attempt',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('message_id', sa.Integer(), nullable=False),
    sa.Column('started_at', engine.tables.UTCDateTime(timezone=True), nullable=False),
    sa.Column('finished_at', engine.tables.UTCDateTime(timezone=True), nullable=False),
    sa.Column('outcome', sa.String(length=16), nullable=False),
    sa.Column('detail', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['message_id'], ['outbox.id'], name=op.f('fk_outbox_attempt_message_id_outbox')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox_attempt'))
    )
    with op.batch_alter_table('outbox_attempt', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outbox_attempt_message_id'), ['message_id'], unique=False)

    op.create_table('outbox_endpoint',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('destination', sa.String(length=64), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('note', sa.String(length=100), nullable=False),
    sa.Column('url_shown', sa.String(length=300), nullable=False),
    sa.Column('url_sealed', sa.Text(), nullable=False),
    sa.Column('secret_sealed', sa.Text(), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('updated_at', engine.tables.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_by', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox_endpoint')),
    sa.UniqueConstraint('destination', name=op.f('uq_outbox_endpoint_destination'))
    )


def downgrade():
    op.drop_table('outbox_endpoint')
    with op.batch_alter_table('outbox_attempt', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outbox_attempt_message_id'))
    op.drop_table('outbox_attempt')
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_status_next_attempt_at')
        batch_op.drop_constraint(batch_op.f('uq_outbox_idempotency_key'), type_='unique')
        for column in ('failed_at', 'last_error', 'claim_token', 'next_attempt_at', 'attempts', 'idempotency_key',
                       'recipient', 'destination'):
            batch_op.drop_column(column)
        batch_op.alter_column('case_id', existing_type=sa.Integer(), nullable=False)
