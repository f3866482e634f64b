"""Saving and deleting a case-list search (cases blueprint): thin routes over saved/service.py."""
from __future__ import annotations

from urllib.parse import parse_qsl

from flask import flash, redirect, url_for
from flask_login import current_user, login_required
from werkzeug.datastructures import MultiDict

from ...core import db, unit_of_work, workflow
from ...core.feedback import flash_errors
from ...permissions import can_share_filter
from .. import bp
from ..search import query_string, search_form, step_titles
from . import service
from .forms import SaveFilterForm


def save_form(user, **kwargs) -> SaveFilterForm:
    return SaveFilterForm.for_user(can_share_filter(user), **kwargs)


@bp.post("/filters")
@login_required
def save_filter():
    form = save_form(current_user)
    if not form.validate_on_submit():
        flash_errors(form)
        return redirect(url_for("cases.index"))
    args = MultiDict(parse_qsl(form.query.data or ""))
    search = search_form(args, _step_titles())
    if not search.validate():
        flash("查询条件有误，未保存：" + "；".join(m for ms in search.errors.values() for m in ms), "danger")
        return redirect(url_for("cases.index"))
    query = query_string(args)
    shared = bool("shared" in form and form.shared.data)
    unit_of_work.run(lambda: service.save(db.session(), current_user, form.name.data, query, shared))
    flash(f"已保存查询“{form.name.data}”" + ("，本部门同事都能使用。" if shared else "。"), "success")
    return redirect(url_for("cases.index") + ("?" + query if query else "?clear=1"))


@bp.post("/filters/<int:filter_id>/delete")
@login_required
def delete_filter(filter_id: int):
    session = db.session()
    row = service.owned(session, current_user, filter_id)
    if row is None:
        flash("只能删除自己保存的查询。", "danger")
        return redirect(url_for("cases.index"))
    name = row.name
    unit_of_work.run(lambda: session.delete(row))
    flash(f"已删除查询“{name}”。", "success")
    return redirect(url_for("cases.index"))


def _step_titles() -> dict[str, str]:
    return step_titles(workflow.engine())
