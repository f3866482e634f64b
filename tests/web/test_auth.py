"""Log-in, log-out, CSRF, the failed-login limit, security headers and the secret-key rule."""
from __future__ import annotations

import pytest

from webapp import create_app
from webapp.core.config import ConfigError
from webapp.directory.departments import DEMO_PASSWORD


def test_login_and_logout(client):
    assert client.get("/inbox/").status_code == 302  # anonymous → login page
    response = client.post("/login", data={"username": "water.clerk", "password": DEMO_PASSWORD})
    assert response.status_code == 302
    page = client.get("/inbox/").get_data(as_text=True)
    assert "市水利局 · 待办任务" in page
    assert client.get("/logout").status_code == 405  # log-out is a POST (a link cannot log you out)
    assert client.post("/logout").status_code == 302
    assert client.get("/inbox/").status_code == 302


def test_wrong_password_is_explained(client):
    response = client.post("/login", data={"username": "water.clerk", "password": "wrong"})
    assert response.status_code == 401
    assert "用户名或密码不正确" in response.get_data(as_text=True)
    assert client.get("/inbox/").status_code == 302


def test_inactive_account_cannot_log_in(app, client):
    from sqlalchemy import update

    from webapp.core import db
    from webapp.models import User
    with app.app_context():
        db.session().execute(update(User).where(User.username == "tax.clerk").values(active=False))
        db.commit()
    response = client.post("/login", data={"username": "tax.clerk", "password": DEMO_PASSWORD})
    assert response.status_code == 401 and "已停用" in response.get_data(as_text=True)


def test_failed_logins_are_rate_limited(make_app):
    app = make_app(LOGIN_LIMIT="3 per minute")
    client = app.test_client()
    for _ in range(3):
        assert client.post("/login", data={"username": "water.clerk", "password": "x"}).status_code == 401
    blocked = client.post("/login", data={"username": "water.clerk", "password": DEMO_PASSWORD})
    assert blocked.status_code == 429
    assert "登录失败次数过多" in blocked.get_data(as_text=True)


def test_successful_logins_do_not_count_against_the_limit(make_app):
    app = make_app(LOGIN_LIMIT="2 per minute")
    for _ in range(4):
        client = app.test_client()
        assert client.post("/login", data={"username": "water.clerk", "password": DEMO_PASSWORD}).status_code == 302


def test_post_without_csrf_token_is_refused(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    response = client.post("/login", data={"username": "water.clerk", "password": DEMO_PASSWORD})
    assert response.status_code == 400
    assert "页面已过期" in response.get_data(as_text=True)


def test_security_headers(client):
    response = client.get("/login")
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert "/bootstrap/static/css/bootstrap.min.css" in response.get_data(as_text=True)  # served locally


def test_refuses_to_start_without_a_secret_key(monkeypatch, database_url):
    monkeypatch.delenv("WELLS_SECRET_KEY", raising=False)
    monkeypatch.delenv("WELLS_DEMO", raising=False)
    with pytest.raises(ConfigError, match="WELLS_SECRET_KEY"):
        create_app({"DATABASE_URL": database_url})
    app = create_app({"DATABASE_URL": database_url, "SECRET_KEY": "x" * 40})
    assert app.config["SECRET_KEY"] == "x" * 40
    assert app.config["SESSION_COOKIE_SECURE"] is True and app.config["SESSION_COOKIE_HTTPONLY"] is True


def test_login_redirects_only_to_paths_of_this_site(client):
    for target in ("//evil.example/x", "/\t/evil.example/x", "/\\evil.example", "https://evil.example/",
                   "/%09/evil.example/x"):
        c = client.application.test_client()
        response = c.post(f"/login?next={target}", data={"username": "water.clerk", "password": DEMO_PASSWORD})
        assert response.status_code == 302 and response.headers["Location"] == "/inbox/", target
    c = client.application.test_client()
    ok = c.post("/login?next=/cases/", data={"username": "water.clerk", "password": DEMO_PASSWORD})
    assert ok.headers["Location"] == "/cases/"


def test_a_password_reset_ends_open_sessions(app, client):
    from sqlalchemy import select

    from webapp.core import db
    from webapp.models import User
    client.post("/login", data={"username": "water.clerk", "password": DEMO_PASSWORD, "remember": "y"})
    assert client.get("/inbox/").status_code == 200
    with app.app_context():
        user = db.session().scalar(select(User).where(User.username == "water.clerk"))
        user.set_password("another-password-1")
        db.commit()
    assert client.get("/inbox/").status_code == 302  # the session (and the remember cookie) no longer count


def test_remember_cookie_is_secure_when_cookies_are(make_app):
    app = make_app(SECURE_COOKIES="1")
    client = app.test_client()
    response = client.post("/login", data={"username": "water.clerk", "password": DEMO_PASSWORD, "remember": "y"})
    cookie = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("remember_token="))
    assert "Secure" in cookie and "SameSite=Lax" in cookie and "HttpOnly" in cookie


def test_nul_characters_are_refused_with_a_page(client):
    response = client.post("/login", data={"username": "water\x00clerk", "password": "x"})
    assert response.status_code == 400 and "无法识别的字符" in response.get_data(as_text=True)
