"""User and department administration (/admin): administrators only, every change on the audit trail."""
from __future__ import annotations

import json
import threading

import pytest
from sqlalchemy import func, select
from web_support import REGISTRATION, refusals

from engine import Actor
from engine.tables import Event, OpenTask
from webapp.admin import service
from webapp.core import db, workflow
from webapp.directory.departments import DEMO_PASSWORD, NAMES
from webapp.models import Department, User

NEW_PASSWORD = "Rushan-2026-wells"
NEW_USER = {"username": "zhang.san", "display_name": "张三", "department": "water", "role": "clerk",
            "password": NEW_PASSWORD, "confirm": NEW_PASSWORD}


@pytest.fixture(autouse=True)
def _plan_names():
    """A rename puts the new name into the process-wide name table: give the next test the plan's names."""
    saved = dict(NAMES)
    yield
    NAMES.clear()
    NAMES.update(saved)


@pytest.fixture
def admin(login):
    return login("admin")


def events(app, kind: str | None = None) -> list[Event]:
    with app.app_context():
        query = select(Event).order_by(Event.id)
        if kind:
            query = query.where(Event.kind == kind)
        return list(db.session().scalars(query))


def user(app, username: str) -> User | None:
    with app.app_context():
        return db.session().scalar(select(User).where(User.username == username))


def user_count(app) -> int:
    with app.app_context():
        return db.session().scalar(select(func.count()).select_from(User))


def edit_data(u: User, **changes) -> dict:
    """The edit form as the page shows it for ``u`` (ticked boxes are sent, unticked ones are not)."""
    data = {"display_name": u.display_name, "department": u.department.code, "role": u.role}
    if u.task_force_member:
        data["task_force_member"] = "y"
    if u.active:
        data["active"] = "y"
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def register_case(app, login) -> str:
    """A case registered by the water bureau; its first task (commitment letter) is in 夏村镇's inbox."""
    assert login("water.clerk").post("/cases/new", data=REGISTRATION).status_code == 302
    with app.app_context():
        return db.session().scalar(select(OpenTask.task_guid).where(OpenTask.department == "xiacun"))


def no_password_material(app, *passwords: str) -> None:
    """No event anywhere on the trail holds a password or a password hash."""
    with app.app_context():
        hashes = list(db.session().scalars(select(User.password_hash)))
    for event in events(app):
        text = json.dumps(event.data, ensure_ascii=False) + (event.title or "")
        for secret in (*passwords, *hashes, "scrypt:", "pbkdf2:"):
            assert secret not in text, (event.kind, text)


# -- who may use it ------------------------------------------------------------------------------

@pytest.mark.parametrize("username", ["water.clerk", "water.head", "leading_office.supervisor"])
def test_non_admins_are_refused_and_the_refusal_is_recorded(app, login, username):
    client = login(username)
    assert 'data-testid="nav-admin"' not in client.get("/inbox/").get_data(as_text=True)
    before = user_count(app)
    for method, path, data in (("get", "/admin/users", None), ("get", "/admin/users/new", None),
                               ("post", "/admin/users/new", NEW_USER), ("get", "/admin/users/1", None),
                               ("post", "/admin/users/1/password", {"pw-password": NEW_PASSWORD,
                                                                   "pw-confirm": NEW_PASSWORD}),
                               ("get", "/admin/departments", None),
                               ("post", "/admin/departments/2", {"name": "市水务局"})):
        response = getattr(client, method)(path, data=data)
        assert response.status_code == 403, path
        [denied] = refusals(app, actor=username, path=path, method=method.upper())
        assert denied.kind == "permission_denied"
    assert user_count(app) == before
    assert user(app, "zhang.san") is None
    assert user(app, "leading_office.supervisor").check_password(DEMO_PASSWORD)
    with app.app_context():
        assert db.session().scalar(select(Department.name).where(Department.code == "water")) == "市水利局"
    assert not [e for e in events(app) if e.kind.startswith(("user_", "department_"))]


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get("/admin/users")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_admins_see_the_menu_entry_and_the_pages(admin):
    assert 'data-testid="nav-admin"' in admin.get("/inbox/").get_data(as_text=True)
    for path in ("/admin/users", "/admin/users/new", "/admin/departments", "/admin/departments/1"):
        assert admin.get(path).status_code == 200, path


