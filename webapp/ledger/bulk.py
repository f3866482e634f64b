"""Loading a whole ledger at once: ``flask ledger load FILE.xlsx --as USER`` (100,000 wells and more).

The same checks as the import page (``checks.check_rows``: every row through the registration form,
duplicates within the file and against the database, the town rule for a town's account), then the
rows written set-based instead of one registration at a time: water users, wells and cases as
multi-row INSERTs, the cases' processes through ``Engine.start_many`` (each case the same rows and
events a registration gives it, ``engine/bulk.py``).

Differences from the page, because of the size:

- the sheet is read with calamine (python-calamine: the Rust reader, 20× faster than openpyxl on a
  large sheet) after the zip directory is vetted (parts, declared sizes, ratio); calamine's XML reader
  expands no entities. The file comes from the operator's disk, not from a browser;
- the rows are checked in several processes (the form is the cost: about 0.4 ms a row);
- nothing is written unless every row is clean, as on the page, but then the rows are written in
  batches of one transaction each (a 100,000-row transaction would hold all its events in memory
  until the commit). An interrupted load keeps its committed batches: running the same command again
  skips the wells already registered (as a re-import does) and registers the rest. Each batch is one
  ``ledger_imported`` event on the audit trail.
"""
from __future__ import annotations

import io
import json
import multiprocessing
import os
import time
import zipfile
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import bindparam, select, text, update
from sqlalchemy.orm import Session, sessionmaker

from engine import Engine
from engine.bulk import NewInstance
from engine.set_insert import insert_many
from engine.tables import utcnow

from ..cases.service import case_start
from ..core.workflow import PROCESS_ID
from ..models import Case, User, WaterUser, Well
from ..notifications import triggers as notify
from . import archive, checks
from .archive import LedgerUnreadable
from .checks import Checked, Row, RowChecker
from .columns import Column
from .template import SHEET

MAX_UNPACKED = 2 * 1024 * archive.MB   # a 100,000-row sheet unpacks to about 115 MB
BATCH = 5000                           # cases per transaction
CHUNK = 2000                           # rows per task of a checking process

_user, _well, _case = WaterUser.__table__, Well.__table__, Case.__table__
_PG_SET_INSTANCES = text("UPDATE well_case SET instance_id = x.iid FROM json_to_recordset(CAST(:rows AS json)) "
                          "AS x(cid integer, iid integer) WHERE well_case.id = x.cid")
_SET_INSTANCES = update(_case).where(_case.c.id == bindparam("cid")).values(instance_id=bindparam("iid"))


@dataclass
class Loaded:
    """What a load did: rows read, wells registered and skipped, batches committed, seconds per phase."""

    rows: int = 0
    registered: int = 0
    skipped: int = 0
    batches: int = 0
    seconds: dict[str, float] = field(default_factory=dict)


def read(path: str | Path) -> tuple[list[str], list[tuple[int, list]]]:
    """(headers, [(row number, values)]) of the sheet 台账 (or the first sheet); blank rows left out."""
    from python_calamine import CalamineWorkbook

    data = Path(path).read_bytes()
    _vet(data)
    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(data))
        sheet = book.get_sheet_by_name(SHEET if SHEET in book.sheet_names else book.sheet_names[0])
        rows = sheet.to_python(skip_empty_area=False)
    except Exception as exc:  # noqa: BLE001 — any fault of the file: a message, never a traceback
        raise LedgerUnreadable("无法读取该文件的工作表数据，文件可能已损坏。" + archive.READ_HINT) from exc
    if not rows:
        raise LedgerUnreadable("文件中没有数据行：请从第2行起每行填写一口机井。")
    headers = [checks.cell_text(v) for v in rows[0]]
    while headers and not headers[-1]:
        headers.pop()
    body, width = [], len(headers)
    for number, values in enumerate(rows[1:], start=2):
        values = [_as_openpyxl(v) for v in values[:width]]
        if any(v is not None and (not isinstance(v, str) or v.strip()) for v in values):  # blank: cell_text ""
            body.append((number, values))
    return headers, body


