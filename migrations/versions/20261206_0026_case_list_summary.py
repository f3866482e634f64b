"""the case list's summary on well_case (stage, category, village, well number, party), kept by triggers; the
stage on each open-task row

Revision ID: 20261206_0026
Revises: 20261206_0025
Create Date: 2026-12-06 11:00:00

Issue 14, the case list's search fields at 100,000 open cases: each was a subquery through another table
(the instance's stage or category, the well's village or number, the water user's name or code), repeated
in the count, the page and the nine stage chips: 30–51 ms p95. Now they are columns of well_case with
indexes that end with the list's order (id), copied from their originals by the database:

- wf_instance: a change of stage or category is copied to the case whose own instance it is (not the
  reconsideration's instance beside a case);
- well_case: its row (inserted, or its well or instance changed) takes the well's, the owner's and the
  instance's values;
- well: a new village, number or owner is copied to its case; water_user: a new name or code to the cases
  of all its wells.

Triggers rather than writes in the paths that change these values, because the paths are many (a step,
the timer sweep, a message, every override, a migration of instances, the bulk loader, the registration,
the correction, the API) and every one must be right: the database cannot forget one. The engine stays
ignorant of the web's tables. PostgreSQL fills a new or relinked case row before it is written (no second
version of the row); SQLite (a town's install) updates it after.

wf_open_task.stage: the case's stage on each open task, written by the engine with the row
(``LockedInstance.save``; the bulk loader copies it with the rows), for the inbox's stage filter, indexed
(department, stage, created_at, id). (task_spec, case_id) replaces (task_spec): the cases with an open task
at a step are read from the index alone.

Existing rows are filled by the upgrade on both databases.
"""
import sqlalchemy as sa
from alembic import op

revision = '20261206_0026'
down_revision = '20261206_0025'
branch_labels = None
depends_on = None

COLUMNS = [("stage", 16), ("category", 32), ("village", 64), ("well_no", 32), ("party_id", 18), ("party_name", 128)]
INDEXES = [("ix_well_case_town_stage_id", ["town", "stage", "id"]), ("ix_well_case_stage_id", ["stage", "id"]),
           ("ix_well_case_category_id", ["category", "id"]), ("ix_well_case_village_id", ["village", "id"]),
           ("ix_well_case_party_id", ["party_id"])]
TRIGRAM = [("ix_well_case_well_no_trgm", "well_no"), ("ix_well_case_party_name_trgm", "party_name")]

# A case row's summary from its originals: the SET list of an UPDATE of well_case (SQLite's triggers and the
# backfill; ``{row}`` is the case row: NEW in a trigger, well_case in the backfill).
_FILL = """village = (SELECT w.village FROM well w WHERE w.id = {row}.well_id),
  well_no = (SELECT w.well_no FROM well w WHERE w.id = {row}.well_id),
  party_id = (SELECT u.party_id FROM well w JOIN water_user u ON u.id = w.owner_id WHERE w.id = {row}.well_id),
  party_name = (SELECT u.name FROM well w JOIN water_user u ON u.id = w.owner_id WHERE w.id = {row}.well_id),
  stage = (SELECT i.stage FROM wf_instance i WHERE i.id = {row}.instance_id),
  category = (SELECT i.category FROM wf_instance i WHERE i.id = {row}.instance_id)"""

POSTGRESQL = [
    """CREATE FUNCTION well_case_summary() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  SELECT w.village, w.well_no, u.party_id, u.name INTO NEW.village, NEW.well_no, NEW.party_id, NEW.party_name
    FROM well w JOIN water_user u ON u.id = w.owner_id WHERE w.id = NEW.well_id;
  SELECT i.stage, i.category INTO NEW.stage, NEW.category FROM wf_instance i WHERE i.id = NEW.instance_id;
  RETURN NEW;
END $$""",
    """CREATE TRIGGER well_case_summary BEFORE INSERT OR UPDATE OF well_id, instance_id ON well_case
FOR EACH ROW EXECUTE FUNCTION well_case_summary()""",
    """CREATE FUNCTION well_case_summary_instance() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE well_case SET stage = NEW.stage, category = NEW.category WHERE instance_id = NEW.id;
  RETURN NULL;
END $$""",
    """CREATE TRIGGER well_case_summary_instance AFTER UPDATE OF stage, category ON wf_instance FOR EACH ROW
WHEN (OLD.stage IS DISTINCT FROM NEW.stage OR OLD.category IS DISTINCT FROM NEW.category)
EXECUTE FUNCTION well_case_summary_instance()""",
    """CREATE FUNCTION well_case_summary_well() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE well_case SET village = NEW.village, well_no = NEW.well_no, party_id = u.party_id, party_name = u.name
    FROM water_user u WHERE u.id = NEW.owner_id AND well_case.well_id = NEW.id;
  RETURN NULL;
END $$""",
    """CREATE TRIGGER well_case_summary_well AFTER UPDATE OF village, well_no, owner_id ON well FOR EACH ROW
WHEN (OLD.village IS DISTINCT FROM NEW.village OR OLD.well_no IS DISTINCT FROM NEW.well_no
      OR OLD.owner_id IS DISTINCT FROM NEW.owner_id)
EXECUTE FUNCTION well_case_summary_well()""",
    """CREATE FUNCTION well_case_summary_party() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE well_case SET party_id = NEW.party_id, party_name = NEW.name
    WHERE well_id IN (SELECT id FROM well WHERE owner_id = NEW.id);
  RETURN NULL;
END $$""",
    """CREATE TRIGGER well_case_summary_party AFTER UPDATE OF name, party_id ON water_user FOR EACH ROW
WHEN (OLD.name IS DISTINCT FROM NEW.name OR OLD.party_id IS DISTINCT FROM NEW.party_id)
EXECUTE FUNCTION well_case_summary_party()""",
]

