"""Benchmark: a whole ledger loaded with ``flask ledger load`` (webapp/ledger/bulk.py), against registering
the same wells one by one through the registration service.

For each backend: a fresh database (migrations, departments and demo accounts), a generated ledger of
``--rows`` wells (every town, purpose, coverage, licensed and hidden wells, individuals and enterprises,
some users with two wells) written as .xlsx, then the real command in a subprocess — read, checks,
set-based writes — timed end to end, with its phases and CPU seconds; then ``flask audit checkpoint``
and ``flask audit verify`` over everything it wrote. The comparison: ``--one-by-one`` more wells
registered with ``cases.service.register_case``, one transaction each (what the page and the ledger
import page do per row), extrapolated to the same number of wells.

    .venv/bin/python bench/ledger.py [--rows 100000] [--one-by-one 1000] [--backends postgresql,sqlite]

Prints a table and writes bench/results/ledger.json. The machine is shared: the load average is recorded.
"""
from __future__ import annotations

import argparse
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# The project root instead of bench/ itself: bench/http.py must not shadow the standard library's http.
sys.path[0] = str(Path(__file__).resolve().parent.parent)

from bench import support  # noqa: E402


def cli(config: dict, *args: str) -> tuple[int, str, float, float]:
    """A ``flask`` command of this tree: exit code, output, wall and CPU seconds (itself and its children)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    run = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", *args], capture_output=True, text=True,
                         cwd=support.ROOT, env={**support.environment(config), "PYTHONPATH": str(support.ROOT)})
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return run.returncode, run.stdout + run.stderr, wall, cpu


def one_by_one(app, rows: list[list]) -> float:
    """Seconds per well through ``register_case``, one transaction per well, as the pages do."""
    from sqlalchemy import select

    from webapp import directory
    from webapp.cases.service import register_case
    from webapp.core import db, workflow
    from webapp.directory.departments import TOWN
    from webapp.ledger.checks import RowChecker, map_columns
    from webapp.ledger.columns import columns
    from webapp.models import User

    with app.app_context():
        cols = columns()
        header = {c.name: c.header for c in cols}
        checker = RowChecker(map_columns(support.HEADERS, cols), header, directory.choices(TOWN), None, {})
        forms = [checker(n, values)[1] for n, values in enumerate(rows, start=2)]
        user = db.session().scalar(select(User).where(User.username == "water.clerk"))
        db.session().close()
        factory = app.extensions["sa_sessionmaker"]
        started = time.perf_counter()
        for row in forms:
            with factory() as session, session.begin():
                register_case(session, workflow.engine(), row.user_data, row.well_data, session.merge(user))
        return (time.perf_counter() - started) / len(rows)


def database_size(url: str) -> str | None:
    if not url.startswith("postgresql"):
        return None
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.connect() as conn:
        size = conn.execute(text("SELECT pg_size_pretty(pg_database_size(current_database()))")).scalar()
    engine.dispose()
    return size


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--one-by-one", type=int, default=1000, help="wells registered one by one for comparison")
    parser.add_argument("--backends", default="postgresql,sqlite")
    parser.add_argument("--workers", type=int, default=None, help="checking processes (default: CPU count)")
    args = parser.parse_args()

    results = {"rows": args.rows, "one_by_one_rows": args.one_by_one, "backends": {}}
    with tempfile.TemporaryDirectory() as tmp:
        ledger = Path(tempfile.gettempdir()) / f"wells-bench-ledger-{args.rows}.xlsx"
        if not ledger.exists():
            started = time.perf_counter()
            support.write_ledger(ledger, support.ledger_rows(args.rows))
            print(f"ledger of {args.rows:,} rows written in {time.perf_counter() - started:.0f} s: {ledger}",
                  file=sys.stderr)
        for backend in args.backends.split(","):
            folder = Path(tmp) / backend  # its own checkpoints: a checkpoint names one database's chains
            folder.mkdir()
            url = support.database_url(backend, support.unique("wells_bench_ledger"), folder)
            try:
                support.migrate(url)
                support.make_app(url, folder)
                config = support.app_config(url, folder)
                load_average = os.getloadavg()[0]
                code, output, wall, cpu = cli(config, "ledger", "load", str(ledger), "--as", "water.clerk",
                                              *(["--workers", str(args.workers)] if args.workers else []))
                if code:
                    print(output[-3000:], file=sys.stderr)
                    return 1
                phases = dict(zip(("read", "check", "write"), map(float, re.search(
                    r"读取 ([\d.]+)、检查 ([\d.]+)、登记 ([\d.]+)", output).groups())))
                checkpoint = cli(config, "audit", "checkpoint")
                verify_code, verify_output, verify_wall, _ = cli(config, "audit", "verify")
                app = support.make_app(url, folder, seed=False)
                per_well = one_by_one(app, support.ledger_rows(args.one_by_one, first=9_000_000, prefix="S"))
                figures = {
                    "load_s": round(wall, 1), "load_cpu_s": round(cpu, 1), "phases_s": phases,
                    "wells_per_s": round(args.rows / wall), "load_average_1m_before": round(load_average, 2),
                    "audit_verify": {"ok": verify_code == 0 and checkpoint[0] == 0, "seconds": round(verify_wall, 1),
                                     "said": verify_output.strip().splitlines()[-1:],
                                     "checkpoint": checkpoint[1].strip().splitlines()[-1:]},
                    "one_by_one_ms_per_well": round(per_well * 1000, 2),
                    "one_by_one_extrapolated_s": round(per_well * args.rows, 1),
                    "speed_up": round(per_well * args.rows / wall, 1),
                    "database_size": database_size(url)}
                results["backends"][backend] = figures
                print(f"{backend}: {args.rows:,} wells in {wall:.1f} s (CPU {cpu:.1f} s; read {phases['read']}, "
                      f"check {phases['check']}, write {phases['write']}); one by one {per_well * 1000:.1f} ms a well "
                      f"= {per_well * args.rows / 60:.1f} min for {args.rows:,} ({figures['speed_up']}× slower); "
                      f"audit verify {'passed' if figures['audit_verify']['ok'] else 'FAILED'} "
                      f"in {verify_wall:.1f} s; load average {load_average:.1f}")
            finally:
                support.drop_database(url)
    print(f"results: {support.write_results('ledger', results)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
