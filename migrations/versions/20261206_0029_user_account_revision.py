"""user_account.revision: counted up by the database on every change of an account

Revision ID: 20261206_0029
Revises: 20261206_0028
Create Date: 2026-12-06 16:00:00

Issue 14, statements per request: the case page read every account (the audit trail names people as
"姓名（部门）") and every registration and completion read the next department's people (the new tasks'
reminders). Each worker now keeps the accounts in memory (``webapp/core/kept.py``, ``directory/people.py``)
under their revision — the number of accounts plus the sum of their revisions, read with the account in the
request's first statement — as it keeps the departments' names (migration 20261206_0028). Any change counts:
a name, a department, a secondment, a deactivation, a log-out (the session version), the reminder channels.
Accounts are never deleted (the audit trail names them), so the sum only grows.
"""
import sqlalchemy as sa
from alembic import op

revision = '20261206_0029'
down_revision = '20261206_0028'
branch_labels = None
depends_on = None

POSTGRESQL = [
    """CREATE FUNCTION user_account_revision() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN NEW.revision := OLD.revision + 1; RETURN NEW; END $$""",
    """CREATE TRIGGER user_account_revision BEFORE UPDATE ON user_account FOR EACH ROW
WHEN (OLD.* IS DISTINCT FROM NEW.*) EXECUTE FUNCTION user_account_revision()""",
]
# SQLite (recursive triggers off, its default): the trigger's own UPDATE does not fire it again. Every
# UPDATE counts, a change or not: a copy read again for nothing is harmless.
SQLITE = [
    """CREATE TRIGGER user_account_revision AFTER UPDATE ON user_account FOR EACH ROW
BEGIN UPDATE user_account SET revision = OLD.revision + 1 WHERE id = NEW.id; END""",
]


def upgrade():
    bind = op.get_bind()
    op.add_column("user_account", sa.Column("revision", sa.Integer(), server_default="0", nullable=False))
    for statement in POSTGRESQL if bind.dialect.name == "postgresql" else SQLITE:
        bind.exec_driver_sql(statement)


def downgrade():
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        bind.exec_driver_sql("DROP TRIGGER IF EXISTS user_account_revision ON user_account")
        bind.exec_driver_sql("DROP FUNCTION IF EXISTS user_account_revision()")
    else:
        bind.exec_driver_sql("DROP TRIGGER IF EXISTS user_account_revision")
    with op.batch_alter_table("user_account") as batch_op:
        batch_op.drop_column("revision")
