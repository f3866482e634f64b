"""audit chains in shards with signed heads, alarms, the security log, and append-only guards

Revision ID: 20261206_0010
Revises: 0008
Create Date: 2026-12-06 01:30:00

- ``wf_event.chain``: the chain of an event (1..16); events already chained form chain 1, positions
  unchanged. Unique (chain, chain_no) replaces unique chain_no.
- ``wf_audit_head``: one row per chain (ids 1..16) and a ``signature``. Head 1 (the old single chain)
  is signed here when the audit key is handed to the migration (``flask db upgrade`` does); otherwise
  ``flask audit verify`` reports it unsigned until ``flask db upgrade`` is run with the key.
- ``wf_audit_alarm``: rows found beyond a head (written by something other than the application).
- ``security_log``: refused requests, one row per user, method, path and hour with a count.
- The database refuses UPDATE, DELETE (and on PostgreSQL TRUNCATE) on ``wf_event``: triggers.
  NOTE for later migrations: on SQLite a batch operation on ``wf_event`` rebuilds the table and drops
  its triggers; such a migration must create them again (``create_guards``).
"""
import hashlib
import hmac

import sqlalchemy as sa
from alembic import context, op

import engine.tables

revision = '20261206_0010'
down_revision = '20261206_0009'
branch_labels = None
depends_on = None

CHAINS = 16
GENESIS = '0' * 64
REFUSED = '审计记录只能追加，不能修改或删除'

PG_GUARDS = [
    f"""CREATE OR REPLACE FUNCTION wf_event_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '{REFUSED}（%）', TG_OP USING ERRCODE = 'insufficient_privilege';
END $$""",
    "CREATE TRIGGER wf_event_append_only BEFORE UPDATE OR DELETE ON wf_event "
    "FOR EACH ROW EXECUTE FUNCTION wf_event_append_only()",
    "CREATE TRIGGER wf_event_no_truncate BEFORE TRUNCATE ON wf_event "
    "FOR EACH STATEMENT EXECUTE FUNCTION wf_event_append_only()",
]
SQLITE_GUARDS = [
    f"CREATE TRIGGER wf_event_no_update BEFORE UPDATE ON wf_event BEGIN SELECT RAISE(ABORT, '{REFUSED}'); END",
    f"CREATE TRIGGER wf_event_no_delete BEFORE DELETE ON wf_event BEGIN SELECT RAISE(ABORT, '{REFUSED}'); END",
]


def create_guards():
    for statement in (PG_GUARDS if op.get_bind().dialect.name == 'postgresql' else SQLITE_GUARDS):
        op.execute(statement)


def drop_guards():
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("DROP TRIGGER IF EXISTS wf_event_no_truncate ON wf_event")
        op.execute("DROP TRIGGER IF EXISTS wf_event_append_only ON wf_event")
        op.execute("DROP FUNCTION IF EXISTS wf_event_append_only()")
    else:
        op.execute("DROP TRIGGER IF EXISTS wf_event_no_update")
        op.execute("DROP TRIGGER IF EXISTS wf_event_no_delete")


def upgrade():
    with op.batch_alter_table('wf_event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('chain', sa.SmallInteger(), nullable=False, server_default='1'))
        batch_op.drop_constraint('uq_wf_event_chain_no', type_='unique')
        batch_op.create_unique_constraint('uq_wf_event_chain', ['chain', 'chain_no'])
    with op.batch_alter_table('wf_event', schema=None) as batch_op:
        batch_op.alter_column('chain', server_default=None)

    with op.batch_alter_table('wf_audit_head', schema=None) as batch_op:
        batch_op.add_column(sa.Column('signature', sa.String(length=64), nullable=True))
    head = sa.table('wf_audit_head', sa.column('id', sa.Integer), sa.column('chain_no', sa.BigInteger),
                    sa.column('last_hash', sa.String), sa.column('signature', sa.String))
    op.bulk_insert(head, [{'id': n, 'chain_no': 0, 'last_hash': GENESIS, 'signature': None}
                          for n in range(2, CHAINS + 1)])
    key = context.config.attributes.get('audit_key')
    bind = op.get_bind()
    first = bind.execute(sa.select(head.c.chain_no, head.c.last_hash).where(head.c.id == 1)).one()
    if key and first.chain_no > 0:
        # The old chain's end becomes chain 1's signed head (the key never reaches the database).
        signature = hmac.new(key, f"1|{first.chain_no}|{first.last_hash}".encode(), hashlib.sha256).hexdigest()
        bind.execute(head.update().where(head.c.id == 1).values(signature=signature))

    op.create_table('wf_audit_alarm',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('chain', sa.SmallInteger(), nullable=False),
    sa.Column('head_no', sa.BigInteger(), nullable=False),
    sa.Column('skipped_to', sa.BigInteger(), nullable=False),
    sa.Column('found_at', engine.tables.UTCDateTime(timezone=True), nullable=False),
    sa.Column('resolved_at', engine.tables.UTCDateTime(timezone=True), nullable=True),
    sa.Column('resolved_by', sa.String(length=64), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_wf_audit_alarm'))
    )

    op.create_table('security_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('actor', sa.String(length=64), nullable=False),
    sa.Column('actor_department', sa.String(length=32), nullable=True),
    sa.Column('method', sa.String(length=8), nullable=False),
    sa.Column('path', sa.String(length=255), nullable=False),
    sa.Column('hour', engine.tables.UTCDateTime(timezone=True), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.Column('ip', sa.String(length=64), nullable=True),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.Column('first_at', engine.tables.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_at', engine.tables.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_security_log')),
    sa.UniqueConstraint('kind', 'actor', 'method', 'path', 'hour', name='uq_security_log_key')
    )
    with op.batch_alter_table('security_log', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_security_log_last_at'), ['last_at'], unique=False)

    create_guards()


def downgrade():
    drop_guards()
    op.drop_table('security_log')
    op.drop_table('wf_audit_alarm')
    op.execute("DELETE FROM wf_audit_head WHERE id > 1")
    with op.batch_alter_table('wf_audit_head', schema=None) as batch_op:
        batch_op.drop_column('signature')
    with op.batch_alter_table('wf_event', schema=None) as batch_op:
        batch_op.drop_constraint('uq_wf_event_chain', type_='unique')
        batch_op.create_unique_constraint('uq_wf_event_chain_no', ['chain_no'])
        batch_op.drop_column('chain')