SQLITE = [
    f"""CREATE TRIGGER well_case_summary_insert AFTER INSERT ON well_case FOR EACH ROW
BEGIN UPDATE well_case SET {_FILL.format(row="NEW")} WHERE id = NEW.id; END""",
    f"""CREATE TRIGGER well_case_summary_update AFTER UPDATE OF well_id, instance_id ON well_case FOR EACH ROW
BEGIN UPDATE well_case SET {_FILL.format(row="NEW")} WHERE id = NEW.id; END""",
    """CREATE TRIGGER well_case_summary_instance AFTER UPDATE OF stage, category ON wf_instance FOR EACH ROW
WHEN OLD.stage IS NOT NEW.stage OR OLD.category IS NOT NEW.category
BEGIN UPDATE well_case SET stage = NEW.stage, category = NEW.category WHERE instance_id = NEW.id; END""",
    """CREATE TRIGGER well_case_summary_well AFTER UPDATE OF village, well_no, owner_id ON well FOR EACH ROW
WHEN OLD.village IS NOT NEW.village OR OLD.well_no IS NOT NEW.well_no OR OLD.owner_id IS NOT NEW.owner_id
BEGIN UPDATE well_case SET village = NEW.village, well_no = NEW.well_no,
  party_id = (SELECT party_id FROM water_user WHERE id = NEW.owner_id),
  party_name = (SELECT name FROM water_user WHERE id = NEW.owner_id) WHERE well_id = NEW.id; END""",
    """CREATE TRIGGER well_case_summary_party AFTER UPDATE OF name, party_id ON water_user FOR EACH ROW
WHEN OLD.name IS NOT NEW.name OR OLD.party_id IS NOT NEW.party_id
BEGIN UPDATE well_case SET party_id = NEW.party_id, party_name = NEW.name
  WHERE well_id IN (SELECT id FROM well WHERE owner_id = NEW.id); END""",
]
TRIGGERS = [("well_case_summary", "well_case"), ("well_case_summary_insert", "well_case"),
            ("well_case_summary_update", "well_case"), ("well_case_summary_instance", "wf_instance"),
            ("well_case_summary_well", "well"), ("well_case_summary_party", "water_user")]
FUNCTIONS = ["well_case_summary", "well_case_summary_instance", "well_case_summary_well", "well_case_summary_party"]


def upgrade():
    bind = op.get_bind()
    with op.batch_alter_table("well_case") as batch_op:
        for name, length in COLUMNS:
            batch_op.add_column(sa.Column(name, sa.String(length=length), nullable=True))
    with op.batch_alter_table("wf_open_task") as batch_op:
        batch_op.add_column(sa.Column("stage", sa.String(length=16), nullable=True))
    op.execute(f"UPDATE well_case SET {_FILL.format(row='well_case')}")
    op.execute("UPDATE wf_open_task SET stage = (SELECT i.stage FROM wf_instance i WHERE i.id = wf_open_task.instance_id)")
    for name, columns in INDEXES:
        op.create_index(name, "well_case", columns)
    op.create_index("ix_wf_open_task_department_stage", "wf_open_task", ["department", "stage", "created_at", "id"])
    op.drop_index("ix_wf_open_task_task_spec", table_name="wf_open_task")
    op.create_index("ix_wf_open_task_task_spec_case", "wf_open_task", ["task_spec", "case_id"])
    if bind.dialect.name == "postgresql":
        # The searches "contains" (well number, party name), as migration 20261206_0018 made them for well
        # and water_user; without pg_trgm (a role without the right) the searches work, slower.
        if bind.exec_driver_sql("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'").first():
            for name, column in TRIGRAM:
                op.create_index(name, "well_case", [column], postgresql_using="gin",
                                postgresql_ops={column: "gin_trgm_ops"})
        for statement in POSTGRESQL:
            bind.exec_driver_sql(statement)
    else:
        for statement in SQLITE:
            bind.exec_driver_sql(statement)


def downgrade():
    bind = op.get_bind()
    for name, table in TRIGGERS:
        bind.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}" + (f" ON {table}" if bind.dialect.name == "postgresql"
                                                                else ""))
    if bind.dialect.name == "postgresql":
        for name in FUNCTIONS:
            bind.exec_driver_sql(f"DROP FUNCTION IF EXISTS {name}()")
        for name, _column in TRIGRAM:
            bind.exec_driver_sql(f"DROP INDEX IF EXISTS {name}")
    op.drop_index("ix_wf_open_task_task_spec_case", table_name="wf_open_task")
    op.create_index("ix_wf_open_task_task_spec", "wf_open_task", ["task_spec"])
    op.drop_index("ix_wf_open_task_department_stage", table_name="wf_open_task")
    for name, _columns in INDEXES:
        op.drop_index(name, table_name="well_case")
    with op.batch_alter_table("wf_open_task") as batch_op:
        batch_op.drop_column("stage")
    with op.batch_alter_table("well_case") as batch_op:
        for name, _length in COLUMNS:
            batch_op.drop_column(name)