# -- creating users ------------------------------------------------------------------------------

def test_create_a_user_who_then_logs_in(app, admin, client):
    response = admin.post("/admin/users/new", data={**NEW_USER, "task_force_member": "y"})
    assert response.status_code == 302
    created = user(app, "zhang.san")
    assert (created.display_name, created.department.code, created.role, created.task_force_member,
            created.active) == ("张三", "water", "clerk", True, True)
    assert created.password_hash != NEW_PASSWORD and created.check_password(NEW_PASSWORD)
    assert created.inboxes == ["water", "task_force"]

    [event] = events(app, "user_created")
    assert (event.actor, event.actor_department) == ("admin", "leading_office")
    assert event.data == {"username": "zhang.san", "after": {
        "display_name": "张三", "department": "water", "role": "clerk", "task_force_member": True, "active": True,
        "mobile": None, "email": None}}
    no_password_material(app, NEW_PASSWORD)

    assert client.post("/login", data={"username": "zhang.san", "password": NEW_PASSWORD}).status_code == 302
    # The administrator knows the initial password: the person chooses their own before anything else.
    assert client.get("/inbox/").headers["Location"].endswith("/profile/password")
    assert client.post("/profile/password", data={"current": NEW_PASSWORD, "password": "own-secret-2026",
                                                  "confirm": "own-secret-2026"}).status_code == 302
    page = client.get("/inbox/").get_data(as_text=True)
    assert "张三" in page and 'data-testid="inbox-task_force"' in page


def test_duplicate_user_name_is_refused(app, admin):
    before = user_count(app)
    response = admin.post("/admin/users/new", data={**NEW_USER, "username": "water.clerk"})
    assert response.status_code == 422
    assert "用户名“water.clerk”已被使用" in response.get_data(as_text=True)
    assert user_count(app) == before
    assert user(app, "water.clerk").display_name == "市水利局经办人"
    assert not events(app, "user_created")
    # Two administrators creating the same name at once: the form's check passed for both, the
    # unique index refuses the second, with the same message.
    with app.test_request_context():
        session = db.session()
        with pytest.raises(service.AdminError, match="已被使用"):
            service.create_user(session, workflow.engine(), Actor("admin", "leading_office"), username="water.clerk",
                                display_name="重复", department=session.get(Department, 2), role="clerk",
                                task_force_member=False, password=NEW_PASSWORD)
        session.rollback()
    assert user_count(app) == before and not events(app, "user_created")


@pytest.mark.parametrize("username, message", [
    ("Zhang.San", "只能用小写英文字母"), ("张三", "只能用小写英文字母"), ("zhang san", "只能用小写英文字母"),
    (".zhang", "以字母或数字开头"), ("z", "2至64个字符"), ("", "请填写用户名")])
def test_user_names_are_checked(app, admin, username, message):
    response = admin.post("/admin/users/new", data={**NEW_USER, "username": username})
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    assert not events(app, "user_created")


def test_full_width_user_names_are_read_as_ascii(app, admin):
    assert admin.post("/admin/users/new", data={**NEW_USER, "username": "ｚｈａｎｇ．ｓａｎ"}).status_code == 302
    assert user(app, "zhang.san") is not None


def test_a_supervisor_must_belong_to_the_leading_office(app, admin):
    before = user_count(app)
    response = admin.post("/admin/users/new", data={**NEW_USER, "role": "supervisor"})
    assert response.status_code == 422
    assert "督办员只能是领导小组办公室的人员" in response.get_data(as_text=True)
    assert user_count(app) == before
    assert admin.post("/admin/users/new", data={**NEW_USER, "role": "supervisor",
                                                "department": "leading_office"}).status_code == 302
    assert user(app, "zhang.san").role == "supervisor"