def _as_openpyxl(value):
    """A calamine value as ``checks.read`` keeps it (``plain`` of what openpyxl gives): an empty cell is
    None, a whole number an int (calamine reads every number as a float), a date its text."""
    kind = type(value)
    if kind is str:
        return value or None
    if kind is float:
        return int(value) if value.is_integer() and abs(value) < 1e15 else value
    return checks.plain(value)


def _vet(data: bytes) -> None:
    """The zip directory as the page vets it (parts, encryption, declared sizes, ratio), a larger size allowed."""
    try:
        zipped = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError) as exc:
        raise LedgerUnreadable("无法读取该文件：它不是有效的 .xlsx 文件（无法解压），如设置了打开密码请先取消。"
                               + archive.READ_HINT) from exc
    with zipped:
        archive.check_directory(zipped.infolist(), MAX_UNPACKED)


def check(session: Session, headers, body, cols: list[Column], towns: list[tuple[str, str]],
          own_town: str | None, workers: int = 1, chunk: int = CHUNK) -> Checked:
    """``checks.check_rows`` with the rows checked in ``workers`` processes, ``chunk`` rows at a time."""
    return checks.check_rows(headers, body, cols, towns, own_town, session,
                             each=lambda checker, rows: _in_processes(checker, rows, workers, chunk, session))


# The checker of the running load, inherited by the checking processes (forked: nothing to pickle).
_checker: RowChecker | None = None


def _in_processes(checker: RowChecker, body, workers: int, chunk: int, session: Session):
    if workers <= 1 or len(body) < 2 * chunk:
        yield from checks.in_order(checker, body)
        return
    global _checker
    _checker = checker
    bind = session.get_bind()
    try:
        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork"),
                                 initializer=_forget_connections, initargs=(bind,)) as pool:
            for answers in pool.map(_check_chunk, [body[i:i + chunk] for i in range(0, len(body), chunk)]):
                yield from answers
    finally:
        _checker = None


def _forget_connections(bind) -> None:
    # A forked process must never use (or close) the parent's database connections (SQLAlchemy's rule for fork).
    bind.dispose(close=False)


def _check_chunk(rows):
    return [_checker(number, values) for number, values in rows]


