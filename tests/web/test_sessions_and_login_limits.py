"""Sessions that end on the server, failed-log-in limits shared by every worker, log-in timing, the CSRF
token at log-in, caching and HSTS headers, and the page shown while the database is away (issue 12)."""
from __future__ import annotations

import re
import socket
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from webapp import create_app
from webapp.core import db
from webapp.core.config import ConfigError
from webapp.directory.departments import DEMO_PASSWORD
from webapp.models import User

OTHER_ACCOUNT = "water.head"  # a colleague behind the same address


def _login(client, username="water.clerk", password=DEMO_PASSWORD, **extra):
    return client.post("/login", data={"username": username, "password": password, **extra})


# ---- sessions ----------------------------------------------------------------------------------------

def test_a_session_cookie_copied_before_logout_opens_nothing_afterwards(app):
    client = app.test_client()
    assert _login(client, remember="y").status_code == 302
    stolen = {name: client.get_cookie(name).value for name in ("session", "remember_token")}
    assert client.post("/logout").status_code == 302
    for name, value in stolen.items():  # the session cookie, and the remember cookie on its own
        thief = app.test_client()
        thief.set_cookie(name, value)
        assert thief.get("/inbox/").status_code == 302, name
    again = app.test_client()
    assert _login(again).status_code == 302 and again.get("/inbox/").status_code == 200  # a new log-in works


def test_deactivating_an_account_ends_its_open_sessions(app):
    client = app.test_client()
    assert _login(client, remember="y").status_code == 302
    with app.app_context():
        db.session().execute(update(User).where(User.username == "water.clerk").values(active=False))
        db.commit()
    assert client.get("/inbox/").status_code == 302


def test_the_admin_deactivation_raises_the_session_version(app, login):
    admin = login("admin")
    with app.app_context():
        user = db.session().scalar(select(User).where(User.username == "water.clerk"))
        user_id, version = user.id, user.session_version
    data = {"display_name": "市水利局经办人", "department": "water", "role": "clerk"}  # "active" unticked
    assert admin.post(f"/admin/users/{user_id}", data=data).status_code in (200, 302)
    with app.app_context():
        user = db.session().get(User, user_id)
        assert not user.active and user.session_version == version + 1


# ---- failed-log-in limits ----------------------------------------------------------------------------

def test_a_locked_account_does_not_lock_out_colleagues_behind_the_same_address(make_app):
    app = make_app(LOGIN_ACCOUNT_LIMIT="3 per 15 minutes", LOGIN_LIMIT="20 per 15 minutes")
    client = app.test_client()
    for _ in range(3):
        assert _login(client, password="guess").status_code == 401
    refused = _login(client)  # even the right password, during the lock-out
    page = refused.get_data(as_text=True)
    assert refused.status_code == 429
    assert "已暂时锁定" in page and "10:15 后再试" in page and "系统管理员" in page  # 10:00 China time + 15 min
    assert _login(app.test_client(), OTHER_ACCOUNT).status_code == 302


def test_the_lock_out_ends_with_its_window(make_app, fixed_clock):
    app = make_app(LOGIN_ACCOUNT_LIMIT="2 per 15 minutes")
    client = app.test_client()
    for _ in range(2):
        _login(client, password="guess")
    assert _login(client).status_code == 429
    fixed_clock.shift(timedelta(minutes=16))
    assert _login(client).status_code == 302


def test_a_correct_password_clears_the_account_count(make_app):
    app = make_app(LOGIN_ACCOUNT_LIMIT="3 per 15 minutes")
    for _ in range(3):
        client = app.test_client()
        _login(client, password="guess")
        _login(client, password="guess")
        assert _login(client).status_code == 302


