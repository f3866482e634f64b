"""wf_instance rows narrow (the workflow state stored out of line); indexes of the cases' registration times and
of the open tasks' deadlines

Revision ID: 20261206_0025
Revises: 20261206_0018
Create Date: 2026-12-06 09:00:00

Issue 14, the dashboard at 100,000 cases: its figures join every case with its instance (status, outcome,
category, stage: a few dozen bytes), but each wf_instance row also carried its serialized workflow state
inline (about 1.2 KB compressed), so the scan read 157 MB of rows for 100,000 cases. With a TOAST target
of 128 bytes PostgreSQL keeps the compressed state in the table's TOAST relation instead: the rows are
about a tenth as wide, a scan of the instances reads a tenth of the pages, and loading one instance's
state costs one more index look-up. It applies to rows written from now on: every save of an instance
writes its state anew, so a running case's row becomes narrow at its next step (rows of finished cases
stay as they were; ``VACUUM FULL`` does not move them).

(created_at) on well_case: the dashboard's default period starts at the first case's registration
(``min(created_at)``), looked up on every view; the index answers it without reading the table.

(due_at) on wf_open_task: the case list's 仅看已超期 and 办理期限 filters ask for the open tasks of every
department by deadline, which the (department, due_at, id) index of the inbox cannot serve.

SQLite (a town's install) has no TOAST: only the index.
"""
from alembic import op

revision = '20261206_0025'
down_revision = '20261206_0018'
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE wf_instance SET (toast_tuple_target = 128)")
    op.create_index("ix_well_case_created_at", "well_case", ["created_at"])
    op.create_index("ix_wf_open_task_due_at", "wf_open_task", ["due_at"])


def downgrade():
    op.drop_index("ix_wf_open_task_due_at", table_name="wf_open_task")
    op.drop_index("ix_well_case_created_at", table_name="well_case")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE wf_instance RESET (toast_tuple_target)")
