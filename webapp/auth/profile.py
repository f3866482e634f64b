"""个人设置: a person's own contact details, reminder channels and password.

The password is changed with the current one (a session left open on a shared PC must not let a passer-by
take the account). A password an administrator set (``User.must_change_password``) leads every page here
until it is replaced (``session_rules.py``). Changing it ends the account's other sessions (the session
token follows the password hash) and keeps this one: the person is logged in again with the new token.
"""
from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_login import current_user, login_required, login_user

from ..core import db, workflow
from ..models import User
from . import bp
from .forms import ChangePasswordForm, ProfileForm

CHANNELS = ("notify_email", "notify_sms", "notify_robot")


def _profile_page(form: ProfileForm | None = None, status: int = 200):
    user = current_user
    if form is None:
        form = ProfileForm(formdata=None, data={"mobile": user.mobile, "email": user.email,
                                                **{name: getattr(user, name) for name in CHANNELS}})
    return render_template("auth/profile.html", form=form), status


@bp.get("/profile")
@login_required
def profile():
    return _profile_page()


@bp.post("/profile")
@login_required
def save_profile():
    form = ProfileForm()
    if not form.validate_on_submit():
        return _profile_page(form, 422)
    session = db.session()
    user = session.get(User, current_user.id)
    after = {"mobile": form.mobile.data or None, "email": form.email.data or None,
             **{name: bool(form[name].data) for name in CHANNELS}}
    before = {name: getattr(user, name) for name in after}
    changed = [name for name in after if after[name] != before[name]]
    if not changed:
        flash("没有改动，未保存。", "info")
        return redirect(url_for(".profile"))
    for name in changed:
        setattr(user, name, after[name])
    workflow.engine().record(session, "profile_updated", actor=user.actor, title=f"{user.display_name}（{user.username}）",
                             data={"username": user.username, "before": {k: before[k] for k in changed},
                                   "after": {k: after[k] for k in changed}})
    db.commit()
    flash("已保存个人设置。", "success")
    return redirect(url_for(".profile"))


@bp.route("/profile/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    if not form.validate_on_submit():
        status = 422 if form.is_submitted() else 200
        return render_template("auth/password.html", form=form, forced=current_user.must_change_password), status
    session = db.session()
    user = session.get(User, current_user.id)
    if not user.check_password(form.current.data):
        form.current.errors.append("当前密码不正确，请重新输入。")
        return render_template("auth/password.html", form=form, forced=user.must_change_password), 422
    user.set_password(form.password.data)
    user.must_change_password = False
    workflow.engine().record(session, "password_changed", actor=user.actor,
                             title=f"{user.display_name}（{user.username}）", data={"username": user.username})
    db.commit()
    # The new hash changed the session token: other devices are logged out; this one carries on.
    login_user(user)
    flash("密码已修改。其他设备上的登录已退出，请用新密码重新登录。", "success")
    return redirect(url_for("inbox.index"))