def test_the_address_limit_stops_one_machine_trying_many_accounts(make_app):
    app = make_app(LOGIN_ACCOUNT_LIMIT="3 per 15 minutes", LOGIN_LIMIT="4 per 15 minutes")
    client = app.test_client()
    for n in range(4):
        assert _login(client, f"guess{n}", "guess").status_code == 401
    refused = _login(client, OTHER_ACCOUNT)
    assert refused.status_code == 429 and "您所在网络的登录失败次数过多" in refused.get_data(as_text=True)
    other_address = app.test_client()
    response = other_address.post("/login", data={"username": OTHER_ACCOUNT, "password": DEMO_PASSWORD},
                                  environ_base={"REMOTE_ADDR": "10.0.0.9"})
    assert response.status_code == 302


def _error(response) -> str:
    import re
    return re.search(r"用户名或密码不正确[^<]*", response.get_data(as_text=True)).group(0)


def test_the_last_tries_before_the_lock_out_are_announced_alike_for_known_and_unknown_names(make_app):
    """Warned once two tries are left; a name that does not exist gets word for word the same answers."""
    app = make_app(LOGIN_ACCOUNT_LIMIT="5 per 15 minutes")
    answers = {}
    for name in ("water.clerk", "nobody.here"):
        client = app.test_client()
        answers[name] = [_error(_login(client, name, "guess")) for _ in range(5)]
    assert answers["water.clerk"] == answers["nobody.here"]
    first, second, third, fourth, fifth = answers["water.clerk"]
    assert first == second == "用户名或密码不正确。"  # one typo is not nagged about
    assert "再错 2 次该账号将被暂时锁定（至 10:15）" in third
    assert "再错 1 次" in fourth
    assert "该账号已暂时锁定，请于 10:15 后再试" in fifth


def test_unknown_names_lock_like_known_ones(make_app):
    """The lock-out must not tell which user names exist: an unknown name is locked the same way."""
    app = make_app(LOGIN_ACCOUNT_LIMIT="2 per 15 minutes")
    client = app.test_client()
    for _ in range(2):
        assert _login(client, "nobody.here", "guess").status_code == 401
    assert _login(client, "nobody.here", "guess").status_code == 429


def _two_workers_share_the_count(make_app, **settings):
    """Two application instances (two gunicorn workers) on the same storage: their failures add up."""
    workers = [make_app(LOGIN_ACCOUNT_LIMIT="4 per 15 minutes", **settings) for _ in range(2)]
    for n in range(4):
        assert _login(workers[n % 2].test_client(), password="guess").status_code == 401
    for worker in workers:
        assert _login(worker.test_client()).status_code == 429


def test_failed_logins_are_counted_across_workers_in_the_database(make_app):
    _two_workers_share_the_count(make_app)


def _redis_reachable() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=0.5).close()
        return True
    except OSError:
        return False


@pytest.mark.skipif(not _redis_reachable(), reason="Redis is not running on 127.0.0.1:6379")
def test_failed_logins_are_counted_across_workers_in_redis(make_app):
    prefix = f"wells-test-{uuid.uuid4().hex}"  # apart from other test runs on the same Redis
    _two_workers_share_the_count(make_app, RATELIMIT_STORAGE_URI="redis://127.0.0.1:6379/0",
                                 RATELIMIT_KEY_PREFIX=prefix)
    import redis
    connection = redis.Redis.from_url("redis://127.0.0.1:6379/0")
    keys = connection.keys(f"{prefix}*")
    assert keys  # the counts were in Redis, not in the database
    connection.delete(*keys)


def test_per_process_limiter_storage_is_refused_in_production(database_url):
    with pytest.raises(ConfigError, match="RATELIMIT_STORAGE_URI"):
        create_app({"DATABASE_URL": database_url, "SECRET_KEY": "x" * 40, "RATELIMIT_STORAGE_URI": "memory://"})
    with pytest.raises(ConfigError, match="LOGIN_ACCOUNT_LIMIT"):
        create_app({"DATABASE_URL": database_url, "SECRET_KEY": "x" * 40, "LOGIN_ACCOUNT_LIMIT": "five"})
    app = create_app({"DATABASE_URL": database_url, "SECRET_KEY": "x" * 40})
    assert app.config["RATELIMIT_STORAGE_URI"] == "database"


