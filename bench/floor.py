"""Benchmark: how many requests a second this machine serves with ``gunicorn -w 2`` and the load generator
beside it, from nothing of the application up to its own pages — the yardstick for issue 14's "50 starts
and 50 completions a second" (a loop of five requests: 250 requests a second).

Levels, each for ``--seconds`` with ``--clients`` threads sending without pause (the same client as
``load.py``: http.client, a new connection per request since gunicorn's sync workers close it):

- ``bare``: Flask answers "ok" (``bench/floor_app.py``);
- ``one statement``: Flask, one ``SELECT 1`` in a transaction through SQLAlchemy and psycopg;
- ``log-in page``: the application's cheapest page (no account: the session, the CSRF token, the layout);
- ``inbox``, ``case page``: a town clerk's pages of the load loop (1,000 open cases, as ``load.py``).

    .venv/bin/python bench/floor.py [--workers 2] [--clients 8] [--seconds 20]

Prints requests a second, the CPU's busy share, each level's cost against the bare one and its CPU a
request by process (gunicorn's workers, PostgreSQL's backends, the rest: the load generator); writes
bench/results/floor.json.
"""
from __future__ import annotations

import argparse
import re
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path[0] = str(Path(__file__).resolve().parent.parent)

from bench import support  # noqa: E402
from bench.load import cpu_times  # noqa: E402

CASE = re.compile(r'href="(/cases/\d+)"')


def cpu_by_process() -> dict[str, float]:
    """CPU seconds so far of the server's processes by kind: PostgreSQL's backends, gunicorn's workers (and its
    arbiter), everything else (the load generator among it)."""
    import os

    tick, kinds = os.sysconf("SC_CLK_TCK"), {"postgresql": 0.0, "web": 0.0, "other": 0.0}
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/stat") as f:
                stat = f.read()
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                command = f.read()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        seconds = (int(fields[11]) + int(fields[12])) / tick  # utime, stime
        kind = "postgresql" if stat.split(" (", 1)[1].startswith("postgres") else "web" if b"gunicorn" in command else "other"
        kinds[kind] += seconds
    return kinds


def hammer(port: int, paths: list[str], clients: int, seconds: float, user: str | None) -> dict:
    stop = time.monotonic() + seconds
    counts, errors = [0] * clients, [0] * clients

    def client(number: int) -> None:
        c = support.Client(port).login(user) if user else support.Client(port)
        n = 0
        while time.monotonic() < stop:
            status, _ = c.get(paths[n % len(paths)])
            n += 1
            if status == 200:
                counts[number] += 1
            else:
                errors[number] += 1

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    busy0, total0 = cpu_times()
    by_kind0 = cpu_by_process()
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - started
    busy1, total1 = cpu_times()
    by_kind1, done = cpu_by_process(), max(1, sum(counts) + sum(errors))
    return {"requests_per_s": round(sum(counts) / elapsed, 1), "errors": sum(errors),
            "cpu_busy_share": round((busy1 - busy0) / max(1e-9, total1 - total0), 2),
            "cpu_ms_per_request": {kind: round((by_kind1[kind] - by_kind0[kind]) * 1000 / done, 2) for kind in by_kind1}}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=20)
    args = parser.parse_args()
    results = {"workers": args.workers, "clients": args.clients, "seconds": args.seconds, "levels": {}}

    def record(name: str, figures: dict) -> None:
        results["levels"][name] = figures
        bare = results["levels"].get("bare", figures)["requests_per_s"]
        figures["cost_against_bare"] = round(bare / max(0.1, figures["requests_per_s"]), 1)
        cpu = figures["cpu_ms_per_request"]
        print(f"{name:16s} {figures['requests_per_s']:7.1f} requests/s  ({figures['cost_against_bare']}× the bare "
              f"request's cost; CPU ms a request: web {cpu['web']}, PostgreSQL {cpu['postgresql']}, "
              f"client and the rest {cpu['other']}; CPU busy {figures['cpu_busy_share']:.0%}, "
              f"{figures['errors']} errors)", flush=True)

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        url = support.database_url("postgresql", support.unique("wells_bench_floor"), folder)
        try:
            support.migrate(url)
            app = support.make_app(url, folder)
            support.load_rows(app, support.ledger_rows(1000, towns=["夏村镇"]))
            floor = {**support.app_config(url, folder), "FLOOR_DATABASE_URL": url}
            with support.served(support.ROOT, floor, workers=args.workers, app="bench.floor_app:app") as port:
                record("bare", hammer(port, ["/bare"], args.clients, args.seconds, None))
                record("one statement", hammer(port, ["/statement"], args.clients, args.seconds, None))
            with support.served(support.ROOT, support.app_config(url, folder), workers=args.workers) as port:
                record("log-in page", hammer(port, ["/login"], args.clients, args.seconds, None))
                record("inbox", hammer(port, ["/inbox/"], args.clients, args.seconds, "xiacun.clerk"))
                cases = CASE.findall(support.Client(port).login("xiacun.clerk").get("/cases/")[1])[:20]
                record("case page", hammer(port, cases, args.clients, args.seconds, "xiacun.clerk"))
        finally:
            support.drop_database(url)
    print(f"results: {support.write_results('floor', results)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
