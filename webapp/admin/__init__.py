"""User and department administration (管理员 only; everyone else gets a 403 that is recorded).

``/admin/users``: list, create, edit, deactivate, reset passwords. ``/admin/departments``: list, rename.
``/admin/villages``: each town's list of villages (村居名单) that registrations are checked against.
Every change is one transaction, committed once in the route, and one audit event with before/after
values (never a password or its hash). Administrators gain no right to act on tasks here.
"""
from __future__ import annotations

from flask import Blueprint
from flask_login import current_user

from ..auth import login_manager
from ..permissions import is_admin, require

bp = Blueprint("admin", __name__, url_prefix="/admin")

@bp.before_request
def _only_admins():
    # One gate for every page and post of the blueprint: a route cannot forget it.
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    require(is_admin(current_user))
    return None
