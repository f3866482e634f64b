"""Benchmark: the timer sweep with two workers (``flask timers run``) when many deadlines fall due at once.

``--cases`` cases are loaded with the bulk loader and moved on to 整改情况报告 with the same notice (served
today, one working day to rectify), so all their rectification deadlines are due at the same instant —
the end of a working day in China (23:59:59), where every party deadline ends: the hardest case for the
sweep. Two ``flask timers run`` workers (``WELLS_TIMER_INTERVAL``, default 1 s) are then started with
their clocks set (time-machine, ticking) to half a minute before that instant, and the run ends when
every timer has fired or ``--timeout`` passed. Measured from the audit trail and the timer table:

* lateness: each ``timer_fired`` event's time minus its due time (p50, p95, max);
* duplicates: timers fired more than once; lost: timers due and not fired by the end.

    .venv/bin/python bench/timers.py [--cases 500] [--interval 1] [--workers 2]

Prints the figures and writes bench/results/timers.json.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import datetime, timedelta, timezone
from pathlib import Path

# The project root instead of bench/ itself: bench/http.py must not shadow the standard library's http.
sys.path[0] = str(Path(__file__).resolve().parent.parent)

from bench import support  # noqa: E402

LAUNCH = """
import sys, time, time_machine
from flask.cli import main
offset = float(sys.argv[1])
with time_machine.travel(time.time() + offset, tick=True):
    sys.argv = ["flask", "--app", "wsgi", "timers", "run"]
    main()
"""


def prepare(url: str, folder: Path, cases: int) -> tuple[datetime, set[tuple[int, str]]]:
    """The cases, each waiting for its rectification deadline; (the due instant, {(instance, timer guid)})."""
    from sqlalchemy import select

    from engine import Actor
    from engine.tables import OpenTask, Timer
    from webapp.core import workflow

    app = support.make_app(url, folder)
    support.load_rows(app, support.ledger_rows(cases, towns=["夏村镇"]))
    today = (datetime.now(timezone.utc) + timedelta(hours=8)).date()
    while today.weekday() >= 5:  # a notice served on a working day
        today -= timedelta(days=1)
    with app.app_context():
        factory, engine = app.extensions["sa_sessionmaker"], workflow.engine()
        with factory() as s:
            guids = s.scalars(select(OpenTask.task_guid).where(OpenTask.task_spec == "commitment")).all()
        for guid in guids:
            steps = [({"signed_on": today.isoformat(), "signatory": "甲"}, Actor("xiacun.clerk", "xiacun")),
                     ({"inspected_on": today.isoformat(), "inspectors": "甲、乙", "in_coverage": True,
                       "has_permit": False, "purpose": "industrial", "urban_village": False, "has_meter": False,
                       "tax_registered": False, "obstructed": False, "hidden_well": False, "findings": "未安装计量设施"},
                      Actor("task_force.clerk", "task_force")),
                     ({"notice_problems": "未安装计量设施", "required_acts": ["install_meter"], "rectify_days": 1,
                       "notice_served_on": today.isoformat(), "service_method": "direct",
                       "legal_basis": "《中华人民共和国水法》第六十九条"}, Actor("water.clerk", "water"))]
            for data, actor in steps:
                with factory() as s, s.begin():
                    instance = engine.complete(s, guid, data, actor)
                    guid = s.scalar(select(OpenTask.task_guid).where(OpenTask.instance_id == instance.id))
        with factory() as s:
            rows = s.execute(select(Timer.instance_id, Timer.task_guid, Timer.due_at)).all()
    due = min(r.due_at for r in rows)
    return due, {(r.instance_id, r.task_guid) for r in rows if r.due_at == due}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", type=int, default=500)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--interval", type=float, default=1.0, help="WELLS_TIMER_INTERVAL of the workers")
    parser.add_argument("--lead", type=float, default=30.0, help="seconds before the due instant the clocks start")
    parser.add_argument("--timeout", type=float, default=600.0)
    args = parser.parse_args()

    from sqlalchemy import create_engine, select

    from engine.tables import Event, Timer

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        url = support.database_url("postgresql", support.unique("wells_bench_timers"), folder)
        try:
            support.migrate(url)
            due, expected = prepare(url, folder, args.cases)
            offset = (due - datetime.now(timezone.utc)).total_seconds() - args.lead
            env = {**support.environment(support.app_config(url, folder, TIMER_INTERVAL=args.interval)),
                   "PYTHONPATH": str(support.ROOT)}
            workers = [subprocess.Popen([sys.executable, "-c", LAUNCH, str(offset)], cwd=support.ROOT, env=env,
                                        stdout=subprocess.DEVNULL, stderr=open(folder / f"worker{i}.log", "wb"))
                       for i in range(args.workers)]
            engine = create_engine(url)
            started = time.monotonic()
            try:
                while time.monotonic() - started < args.lead + args.timeout:
                    with engine.connect() as conn:
                        left = conn.execute(select(Timer.task_guid).where(Timer.due_at <= due)).all()
                    if not left and time.monotonic() - started > args.lead:
                        break
                    time.sleep(1)
                time.sleep(2 * args.interval)  # a late duplicate would show now
            finally:
                for worker in workers:
                    worker.terminate()
                for worker in workers:
                    worker.wait(30)
            with engine.connect() as conn:
                fired = conn.execute(select(Event.instance_id, Event.task_guid, Event.created_at, Event.actor)
                                     .where(Event.kind == "timer_fired")).all()
                left = {(r.instance_id, r.task_guid) for r in conn.execute(
                    select(Timer.instance_id, Timer.task_guid).where(Timer.due_at <= due))}
            engine.dispose()
            times = Counter((r.instance_id, r.task_guid) for r in fired)
            ours = [r for r in fired if (r.instance_id, r.task_guid) in expected]
            lateness = [(r.created_at - due).total_seconds() for r in ours]
            results = {
                "cases": args.cases, "workers": args.workers, "interval_s": args.interval, "due": due.isoformat(),
                "timers_due": len(expected), "fired": len({k for k in times if k in expected}),
                "duplicates": sum(n - 1 for k, n in times.items() if k in expected and n > 1),
                "lost": len(expected - {k for k in times}) + len(left & expected),
                "lateness": support.summary(lateness) | {"min_ms": round(min(lateness) * 1000, 1) if lateness else None},
                "fired_per_s": round(len(ours) / max(1e-9, (max(r.created_at for r in ours) - due).total_seconds()), 1)
                if ours else None}
        finally:
            support.drop_database(url)
    lat = results["lateness"]
    print(f"{results['timers_due']} timers due at once, {args.workers} workers, interval {args.interval} s: "
          f"fired {results['fired']}, duplicates {results['duplicates']}, lost {results['lost']}; lateness "
          f"p50 {lat.get('p50_ms')} ms, p95 {lat.get('p95_ms')} ms, max {lat.get('max_ms')} ms; "
          f"load average {os.getloadavg()[0]:.1f}")
    print(f"results: {support.write_results('timers', results)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