def register(factory: sessionmaker, engine: Engine, rows: list[Row], user: User, filename: str,
             total_rows: int, skipped: int, batch: int = BATCH, progress=None) -> int:
    """Register the checked rows in batches of one transaction each; returns the number registered.

    The new cases' first tasks are told as one summary per department for the whole load (not one per
    batch, and never one per task: 100,000 SMS), written after the last batch, or after the last batch
    that committed when a later one fails."""
    done, exemplars, told = 0, {}, notify.Folded()
    try:
        for start in range(0, len(rows), batch):
            part = rows[start:start + batch]
            folded = notify.Folded()
            with factory() as session, session.begin():
                session.info[notify.FOLD] = folded  # collected at the commit instead of told
                _register_batch(session, engine, part, user, exemplars)
                engine.record(session, "ledger_imported", actor=user.actor, data={
                    "file": filename, "rows": total_rows, "registered": len(part),
                    "skipped": skipped if start == 0 else 0, "batch": start // batch + 1,
                    "batches": -(-len(rows) // batch), "bulk": True})
            told.merge(folded)  # only a committed batch counts
            done += len(part)
            if progress is not None:
                progress(done, len(rows))
    finally:
        if told:
            with factory() as session, session.begin():
                notify.summarize(session, told)
    if rows:
        analyze(factory)
    return done


LOADED_TABLES = ("water_user", "well", "well_case", "wf_instance", "wf_open_task", "wf_timer", "wf_event")


def analyze(factory: sessionmaker) -> None:
    """Fresh statistics for the tables a load filled: until autovacuum gets to them, the planner would
    plan the inbox and the case list for the tables as they were before (a town's 100,000 new tasks
    taken for none).

    On PostgreSQL a VACUUM (ANALYZE) — about 3 s after 100,000 wells — and not only the statistics: it
    also moves the trigram indexes' pending entries into the indexes (a search of the well numbers took
    13 ms with them pending, 2 ms after), marks the new pages all-visible (the counts become index-only
    scans) and clears the cases' first row versions (each case row is written, then given its instance).
    Autovacuum would do the same later — or never, where it is switched off."""
    engine = factory.kw["bind"]
    if engine.dialect.name != "postgresql":
        with factory() as session, session.begin():
            for table in LOADED_TABLES:
                session.execute(text(f"ANALYZE {table}"))
        return
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:  # VACUUM: no transaction
        for table in LOADED_TABLES:
            conn.exec_driver_sql(f"VACUUM (ANALYZE) {table}")


def _register_batch(session: Session, engine: Engine, rows: list[Row], user: User, exemplars: dict) -> None:
    """One batch: water users not registered yet, wells, cases, their processes; a registration's rows."""
    conn = session.connection()
    now = utcnow()
    parties = sorted({row.user_data["party_id"] for row in rows})
    owners = {party: (owner_id, name, kind) for owner_id, party, name, kind in conn.execute(
        select(WaterUser.id, WaterUser.party_id, WaterUser.name, WaterUser.kind)
        .where(WaterUser.party_id.in_(parties)))} if parties else {}
    new_users = {}
    for row in rows:  # the first row of a party id makes the water user, as the first registration would
        party = row.user_data["party_id"]
        if party not in owners and party not in new_users:
            new_users[party] = {**row.user_data, "created_at": now}
    for owner_id, party in insert_many(conn, _user, list(new_users.values()), returning=("id", "party_id")):
        owners[party] = (owner_id, new_users[party]["name"], new_users[party]["kind"])
    wells = dict((well_no, well_id) for well_id, well_no in insert_many(conn, _well, [
        {**row.well_data, "owner_id": owners[row.user_data["party_id"]][0], "created_at": now} for row in rows
    ], returning=("id", "well_no")))
    cases = dict((well_id, case_id) for case_id, well_id in insert_many(conn, _case, [
        {"well_id": wells[row.well_data["well_no"]], "town": row.well_data["town"], "registered_by": user.username,
         "notes": "", "created_at": now} for row in rows], returning=("id", "well_id")))
    starts = []
    for row in rows:
        _owner_id, name, kind = owners[row.user_data["party_id"]]
        context, data = case_start(row.well_data, name, kind)
        starts.append(NewInstance(cases[wells[row.well_data["well_no"]]], context, data))
    instance_ids = engine.start_many(session, PROCESS_ID, starts, user.actor, exemplars=exemplars)
    links = [{"cid": start.case_id, "iid": i} for start, i in zip(starts, instance_ids)]
    if conn.dialect.name == "postgresql":  # one statement, not 5,000
        conn.execute(_PG_SET_INSTANCES, {"rows": json.dumps(links)})
    else:
        conn.execute(_SET_INSTANCES, links)


def load(path: str | Path, user: User, factory: sessionmaker, engine: Engine, cols: list[Column],
         towns: list[tuple[str, str]], batch: int = BATCH, workers: int = 1, progress=None) -> tuple[Loaded, Checked]:
    """Read, check and (when every row is clean) register a ledger file. With problems nothing is written:
    ``checked.problems`` says what, and ``Loaded.registered`` is 0."""
    timer, loaded = Timer(), Loaded()
    headers, body = read(path)
    timer.lap("read")
    own_town = user.department.code if user.department.is_town else None
    with factory() as session:
        checked = check(session, headers, body, cols, towns, own_town, workers)
    timer.lap("check")
    loaded.rows, loaded.skipped = checked.rows, len(checked.skipped)
    if not checked.problems:
        rows = [row for _number, row in checked.new]
        loaded.registered = register(factory, engine, rows, user, Path(path).name, checked.rows,
                                     len(checked.skipped), batch, progress)
        loaded.batches = -(-len(rows) // batch)
        timer.lap("write")
    loaded.seconds = timer.seconds
    return loaded, checked


def default_workers() -> int:
    return max(1, min(4, os.cpu_count() or 1))


class Timer:
    """Seconds per phase, for the command's last line and the benchmarks."""

    def __init__(self):
        self.seconds: dict[str, float] = {}
        self._last = time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.seconds[name] = round(now - self._last, 2)
        self._last = now
