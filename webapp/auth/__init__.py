"""Log-in and log-out (routes.py), the failed log-in limits (login_limits.py), and the session check
every request makes (``load_user`` below: the blueprint's package holds the login manager, so that the
other features' gates use it without importing the log-in pages).
"""
from __future__ import annotations

import hmac

from flask import Blueprint
from flask_login import LoginManager
from sqlalchemy import bindparam, select

from .. import directory, working_calendar
from ..core import db, kept
from ..directory import people
from ..models import User
from ..working_calendar import service as calendar_service

bp = Blueprint("auth", __name__)
login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = "请先登录。"
login_manager.login_message_category = "warning"

# The first statement of every request, built once (a statement built per call costs more Python than
# the database spends answering it); the department comes with the account (User.department is joined),
# and so do the revisions of what each worker keeps in memory — the departments' names, the accounts and
# the office's calendar — so that no page spends a statement of its own to know its copy is current.
_ACCOUNT = select(User, directory.REVISION, people.REVISION, calendar_service.REVISION).where(
    User.id == bindparam("user_id"))


@login_manager.user_loader
def load_user(session_id: str):
    # "<id>:<token>": the token changes with the password and the session version (log-out,
    # deactivation), so each of them ends every open session and remembered log-in (User.get_id).
    user_id, _, token = session_id.partition(":")
    if not user_id.isdigit():
        return None
    row = db.session().execute(_ACCOUNT, {"user_id": int(user_id)}).one_or_none()
    if row is None:
        return None
    user, directory_revision, people_revision, calendar_revision = row
    kept.seen(directory.KEPT, directory_revision)
    kept.seen(people.KEPT, people_revision)
    kept.seen(working_calendar.KEPT, calendar_revision or 0)  # 0: no year stored yet
    if not user.active or not hmac.compare_digest(token, user.session_token):
        return None
    return user
