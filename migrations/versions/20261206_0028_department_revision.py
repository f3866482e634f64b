"""department.revision: counted up by the database on every change of a department's code, name or kind

Revision ID: 20261206_0028
Revises: 20261206_0027
Create Date: 2026-12-06 15:00:00

Issue 14, statements per request: every page showed department names read from the table once per request
(a rename shows everywhere at once). Each worker now keeps the names in memory under the directory's
revision — the number of departments plus the sum of their revisions, read with the account in the
request's first statement (``webapp/auth.load_user``) — and reads the table again only when it changed
(``webapp/directory``). A trigger rather than the rename service counts up, so a change made any other way
(a DBA's UPDATE, a later migration) reaches every worker as well. Departments are never deleted (accounts,
tasks and events name them), so the sum only grows.
"""
import sqlalchemy as sa
from alembic import op

revision = '20261206_0028'
down_revision = '20261206_0027'
branch_labels = None
depends_on = None

POSTGRESQL = [
    """CREATE FUNCTION department_revision() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN NEW.revision := OLD.revision + 1; RETURN NEW; END $$""",
    """CREATE TRIGGER department_revision BEFORE UPDATE OF code, name, kind ON department FOR EACH ROW
WHEN (OLD.code IS DISTINCT FROM NEW.code OR OLD.name IS DISTINCT FROM NEW.name OR OLD.kind IS DISTINCT FROM NEW.kind)
EXECUTE FUNCTION department_revision()""",
]
# SQLite (recursive triggers off, its default): the trigger's own UPDATE sets only the revision, which
# does not fire it again.
SQLITE = [
    """CREATE TRIGGER department_revision AFTER UPDATE OF code, name, kind ON department FOR EACH ROW
WHEN OLD.code IS NOT NEW.code OR OLD.name IS NOT NEW.name OR OLD.kind IS NOT NEW.kind
BEGIN UPDATE department SET revision = OLD.revision + 1 WHERE id = NEW.id; END""",
]


def upgrade():
    bind = op.get_bind()
    op.add_column("department", sa.Column("revision", sa.Integer(), server_default="0", nullable=False))
    for statement in POSTGRESQL if bind.dialect.name == "postgresql" else SQLITE:
        bind.exec_driver_sql(statement)


def downgrade():
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        bind.exec_driver_sql("DROP TRIGGER IF EXISTS department_revision ON department")
        bind.exec_driver_sql("DROP FUNCTION IF EXISTS department_revision()")
    else:
        bind.exec_driver_sql("DROP TRIGGER IF EXISTS department_revision")
    with op.batch_alter_table("department") as batch_op:
        batch_op.drop_column("revision")
