"""Benchmark: closed-loop throughput over real HTTP with ``gunicorn -w 1``, ``-w 2`` and ``-w 4`` on PostgreSQL.

``--clients`` threads each play a town clerk's browser without pause for ``--seconds``: register a well
(POST /cases/new), open the case page, open the commitment task, submit it (a 承诺书 is issued), open the
inbox. Starts/s and completions/s count the successful registrations and submissions; every other
answer than 200/302 is an error. Meanwhile ``pg_stat_activity`` is sampled every 100 ms: the share of
samples in which a backend of this database waited on a lock (``wait_event_type = 'Lock'``: row and
transaction locks, the chain heads included) and how many waited on average. The database starts with
``--cases`` open cases (bulk loader) and is the same for every worker count (the cases of one run stay).

    .venv/bin/python bench/load.py [--workers 1,2,4] [--clients 8] [--seconds 60] [--baseline DIR]

With ``--baseline`` (a ``git worktree`` of an earlier commit) each worker count serves that tree, then this
one, on the same database, so the two are compared under the same load.

Prints a table and writes bench/results/load.json. The load generator runs on the same machine.
"""
from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
import threading
import time
from collections import Counter
from datetime import datetime, timedelta, timezone
from pathlib import Path

# The project root instead of bench/ itself: bench/http.py must not shadow the standard library's http.
sys.path[0] = str(Path(__file__).resolve().parent.parent)

from bench import support  # noqa: E402

TOWNS = ["xiacun", "nanhuang", "dagushan", "rushankou", "haiyangsuo", "baishatan", "xujia", "fengjia",
         "xiachu", "wuji", "yazi", "zhuwang", "yuli", "rushanzhai", "chengqu", "kaifaqu"]
GUID = re.compile(r'href="/tasks/([0-9a-f-]{36})"')
VERSION = re.compile(r'name="instance_version" type="hidden" value="(\d+)"')


def client_loop(port: int, run_no: int, number: int, stop: float, tally: Counter, latencies: dict, lock: threading.Lock,
                errors: list) -> None:
    town = TOWNS[number % len(TOWNS)]
    client = support.Client(port).login(f"{town}.clerk")
    today = (datetime.now(timezone.utc) + timedelta(hours=8)).date().isoformat()
    n = 0
    while time.monotonic() < stop:
        n += 1
        party = 1_000_000 + run_no * 1_000_000 + number * 100_000 + n  # unique across clients and runs (< 10,000,000: 7 digits in a credit code)
        form = {"user_kind": "enterprise", "user_name": f"乳山负载测试公司{party}", "party_id": support._credit_code(party),
                "legal_rep": "甲", "user_address": "工业园1号", "phone": "0631-6651234", "industry": "",
                "well_no": f"LD-{party:08d}", "town": town, "village": "东村", "well_address": "", "latitude": "",
                "longitude": "", "depth_m": "", "year_drilled": "", "purpose": "industrial", "annual_volume_m3": "",
                "in_coverage": "yes", "coverage_source": "", "in_restricted_zone": "no", "permit_no": "",
                "permit_issuer": "", "permit_valid_from": "", "permit_valid_to": "", "has_meter": "no",
                "meter_serial": "", "hidden_well": "no"}
        try:
            status, location = timed(latencies, lock, "register", lambda: client.post("/cases/new", form))
            if status != 302:
                raise RuntimeError(f"register {status}")
            with lock:
                tally["starts"] += 1
            status, page = timed(latencies, lock, "case page", lambda: client.get(location))
            guid = GUID.search(page).group(1)
            status, page = timed(latencies, lock, "task form", lambda: client.get(f"/tasks/{guid}"))
            version = VERSION.search(page).group(1)
            status, _ = timed(latencies, lock, "submit", lambda: client.post(
                f"/tasks/{guid}", {"signed_on": today, "signatory": "甲", "instance_version": version}))
            if status != 302:
                raise RuntimeError(f"submit {status}")
            with lock:
                tally["completions"] += 1
            status, _ = timed(latencies, lock, "inbox", lambda: client.get("/inbox/"))
            if status != 200:
                raise RuntimeError(f"inbox {status}")
        except Exception as exc:  # noqa: BLE001 — counted, the loop goes on
            with lock:
                tally["errors"] += 1
                errors.append(repr(exc)[:200])
            client = support.Client(port).login(f"{town}.clerk")


def timed(latencies, lock, name, call):
    started = time.perf_counter()
    result = call()
    with lock:
        latencies.setdefault(name, []).append(time.perf_counter() - started)
    return result


