"""Benchmark over real HTTP: the app served by gunicorn (-w 1), one sequential client with a keep-alive
connection, session cookie and CSRF token, as a browser.

Measured (p50 / p95 / max of the server's answer as the client sees it):

* start a case (POST /cases/new) and complete a step with a document (承诺书) and without one (a water
  user's second well keeps the letter already signed: ``reuse_letter``), each on a fresh case registered
  before the timer starts;
* the inbox of a town holding every open case — each sort and filter the page offers, and page 50 — and a
  bureau's inbox; the case list (own town, search, page 50, the water bureau's by town); the dashboard;
  at ``--sizes`` open cases (default 1,000 and 100,000), built with the bulk loader (all in 夏村镇), a
  fiftieth of them moved on to 整改情况报告 (the water bureau's, with deadlines, some overdue).

With ``--baseline DIR`` (a ``git worktree`` of main) the same requests are sent to that tree's code on the
same data, the two trees taking turns (``--rounds``); the database is migrated down to the baseline's
schema for its turns (``--base-revision``) and up again for this tree's, so each runs on its own schema.

    git worktree add --detach /tmp/wells-main main
    .venv/bin/python bench/http.py --baseline /tmp/wells-main [--sizes 1000,100000] [--backends postgresql,sqlite]

Prints a table and writes bench/results/http.json.
"""
from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import quote

# The project root instead of bench/ itself: bench/http.py must not shadow the standard library's http.
sys.path[0] = str(Path(__file__).resolve().parent.parent)

from bench import support  # noqa: E402

TOWN = "xiacun"
TOWN_NAME = "夏村镇"
REGISTRATION = {
    "user_kind": "enterprise", "user_name": "乳山某某食品有限公司", "legal_rep": "法定代表人甲",
    "user_address": "夏村镇工业园1号", "phone": "0631-6651234", "industry": "食品加工", "town": TOWN, "village": "东村",
    "well_address": "厂区北侧", "latitude": "36.92", "longitude": "121.52", "depth_m": "80", "year_drilled": "2008",
    "purpose": "industrial", "annual_volume_m3": "12000", "in_coverage": "yes", "coverage_source": "水务集团名录",
    "in_restricted_zone": "no", "permit_no": "", "permit_issuer": "", "permit_valid_from": "", "permit_valid_to": "",
    "has_meter": "no", "meter_serial": "", "hidden_well": "no",
}
INSPECTION = {"inspected_on": None, "inspectors": "执法证 3701001、3701002", "in_coverage": True, "has_permit": False,
              "purpose": "industrial", "urban_village": False, "has_meter": False, "tax_registered": False,
              "obstructed": False, "hidden_well": False, "findings": "未安装计量设施。"}
GUID = re.compile(r'href="/tasks/([0-9a-f-]{36})"')


def pages(size: int) -> dict[str, tuple[str, str]]:
    """name → (user, path) of every page measured: each sort and filter the inbox offers, and the case list's
    search fields one by one. A bare list comes first for each user: a bare list returns to the list's
    remembered view (core/last_view.py), which the filtered pages after it set."""
    day = (datetime.now(timezone.utc) + timedelta(hours=8)).date()
    town = {
        "inbox": "/inbox/", "inbox sort=due": "/inbox/?sort=due", "inbox sort=priority": "/inbox/?sort=priority",
        "inbox sort=oldest": "/inbox/?sort=oldest", "inbox step": "/inbox/?step=commitment",
        "inbox overdue": "/inbox/?overdue=1", "inbox search": "/inbox/?q=B-00001",
        "inbox view=pool": "/inbox/?view=pool", "inbox view=mine": "/inbox/?view=mine",
        "inbox town": f"/inbox/?town={TOWN}", "inbox stage": "/inbox/?stage=inspection",
        "inbox page 50": "/inbox/?page=50", "case list": "/cases/", "case list search": "/cases/?q=B-00001",
        "case list page 50": "/cases/?page=50", "case list stage": "/cases/?stage=rectifying",
        "case list step": "/cases/?step=commitment", "case list category": "/cases/?category=covered_unlicensed",
        "case list department": "/cases/?department=water", "case list overdue": "/cases/?overdue=1",
        "case list village": f"/cases/?village={quote('东村')}", "case list party": f"/cases/?party={quote('乳山某某公司4242')}",
        "case list well": "/cases/?well_no=B-00042", "case list document": f"/cases/?document={quote('乳水')}",
        "case list registered": f"/cases/?registered_from={day - timedelta(days=40)}&registered_to={day}",
        "case list due": f"/cases/?due_from={day - timedelta(days=40)}&due_to={day + timedelta(days=60)}",
    }
    named = {name: (f"{TOWN}.clerk", path) for name, path in town.items()}
    named.update({
        "bureau inbox": ("water.clerk", "/inbox/"), "bureau inbox overdue": ("water.clerk", "/inbox/?overdue=1"),
        "bureau inbox sort=due": ("water.clerk", "/inbox/?sort=due"),
        "bureau inbox stage": ("water.clerk", "/inbox/?stage=rectifying"),
        "case list by town": ("water.clerk", f"/cases/?town={TOWN}"),
        "dashboard": ("leading_office.supervisor", "/dashboard/"),
    })
    return named


