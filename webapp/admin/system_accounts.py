"""系统账号: the accounts other systems call the REST API with — scopes, towns, expiry; the token is shown
once when issued and stored only as its SHA-256; revoking stops it at once, re-issuing replaces it."""
from __future__ import annotations

from datetime import datetime, time, timedelta

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import select
from wtforms.fields import SubmitField
from wtforms.validators import Length, ValidationError

from engine.tables import utcnow
from forms.base import ZhForm
from forms.common import long_text
from forms.fields import MultiCheckboxField, StrippedStringField, ZhDateField
from forms.validators import Pattern, Required
from rules.timezone import CHINA, today_in_china

from .. import directory
from ..api import accounts, scopes
from ..api.tables import ApiAccount
from ..core import db, unit_of_work, workflow
from ..directory.departments import TOWN, TOWN_CODES
from . import bp

MAX_VALID_DAYS = 3 * 366  # a token lives at most about three years: systems are re-certified


def _end_of(day) -> datetime:
    """A day's end in China (the token works through the whole expiry day)."""
    return datetime.combine(day + timedelta(days=1), time(), CHINA)


class ExpiryRule:
    def validate_expires_on(self, field) -> None:
        if field.data is None:
            return
        today = today_in_china()
        if field.data < today:
            raise ValidationError("有效期不能早于今天。")
        if field.data > today + timedelta(days=MAX_VALID_DAYS):
            raise ValidationError("有效期最长三年，到期后重新签发。")


class SystemAccountForm(ExpiryRule, ZhForm):
    name = StrippedStringField("系统账号名", validators=[
        Required(), Length(min=2, max=48, message="系统账号名应为2至48个字符"),
        Pattern(r"[a-z0-9][a-z0-9._-]*", "系统账号名只能用小写英文字母、数字、点、下划线和连字符，并以字母或数字开头")],
        description="审计记录中写作 api:<账号名>，如 water_group_gis；建立后不能修改",
        render_kw={"autocapitalize": "none", "spellcheck": "false", "autocomplete": "off"})
    display_name = StrippedStringField("系统名称", validators=[Required(), Length(max=64)],
                                       description="如：水务集团管网信息系统")
    scopes = MultiCheckboxField("权限范围", choices=list(scopes.GLOBAL_SCOPES.items()))
    read_tasks = MultiCheckboxField("可查看待办的部门（tasks:read）")
    complete_tasks = MultiCheckboxField("可认领、办理待办的部门（tasks:complete）")
    towns = MultiCheckboxField("限定镇（街道）", description="不选即全市；选了则只能访问这些镇（街道）的案件、机井和用水户")
    expires_on = ZhDateField("有效期至", validators=[Required()], description="当日24时后令牌失效；最长三年")
    submit = SubmitField("建立并签发令牌")

    def load_choices(self) -> None:
        units = directory.choices()
        self.read_tasks.choices = self.complete_tasks.choices = units
        self.towns.choices = directory.choices(TOWN)

    def granted(self) -> list[str]:
        return [*self.scopes.data, *(scopes.task_scope("read", d) for d in self.read_tasks.data),
                *(scopes.task_scope("complete", d) for d in self.complete_tasks.data)]

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if ok and not self.granted():
            self.scopes.errors = [*self.scopes.errors, "请至少选择一项权限。"]
            ok = False
        towns = set(self.towns.data or [])
        outside = [d for d in {*self.read_tasks.data, *self.complete_tasks.data} if d in TOWN_CODES and towns
                   and d not in towns]
        if ok and outside:
            self.towns.errors = [*self.towns.errors, "限定了镇（街道）的账号不能办理其他镇的任务：请把"
                                 + "、".join(directory.name(d) for d in outside) + "也选入限定范围，或取消其任务权限。"]
            ok = False
        return ok


class RevokeForm(ZhForm):
    reason = long_text("停用原因", max_len=500)
    submit = SubmitField("停用令牌")


class ReissueForm(ExpiryRule, ZhForm):
    expires_on = ZhDateField("新令牌有效期至", validators=[Required()])
    reason = long_text("重新签发的原因", max_len=500, description="如：令牌泄露、到期续用")
    submit = SubmitField("重新签发令牌")


def _status(account: ApiAccount) -> str:
    if account.revoked_at is not None:
        return "已停用"
    return "已过期" if account.expires_at <= utcnow() else "有效"


def _account(account_id: int) -> ApiAccount:
    return db.session().get(ApiAccount, account_id) or abort(404)


@bp.get("/system-accounts")
def system_accounts():
    rows = list(db.session().scalars(select(ApiAccount).order_by(ApiAccount.id.desc())))
    return render_template("admin/system_accounts.html", rows=rows, status=_status)


@bp.route("/system-accounts/new", methods=["GET", "POST"])
def new_system_account():
    form = SystemAccountForm()
    form.load_choices()
    if form.validate_on_submit():
        done = unit_of_work.run(lambda: accounts.create_account(
            db.session(), workflow.engine(), current_user.actor, name=form.name.data,
            display_name=form.display_name.data, scopes=form.granted(), towns=form.towns.data or None,
            expires_at=_end_of(form.expires_on.data), created_by=current_user.username), accounts.AccountRefused)
        if not done:
            form[done.error.field].errors.append(str(done.error))
            return render_template("admin/system_account_new.html", form=form), 422
        account, token = done.value
        # Shown in this answer only (never redirected to, never kept): the page is not cached either.
        return render_template("admin/system_account_token.html", account=account, token=token), 201
    return render_template("admin/system_account_new.html", form=form), 422 if form.is_submitted() else 200


def _edit_page(account: ApiAccount, revoke_form=None, reissue_form=None, status: int = 200):
    return render_template("admin/system_account_edit.html", account=account, status=_status(account),
                           revoke_form=revoke_form or RevokeForm(formdata=None, prefix="revoke"),
                           reissue_form=reissue_form or ReissueForm(formdata=None, prefix="reissue"),
                           names=directory.names()), status


@bp.get("/system-accounts/<int:account_id>")
def edit_system_account(account_id: int):
    return _edit_page(_account(account_id))


@bp.post("/system-accounts/<int:account_id>/revoke")
def revoke_system_account(account_id: int):
    account = _account(account_id)
    form = RevokeForm(prefix="revoke")
    if not form.validate_on_submit():
        return _edit_page(account, revoke_form=form, status=422)
    done = unit_of_work.run(lambda: accounts.revoke(db.session(), workflow.engine(), current_user.actor, account,
                                                    form.reason.data), accounts.AccountRefused)
    if not done:
        form.reason.errors.append(str(done.error))
        return _edit_page(account, revoke_form=form, status=409)
    flash(f"已停用系统账号“{account.display_name}”的令牌，该系统的调用立即失效。", "success")
    return redirect(url_for(".edit_system_account", account_id=account.id))


@bp.post("/system-accounts/<int:account_id>/reissue")
def reissue_system_token(account_id: int):
    account = _account(account_id)
    form = ReissueForm(prefix="reissue")
    if not form.validate_on_submit():
        return _edit_page(account, reissue_form=form, status=422)
    done = unit_of_work.run(lambda: accounts.reissue(db.session(), workflow.engine(), current_user.actor, account,
                                                     _end_of(form.expires_on.data), form.reason.data))
    return render_template("admin/system_account_token.html", account=account, token=done.value), 201
