"""Benchmark: a step that issues a document — the 承诺书 rendered alone, and its completion over HTTP.

* render: ``webapp.documents.service.render`` of the commitment letter with a real case's context (built
  once before timing, in a request so that department names come from the database as in a request);
* completion: ``POST /tasks/<guid>`` of the commitment step through Flask's test client (login, CSRF off),
  one fresh case per timed request, registered and looked up before the timer starts; the request
  validates the form, completes the step, issues the document, records the audit events and commits.

Each measurement runs in a worker process of its own on a fresh database migrated with Alembic (a SQLite
file; a PostgreSQL database created on --pg-url and dropped afterwards). With ``--baseline DIR`` (a
``git worktree`` of an earlier commit) the same worker also runs against that tree's code, the two trees
taking turns round by round, so the ratios come from one run on this noisy machine.

Run from the project root (prints a table, writes --out as JSON):
    git worktree add --detach /tmp/wells-base <commit before the change>
    .venv/bin/python bench/documents.py --baseline /tmp/wells-base [--n 40] [--rounds 3]
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import ExitStack
from datetime import datetime, timezone
from pathlib import Path

HERE = Path(__file__).resolve()
ROOT = HERE.parent.parent
DAY = datetime(2026, 3, 2, 2, 0, tzinfo=timezone.utc)  # a Monday inside the holiday calendar's years
# One water user (reused by every registration after the first; each signs a new letter, not the earlier
# case's: ``reuse_letter`` no), one well per timed case.
REGISTRATION = {
    "user_kind": "enterprise", "user_name": "乳山某某食品有限公司", "party_id": "91350100M000100Y43",
    "legal_rep": "法定代表人甲", "user_address": "夏村镇工业园1号", "phone": "0631-6651234",
    "industry": "食品加工", "town": "xiacun", "village": "东村", "well_address": "厂区北侧",
    "latitude": "36.92", "longitude": "121.52", "depth_m": "80", "year_drilled": "2008",
    "purpose": "industrial", "annual_volume_m3": "12000", "in_coverage": "yes", "coverage_source": "水务集团名录",
    "in_restricted_zone": "no", "permit_no": "", "permit_issuer": "", "permit_valid_from": "", "permit_valid_to": "",
    "has_meter": "no", "meter_serial": "", "hidden_well": "no",
}


def _first(*modules: str, names: tuple[str, ...] | None) -> tuple:
    """``names`` from the first of ``modules`` that can be imported (the module itself when ``names`` is None)."""
    import importlib

    for module in modules:
        try:
            found = importlib.import_module(module)
        except ImportError:
            continue
        return (found,) if names is None else tuple(getattr(found, name) for name in names)
    raise ImportError(f"none of {modules}")


def worker(tree: Path, backend: str, n: int, warmup: int, pg_url: str) -> dict:
    """Time ``n`` renders and ``n`` completions with the code of ``tree`` (after ``warmup`` of each)."""
    sys.path[:] = [str(tree)] + [p for p in sys.path if p and Path(p).resolve() != HERE.parent]
    import time_machine
    from alembic import command
    from sqlalchemy import create_engine, func, make_url, select

    # The modules by their names now, or by their names before issue 13's layout (a baseline such as e7cfae5).
    Instance, OpenTask = _first("engine.tables", "engine.store", names=("Instance", "OpenTask"))
    from webapp import create_app
    from webapp.cli import alembic_config, seed_departments_and_accounts
    (db,) = _first("webapp.core.db", "webapp.db", names=None)
    (DEMO_PASSWORD,) = _first("webapp.directory.departments", "webapp.departments", names=("DEMO_PASSWORD",))
    from webapp.documents import content, service
    from webapp.documents.catalogue import KINDS
    from webapp.models import Case, Document

    with ExitStack() as stack, tempfile.TemporaryDirectory() as tmp:
        if backend == "sqlite":
            url = f"sqlite:///{tmp}/bench.db"
        else:
            admin = create_engine(pg_url, isolation_level="AUTOCOMMIT")
            stack.callback(admin.dispose)
            tag = os.environ.get("WELLS_BENCH_DB_TAG")  # as bench/support.py's ``tagged``
            name = f"wells_{tag + '_' if tag else ''}bench_docs_{os.getpid()}_{uuid.uuid4().hex[:6]}"
            with admin.connect() as conn:
                conn.exec_driver_sql(f'CREATE DATABASE "{name}"')

            def drop():
                with admin.connect() as conn:
                    conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            stack.callback(drop)
            url = make_url(pg_url).set(database=name).render_as_string(hide_password=False)
        command.upgrade(alembic_config(url), "head")
        stack.enter_context(time_machine.travel(DAY, tick=True))
        app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench-" + uuid.uuid4().hex, "WTF_CSRF_ENABLED": False,
                          "SECURE_COOKIES": "0",
                          "UPLOAD_DIR": f"{tmp}/uploads", "AUDIT_CHECKPOINT_DIR": f"{tmp}/checkpoints"})
        with app.app_context():
            seed_departments_and_accounts(db.session(), True)
            db.commit()
        client = app.test_client()
        assert client.post("/login", data={"username": "xiacun.clerk", "password": DEMO_PASSWORD}).status_code == 302

        def register(i: int) -> tuple[str, int]:
            response = client.post("/cases/new", data={**REGISTRATION, "well_no": f"XC-B{i:05d}"})
            assert response.status_code == 302, response.get_data(as_text=True)[:500]
            with app.app_context():
                session = db.session()
                case = session.scalar(select(Case).order_by(Case.id.desc()))
                guid = session.scalar(select(OpenTask.task_guid).where(OpenTask.instance_id == case.instance_id))
                return guid, session.get(Instance, case.instance_id).version

        completions = []
        for i in range(warmup + n):
            guid, version = register(i)
            started = time.perf_counter()
            response = client.post(f"/tasks/{guid}", data={"signed_on": "2026-03-02", "signatory": "甲",
                                                            "reuse_letter": "no", "instance_version": version})
            elapsed = time.perf_counter() - started
            assert response.status_code == 302, response.get_data(as_text=True)[:500]
            if i >= warmup:
                completions.append(elapsed)
            # The page after the redirect shows the flashed message, as a browser's would: unread, the
            # messages pile up in the session cookie and every later request signs and parses them all.
            client.get(response.headers["Location"])

        kind = KINDS["commitment"]
        with app.test_request_context():
            session = db.session()
            issued = session.scalar(select(func.count()).select_from(Document).where(Document.kind == kind.code))
            assert issued == warmup + n, f"{issued} letters for {warmup + n} completions"  # each issued one
            doc = session.scalar(select(Document).where(Document.kind == kind.code).order_by(Document.id.desc()))
            context = content.build(kind, session.get(Case, doc.case_id), doc.number, DAY.date(),
                                    service.step_data(session, doc.task_guid), None, doc.task_guid)
            renders = []
            for i in range(warmup + n):
                started = time.perf_counter()
                body = service.render(kind, context)
                elapsed = time.perf_counter() - started
                if i >= warmup:
                    renders.append(elapsed)
        return {"render": renders, "completion": completions, "bytes": len(body)}


def summary(seconds: list[float]) -> dict:
    ms = sorted(s * 1000 for s in seconds)
    return {"n": len(ms), "median_ms": round(statistics.median(ms), 2),
            "p90_ms": round(statistics.quantiles(ms, n=10, method="inclusive")[8], 2)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=40, help="timed renders and completions per worker")
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=3, help="workers per tree and backend, taking turns")
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--pg-url", default=os.environ.get("WELLS_BENCH_PG_URL",
                                                           "postgresql://postgres@127.0.0.1:5432/postgres"))
    parser.add_argument("--baseline", type=Path, help="a worktree of the commit to compare with")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "documents.json")
    parser.add_argument("--worker", nargs=2, metavar=("TREE", "BACKEND"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(Path(args.worker[0]), args.worker[1], args.n, args.warmup, args.pg_url)))
        return 0

    trees = {"this tree": ROOT, **({"baseline": args.baseline.resolve()} if args.baseline else {})}
    samples = {(t, b, m): [] for t in trees for b in args.backends.split(",") for m in ("render", "completion")}
    sizes = {}
    for round_no in range(args.rounds):
        for backend in args.backends.split(","):
            for label, tree in trees.items():
                run = subprocess.run([sys.executable, str(HERE), "--worker", str(tree), backend, "--n", str(args.n),
                                      "--warmup", str(args.warmup), "--pg-url", args.pg_url],
                                     capture_output=True, text=True, cwd=tree,
                                     env={**os.environ, "PYTHONPATH": str(tree)})
                if run.returncode:
                    sys.stderr.write(run.stderr[-3000:])
                    return 1
                figures = json.loads(run.stdout.strip().splitlines()[-1])
                for measure in ("render", "completion"):
                    samples[(label, backend, measure)] += figures[measure]
                sizes[label] = figures["bytes"]
                print(f"round {round_no + 1}/{args.rounds} {backend:10} {label}: done", file=sys.stderr)

    rows = {f"{t} / {b} / {m}": summary(s) for (t, b, m), s in samples.items()}
    ratios = {}
    if args.baseline:
        for backend in args.backends.split(","):
            for measure in ("render", "completion"):
                ratios[f"{backend} / {measure}"] = round(
                    rows[f"this tree / {backend} / {measure}"]["median_ms"]
                    / rows[f"baseline / {backend} / {measure}"]["median_ms"], 2)
    git = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=ROOT).stdout.strip()
    base = (subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                           cwd=args.baseline).stdout.strip() if args.baseline else None)
    results = {"date": datetime.now(timezone.utc).isoformat(timespec="seconds"), "commit": git, "baseline": base,
               "machine": {"python": platform.python_version(), "platform": platform.platform(),
                           "cpu_count": os.cpu_count()},
               "n_per_worker": args.n, "rounds": args.rounds, "figures": rows, "ratios": ratios,
               "document_bytes": sizes}
    print(f"\ncommit {git}" + (f" vs baseline {base}" if base else "") + f"; n={args.n} × {args.rounds} rounds\n")
    print(f"{'':44} {'median ms':>10} {'p90 ms':>8}")
    for name, row in rows.items():
        print(f"{name:44} {row['median_ms']:>10} {row['p90_ms']:>8}")
    for name, ratio in ratios.items():
        print(f"this tree ÷ baseline, {name}: {ratio}×")
    print(f"document size (bytes): {sizes}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
