"""The profile page (contact details, channels), the own password change, the forced change of a password
an administrator set, the administrator's contact fields, and idle sessions ending on the server."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from webapp.core import db
from webapp.directory.departments import DEMO_PASSWORD
from webapp.models import User

NEW = "own-secret-2026"


def account(app, username="water.clerk"):
    with app.app_context():
        return db.session().scalar(select(User).where(User.username == username))


def test_profile_saves_contact_details_and_channels(app, login):
    clerk = login("water.clerk")
    assert 'href="/profile"' in clerk.get("/inbox/").get_data(as_text=True)
    assert clerk.get("/profile").status_code == 200
    response = clerk.post("/profile", data={"mobile": "138 0000 0001", "email": "Clerk@Rushan.example.cn",
                                            "notify_email": "y", "notify_sms": "y"})
    assert response.status_code == 302
    user = account(app)
    assert (user.mobile, user.email, user.notify_email, user.notify_sms, user.notify_robot) == (
        "13800000001", "clerk@rushan.example.cn", True, True, False)


def test_profile_refuses_bad_numbers_and_addresses_in_chinese(app, login):
    clerk = login("water.clerk")
    for data, message in (({"mobile": "2380000000"}, "手机号码应为以1开头的11位数字"),
                          ({"mobile": "1380000000"}, "手机号码应为以1开头的11位数字"),
                          ({"email": "clerk@"}, "电子邮箱格式不对"),
                          ({"notify_sms": "y"}, "请填写手机号码"),
                          ({"notify_email": "y"}, "请填写电子邮箱")):
        response = clerk.post("/profile", data=data)
        assert response.status_code == 422 and message in response.get_data(as_text=True), data
    user = account(app)
    assert (user.mobile, user.email, user.notify_sms) == (None, None, False)


def test_own_password_change_needs_the_current_one(app, login):
    clerk = login("water.clerk")
    wrong = clerk.post("/profile/password", data={"current": "not-it-at-all", "password": NEW, "confirm": NEW})
    assert wrong.status_code == 422 and "当前密码不正确" in wrong.get_data(as_text=True)
    same = clerk.post("/profile/password", data={"current": DEMO_PASSWORD, "password": DEMO_PASSWORD,
                                                 "confirm": DEMO_PASSWORD})
    assert same.status_code == 422
    assert account(app).check_password(DEMO_PASSWORD)
    other_device = login("water.clerk")
    assert clerk.post("/profile/password", data={"current": DEMO_PASSWORD, "password": NEW,
                                                 "confirm": NEW}).status_code == 302
    assert account(app).check_password(NEW)
    assert clerk.get("/inbox/").status_code == 200  # this session carries on
    assert other_device.get("/inbox/").status_code == 302  # the other one is logged out


def test_admin_set_password_must_be_changed_before_anything_else(app, login):
    admin = login("admin")
    user_id = account(app).id
    assert admin.post(f"/admin/users/{user_id}/password", data={"pw-password": "admin-chose-it-1",
                                                                "pw-confirm": "admin-chose-it-1"}).status_code == 302
    assert account(app).must_change_password
    clerk = app.test_client()
    assert clerk.post("/login", data={"username": "water.clerk", "password": "admin-chose-it-1"}).status_code == 302
    for path in ("/inbox/", "/cases/", "/profile"):
        assert clerk.get(path).headers["Location"].endswith("/profile/password"), path
    page = clerk.get("/profile/password").get_data(as_text=True)
    assert 'data-testid="forced-change"' in page
    assert clerk.post("/profile/password", data={"current": "admin-chose-it-1", "password": NEW,
                                                 "confirm": NEW}).status_code == 302
    assert not account(app).must_change_password
    assert clerk.get("/inbox/").status_code == 200


def test_admin_records_mobile_and_email_with_chinese_validation(app, login):
    admin = login("admin")
    user = account(app)
    form = {"display_name": user.display_name, "department": "water", "role": "clerk", "active": "y"}
    bad = admin.post(f"/admin/users/{user.id}", data={**form, "mobile": "12345", "email": "no-at-sign"})
    text = bad.get_data(as_text=True)
    assert bad.status_code == 422 and "手机号码应为以1开头的11位数字" in text and "电子邮箱格式不对" in text
    assert account(app).mobile is None
    assert admin.post(f"/admin/users/{user.id}", data={**form, "mobile": "13900000009",
                                                       "email": "water@rushan.example.cn"}).status_code == 302
    assert (account(app).mobile, account(app).email) == ("13900000009", "water@rushan.example.cn")
    # A new account gets an initial password the person must replace.
    assert admin.post("/admin/users/new", data={
        "username": "li.si", "display_name": "李四", "department": "water", "role": "clerk",
        "mobile": "13900000010", "password": "initial-pass-1", "confirm": "initial-pass-1"}).status_code == 302
    created = account(app, "li.si")
    assert created.must_change_password and created.mobile == "13900000010"


def test_an_idle_session_ends_on_the_server(app, login, fixed_clock):
    clerk = login("water.clerk")
    assert clerk.get("/inbox/").status_code == 200
    page = clerk.get("/inbox/").get_data(as_text=True)
    assert 'data-idle-minutes="30"' in page and "idle.js" in page
    fixed_clock.shift(timedelta(minutes=29))
    assert clerk.get("/inbox/").status_code == 200  # a request renews the idle time
    fixed_clock.shift(timedelta(minutes=29))
    assert clerk.post("/session/keepalive").status_code == 200  # the warning's 继续使用
    fixed_clock.shift(timedelta(minutes=31))
    response = clerk.get("/cases/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert "自动退出" in clerk.get(response.headers["Location"]).get_data(as_text=True)
    assert clerk.get("/inbox/").status_code == 302  # logged out for good, not just redirected once


def test_idle_minutes_is_a_setting(make_app, login):
    app = make_app(IDLE_MINUTES="5")
    assert app.config["IDLE_MINUTES"] == 5
