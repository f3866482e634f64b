"""Benchmark: the cost of completing one user task persisted, against SpiffWorkflow alone.

The step: complete the `inspect` task of the real diagrams in bpmn/ with an inspection form, which
runs the `classify` DMN decision and the gateways on to the `notice` task.

* persisted: one transaction per case, as a web request does it —
  ``with session_factory() as s, s.begin(): engine.complete(s, guid, data, actor, expected_version=v)``
  i.e. lock, load, complete, engine steps, save, open-task index, timers, audit, commit. The task guid
  and the instance version are looked up before the timer starts (the request has them in its form).
  Every timed call completes a different case, prepared (started and advanced to `inspect`) up front.
* in-memory floor: the same diagram and step with SpiffWorkflow alone — restore the state the way the
  engine does (``engine.state.loads`` against the cached spec), complete `inspect`, run the engine
  steps, serialize with ``engine.state.dumps``.

Each backend gets a fresh database migrated with Alembic: a SQLite file in a temporary directory, and
a PostgreSQL database created on --pg-url and dropped afterwards (skipped, with the reason, when the
server is unreachable). The machine is shared and noisy, so the floor and the backends take turns in
every round (warm-up rounds discarded) and the ratios compare figures taken side by side.
Target: persisted median <= 3x the floor median.

Run from the project root (prints a table, writes --out as JSON):
    .venv/bin/python bench/engine.py [--n 200] [--warmup 20] [--backends sqlite,postgresql]
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from contextlib import ExitStack
from datetime import datetime, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
# This file is called engine.py: with bench/ on sys.path, "import engine" would import this file.
sys.path[:] = [str(ROOT)] + [p for p in sys.path if p and Path(p).resolve() != HERE]

import SpiffWorkflow  # noqa: E402
import sqlalchemy  # noqa: E402
from alembic import command  # noqa: E402
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow  # noqa: E402
from SpiffWorkflow.util.task import TaskState  # noqa: E402
from sqlalchemy import create_engine, event, func, make_url, select  # noqa: E402
from sqlalchemy.orm import sessionmaker  # noqa: E402

from engine import Actor, Engine, specs, state  # noqa: E402
from engine.database import connect  # noqa: E402
from engine.tables import Instance, OpenTask  # noqa: E402
from webapp.cli import alembic_config  # noqa: E402

PROCESS = "well_case"
TARGET = 3.0
TOWN_CLERK = Actor("xiacun.clerk", "xiacun")
WATER = Actor("water.clerk", "water")
COMMITMENT = {"signed_on": "2026-03-02", "signatory": "法定代表人"}
# The inspection of tests/engine/test_runtime.py: classified "seal", so the case goes on to `notice`.
INSPECTION = {
    "inspected_on": "2026-03-02", "inspectors": "执法证 3701001、3701002", "in_coverage": True,
    "has_permit": False, "purpose": "industrial", "urban_village": False, "has_meter": False,
    "tax_registered": False, "obstructed": False, "hidden_well": False, "findings": "未办理取水许可，未安装计量设施。",
}


class Floor:
    """The same step with SpiffWorkflow alone: restore, complete `inspect`, engine steps, serialize."""

    name = "in-memory floor"

    def __init__(self, wf: Engine):
        self.wf = wf
        spec, subprocess_specs = wf.current.process(PROCESS)
        workflow = BpmnWorkflow(spec, subprocess_specs, script_engine=wf.script_engine)
        for task in workflow.get_tasks(state=TaskState.READY):  # the start data, as Engine.start
            task.data.update({"well_no": "XC-001"})
        workflow.do_engine_steps()
        (commitment,) = workflow.get_tasks(state=TaskState.READY, manual=True)
        commitment.data.update(COMMITMENT)
        commitment.run()
        workflow.do_engine_steps()
        (inspect,) = workflow.get_tasks(state=TaskState.READY, manual=True)
        self.guid, self.text = inspect.id, state.dumps(workflow)
        self.step()
        after = state.loads(self.result, spec, subprocess_specs, wf.script_engine)
        assert [t.task_spec.name for t in after.get_tasks(state=TaskState.READY, manual=True)] == ["notice"]

    def step(self) -> float:
        start = time.perf_counter()
        spec, subprocess_specs = self.wf.current.process(PROCESS)
        workflow = state.loads(self.text, spec, subprocess_specs, self.wf.script_engine)
        task = workflow.get_task_from_id(self.guid)
        task.data.update(dict(INSPECTION))
        task.run()
        workflow.do_engine_steps()
        self.result = state.dumps(workflow)
        return time.perf_counter() - start


class Persisted:
    """One migrated database holding cases that wait at `inspect`; each step completes one of them."""

    def __init__(self, name: str, url: str, wf: Engine, cases: int):
        self.name, self.wf = name, wf
        command.upgrade(alembic_config(url), "head")
        self.sa = connect(url)  # SQLite: the app's BEGIN IMMEDIATE, WAL and foreign keys
        self.factory = sessionmaker(self.sa, expire_on_commit=False)  # as webapp/db.py
        self.pending = [self._prepare(case_id) for case_id in range(1, cases + 1)]
        self.pending.reverse()  # pop() then completes the cases in the order they were made

    def _prepare(self, case_id: int) -> tuple[str, int]:
        """Start a case and complete `commitment` (one transaction each); the (guid, version) of `inspect`."""
        well_no = f"XC-{case_id:03d}"
        with self.factory() as s, s.begin():
            context = {"town": "xiacun", "well_no": well_no, "party_name": "某某食品有限公司"}
            instance_id = self.wf.start(s, PROCESS, case_id, context, {"well_no": well_no}, TOWN_CLERK).id
        with self.factory() as s, s.begin():
            guid = s.scalar(select(OpenTask.task_guid).where(OpenTask.instance_id == instance_id))
            self.wf.complete(s, guid, COMMITMENT, TOWN_CLERK)
        with self.factory() as s:
            return tuple(s.execute(select(OpenTask.task_guid, Instance.version).join(Instance)
                                   .where(Instance.id == instance_id)).one())

    def step(self) -> float:
        guid, version = self.pending.pop()
        start = time.perf_counter()
        with self.factory() as s, s.begin():
            self.wf.complete(s, guid, dict(INSPECTION), WATER, expected_version=version)
        return time.perf_counter() - start

    def statements_per_step(self) -> int:
        """SQL statements sent by one more (untimed) step; COMMIT is not a cursor statement."""
        sent = []
        listener = lambda *_args: sent.append(1)  # noqa: E731
        event.listen(self.sa, "before_cursor_execute", listener)
        self.step()
        event.remove(self.sa, "before_cursor_execute", listener)
        return len(sent)


def postgres_database(stack: ExitStack, base_url: str) -> str:
    """Create a fresh database (dropped when ``stack`` closes) and return its URL."""
    admin = create_engine(base_url, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 5})
    stack.callback(admin.dispose)
    name = f"wells_bench_{os.getpid()}_{uuid.uuid4().hex[:8]}"

    def run(sql: str) -> None:
        with admin.connect() as conn:
            conn.exec_driver_sql(sql)
    run(f'CREATE DATABASE "{name}"')
    stack.callback(run, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    return make_url(base_url).set(database=name).render_as_string(hide_password=False)


def summary(seconds: list[float]) -> dict:
    ms = sorted(s * 1000 for s in seconds)
    return {"median_ms": round(statistics.median(ms), 3),
            "p90_ms": round(statistics.quantiles(ms, n=10, method="inclusive")[8], 3),
            "mean_ms": round(statistics.fmean(ms), 3)}


def machine() -> dict:
    return {"python": platform.python_version(), "platform": platform.platform(), "cpu_count": os.cpu_count(),
            "spiffworkflow": SpiffWorkflow.__version__, "sqlalchemy": sqlalchemy.__version__,
            "sqlite": sqlite3.sqlite_version}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=200, help="measured steps per backend (and for the floor)")
    parser.add_argument("--warmup", type=int, default=20, help="rounds run first and discarded")
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--out", default="bench/results/engine.json", help="relative to the project root")
    parser.add_argument("--pg-url", default="postgresql://postgres@127.0.0.1:5432/postgres",
                        help="server (and maintenance database) on which a fresh database is created")
    args = parser.parse_args()
    names = [b.strip() for b in args.backends.split(",") if b.strip()]
    if set(names) - {"sqlite", "postgresql"} or args.n < 2:
        parser.error("--backends takes sqlite and/or postgresql; --n must be at least 2 (for the p90)")

    wf = Engine(specs.load(specs.read_directory(ROOT / "bpmn")), audit_key=b"bench audit key")
    rounds, cases = args.warmup + args.n, args.warmup + args.n + 1  # +1: the statement count
    results = {"date": datetime.now(timezone.utc).isoformat(timespec="seconds"), "machine": machine(),
               "n": args.n, "warmup": args.warmup, "step": "complete `inspect` -> classify (DMN) -> `notice`",
               "timed": "one transaction: lock, load, complete, engine steps, save, index, timers, audit, "
                        "commit; task guid and instance version looked up before the timer",
               "target": {"max_ratio": TARGET, "basis": "median persisted / median floor"},
               "backends": dict.fromkeys(names)}  # filled in below, in the order asked
    with ExitStack() as stack:
        floor = Floor(wf)
        runners = [floor]
        for name in names:
            print(f"preparing {cases} cases on {name}…", file=sys.stderr)
            try:
                url = (f"sqlite:///{stack.enter_context(tempfile.TemporaryDirectory())}/bench.db"
                       if name == "sqlite" else postgres_database(stack, args.pg_url))
            except Exception as exc:  # noqa: BLE001 — any connection failure means "skipped", not a crash
                reason = f"{type(exc).__name__}: {str(exc).strip().splitlines()[0]}"
                results["backends"][name] = {"skipped": reason}
                continue
            runner = Persisted(name, url, wf, cases)
            stack.callback(runner.sa.dispose)  # before the database is dropped (callbacks run LIFO)
            runners.append(runner)

        # Rotate the order every round so that no runner always follows the same one (caches, GC).
        times = {r.name: [] for r in runners}
        for i in range(rounds):
            for runner in runners[i % len(runners):] + runners[:i % len(runners)]:
                elapsed = runner.step()
                if i >= args.warmup:
                    times[runner.name].append(elapsed)

        results["floor"] = {**summary(times[floor.name]), "state_bytes": len(floor.text.encode())}
        for runner in runners[1:]:
            figures = summary(times[runner.name])
            figures["server_version"] = ".".join(map(str, runner.sa.dialect.server_version_info))
            figures["statements_per_step"] = runner.statements_per_step()
            with runner.factory() as s:  # the step did what we think: every case went on to `notice`
                assert s.scalar(select(func.count()).where(OpenTask.task_spec == "notice")) == cases
            figures["ratio"] = round(figures["median_ms"] / results["floor"]["median_ms"], 2)
            figures["met"] = figures["ratio"] <= TARGET
            results["backends"][runner.name] = figures
    measured = [f for f in results["backends"].values() if "met" in f]
    results["met"] = bool(measured) and all(f["met"] for f in measured)

    print(f"\n{results['step']}: n={args.n} per row after {args.warmup} warm-up rounds, interleaved\n"
          f"timed: {results['timed']}\n")
    print(f"{'':18}{'median':>9}{'p90':>9}{'mean':>9}{'x floor':>9}  target <= {TARGET:g}x  (ms per step)")
    for name, row in [(floor.name, {**results["floor"], "ratio": 1}), *results["backends"].items()]:
        cells = "".join(f"{row[k]:9.2f}" for k in ("median_ms", "p90_ms", "mean_ms", "ratio") if k in row)
        if "met" in row:
            cells += f"  {'met' if row['met'] else 'NOT met'}, {row['statements_per_step']} SQL statements"
        print(f"{name:18}{cells or 'skipped: ' + row['skipped']}")

    out = Path(args.out) if Path(args.out).is_absolute() else ROOT / args.out
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