#: The pages a baseline (older code: e7cfae5 had neither the case list's search fields nor the stage) is
#: measured on beside this tree, for reference: the list targets are this tree's own figures.
BASELINE_PAGES = {"inbox", "inbox sort=due", "inbox sort=priority", "inbox sort=oldest", "inbox overdue", "case list",
                  "bureau inbox", "dashboard"}

#: Issue 14's targets (benchmark output on this machine, never timed assertions in tests).
LIST_P95_MS, LIST_RATIO, DASHBOARD_MS = 30.0, 1.5, 300.0
COMPLETE_DOC_MS, COMPLETE_NO_DOC_MS, BASELINE_RATIO = 16.0, 10.0, 0.4


def populate(url: str, folder: Path, size: int, moved: int | None = None) -> dict:
    """``size`` open cases in one town (bulk loader), a fiftieth (or ``moved``) moved on to a step with a
    deadline."""
    import time_machine
    from sqlalchemy import select

    from engine import Actor
    from engine.tables import OpenTask
    from webapp.core import workflow

    app = support.make_app(url, folder)
    started = time.perf_counter()
    loaded = support.load_rows(app, support.ledger_rows(size, towns=[TOWN_NAME]))
    moved = moved or max(1, size // 50)
    # Moved on a month ago, so that some deadlines are past (the rectification period is a few days).
    with app.app_context(), time_machine.travel(datetime.now(timezone.utc) - timedelta(days=30), tick=True):
        factory, engine = app.extensions["sa_sessionmaker"], workflow.engine()
        day = (datetime.now(timezone.utc) + timedelta(hours=8)).date().isoformat()
        with factory() as s:
            guids = s.scalars(select(OpenTask.task_guid).where(OpenTask.task_spec == "commitment")
                              .order_by(OpenTask.id).limit(moved)).all()
        for n, guid in enumerate(guids):
            with factory() as s, s.begin():
                instance = engine.complete(s, guid, {"signed_on": day, "signatory": "甲"}, Actor(f"{TOWN}.clerk", TOWN))
                guid2 = s.scalar(select(OpenTask.task_guid).where(OpenTask.instance_id == instance.id))
            with factory() as s, s.begin():
                engine.complete(s, guid2, {**INSPECTION, "inspected_on": day}, Actor("task_force.clerk", "task_force"))
                guid3 = s.scalar(select(OpenTask.task_guid).where(OpenTask.instance_id == instance.id))
            with factory() as s, s.begin():
                engine.complete(s, guid3, {"notice_problems": "未安装计量设施", "required_acts": ["install_meter"],
                                           "rectify_days": 5 + n % 40, "notice_served_on": day,
                                           "service_method": "direct", "legal_basis": "《中华人民共和国水法》第六十九条"},
                                Actor("water.clerk", "water"))
    with app.app_context():  # as autovacuum soon would after the moves (the loader analyzed after the load)
        from webapp.ledger.bulk import analyze
        analyze(app.extensions["sa_sessionmaker"])
    return {**loaded, "moved_on": moved, "seconds": round(time.perf_counter() - started, 1)}


def measure(port: int, size: int, n: int, warmup: int, first_party: int, strict: bool = True,
            only: list[str] | None = None, every_page: bool = False) -> dict[str, list[float]]:
    """Every page ``n`` times (after ``warmup``), and ``n`` starts and completions of each kind. Not
    ``strict`` (a baseline of older code): only BASELINE_PAGES unless ``every_page``, and a page it does not
    offer as asked (no 200) is left out."""
    clients = {}
    samples: dict[str, list[float]] = {}

    def client(user: str) -> support.Client:
        if user not in clients:
            clients[user] = support.Client(port).login(user)
        return clients[user]

    for name, (user, path) in pages(size).items():
        if (not strict and not every_page and name not in BASELINE_PAGES) or (only is not None and not any(o in name for o in only)):
            continue
        c = client(user)
        for i in range(warmup + n):
            started = time.perf_counter()
            status, body = c.get(path)
            if status != 200:
                if not strict:
                    samples.pop(name, None)
                    break
                raise RuntimeError(f"{name}: HTTP {status}: {body[:300]}")
            if i >= warmup:
                samples.setdefault(name, []).append(time.perf_counter() - started)

    town = client(f"{TOWN}.clerk")
    today = (datetime.now(timezone.utc) + timedelta(hours=8)).date().isoformat()

    def register(party: int, well: str) -> str:
        code = support._credit_code(party)
        status, location = town.post("/cases/new", {**REGISTRATION, "party_id": code, "well_no": well,
                                                   "user_name": f"乳山某某食品有限公司{party}"})
        if status != 302:
            raise RuntimeError(f"registration refused: {status} {location[:500]}")
        case_id = int(location.rstrip("/").rsplit("/", 1)[-1])
        page = town.get(f"/cases/{case_id}")[1]
        return GUID.search(page).group(1)

    def version_of(guid: str) -> str:
        page = town.get(f"/tasks/{guid}")[1]
        return re.search(r'name="instance_version" type="hidden" value="(\d+)"|name="instance_version" value="(\d+)"',
                         page).group(1) or "1"

    for i in range(warmup + n):
        party = first_party + i
        code = support._credit_code(party)
        form = {**REGISTRATION, "party_id": code, "well_no": f"H-{party:07d}", "user_name": f"乳山某某食品有限公司{party}"}
        started = time.perf_counter()
        status, location = town.post("/cases/new", form)
        if status != 302:
            raise RuntimeError(f"registration refused: {status} {location[:500]}")
        if i >= warmup:
            samples.setdefault("start a case", []).append(time.perf_counter() - started)
        # Its commitment, with the letter (a document).
        guid = GUID.search(town.get(location)[1]).group(1)
        version = version_of(guid)
        started = time.perf_counter()
        status, body = town.post(f"/tasks/{guid}", {"signed_on": today, "signatory": "法定代表人甲",
                                                     "instance_version": version})
        if status != 302:
            raise RuntimeError(f"completion refused: {status} {body[:500]}")
        if i >= warmup:
            samples.setdefault("complete, with a document", []).append(time.perf_counter() - started)
        # The same user's second well: its commitment keeps the letter (no document).
        guid = register(party, f"H2-{party:07d}")
        version = version_of(guid)
        started = time.perf_counter()
        status, body = town.post(f"/tasks/{guid}", {"reuse_letter": "yes", "instance_version": version})
        if status != 302:
            raise RuntimeError(f"completion refused: {status} {body[:500]}")
        if i >= warmup:
            samples.setdefault("complete, no document", []).append(time.perf_counter() - started)
    return samples


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="1000,100000")
    parser.add_argument("--backends", default="postgresql,sqlite")
    parser.add_argument("--n", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--baseline", type=Path, help="a worktree of the commit to compare with (main)")
    parser.add_argument("--base-revision", default=None,
                        help="the baseline's migration head (default: the revision before this tree's head)")
    parser.add_argument("--keep", action="store_true", help="keep the databases (for bench/load.py …)")
    parser.add_argument("--out", default="http", help="bench/results/<out>.json")
    parser.add_argument("--moved", type=int, default=None,
                        help="cases moved on to 整改情况报告 (default a fiftieth of each size; 2000 keeps the "
                             "bureau's inbox of 100,000 at 1,000,000)")
    parser.add_argument("--db-prefix", default="wells_bench_http",
                        help="the PostgreSQL databases' names: <prefix>_<size> (your own on a shared server)")
    parser.add_argument("--baseline-pages", choices=("few", "all"), default="few",
                        help="the baseline on the pages of BASELINE_PAGES (e7cfae5 had no others) or on all of them")
    parser.add_argument("--pages", default=None,
                        help="only the pages whose name contains one of these (comma-separated; '' for none: "
                             "the starts and completions alone)")
    args = parser.parse_args()

    trees = {"this tree": support.ROOT, **({"baseline": args.baseline.resolve()} if args.baseline else {})}
    base_revision = args.base_revision or head_revision(args.baseline) if args.baseline else None
    results = {"sizes": args.sizes, "n": args.n, "rounds": args.rounds, "baseline": None, "runs": {}}
    if args.baseline:
        results["baseline"] = {"commit": support.commit_of(args.baseline), "revision": base_revision}
    party = 5_000_000
    only = [o for o in args.pages.split(",") if o] if args.pages is not None else None
    sizes = list(map(int, args.sizes.split(",")))
    with tempfile.TemporaryDirectory() as tmp:
        for backend in args.backends.split(","):
            # Every size is built first, then the sizes (and the trees) take turns round by round, so the
            # ratio of 100,000 to 1,000 compares figures taken side by side on this shared machine.
            urls, folders, figures, loads = {}, {}, {}, {}
            try:
                for size in sizes:
                    folders[size] = Path(tmp) / f"{backend}-{size}"
                    folders[size].mkdir()
                    urls[size] = support.database_url(backend, f"{args.db_prefix}_{size}", folders[size])
                    support.migrate(urls[size])
                    built = populate(urls[size], folders[size], size, args.moved)
                    results["runs"][f"{backend} {size}"] = {"data": built}
                    print(f"{backend} {size:,}: data built {built}", file=sys.stderr)
                for round_no in range(args.rounds):
                    for size in sizes:
                        url, folder = urls[size], folders[size]
                        for label, tree in trees.items():
                            if label == "this tree":
                                support.migrate(url, tree, "head")
                                vacuum(url)  # a migration that rewrote rows: as autovacuum would after it
                            else:
                                downgrade(url, base_revision)
                            with support.served(tree, support.app_config(url, folder),
                                                log=folder / f"gunicorn-{label.replace(' ', '-')}.log") as port:
                                before = os.getloadavg()[0]
                                run = measure(port, size, args.n, args.warmup, party, strict=label == "this tree",
                                              only=only, every_page=args.baseline_pages == "all")
                                loads.setdefault(size, {}).setdefault(label, []).extend(
                                    [round(before, 2), round(os.getloadavg()[0], 2)])
                            party += 2 * (args.n + args.warmup) + 10
                            for name, values in run.items():
                                figures.setdefault(size, {}).setdefault(label, {}).setdefault(name, []).extend(values)
                            print(f"  round {round_no + 1} {size:,} {label}: done "
                                  f"(load average {support.machine()['load_average_1m']})", file=sys.stderr)
                for size in sizes:
                    results["runs"][f"{backend} {size}"].update(
                        {"load_average_1m": loads.get(size, {}),
                         **{label: {name: support.summary(v) for name, v in named.items()}
                            for label, named in figures.get(size, {}).items()}})
            finally:
                if not args.keep:
                    for url in urls.values():
                        support.drop_database(url)
    results["targets"] = targets(results)
    path = support.write_results(args.out, results)
    report(results)
    print(f"results: {path}")
    return 0


def head_revision(tree: Path) -> str:
    """The newest migration of ``tree`` (a baseline worktree of main)."""
    import subprocess

    out = subprocess.run([sys.executable, "-c", (
        "from alembic.script import ScriptDirectory; from webapp.cli import alembic_config; "
        "print(ScriptDirectory.from_config(alembic_config('sqlite://')).get_current_head())")],
        cwd=tree, capture_output=True, text=True, check=True, env={"PYTHONPATH": str(tree), "PATH": "/usr/bin"})
    return out.stdout.strip()


def vacuum(url: str) -> None:
    """VACUUM (ANALYZE) every table on PostgreSQL (autovacuum is off on the benchmark server): fresh statistics
    and all-visible pages after a migration that rewrote rows, so that both trees run on tidy tables."""
    if not url.startswith("postgresql"):
        return
    from sqlalchemy import create_engine

    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.exec_driver_sql("VACUUM (ANALYZE)")
    engine.dispose()


def downgrade(url: str, revision: str) -> None:
    import subprocess

    subprocess.run([sys.executable, "-c", (
        "from alembic import command; from webapp.cli import alembic_config; "
        f"command.downgrade(alembic_config({url!r}), {revision!r})")], cwd=support.ROOT, check=True,
        env={**os.environ, "PYTHONPATH": str(support.ROOT)})


def targets(results: dict) -> dict:
    """Each page's p95 at the largest size against LIST_P95_MS (the dashboard's p50 against DASHBOARD_MS) and
    against the smallest size's p95 (LIST_RATIO), per backend; the completions' medians against their
    targets and, with a baseline, this tree ÷ baseline (BASELINE_RATIO) per size. Figures of this tree."""
    out: dict = {}
    by_backend: dict[str, dict[int, dict]] = {}
    for run, figures in results["runs"].items():
        backend, size = run.split()
        by_backend.setdefault(backend, {})[int(size)] = figures
    for backend, sizes in by_backend.items():
        small, large = min(sizes), max(sizes)
        ours_small, ours_large = sizes[small]["this tree"], sizes[large]["this tree"]
        lists = {}
        for name, figure in ours_large.items():
            if name.startswith(("start", "complete")):
                continue
            entry = {"p50_ms": figure["p50_ms"], "p95_ms": figure["p95_ms"]}
            if name == "dashboard":
                entry["met"] = figure["p50_ms"] <= DASHBOARD_MS
            else:
                entry["met_p95"] = figure["p95_ms"] <= LIST_P95_MS
            if large != small and name in ours_small:
                entry[f"ratio_to_{small}"] = round(figure["p95_ms"] / ours_small[name]["p95_ms"], 2)
                if name != "dashboard":
                    entry["met_ratio"] = entry[f"ratio_to_{small}"] <= LIST_RATIO
            lists[name] = entry
        completions = {}
        for size, figures in sizes.items():
            for name, limit in (("complete, with a document", COMPLETE_DOC_MS), ("complete, no document", COMPLETE_NO_DOC_MS),
                                ("start a case", None)):
                mine = figures["this tree"].get(name)
                if not mine:
                    continue
                entry = {"p50_ms": mine["p50_ms"], **({"met": mine["p50_ms"] <= limit} if limit else {})}
                base = figures.get("baseline", {}).get(name)
                if base:
                    entry["baseline_p50_ms"] = base["p50_ms"]
                    entry["ratio_to_baseline"] = round(mine["p50_ms"] / base["p50_ms"], 2)
                    if limit:  # the completions have a ratio target; a start is shown for comparison
                        entry["met_ratio"] = entry["ratio_to_baseline"] <= BASELINE_RATIO
                completions[f"{name} ({size:,})"] = entry
        out[backend] = {"lists_at": large, "lists": lists, "completions": completions}
    return out


def report(results: dict) -> None:
    for run, figures in results["runs"].items():
        labels = [k for k in figures if k not in ("data", "load_average_1m")]
        print(f"\n{run} open cases (load average 1 min before and after each turn: {figures.get('load_average_1m')})")
        print(f"{'':32}" + "".join(f"{label + ' p50/p95 ms':>28}" for label in labels))
        for name in figures[labels[0]]:
            print(f"{name:32}" + "".join(f"{figures[label][name]['p50_ms']:>19} / {figures[label][name]['p95_ms']:<7}"
                                          for label in labels if name in figures[label]))
    for backend, found in results.get("targets", {}).items():
        print(f"\n{backend}: targets at {found['lists_at']:,} open cases")
        for name, entry in found["lists"].items():
            ratio = next((f"{k.removeprefix('ratio_to_')}: {v}×" for k, v in entry.items() if k.startswith("ratio_to_")), "")
            met = [k for k in ("met", "met_p95", "met_ratio") if k in entry]
            print(f"  {name:28} p95 {entry['p95_ms']:>7} ms  {ratio:>14}  "
                  + ("met" if all(entry[k] for k in met) else "NOT met: " + ", ".join(k for k in met if not entry[k])))
        for name, entry in found["completions"].items():
            base = (f", baseline {entry['baseline_p50_ms']} ms, ratio {entry['ratio_to_baseline']}×"
                    if "baseline_p50_ms" in entry else "")
            met = [k for k in ("met", "met_ratio") if k in entry]
            print(f"  {name:34} p50 {entry['p50_ms']:>7} ms{base}  "
                  + (("met" if all(entry[k] for k in met) else "NOT met: " + ", ".join(k for k in met if not entry[k]))
                     if met else ""))


if __name__ == "__main__":
    sys.exit(main())
