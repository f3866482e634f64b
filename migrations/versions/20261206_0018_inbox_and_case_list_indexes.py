"""indexes that serve the inbox's and the case list's orderings, counts and searches at 100,000 open cases

Revision ID: 20261206_0018
Revises: 20261206_0022
Create Date: 2026-12-06 06:00:00

Every sort of the inbox is a few segments in plain column orders (webapp/core/keyset.py,
webapp/tasks/queries.py); these are the indexes they walk:

- (department, created_at, id): 逾期优先 and 最早在前 (replaces (department, created_at));
- (department, due_at, id): 按办理期限, the overdue count (replaces (department, due_at));
- (department, priority, due_at, created_at DESC, id): 紧急优先;
- (department, task_spec): the steps present, found by skipping through it, and their counts;
- (department, assignee): the badge (mine, pool) and the views 待认领 / 我的任务.

The case list: (town, id) for a town's cases newest first (replaces (town)). On PostgreSQL, trigram
indexes (pg_trgm) serve the searches "contains" (well number, party name) in the inbox and the case list;
when the extension cannot be created (a role without the right), the searches work without them, slower.
"""
import sqlalchemy as sa
from alembic import op

revision = '20261206_0018'
down_revision = '20261206_0022'
branch_labels = None
depends_on = None

TRIGRAM = [("ix_wf_open_task_well_no_trgm", "wf_open_task", "well_no"),
           ("ix_wf_open_task_party_name_trgm", "wf_open_task", "party_name"),
           ("ix_well_well_no_trgm", "well", "well_no"),
           ("ix_water_user_name_trgm", "water_user", "name")]


def upgrade():
    op.drop_index("ix_wf_open_task_department_created", table_name="wf_open_task")
    op.drop_index("ix_wf_open_task_department_due", table_name="wf_open_task")
    op.create_index("ix_wf_open_task_department_created", "wf_open_task", ["department", "created_at", "id"])
    op.create_index("ix_wf_open_task_department_due", "wf_open_task", ["department", "due_at", "id"])
    op.create_index("ix_wf_open_task_department_priority", "wf_open_task",
                    ["department", "priority", "due_at", sa.text("created_at DESC"), "id"])
    op.create_index("ix_wf_open_task_department_task_spec", "wf_open_task", ["department", "task_spec"])
    op.create_index("ix_wf_open_task_department_assignee", "wf_open_task", ["department", "assignee"])
    op.drop_index("ix_well_case_town", table_name="well_case")
    op.create_index("ix_well_case_town_id", "well_case", ["town", "id"])
    bind = op.get_bind()
    if bind.dialect.name == "postgresql" and _trigram_available(bind):
        for name, table, column in TRIGRAM:
            op.create_index(name, table, [column], postgresql_using="gin", postgresql_ops={column: "gin_trgm_ops"})


def _trigram_available(bind) -> bool:
    savepoint = bind.begin_nested()
    try:
        bind.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    except sa.exc.DBAPIError:
        savepoint.rollback()
        print("pg_trgm is not available to this role: the searches work without their trigram indexes, slower")
        return False
    savepoint.commit()
    return True


def downgrade():
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        for name, _table, _column in TRIGRAM:
            bind.exec_driver_sql(f"DROP INDEX IF EXISTS {name}")
    op.drop_index("ix_well_case_town_id", table_name="well_case")
    op.create_index("ix_well_case_town", "well_case", ["town"])
    op.drop_index("ix_wf_open_task_department_assignee", table_name="wf_open_task")
    op.drop_index("ix_wf_open_task_department_task_spec", table_name="wf_open_task")
    op.drop_index("ix_wf_open_task_department_priority", table_name="wf_open_task")
    op.drop_index("ix_wf_open_task_department_due", table_name="wf_open_task")
    op.drop_index("ix_wf_open_task_department_created", table_name="wf_open_task")
    op.create_index("ix_wf_open_task_department_due", "wf_open_task", ["department", "due_at"])
    op.create_index("ix_wf_open_task_department_created", "wf_open_task", ["department", "created_at"])
