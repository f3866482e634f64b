"""Log-in and log-out. Failed log-ins are rate-limited per client address."""
from __future__ import annotations

import hmac
from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager, current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import BooleanField, PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, Length

from engine import Actor

from . import db, workflow
from .models import User

bp = Blueprint("auth", __name__)
login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = "请先登录。"
login_manager.login_message_category = "warning"
limiter = Limiter(key_func=get_remote_address, default_limits=[])


@login_manager.user_loader
def load_user(session_id: str):
    # "<id>:<token>": the token changes with the password, so a reset ends every open session and
    # every remembered log-in of the account (User.get_id).
    user_id, _, token = session_id.partition(":")
    if not user_id.isdigit():
        return None
    user = db.session().get(User, int(user_id))
    if user is None or not hmac.compare_digest(token, user.session_token):
        return None
    return user


class LoginForm(FlaskForm):
    username = StringField("用户名", validators=[DataRequired("请输入用户名。"), Length(max=64)])
    password = PasswordField("密码", validators=[DataRequired("请输入密码。"), Length(max=128)])
    remember = BooleanField("在这台设备上保持登录")
    submit = SubmitField("登录")


def _login_limit() -> str:
    return current_app.config["LOGIN_LIMIT"]


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"], deduct_when=lambda response: response.status_code != 302)
def login():
    if current_user.is_authenticated:
        return redirect(url_for("inbox.index"))
    form = LoginForm()
    if form.validate_on_submit():
        session = db.session()
        username = form.username.data.strip()
        user = session.scalar(select(User).where(User.username == username))
        actor = Actor(username, user.department.code if user else None)
        ip = {"ip": request.remote_addr}
        if user is None or not user.check_password(form.password.data):
            form.password.errors.append("用户名或密码不正确。")
            reason = "unknown_user" if user is None else "wrong_password"
        elif not user.active:
            form.username.errors.append("该账号已停用，请联系系统管理员。")
            reason = "inactive"
        else:
            login_user(user, remember=form.remember.data)
            workflow.engine().record(session, "login", actor=actor, data=ip)
            db.commit()
            flash(f"欢迎，{user.display_name}。", "success")
            return redirect(_safe_next(request.args.get("next")) or url_for("inbox.index"))
        workflow.engine().record(session, "login_failed", actor=actor, data={**ip, "reason": reason})
        db.commit()
        return render_template("auth/login.html", form=form), 401
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
@login_required
def logout():
    form = FlaskForm()
    if form.validate_on_submit():
        workflow.engine().record(db.session(), "logout",
                                 actor=Actor(current_user.username, current_user.department.code))
        db.commit()
        logout_user()
        flash("您已退出登录。", "info")
    return redirect(url_for("auth.login"))


def _safe_next(target: str | None) -> str | None:
    """Only a path on this site: an open redirect after log-in is a phishing aid.

    Browsers drop tabs and line breaks and read a backslash as a slash, so "/\t/evil" and "/\\evil" are
    other sites: any of those characters, a scheme or a host refuses the target.
    """
    if not target or any(c in target for c in "\t\r\n\\") or not target.startswith("/"):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or target.startswith("//"):
        return None
    return target