def test_an_administrator_can_lift_a_lock_out(make_app):
    app = make_app(LOGIN_ACCOUNT_LIMIT="2 per 15 minutes")
    for _ in range(2):
        _login(app.test_client(), password="guess")
    assert _login(app.test_client()).status_code == 429
    admin = app.test_client()
    assert _login(admin, "admin").status_code == 302
    with app.app_context():
        user_id = db.session().scalar(select(User.id).where(User.username == "water.clerk"))
    page = admin.get(f"/admin/users/{user_id}").get_data(as_text=True)
    assert "已被锁定" in page and "解除登录锁定" in page
    assert admin.post(f"/admin/users/{user_id}/unlock").status_code == 302
    assert "解除登录锁定" not in admin.get(f"/admin/users/{user_id}").get_data(as_text=True)
    assert _login(app.test_client()).status_code == 302


# ---- timing ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("username", ["water.clerk", "nobody.here"])
def test_a_log_in_hashes_the_password_once_whether_or_not_the_name_exists(client, monkeypatch, username):
    import webapp.auth.routes
    calls = []
    real = webapp.auth.routes.check_password_hash
    monkeypatch.setattr(webapp.auth.routes, "check_password_hash", lambda *a: calls.append(a[0]) or real(*a))
    assert _login(client, username, "wrong").status_code == 401
    assert len(calls) == 1
    assert calls[0].split("$")[0] == webapp.auth.routes.generate_password_hash("x").split("$")[0]  # same method, cost


# ---- CSRF token, headers -----------------------------------------------------------------------------

def _csrf(page: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)


def test_the_csrf_token_changes_at_log_in(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    before = _csrf(client.get("/login").get_data(as_text=True))
    assert _login(client, csrf_token=before).status_code == 302
    assert client.post("/logout", data={"csrf_token": before}).status_code == 400  # the old token is void
    after = _csrf(client.get("/inbox/").get_data(as_text=True))
    assert after != before
    assert client.post("/logout", data={"csrf_token": after}).status_code == 302


def test_pages_are_not_cached_but_static_files_are(login):
    client = login("water.clerk")
    assert client.get("/inbox/").headers["Cache-Control"] == "no-store"
    static = client.get("/static/app.css")
    assert static.status_code == 200 and "no-store" not in static.headers.get("Cache-Control", "")


def test_hsts_only_with_secure_cookies(make_app):
    assert "Strict-Transport-Security" not in make_app().test_client().get("/login").headers
    secure = make_app(SECURE_COOKIES="1").test_client().get("/login", base_url="https://localhost")
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=")


# ---- the database away -------------------------------------------------------------------------------

@pytest.mark.parametrize("url", ["postgresql://postgres@127.0.0.1:9/wells", "sqlite:////nonexistent-folder/wells.db"],
                         ids=["postgresql", "sqlite"])
def test_a_database_outage_answers_503_in_chinese(url):
    app = create_app({"TESTING": True, "DATABASE_URL": url, "SECURE_COOKIES": "0", "WTF_CSRF_ENABLED": False})
    client = app.test_client()
    with client.session_transaction() as cookie:
        cookie["_user_id"] = "1:0123456789abcdef"  # a signed-in clerk: every page loads the user first
        cookie["_fresh"] = True
    for response in (client.get("/inbox/"), _login(app.test_client())):
        page = response.get_data(as_text=True)
        assert response.status_code == 503, page[:300]
        assert "数据库暂时无法连接" in page or "登录服务暂时不可用" in page
        assert "Traceback" not in page


def test_log_in_waits_rather_than_going_unguarded_when_redis_is_away(make_app):
    app = make_app(RATELIMIT_STORAGE_URI="redis://127.0.0.1:1/0")  # nothing listens there
    response = _login(app.test_client())
    assert response.status_code == 503 and "登录服务暂时不可用" in response.get_data(as_text=True)