def sample_locks(url: str, stop: float, samples: list, kinds: Counter) -> None:
    """Every 100 ms: how many of the database's backends wait on a lock and how many are active; ``kinds``
    counts the lock waits by kind (transactionid: a row another transaction holds, tuple, relation…) and
    by kind and waiting statement."""
    from sqlalchemy import create_engine, make_url, text

    name = make_url(url).database
    engine = create_engine(url)
    with engine.connect() as conn:
        while time.monotonic() < stop:
            rows = conn.execute(text(
                "SELECT state, wait_event_type, wait_event, left(query, 48) AS query FROM pg_stat_activity "
                "WHERE datname = :name AND pid <> pg_backend_pid()"), {"name": name}).all()
            conn.rollback()
            waits = [r.wait_event for r in rows if r.wait_event_type == "Lock"]
            kinds.update(waits)
            # which statement waits (the document series' upsert, the chain heads' lock, an instance's…)
            kinds.update(f"{r.wait_event}: {' '.join(r.query.split())}" for r in rows if r.wait_event_type == "Lock")
            samples.append((len(waits), sum(1 for r in rows if r.state == "active")))
            time.sleep(0.1)
    engine.dispose()


def cpu_times() -> tuple[float, float]:
    with open("/proc/stat") as f:
        values = [float(v) for v in f.readline().split()[1:]]
    return sum(values) - values[3] - values[4], sum(values)  # busy, total (idle and iowait excluded)


def run(port: int, run_no: int, url: str, clients: int, seconds: float) -> dict:
    stop = time.monotonic() + seconds
    tally, latencies, lock, errors, samples, kinds = Counter(), {}, threading.Lock(), [], [], Counter()
    threads = [threading.Thread(target=client_loop, args=(port, run_no, i, stop, tally, latencies, lock, errors))
               for i in range(clients)]
    sampler = threading.Thread(target=sample_locks, args=(url, stop, samples, kinds))
    load_before = os.getloadavg()[0]
    busy0, total0 = cpu_times()
    started = time.monotonic()
    for t in (*threads, sampler):
        t.start()
    for t in (*threads, sampler):
        t.join()
    elapsed = time.monotonic() - started
    busy1, total1 = cpu_times()
    return {
        "seconds": round(elapsed, 1), "starts_per_s": round(tally["starts"] / elapsed, 1),
        "completions_per_s": round(tally["completions"] / elapsed, 1), "errors": tally["errors"],
        "error_examples": errors[:5],
        "lock_wait_share_of_samples": round(sum(1 for w, _a in samples if w) / max(1, len(samples)), 3),
        "mean_backends_waiting_on_locks": round(sum(w for w, _a in samples) / max(1, len(samples)), 3),
        "mean_active_backends": round(sum(a for _w, a in samples) / max(1, len(samples)), 2),
        "lock_waits_by_kind": dict(kinds),
        "samples": len(samples), "cpu_busy_share": round((busy1 - busy0) / max(1e-9, total1 - total0), 2),
        "load_average_1m": {"before": round(load_before, 2), "after": round(os.getloadavg()[0], 2)},
        "latency": {name: support.summary(values) for name, values in latencies.items()},
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--workers", default="1,2,4")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--cases", type=int, default=1000, help="open cases in the database before the runs")
    parser.add_argument("--baseline", type=Path, help="a worktree of the commit to compare with: each worker "
                        "count runs it, then this tree, on the same database")
    args = parser.parse_args()

    trees = [("baseline", args.baseline.resolve()), ("this tree", support.ROOT)] if args.baseline else [
        ("this tree", support.ROOT)]
    results = {"clients": args.clients, "seconds": args.seconds, "cases": args.cases, "runs": {},
               "baseline": str(args.baseline) if args.baseline else None}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        url = support.database_url("postgresql", support.unique("wells_bench_load"), folder)
        try:
            support.migrate(url)
            app = support.make_app(url, folder)
            support.load_rows(app, support.ledger_rows(args.cases))
            runs = [(workers, label, tree) for workers in map(int, args.workers.split(",")) for label, tree in trees]
            for run_no, (workers, label, tree) in enumerate(runs):
                with support.served(tree, support.app_config(url, folder), workers=workers,
                                    log=folder / f"gunicorn-{workers}.log") as port:
                    figures = run(port, run_no, url, args.clients, args.seconds)
                name = f"-w {workers}" + (" (baseline)" if label == "baseline" else "")
                results["runs"][name] = figures
                print(f"{name}: {figures['starts_per_s']} starts/s, {figures['completions_per_s']} completions/s, "
                      f"{figures['errors']} errors; lock waits in {figures['lock_wait_share_of_samples']:.1%} of samples "
                      f"(mean {figures['mean_backends_waiting_on_locks']}, {figures['lock_waits_by_kind']}); "
                      f"CPU busy {figures['cpu_busy_share']:.0%}; load {figures['load_average_1m']}; "
                      f"submit p50/p95 {figures['latency'].get('submit', {}).get('p50_ms')}/"
                      f"{figures['latency'].get('submit', {}).get('p95_ms')} ms", flush=True)
        finally:
            support.drop_database(url)
    print(f"results: {support.write_results('load', results)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
