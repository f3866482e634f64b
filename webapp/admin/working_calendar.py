"""工作日历: the years' holiday arrangements the office entered, with a preview before saving."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import select

from rules.timezone import today_in_china

from ..core import db, workflow
from ..working_calendar import service
from ..working_calendar.forms import CalendarYearForm
from ..working_calendar.tables import CalendarYear
from . import bp


@bp.get("/calendar")
def calendar_years():
    return render_template("admin/calendar.html", years=service.year_list(db.session(), today_in_china()))


@bp.get("/calendar/<int:year>")
def calendar_year(year: int):
    row = db.session().scalar(select(CalendarYear).where(CalendarYear.year == year)) or abort(404)
    return render_template("admin/calendar_year.html", row=row)


@bp.route("/calendar/enter", methods=["GET", "POST"])
def enter_calendar():
    form = CalendarYearForm()
    if not form.validate_on_submit():
        return render_template("admin/calendar_enter.html", form=form, changes=None), 422 if form.is_submitted() else 200
    parsed = form.parsed
    if not form.save.data:
        return render_template("admin/calendar_enter.html", form=form, parsed=parsed,
                               changes=service.preview(parsed), source=service.current_source(parsed.year))
    entry = service.enter_year(db.session(), workflow.engine(), current_user.actor, parsed, form.text.data)
    db.commit()
    service.forget()
    service.ensure_current(db.session())
    kept = f"；{len(entry.kept)} 个期限由督办人员调整过，未改动" if entry.kept else ""
    flash(f"已保存 {entry.year} 年工作日历（与此前相比 {entry.changed_days} 天有变化），"
          f"重新计算了 {len(entry.moved)} 个暂定期限{kept}。已记入审计记录。", "success")
    return redirect(url_for(".calendar_years"))
