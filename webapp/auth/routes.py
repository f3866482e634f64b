"""Log-in and log-out.

Sessions end on the server: the session and the remember cookie carry ``User.get_id()``, whose token
changes with the password and with the account's session version, raised at log-out and deactivation;
``load_user`` checks it on every request. Failed log-ins are limited per account and per client address
(login_limits.py). An unknown user name costs one password hash like a known one, so the answer's time
does not tell which names exist.
"""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app, flash, g, redirect, render_template, request, url_for
from flask import session as cookie
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash
from wtforms import BooleanField, PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, Length

from engine import Actor

from ..core import db, workflow
from ..models import User
from . import bp
from .login_limits import AccountCount, Blocked, LimiterUnavailable, limits, lock_end_text

_dummy_hash: str | None = None


def _password_matches(user: User | None, password: str) -> bool:
    """Hash the password once whether or not the account exists: an unknown name takes as long."""
    global _dummy_hash
    if user is not None:
        return check_password_hash(user.password_hash, password)
    if _dummy_hash is None:  # same method and cost as real hashes (generate_password_hash's default)
        _dummy_hash = generate_password_hash("not a password of anyone")
    check_password_hash(_dummy_hash, password)
    return False


class LoginForm(FlaskForm):
    username = StringField("用户名", validators=[DataRequired("请输入用户名。"), Length(max=64)])
    password = PasswordField("密码", validators=[DataRequired("请输入密码。"), Length(max=128)])
    remember = BooleanField("在这台设备上保持登录")
    submit = SubmitField("登录")


def _blocked_message(blocked: Blocked) -> str:
    if blocked.scope == "account":
        return (f"该账号密码输错次数过多，已暂时锁定，请于 {lock_end_text(blocked.retry_at)} 后再试。"
                "如急需登录，请联系系统管理员在“用户管理”中解除锁定。")
    return (f"您所在网络的登录失败次数过多，请于 {lock_end_text(blocked.retry_at)} 后再试。"
            "如多人无法登录，请联系系统管理员。")


# Tries left at which the clerk is warned: early enough to stop and ask, late enough not to nag on one typo.
WARN_WHEN_TRIES_LEFT = 2


def _wrong_password_message(count: AccountCount | None) -> str:
    """The refusal, with the coming lock-out once few tries are left. It depends only on the typed name's
    count, never on whether the name exists, so it tells nothing about which accounts there are."""
    if count is None or count.remaining > WARN_WHEN_TRIES_LEFT:
        return "用户名或密码不正确。"
    if count.remaining == 0:
        return (f"用户名或密码不正确。该账号已暂时锁定，请于 {lock_end_text(count.window_end)} 后再试；"
                "如急需登录，请联系系统管理员在“用户管理”中解除锁定。")
    return (f"用户名或密码不正确，再错 {count.remaining} 次该账号将被暂时锁定"
            f"（至 {lock_end_text(count.window_end)}），请核对后再输入。")


def _refused(form: LoginForm, message: str, status: int):
    form.password.errors.append(message)
    return render_template("auth/login.html", form=form), status


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("inbox.index"))
    form = LoginForm()
    if not form.validate_on_submit():
        return render_template("auth/login.html", form=form)
    session = db.session()
    username = form.username.data.strip()
    address = request.remote_addr or ""
    guard = limits()
    try:
        blocked = guard.blocked(username, address)
    except LimiterUnavailable:
        return _refused(form, "登录服务暂时不可用，请稍后再试；如持续出现请联系系统管理员。", 503)
    user = session.scalar(select(User).where(User.username == username))
    actor = Actor(username, user.department.code if user else None)
    ip = {"ip": address}
    if blocked is not None:
        # The password is not even checked: a locked account cannot be guessed at during its lock-out.
        workflow.engine().record(session, "login_failed", actor=actor,
                                 data={**ip, "reason": f"locked_{blocked.scope}"})
        db.commit()
        return _refused(form, _blocked_message(blocked), 429)
    if not _password_matches(user, form.password.data):
        reason = "unknown_user" if user is None else "wrong_password"
        try:
            count = guard.failed(username, address)
        except LimiterUnavailable:
            count = None  # the refusal stands; the audit event below still records the attempt
        form.password.errors.append(_wrong_password_message(count))
    elif not user.active:
        form.username.errors.append("该账号已停用，请联系系统管理员。")
        reason = "inactive"
    else:
        try:
            guard.succeeded(username)
        except LimiterUnavailable:
            pass
        login_user(user, remember=form.remember.data)
        _rotate_csrf_token()
        workflow.engine().record(session, "login", actor=actor, data=ip)
        db.commit()
        flash(f"欢迎，{user.display_name}。", "success")
        return redirect(_safe_next(request.args.get("next")) or url_for("inbox.index"))
    workflow.engine().record(session, "login_failed", actor=actor, data={**ip, "reason": reason})
    db.commit()
    return render_template("auth/login.html", form=form), 401


def _rotate_csrf_token() -> None:
    """A token seen before log-in (on a shared PC, in a proxy's log) must not sign the user's forms."""
    field = current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
    cookie.pop(field, None)
    g.pop(field, None)


@bp.post("/logout")
@login_required
def logout():
    form = FlaskForm()
    if form.validate_on_submit():
        session = db.session()
        workflow.engine().record(session, "logout",
                                 actor=Actor(current_user.username, current_user.department.code))
        # Ends this session on the server: a copy of its cookie, or a remembered log-in, loads nothing now.
        # It ends the account's sessions on its other devices too (one version per account).
        session.get(User, current_user.id).end_sessions()
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
