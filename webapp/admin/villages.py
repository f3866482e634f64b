"""村居名单: per town, the villages the registration and the ledger import accept."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from wtforms.fields import SubmitField
from wtforms.validators import Length, ValidationError

from forms.base import ZhForm
from forms.fields import StrippedTextAreaField

from .. import directory
from ..core import db, workflow
from ..directory import villages
from ..directory.departments import TOWN
from . import bp


class VillageListForm(ZhForm):
    names = StrippedTextAreaField("村（社区）名单", [Length(max=20000)],
                                  description="每行一个，或用顿号、逗号分隔；清空则该镇（街道）不再核对村名")
    submit = SubmitField("保存")

    def validate_names(self, field) -> None:
        too_long = [n for n in villages.parse(field.data or "") if len(n) > villages.MAX_NAME]
        if too_long:
            raise ValidationError(f"名称过长（最多{villages.MAX_NAME}个字）：{too_long[0][:20]}…")


@bp.get("/villages")
def village_lists():
    known = villages.lists(db.session())
    return render_template("admin/villages.html", towns=directory.choices(TOWN), known=known)


@bp.route("/villages/<town>", methods=["GET", "POST"])
def edit_villages(town: str):
    names = dict(directory.choices(TOWN))
    if town not in names:
        abort(404)
    session = db.session()
    current = villages.lists(session).get(town, [])
    form = VillageListForm() if request.method == "POST" else VillageListForm(
        formdata=None, data={"names": "\n".join(current)})
    if form.validate_on_submit():
        before, after = villages.replace(session, town, villages.parse(form.names.data or ""))
        if before == after:
            flash("名单没有改动，未保存。", "info")
            return redirect(url_for(".village_lists"))
        workflow.engine().record(session, "villages_updated", actor=current_user.actor, title=names[town],
                                 data={"town": town, "before": before, "after": after})
        db.commit()
        flash(f"已保存{names[town]}的村（社区）名单：{len(after)} 个。", "success")
        return redirect(url_for(".village_lists"))
    return render_template("admin/village_edit.html", town=town, town_name=names[town], form=form), \
        422 if form.is_submitted() else 200