@pytest.mark.parametrize("department, message", [("task_force", "整治专班本部门的人员"), ("xiacun", "镇（街道）人员")])
def test_task_force_secondment_is_refused_where_it_means_nothing(app, admin, department, message):
    response = admin.post("/admin/users/new", data={**NEW_USER, "department": department, "task_force_member": "y"})
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    assert user(app, "zhang.san") is None


@pytest.mark.parametrize("password, confirm, message", [
    ("short-pw1", "short-pw1", "密码应为10至128个字符"),
    ("12345678901234", "12345678901234", "密码不能全是数字"),
    ("１２３４５６７８９０１２", "１２３４５６７８９０１２", "密码不能全是数字"),  # full-width digits too
    (NEW_PASSWORD, NEW_PASSWORD + "x", "两次输入的密码不一致"),
    (NEW_PASSWORD, "", "请再次输入密码"),
])
def test_weak_or_mismatched_passwords_are_refused(app, admin, password, confirm, message):
    response = admin.post("/admin/users/new", data={**NEW_USER, "password": password, "confirm": confirm})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in page and "没有保存任何内容" in page
    assert password not in page  # a password is never sent back to the browser
    assert user(app, "zhang.san") is None
    assert not events(app, "user_created")


# -- the list ------------------------------------------------------------------------------------

