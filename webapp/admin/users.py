"""Accounts: list and search, create, edit (deactivate rather than delete), reset a password."""
from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm

from .. import directory
from ..auth.login_limits import LimiterUnavailable, limits, lock_end_text
from ..core import db, unit_of_work, workflow
from ..models import User
from . import bp, service
from .forms import CreateUserForm, EditUserForm, PasswordForm, UserSearchForm
from .queries import UserFilters, claimed_tasks, user_list

ACTIVE = {"1": True, "0": False}


@bp.get("/users")
def users():
    form = UserSearchForm(request.args)
    form.department.choices = directory.choices()
    if not form.validate():
        return render_template("admin/users.html", form=form, rows=[], total=0, page=1, pages=1, args={}), 422
    filters = UserFilters(q=form.q.data or None, department=form.department.data or None,
                          role=form.role.data or None, active=ACTIVE.get(form.active.data))
    rows, total, page, pages = user_list(db.session(), filters, request.args.get("page", 1, type=int),
                                         current_app.config["PAGE_SIZE"])
    args = {name: form[name].data for name in ("q", "department", "role", "active") if form[name].data}
    return render_template("admin/users.html", form=form, rows=rows, total=total, page=page, pages=pages, args=args)


@bp.route("/users/new", methods=["GET", "POST"])
def new_user():
    form = CreateUserForm()
    form.load_choices()
    if form.validate_on_submit():
        done = unit_of_work.run(lambda: service.create_user(
            db.session(), workflow.engine(), current_user.actor, username=form.username.data,
            display_name=form.display_name.data, department=form.department_row, role=form.role.data,
            task_force_member=bool(form.task_force_member.data), password=form.password.data,
            mobile=form.mobile.data or None, email=form.email.data or None), service.AdminError)
        if not done:
            form[done.error.field].errors.append(str(done.error))
            return render_template("admin/user_new.html", form=form), 422
        user = done.value
        flash(f"已建立用户 {user.display_name}（{user.username}），请将初始密码当面或电话告知本人；"
              "本人首次登录时须改为自己的密码。", "success")
        return redirect(url_for(".edit_user", user_id=user.id))
    return render_template("admin/user_new.html", form=form), 422 if form.is_submitted() else 200


def _user(user_id: int) -> User:
    return db.session().get(User, user_id) or abort(404)


def _edit_page(user: User, form: EditUserForm | None = None, password_form: PasswordForm | None = None,
               status: int = 200):
    if form is None:
        form = EditUserForm(formdata=None, data={
            "display_name": user.display_name, "department": user.department.code, "role": user.role,
            "task_force_member": user.task_force_member, "active": user.active, "mobile": user.mobile,
            "email": user.email})
        form.load_choices()
    locked = limits().is_locked(user.username)
    return render_template("admin/user_edit.html", user=user, form=form,
                           password_form=password_form or PasswordForm(formdata=None, prefix="pw"),
                           locked_until=lock_end_text(locked) if locked else None, unlock_form=FlaskForm(),
                           claimed=claimed_tasks(db.session(), user.username), is_self=user.id == current_user.id), status


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
def edit_user(user_id: int):
    user = _user(user_id)
    if request.method == "GET":
        return _edit_page(user)
    form = EditUserForm()
    form.load_choices()
    form.user, form.editor = user, current_user
    if not form.validate_on_submit():
        return _edit_page(user, form=form, status=422)
    done = unit_of_work.run(lambda: service.update_user(
        db.session(), workflow.engine(), current_user.actor, user.id, form.values()), service.AdminError)
    if not done:
        form[done.error.field].errors.append(str(done.error))
        return _edit_page(_user(user_id), form=form, status=409)
    change = done.value
    if not change:  # update_user wrote nothing: the commit kept nothing
        flash("没有改动，未保存。", "info")
        return redirect(url_for(".edit_user", user_id=user.id))
    flash(f"已保存 {user.display_name}（{user.username}）的修改，已记入审计记录。", "success")
    after = change["after"]
    if ("department" in after or after.get("active") is False) and (claimed := claimed_tasks(db.session(), user.username)):
        flash(f"该用户名下还有 {claimed} 项已认领的待办任务，仍在其名下：请原部门负责人退回或改派。", "warning")
    return redirect(url_for(".edit_user", user_id=user.id))


@bp.post("/users/<int:user_id>/password")
def reset_password(user_id: int):
    user = _user(user_id)
    form = PasswordForm(prefix="pw")
    if not form.validate_on_submit():
        return _edit_page(user, password_form=form, status=422)
    service.reset_password(db.session(), workflow.engine(), current_user.actor, user, form.password.data)
    db.commit()
    flash(f"已重设 {user.display_name}（{user.username}）的密码，请告知本人，旧密码已不能登录；"
          "本人下次登录时须改为自己的密码。", "success")
    return redirect(url_for(".edit_user", user_id=user.id))


@bp.post("/users/<int:user_id>/unlock")
def unlock(user_id: int):
    """Lift a lock-out after failed log-ins (the clerk phoned in, the guesses were a colleague's typos)."""
    user = _user(user_id)
    if not FlaskForm().validate_on_submit():
        return _edit_page(user, status=400)
    try:
        limits().unlock(user.username)
    except LimiterUnavailable:
        db.session().rollback()
        flash("登录限制的计数暂时无法访问，未能解除锁定，请稍后再试。", "danger")
        return redirect(url_for(".edit_user", user_id=user.id))
    workflow.engine().record(db.session(), "login_unlocked", actor=current_user.actor,
                             title=f"{user.display_name}（{user.username}）", data={"username": user.username})
    db.commit()
    flash(f"已解除 {user.display_name}（{user.username}）的登录锁定，本人现在可以重新登录。", "success")
    return redirect(url_for(".edit_user", user_id=user.id))


@bp.get("/")
def index():
    return redirect(url_for(".users"))
