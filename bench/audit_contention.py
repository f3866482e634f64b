"""Benchmark: how many audited transactions per second N threads commit on PostgreSQL, when the audit
chain's head is held through the transaction's work (the old design) and when events are chained at the
commit into 1 or 16 chains (the new one).

Each transaction appends two events of a case (case ids spread over the threads) and then "works" for
--work-ms (sleeping: the rendering of a Word document, say) before committing:

* ``held``: the head is locked when the events are appended (``audit.flush`` called at once, as the old
  engine chained at save time), so it is held through the work — one chain;
* ``deferred-1``: events chained at the commit (the new design), everything forced into one chain;
* ``deferred-16``: events chained at the commit, each case in its own chain of 16 (the new design as shipped).

A fresh database is created on --pg-url, migrated, and dropped afterwards. Prints a table and writes
--out (JSON). Figures depend on the machine and its load; compare the rows of one run.

    .venv/bin/python bench/audit_contention.py [--threads 8] [--seconds 5] [--work-ms 5]
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import threading
import time
from contextlib import ExitStack
from datetime import datetime, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

from alembic import command  # noqa: E402
from sqlalchemy.orm import sessionmaker  # noqa: E402

from engine import Actor, audit  # noqa: E402
from engine.audit import chaining  # noqa: E402
from engine.database import connect  # noqa: E402
from webapp.cli import alembic_config  # noqa: E402

KEY = b"bench audit key"
CLERK = Actor("water.clerk", "water")


def run(factory, mode: str, threads: int, seconds: float, work: float) -> dict:
    original = chaining.chain_of  # where flush looks it up
    if mode in ("held", "deferred-1"):
        chaining.chain_of = lambda values: 1  # one chain, as before
    done, errors, stop = [0] * threads, [0] * threads, time.monotonic() + seconds

    def worker(n: int) -> None:
        case = n + 1
        while time.monotonic() < stop:
            try:
                with factory() as s, s.begin():
                    events = [audit.event("file_downloaded", case_id=case, actor=CLERK, data={"n": i}) for i in (1, 2)]
                    audit.append(s, KEY, events)
                    if mode == "held":
                        audit.flush(s)  # chained (and the head locked) now, held through the work
                    time.sleep(work)
                done[n] += 1
            except Exception:  # noqa: BLE001 — counted, the bench goes on
                errors[n] += 1
            case += threads
    try:
        pool = [threading.Thread(target=worker, args=(n,)) for n in range(threads)]
        start = time.monotonic()
        for t in pool:
            t.start()
        for t in pool:
            t.join()
        elapsed = time.monotonic() - start
    finally:
        chaining.chain_of = original
    return {"mode": mode, "transactions": sum(done), "errors": sum(errors),
            "per_second": round(sum(done) / elapsed, 1), "seconds": round(elapsed, 2)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--work-ms", type=float, default=5.0, help="time each transaction works before its commit")
    parser.add_argument("--out", default="bench/results/audit_contention.json", help="relative to the project root")
    parser.add_argument("--pg-url", default="postgresql://postgres@127.0.0.1:5432/postgres",
                        help="server (and maintenance database) on which a fresh database is created")
    args = parser.parse_args()
    with ExitStack() as stack:
        url = _bench_engine().postgres_database(stack, args.pg_url)
        command.upgrade(alembic_config(url), "head")
        sa = connect(url, pool_size=args.threads + 2)
        stack.callback(sa.dispose)
        factory = sessionmaker(sa, expire_on_commit=False)
        rows = [run(factory, mode, args.threads, args.seconds, args.work_ms / 1000)
                for mode in ("held", "deferred-1", "deferred-16")]
        with factory() as s:
            verdict = audit.verify(s, KEY)
    result = {"date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
              "machine": {"python": platform.python_version(), "cpu_count": os.cpu_count(),
                          "platform": platform.platform()},
              "threads": args.threads, "seconds": args.seconds, "work_ms": args.work_ms, "rows": rows,
              "chains_verified": verdict.ok, "events_checked": verdict.checked}
    out = ROOT / args.out
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2, ensure_ascii=False))
    print(f"{args.threads} threads, {args.work_ms} ms of work per transaction, {args.seconds} s each (PostgreSQL)")
    print(f"{'mode':<12} {'tx/s':>8} {'tx':>7} {'errors':>7}")
    for row in rows:
        print(f"{row['mode']:<12} {row['per_second']:>8} {row['transactions']:>7} {row['errors']:>7}")
    print(f"audit verify: {'ok' if verdict.ok else 'FAILED'} ({verdict.checked} events); written {out}")
    return 0 if verdict.ok else 1


def _bench_engine():
    """bench/engine.py's database helper (the module is named like the package, so load it by path)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("bench_engine", HERE / "engine.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


if __name__ == "__main__":
    raise SystemExit(main())