def test_list_searches_filters_and_pages(make_app, login):
    app = make_app(PAGE_SIZE=5)
    admin = login("admin", on=app)

    def names(query: str) -> list[str]:
        response = admin.get("/admin/users" + query)
        assert response.status_code == 200
        page = response.get_data(as_text=True)
        return [u for u in (line.split('data-testid="user-')[1].split('"')[0]
                            for line in page.splitlines() if 'data-testid="user-' in line)]

    assert sorted(names("?q=inspector")) == sorted(f"{c}.inspector" for c in
                                                  ("water", "housing", "enforcement", "approval", "water_group"))
    assert names("?q=专班队员") and all(n.endswith(".inspector") for n in names("?q=专班队员"))
    assert names("?q=water_") == ["water_group.clerk", "water_group.inspector"]  # "_" is literal
    assert names("?department=water&role=head") == ["water.head"]
    assert names("?role=supervisor") == ["leading_office.supervisor"]
    with app.app_context():
        db.session().get(User, user(app, "xiacun.clerk").id).active = False
        db.commit()
    assert names("?active=0") == ["xiacun.clerk"]
    assert "xiacun.clerk" not in names("?active=1&department=xiacun")
    total = user_count(app)
    first = admin.get("/admin/users").get_data(as_text=True)
    assert f"共 {total} 人" in first and 'aria-label="分页"' in first
    pages = -(-total // 5)
    everyone = [n for p in range(1, pages + 1) for n in names(f"?page={p}")]
    assert len(names("")) == 5 and len(everyone) == total and len(set(everyone)) == total
    assert names(f"?page={pages + 5}") == names(f"?page={pages}")  # past the end: the last page
    bad = admin.get("/admin/users?role=boss")
    assert bad.status_code == 422 and "查询条件有误" in bad.get_data(as_text=True)


# -- editing users -------------------------------------------------------------------------------

def test_department_and_task_force_membership_change_the_inboxes(app, admin, login):
    clerk = login("water.clerk")
    assert 'data-testid="inbox-task_force"' not in clerk.get("/inbox/").get_data(as_text=True)
    target = user(app, "water.clerk")
    url = f"/admin/users/{target.id}"

    assert admin.post(url, data=edit_data(target, task_force_member="y")).status_code == 302
    assert user(app, "water.clerk").inboxes == ["water", "task_force"]
    assert 'data-testid="inbox-task_force"' in clerk.get("/inbox/").get_data(as_text=True)  # same session

    assert admin.post(url, data=edit_data(user(app, "water.clerk"), department="housing",
                                          display_name="住建局经办人")).status_code == 302
    moved = user(app, "water.clerk")
    assert moved.inboxes == ["housing", "task_force"] and moved.display_name == "住建局经办人"
    assert "市住建局 · 待办任务" in clerk.get("/inbox/").get_data(as_text=True)

    refused = admin.post(url, data=edit_data(moved, department="xiacun"))
    assert refused.status_code == 422 and "镇（街道）人员不抽调到整治专班" in refused.get_data(as_text=True)
    assert user(app, "water.clerk").department.code == "housing"

    assert admin.post(url, data=edit_data(moved, department="xiacun", task_force_member=None)).status_code == 302
    assert user(app, "water.clerk").inboxes == ["xiacun"]

    first, second, third = events(app, "user_updated")
    assert first.data == {"username": "water.clerk", "before": {"task_force_member": False},
                          "after": {"task_force_member": True}}
    assert second.data == {"username": "water.clerk",
                           "before": {"display_name": "市水利局经办人", "department": "water"},
                           "after": {"display_name": "住建局经办人", "department": "housing"}}
    assert third.data["before"] == {"department": "housing", "task_force_member": True}
    assert third.data["after"] == {"department": "xiacun", "task_force_member": False}
    assert (first.actor, first.title) == ("admin", "市水利局经办人（water.clerk）")


def test_a_supervisor_cannot_be_moved_out_of_the_leading_office(app, admin):
    target = user(app, "leading_office.supervisor")
    response = admin.post(f"/admin/users/{target.id}", data=edit_data(target, department="water"))
    assert response.status_code == 422 and "督办员只能是领导小组办公室的人员" in response.get_data(as_text=True)
    assert user(app, "leading_office.supervisor").department.code == "leading_office"


def test_saving_without_changes_records_nothing(app, admin):
    target = user(app, "water.clerk")
    response = admin.post(f"/admin/users/{target.id}", data=edit_data(target), follow_redirects=True)
    assert "没有改动" in response.get_data(as_text=True)
    assert not events(app, "user_updated")


def test_deactivated_users_cannot_log_in(app, admin, login, client):
    session_before = login("xiacun.clerk")
    target = user(app, "xiacun.clerk")
    assert admin.post(f"/admin/users/{target.id}", data=edit_data(target, active=None)).status_code == 302
    assert user(app, "xiacun.clerk").active is False

    response = client.post("/login", data={"username": "xiacun.clerk", "password": DEMO_PASSWORD})
    assert response.status_code == 401 and "该账号已停用" in response.get_data(as_text=True)
    assert events(app)[-1].data["reason"] == "inactive"
    # A session opened before the deactivation ends with it.
    assert session_before.get("/inbox/").status_code == 302

    [event] = events(app, "user_updated")
    assert event.data == {"username": "xiacun.clerk", "before": {"active": True}, "after": {"active": False}}
    assert 'data-testid="inactive"' in admin.get(f"/admin/users/{target.id}").get_data(as_text=True)

    assert admin.post(f"/admin/users/{target.id}", data=edit_data(user(app, "xiacun.clerk"), active="y")).status_code == 302
    assert client.post("/login", data={"username": "xiacun.clerk", "password": DEMO_PASSWORD}).status_code == 302


def test_an_admin_cannot_deactivate_themselves_or_drop_their_own_role(app, admin):
    me = user(app, "admin")
    url = f"/admin/users/{me.id}"
    assert "这是您自己的账号" in admin.get(url).get_data(as_text=True)
    response = admin.post(url, data=edit_data(me, active=None))
    assert response.status_code == 422 and "不能停用自己的账号" in response.get_data(as_text=True)
    response = admin.post(url, data=edit_data(me, role="clerk"))
    assert response.status_code == 422 and "不能取消自己的管理员角色" in response.get_data(as_text=True)
    still = user(app, "admin")
    assert (still.active, still.role) == (True, "admin")
    assert not events(app, "user_updated")
    # Everything else about one's own account may change.
    assert admin.post(url, data=edit_data(me, display_name="管理员甲")).status_code == 302
    assert user(app, "admin").display_name == "管理员甲"


def test_another_admin_may_be_demoted_but_never_the_last_active_one(app, admin):
    assert admin.post("/admin/users/new", data={**NEW_USER, "username": "admin2", "role": "admin",
                                                "department": "leading_office"}).status_code == 302
    second = user(app, "admin2")
    assert admin.post(f"/admin/users/{second.id}", data=edit_data(second, role="clerk")).status_code == 302
    assert user(app, "admin2").role == "clerk"
    # Two administrators demoting each other at the same moment: the service, under the row locks,
    # keeps the last active one.
    with app.test_request_context():
        session, me = db.session(), user(app, "admin")
        values = {"display_name": me.display_name, "department": session.get(Department, me.department_id),
                  "role": "clerk", "task_force_member": False, "active": True}
        with pytest.raises(service.AdminError, match="唯一在用的管理员"):
            service.update_user(session, workflow.engine(), Actor("admin2", "leading_office"), me.id, values)
        session.rollback()
    assert user(app, "admin").role == "admin"


def test_two_admins_demoting_each_other_at_once_leave_one_admin(app, admin):
    assert admin.post("/admin/users/new", data={**NEW_USER, "username": "admin2", "role": "admin",
                                                "department": "leading_office"}).status_code == 302
    engine, maker = app.extensions["workflow_engine"], app.extensions["sa_sessionmaker"]
    ids = {name: user(app, name).id for name in ("admin", "admin2")}
    barrier, results = threading.Barrier(2), {}

    def demote(actor: str, target: str) -> None:
        session = maker()
        try:
            barrier.wait(timeout=10)
            row = session.get(User, ids[target])
            values = {"display_name": row.display_name, "department": row.department, "role": "clerk",
                      "task_force_member": False, "active": True}
            service.update_user(session, engine, Actor(actor, "leading_office"), ids[target], values)
            session.commit()
            results[actor] = "demoted " + target
        except service.AdminError:
            session.rollback()
            results[actor] = "refused"
        finally:
            session.close()

    threads = [threading.Thread(target=demote, args=pair) for pair in (("admin", "admin2"), ("admin2", "admin"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(results.values()) in (["demoted admin", "refused"], ["demoted admin2", "refused"])
    with app.app_context():
        assert db.session().scalar(select(func.count()).select_from(User).where(User.role == "admin")) == 1


def test_password_reset(app, admin, client):
    target = user(app, "water.clerk")
    url = f"/admin/users/{target.id}/password"
    weak = admin.post(url, data={"pw-password": "1234567890", "pw-confirm": "1234567890"})
    assert weak.status_code == 422 and "密码不能全是数字" in weak.get_data(as_text=True)
    mismatch = admin.post(url, data={"pw-password": NEW_PASSWORD, "pw-confirm": "something-else"})
    assert mismatch.status_code == 422 and "两次输入的密码不一致" in mismatch.get_data(as_text=True)
    assert user(app, "water.clerk").check_password(DEMO_PASSWORD)
    assert not events(app, "user_password_reset")

    assert admin.post(url, data={"pw-password": NEW_PASSWORD, "pw-confirm": NEW_PASSWORD}).status_code == 302
    old = client.post("/login", data={"username": "water.clerk", "password": DEMO_PASSWORD})
    assert old.status_code == 401 and "用户名或密码不正确" in old.get_data(as_text=True)
    assert client.post("/login", data={"username": "water.clerk", "password": NEW_PASSWORD}).status_code == 302

    [event] = events(app, "user_password_reset")
    assert (event.actor, event.data) == ("admin", {"username": "water.clerk"})
    no_password_material(app, NEW_PASSWORD, DEMO_PASSWORD)


def test_claimed_tasks_are_pointed_out_when_their_holder_leaves(app, admin, login):
    guid = register_case(app, login)
    assert login("xiacun.clerk").post(f"/tasks/{guid}/claim").status_code == 302
    target = user(app, "xiacun.clerk")
    assert 'data-testid="claimed"' in admin.get(f"/admin/users/{target.id}").get_data(as_text=True)
    response = admin.post(f"/admin/users/{target.id}", data=edit_data(target, active=None), follow_redirects=True)
    assert "还有 1 项已认领的待办任务" in response.get_data(as_text=True)


# -- departments ---------------------------------------------------------------------------------

def test_department_list_and_rename(app, admin, login):
    listing = admin.get("/admin/departments").get_data(as_text=True)
    assert listing.count('data-testid="department-') == 33
    assert "代码 <code>water</code> · 用户 3 人" in listing  # water.clerk, water.head, water.inspector
    water = user(app, "water.clerk").department
    page = admin.get(f"/admin/departments/{water.id}").get_data(as_text=True)
    assert "不能修改" in page and "<code>water</code>" in page

    taken = admin.post(f"/admin/departments/{water.id}", data={"name": "市住建局"})
    assert taken.status_code == 422 and "部门名称不能重复" in taken.get_data(as_text=True)
    blank = admin.post(f"/admin/departments/{water.id}", data={"name": "  "})
    assert blank.status_code == 422 and "请填写部门名称" in blank.get_data(as_text=True)
    assert not events(app, "department_updated")

    assert admin.post(f"/admin/departments/{water.id}", data={"name": " 市水务局 "}).status_code == 302
    with app.app_context():
        renamed = db.session().get(Department, water.id)
        assert (renamed.code, renamed.name) == ("water", "市水务局")
    clerk = login("water.clerk")
    assert "<h1 class=\"h4 mb-0\">市水务局 · 待办任务</h1>" in clerk.get("/inbox/").get_data(as_text=True)
    [event] = events(app, "department_updated")
    assert (event.actor, event.data) == ("admin", {"code": "water", "before": {"name": "市水利局"},
                                                   "after": {"name": "市水务局"}})
    # The audit trail names the event in Chinese.
    trail = admin.get("/supervise/audit?kind=department_updated").get_data(as_text=True)
    assert "修改部门名称" in trail


def test_unknown_ids_are_404(admin):
    assert admin.get("/admin/users/9999").status_code == 404
    assert admin.get("/admin/departments/9999").status_code == 404


# -- what administrators still cannot do --------------------------------------------------------

def test_admins_gain_no_right_to_complete_other_departments_tasks(app, admin, login):
    guid = register_case(app, login)
    response = admin.post(f"/tasks/{guid}", data={"signed_on": "2026-03-02", "signatory": "甲"})
    assert response.status_code in (403, 409)  # refused (by webapp/permissions.py, not by this module)
    assert not events(app, "task_completed")
    with app.app_context():
        assert db.session().scalar(select(OpenTask.task_guid).where(OpenTask.task_guid == guid)) == guid


def test_admin_cannot_move_themselves_into_a_lane(app, login):
    """Moving oneself into a department or the task force would open its tasks to the administrator."""
    admin = login("admin")
    with app.app_context():
        me = db.session().scalar(select(User).where(User.username == "admin"))
    page = admin.get(f"/admin/users/{me.id}")
    assert page.status_code == 200
    base = {"display_name": "系统管理员", "department": "leading_office", "role": "admin", "active": "y"}
    moved = admin.post(f"/admin/users/{me.id}", data={**base, "department": "water"})
    assert moved.status_code == 422 and "不能更改自己所在的部门" in moved.get_data(as_text=True)
    seconded = admin.post(f"/admin/users/{me.id}", data={**base, "task_force_member": "y"})
    assert seconded.status_code == 422 and "不能更改自己的专班抽调" in seconded.get_data(as_text=True)
    with app.app_context():
        me = db.session().scalar(select(User).where(User.username == "admin"))
        assert (me.department.code, me.task_force_member) == ("leading_office", False)
