"""What the benchmarks share: fresh databases, generated ledgers loaded with the bulk loader, a served app
(gunicorn) with a small HTTP client, the machine's description and the results files.

Nothing here is imported by the application or the tests.
"""
from __future__ import annotations

import http.client
import json
import os
import platform
import re
import signal
import socket
import statistics
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager
from datetime import date, datetime, timezone
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
PG_URL = os.environ.get("WELLS_BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
PASSWORD = "demo12345"  # the demo accounts' published password (webapp/directory/departments.py)

# The ledger's columns, as the template names them (webapp/ledger/columns.py derives them from the form).
HEADERS = ["用水户类型", "用水户名称", "统一社会信用代码/身份证号", "法定代表人", "用水户地址", "联系电话", "所属行业",
           "机井编号", "所属镇（街道）", "村（社区）", "机井具体位置", "纬度", "经度", "井深（米）", "成井年份", "取水用途",
           "年取水量（立方米）", "是否在公共供水管网覆盖范围内", "管网供水单位或水源", "是否在地下水超采区或禁采区",
           "取水许可证号", "发证机关", "许可有效期起始日期", "许可有效期截止日期", "是否安装计量设施", "计量设施编号",
           "是否为隐瞒不报的机井"]
PURPOSES = ["工业", "商业/服务业", "农业灌溉", "农村生活"]


# -- databases ---------------------------------------------------------------------------------------

def tagged(name: str) -> str:
    """``wells_…`` as ``wells_<tag>_…`` with ``WELLS_BENCH_DB_TAG=<tag>``: engineers benchmarking on one server
    each keep to their own databases (a database of the same name is dropped first)."""
    tag = os.environ.get("WELLS_BENCH_DB_TAG")
    return name.replace("wells_", f"wells_{tag}_", 1) if tag else name


def database_url(backend: str, name: str, folder: Path) -> str:
    """A new, empty database: a SQLite file in ``folder`` or a PostgreSQL database on PG_URL."""
    name = tagged(name)
    if backend == "sqlite":
        path = folder / f"{name}.db"
        path.unlink(missing_ok=True)
        return f"sqlite:///{path}"
    from sqlalchemy import create_engine, make_url

    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    admin.dispose()
    return make_url(PG_URL).set(database=name).render_as_string(hide_password=False)


def drop_database(url: str) -> None:
    if url.startswith("sqlite"):
        Path(url.removeprefix("sqlite:///")).unlink(missing_ok=True)
        return
    from sqlalchemy import create_engine, make_url

    name = make_url(url).database
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


def migrate(url: str, tree: Path = ROOT, revision: str = "head") -> None:
    """The schema as ``tree``'s migrations make it (a baseline worktree's are main's)."""
    subprocess.run([sys.executable, "-c", (
        "import sys; from alembic import command; from webapp.cli import alembic_config; "
        f"command.upgrade(alembic_config({url!r}), {revision!r})")], cwd=tree, check=True,
        env={**os.environ, "PYTHONPATH": str(tree)})


def app_config(url: str, folder: Path, **extra) -> dict:
    return {"DATABASE_URL": url, "SECRET_KEY": "bench-secret-" + url[-12:], "SECURE_COOKIES": "0",
            "UPLOAD_DIR": str(folder / "uploads"), "AUDIT_CHECKPOINT_DIR": str(folder / "checkpoints"), **extra}


def environment(config: dict) -> dict:
    """The WELLS_* environment of a served app or a CLI command with ``config``."""
    return {**os.environ, **{f"WELLS_{k}": str(v) for k, v in config.items()}}


# -- ledgers -----------------------------------------------------------------------------------------

def _credit_code(n: int) -> str:
    from forms.identifiers import credit_code_check_char

    first17 = f"91371083MA{n:07d}"
    return first17 + credit_code_check_char(first17)


def _id_number(n: int) -> str:
    from forms.identifiers import id_number_check_char

    born = date(1950, 1, 1).toordinal() + n // 1000  # a birthday per thousand: unique up to 20 million
    first17 = f"371083{date.fromordinal(born):%Y%m%d}{n % 1000:03d}"
    return first17 + id_number_check_char(first17)


def ledger_rows(n: int, first: int = 0, towns: list[str] | None = None, prefix: str = "B") -> list[list]:
    """``n`` clean ledger rows (well numbers ``prefix``-first…): enterprises and individuals, every purpose,
    in and out of coverage, some licensed, some hidden; a tenth of the water users own two wells."""
    from webapp.directory.departments import DEPARTMENTS

    names = towns or [name for _code, name, kind in DEPARTMENTS if kind == "town"]
    rows = []
    for i in range(first, first + n):
        owner = i - 1 if i % 10 == 1 else i  # every tenth user's second well
        person = owner % 7 == 3
        licensed = i % 20 == 5
        rows.append([
            "个人" if person else "单位", f"村民{owner}" if person else f"乳山某某公司{owner}",
            _id_number(owner) if person else _credit_code(owner), None if person else "张三",
            "夏村镇工业园1号", "0631-6651234", None, f"{prefix}-{i:07d}", names[i % len(names)], "东村", None,
            36.92, 121.52, 80, 2008, PURPOSES[i % 4], 12000, "是" if i % 3 else "否", None, "否",
            f"取水(鲁乳)字[2020]第{i:05d}号" if licensed else None, "乳山市水利局" if licensed else None,
            "2020-01-01" if licensed else None,
            f"{2026 + i % 5}-{1 + i % 12:02d}-{1 + i % 28:02d}" if licensed else None, "否", None,
            "是" if i % 50 == 7 else "否"])
    return rows


def write_ledger(path: Path, rows: list[list]) -> None:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("台账")
    sheet.append(HEADERS)
    for row in rows:
        sheet.append(row)
    book.save(path)


def load_rows(app, rows: list[list], username: str = "water.clerk", workers: int | None = None) -> dict:
    """Register ``rows`` with the bulk loader (checks and set-based writes, as ``flask ledger load``)."""
    from sqlalchemy import select

    from webapp import directory
    from webapp.core import db, workflow
    from webapp.directory.departments import TOWN
    from webapp.ledger import bulk
    from webapp.ledger.columns import columns
    from webapp.models import User

    with app.app_context():
        user = db.session().scalar(select(User).where(User.username == username))
        towns, cols = directory.choices(TOWN), columns()
        db.session().close()
        factory = app.extensions["sa_sessionmaker"]
        started = time.perf_counter()
        body = [(number, list(values)) for number, values in enumerate(rows, start=2)]
        with factory() as session:
            checked = bulk.check(session, HEADERS, body, cols, towns, None, workers or bulk.default_workers())
        if checked.problems:
            raise RuntimeError(f"generated ledger refused: {checked.problems[:3]}")
        checked_at = time.perf_counter()
        registered = bulk.register(factory, workflow.engine(), [r for _n, r in checked.new], user, "bench",
                                   checked.rows, len(checked.skipped))
        return {"registered": registered, "check_s": round(checked_at - started, 2),
                "write_s": round(time.perf_counter() - checked_at, 2)}


def make_app(url: str, folder: Path, seed: bool = True, **extra):
    from webapp import create_app
    from webapp.cli import seed_departments_and_accounts
    from webapp.core import db

    app = create_app(app_config(url, folder, **extra))
    if seed:
        with app.app_context():
            seed_departments_and_accounts(db.session(), True)
            db.commit()
    return app


# -- a served app and an HTTP client ------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def served(tree: Path, config: dict, workers: int = 1, threads: int = 1, log: Path | None = None,
           app: str = "wsgi:app"):
    """``gunicorn wsgi:app`` (or ``app``) of ``tree`` on a free port; yields the port, stops it afterwards."""
    port = free_port()
    out = open(log, "ab") if log else subprocess.DEVNULL
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-w", str(workers), "--threads", str(threads), "-b", f"127.0.0.1:{port}",
         "--timeout", "120", "--graceful-timeout", "5", app],
        cwd=tree, env={**environment(config), "PYTHONPATH": str(tree)}, stdout=out, stderr=out)
    try:
        deadline = time.monotonic() + 60
        while True:  # the port opens before a worker has loaded the app: ready when a page answers
            try:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                connection.request("GET", "/login" if app == "wsgi:app" else "/bare")
                if connection.getresponse().status == 200:
                    connection.close()
                    break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"gunicorn did not start (see {log})")
            time.sleep(0.2)
        if workers > 1:
            time.sleep(2 * workers)  # the other workers load the app at the same time: let them finish
        yield port
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
        if log:
            out.close()


