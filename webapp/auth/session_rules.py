"""What every page request checks about the session, after ``load_user``:

* **Idle sessions end** after WELLS_IDLE_MINUTES without a request (default 30): the time of the last
  request is kept in the signed session cookie; a request after the idle time logs the session out on the
  server (and clears the remember cookie), so it ends without any script. ``static/idle.js`` warns a
  minute before and lets the person carry on (``/session/keepalive``); typing in a long form counts as
  activity, so an inspection filled in on site is not lost.
* **A password set by an administrator** (create, reset: ``User.must_change_password``) leads every page to
  修改密码 until the person has chosen their own; only that page and 退出 stay open.

The REST API (``/api/v1``) has no session and is not concerned.
"""
from __future__ import annotations

import time

from flask import current_app, flash, jsonify, redirect, request, session, url_for
from flask_login import current_user, login_required, logout_user, user_logged_in
from flask_wtf import FlaskForm

from . import bp

SEEN = "seen"  # the session key: UNIX time of the session's last request
OPEN_WHEN_FORCED = {"auth.change_password", "auth.logout", "auth.login", "static", "bootstrap.static"}


def _concerned() -> bool:
    return not (request.endpoint in (None, "static", "bootstrap.static") or request.path.startswith("/api/"))


@user_logged_in.connect
def _start_the_clock(_app, **_extra) -> None:
    # A "seen" left from an earlier session in this browser must not end the new one at once.
    session[SEEN] = time.time()


@bp.before_app_request
def end_idle_session():
    if not _concerned() or not current_user.is_authenticated:
        return None
    now, idle = time.time(), current_app.config["IDLE_MINUTES"] * 60
    seen = session.get(SEEN)
    if seen is not None and now - seen > idle:
        logout_user()  # also drops the remember cookie: it must not log the idle session back in
        session.pop(SEEN, None)
        flash(f"您已超过 {current_app.config['IDLE_MINUTES']} 分钟没有操作，为保护账号已自动退出，请重新登录。",
              "warning")
        target = request.full_path.rstrip("?") if request.method == "GET" else None
        return redirect(url_for("auth.login", next=target) if target else url_for("auth.login"))
    session[SEEN] = now
    return None


@bp.before_app_request
def require_own_password():
    if not _concerned() or not current_user.is_authenticated or not current_user.must_change_password:
        return None
    if request.endpoint in OPEN_WHEN_FORCED:
        return None
    return redirect(url_for("auth.change_password"))


@bp.post("/session/keepalive")
@login_required
def keepalive():
    """The warning's 继续使用 (and activity in the page): the request itself renewed the session."""
    if not FlaskForm().validate_on_submit():
        return jsonify({"ok": False}), 400
    return jsonify({"ok": True, "idle_seconds": current_app.config["IDLE_MINUTES"] * 60})
