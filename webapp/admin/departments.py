"""Departments: the 33 units of the plan are fixed; an administrator may correct a Chinese name."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from .. import directory
from ..core import db, workflow
from ..models import Department
from . import bp, service
from .forms import DepartmentForm
from .queries import department_list

KINDS = {"office": "协调机构", "bureau": "市直部门", "task_force": "整治专班", "town": "镇（街道）"}


@bp.get("/departments")
def departments():
    return render_template("admin/departments.html", rows=department_list(db.session()), kinds=KINDS)


@bp.route("/departments/<int:department_id>", methods=["GET", "POST"])
def edit_department(department_id: int):
    department = db.session().get(Department, department_id) or abort(404)
    form = DepartmentForm() if request.method == "POST" else DepartmentForm(formdata=None, data={"name": department.name})
    form.department = department
    if form.validate_on_submit():
        change = service.rename_department(db.session(), workflow.engine(), current_user.actor,
                                           department.id, form.name.data)
        if not change:
            flash("名称没有改动，未保存。", "info")
            return redirect(url_for(".departments"))
        db.commit()
        directory.forget()
        flash(f"已将 {department.code} 的名称由“{change['before']['name']}”改为“{change['after']['name']}”，"
              "已记入审计记录。", "success")
        return redirect(url_for(".departments"))
    return render_template("admin/department_edit.html", department=department, form=form, kinds=KINDS), \
        422 if form.is_submitted() else 200
