"""A town's ledger (台账) of water users and wells: the blank template and the import.

``/ledger/template.xlsx`` (one column per registration field, drop-down lists), ``/ledger/import``
(every row checked with the registration form; all or nothing; re-importing skips wells already
registered), ``/ledger/import/report`` (the upload with its errors marked). For the units that may
register wells (``can_register``); a town imports only its own town's wells.
"""
from __future__ import annotations

from flask import Blueprint
from flask_login import current_user

from ..auth import login_manager
from ..permissions import can_register, require

bp = Blueprint("ledger", __name__, url_prefix="/ledger")


@bp.before_request
def _only_registrars():
    # One gate for every page and post of the blueprint: a route cannot forget it.
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    require(can_register(current_user))
    return None