class Client:
    """One browser: a keep-alive connection, the session cookie, the CSRF token of its session."""

    CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')

    def __init__(self, port: int):
        self.port = port
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        self.cookies: dict[str, str] = {}
        self.csrf: str | None = None

    def request(self, method: str, path: str, form: dict | None = None) -> tuple[int, dict, str]:
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())} if self.cookies else {}
        body = None
        if form is not None:
            body = urlencode({**form, **({"csrf_token": self.csrf} if self.csrf else {})}, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        for attempt in range(2):
            try:
                self.conn.request(method, path, body=body, headers=headers)
                response = self.conn.getresponse()
                text = response.read().decode("utf-8", "replace")
                break
            except (http.client.RemoteDisconnected, ConnectionError, http.client.CannotSendRequest):
                if attempt:
                    raise
                self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        for name, value in response.getheaders():
            if name.lower() == "set-cookie":
                key, _, rest = value.partition("=")
                self.cookies[key.strip()] = rest.split(";", 1)[0]
        if (match := self.CSRF.search(text)) is not None:
            self.csrf = match.group(1) or match.group(2)
        return response.status, dict(response.getheaders()), text

    def get(self, path: str) -> tuple[int, str]:
        status, _headers, text = self.request("GET", path)
        return status, text

    def post(self, path: str, form: dict) -> tuple[int, str]:
        status, headers, text = self.request("POST", path, form)
        return status, headers.get("Location", text)

    def login(self, username: str) -> "Client":
        self.get("/login")
        status, _ = self.post("/login", {"username": username, "password": PASSWORD})
        if status != 302:
            raise RuntimeError(f"log-in of {username} failed: {status}")
        self.get("/inbox/")  # the session's CSRF token, for the posts to come
        return self


# -- figures and results -----------------------------------------------------------------------------

def summary(seconds: list[float]) -> dict:
    ms = sorted(s * 1000 for s in seconds)
    if not ms:
        return {"n": 0}
    def pct(p):
        return round(ms[min(len(ms) - 1, max(0, round(p / 100 * len(ms) + 0.5) - 1))], 2)
    return {"n": len(ms), "p50_ms": round(statistics.median(ms), 2), "p95_ms": pct(95), "max_ms": round(ms[-1], 2)}


def machine() -> dict:
    info = {"python": platform.python_version(), "platform": platform.platform(), "cpu_count": os.cpu_count(),
            "load_average_1m": round(os.getloadavg()[0], 2)}
    try:
        info["cpu"] = next(line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name"))
        info["memory_gb"] = round(int(next(line.split()[1] for line in open("/proc/meminfo")
                                           if line.startswith("MemTotal"))) / 1024 / 1024, 1)
    except (OSError, StopIteration):
        pass
    return info


def commit_of(tree: Path) -> str:
    return subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=tree).stdout.strip()


def write_results(name: str, results: dict) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    results = {"date": datetime.now(timezone.utc).isoformat(timespec="seconds"), "machine": machine(),
               "commit": commit_of(ROOT), **results}
    path.write_text(json.dumps(results, ensure_ascii=False, indent=2, default=str) + "\n", encoding="utf-8")
    return path


def unique(prefix: str) -> str:
    return f"{prefix}_{os.getpid()}_{uuid.uuid4().hex[:6]}"
