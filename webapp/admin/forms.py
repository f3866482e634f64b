"""Forms of the user and department administration. Messages are Chinese; nothing is saved on errors.

The rules on role, department and task-force membership live in :func:`assignment_problems`, used by
both the create and the edit form, so the two cannot drift apart.
"""
from __future__ import annotations

import unicodedata

from sqlalchemy import func, select
from wtforms.fields import BooleanField, PasswordField, SubmitField
from wtforms.validators import Email, EqualTo, Length, Optional, ValidationError

from forms.base import ZhForm
from forms.choices import ROLES
from forms.fields import StrippedStringField, ZhRadioField, ZhSelectField
from forms.validators import Pattern, Required

from .. import directory
from ..core import db
from ..directory.departments import TASK_FORCE, TOWN
from ..models import Department, User

PASSWORD_MIN, PASSWORD_MAX = 10, 128  # the log-in form accepts at most 128 characters
SUPERVISOR_DEPARTMENT = "leading_office"
ACTIVE_CHOICES = (("1", "在用"), ("0", "已停用"))


def _nfkc(value):
    # A phone keyboard in full-width mode types "ｚｈａｎｇ．ｓａｎ"; it means zhang.san.
    return unicodedata.normalize("NFKC", value) if isinstance(value, str) else value


def assignment_problems(department: Department, role: str, task_force_member: bool) -> dict[str, str]:
    """Field name -> why this combination of department, role and secondment is refused."""
    problems = {}
    if role == "supervisor" and department.code != SUPERVISOR_DEPARTMENT:
        problems["role"] = "督办员只能是领导小组办公室的人员，请先把部门改为领导小组办公室。"
    if task_force_member and department.code == TASK_FORCE:
        problems["task_force_member"] = "整治专班本部门的人员已在专班办理任务，无需再抽调到专班，请取消勾选。"
    elif task_force_member and department.kind == TOWN:
        problems["task_force_member"] = "镇（街道）人员不抽调到整治专班，请取消勾选。"
    return problems


def password_fields(label: str = "密码"):
    password = PasswordField(label, validators=[
        Required(), Length(min=PASSWORD_MIN, max=PASSWORD_MAX,
                           message=f"密码应为{PASSWORD_MIN}至{PASSWORD_MAX}个字符")],
        description=f"至少{PASSWORD_MIN}个字符，不能全是数字", render_kw={"autocomplete": "new-password"})
    confirm = PasswordField("再次输入密码", validators=[
        Required("请再次输入密码"), EqualTo("password", message="两次输入的密码不一致，请重新输入")],
        render_kw={"autocomplete": "new-password"})
    return password, confirm


class PasswordRules:
    """Shared by the create form and the reset form."""

    def validate_password(self, field) -> None:
        if field.data and field.data.isdigit():
            raise ValidationError("密码不能全是数字，请加入字母或符号。")


MOBILE_PATTERN = r"1[0-9]{10}"


def _digits_only(value):
    # Typed on a phone as "138 0000 0000" or with full-width digits: it is the same number.
    if not isinstance(value, str):
        return value
    return "".join(unicodedata.normalize("NFKC", value).split()).replace("-", "")


def _lower_stripped(value):
    return unicodedata.normalize("NFKC", value).strip().lower() if isinstance(value, str) else value


def contact_fields():
    """Mobile number and e-mail address, optional both: where reminders reach the person."""
    mobile = StrippedStringField("手机号码（选填）", filters=(_digits_only,), validators=[
        Optional(), Pattern(MOBILE_PATTERN, "手机号码应为以1开头的11位数字，如 13800000000")],
        description="接收短信提醒，并在部门工作群机器人的提醒中@本人",
        render_kw={"inputmode": "numeric", "autocomplete": "tel", "maxlength": "20"})
    email = StrippedStringField("电子邮箱（选填）", filters=(_lower_stripped,), validators=[
        Optional(), Length(max=254, message="电子邮箱不能超过254个字符"),
        Email("电子邮箱格式不对，请按 name@example.cn 的格式填写")],
        description="接收邮件提醒", render_kw={"inputmode": "email", "autocomplete": "email",
                                               "autocapitalize": "none", "spellcheck": "false"})
    return mobile, email


class UserFieldsMixin:
    """Department, role and secondment: choices from the table, rules from assignment_problems."""

    department_row: Department | None = None

    def load_choices(self) -> None:
        self.department.choices = directory.choices()

    def validate_department(self, field) -> None:
        self.department_row = db.session().scalar(select(Department).where(Department.code == field.data))
        if self.department_row is None:
            raise ValidationError("请从列表中选择部门。")

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if self.department_row is not None and not self.role.errors:
            for name, message in assignment_problems(self.department_row, self.role.data,
                                                     bool(self.task_force_member.data)).items():
                self[name].errors = [*self[name].errors, message]
                ok = False
        return ok


class CreateUserForm(PasswordRules, UserFieldsMixin, ZhForm):
    username = StrippedStringField("用户名", filters=(_nfkc,), validators=[
        Required(), Length(min=2, max=64, message="用户名应为2至64个字符"),
        Pattern(r"[a-z0-9][a-z0-9._-]*",
                "用户名只能用小写英文字母、数字、点（.）、下划线（_）和连字符（-），并以字母或数字开头")],
        description="登录用，如 zhang.san；建立后不能修改",
        render_kw={"autocapitalize": "none", "autocorrect": "off", "spellcheck": "false", "autocomplete": "off"})
    display_name = StrippedStringField("姓名", validators=[Required(), Length(max=64)])
    department = ZhSelectField("部门")
    role = ZhRadioField("角色", choices=list(ROLES))
    task_force_member = BooleanField("抽调到整治专班（保留本部门，同时办理专班任务）")
    mobile, email = contact_fields()
    password, confirm = password_fields("初始密码")
    submit = SubmitField("建立用户")

    def validate_username(self, field) -> None:
        taken = db.session().scalar(select(User.id).where(func.lower(User.username) == field.data.lower()))
        if taken is not None:
            raise ValidationError(f"用户名“{field.data}”已被使用，请换一个。")


class EditUserForm(UserFieldsMixin, ZhForm):
    """The caller sets ``user`` (who is edited) and ``editor`` (the administrator) before validating."""

    display_name = StrippedStringField("姓名", validators=[Required(), Length(max=64)])
    department = ZhSelectField("部门")
    role = ZhRadioField("角色", choices=list(ROLES))
    task_force_member = BooleanField("抽调到整治专班（保留本部门，同时办理专班任务）")
    active = BooleanField("账号在用（取消勾选即停用，停用后不能登录）")
    mobile, email = contact_fields()
    submit = SubmitField("保存")

    user: User | None = None
    editor: User | None = None

    def validate_role(self, field) -> None:
        if self._editing_self() and field.data != "admin":
            raise ValidationError("不能取消自己的管理员角色，请由其他管理员办理。")

    def validate_active(self, field) -> None:
        if self._editing_self() and not field.data:
            raise ValidationError("不能停用自己的账号，请由其他管理员办理。")

    # An administrator who could move themselves into a department (or the task force) could then
    # complete its tasks: "admins … cannot complete other departments' tasks without an override".
    def validate_task_force_member(self, field) -> None:
        if self._editing_self() and bool(field.data) != self.user.task_force_member:
            raise ValidationError("不能更改自己的专班抽调，请由其他管理员办理。")

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if self._editing_self() and self.department.data != self.user.department.code:
            self.department.errors = [*self.department.errors, "不能更改自己所在的部门，请由其他管理员办理。"]
            ok = False
        return ok

    def _editing_self(self) -> bool:
        return self.user is not None and self.editor is not None and self.user.id == self.editor.id

    def values(self) -> dict:
        return {"display_name": self.display_name.data, "department": self.department_row,
                "role": self.role.data, "task_force_member": bool(self.task_force_member.data),
                "active": bool(self.active.data), "mobile": self.mobile.data or None,
                "email": self.email.data or None}


class PasswordForm(PasswordRules, ZhForm):
    password, confirm = password_fields("新密码")
    submit = SubmitField("重设密码")


class DepartmentForm(ZhForm):
    """The caller sets ``department`` (the one renamed) before validating."""

    name = StrippedStringField("部门名称", validators=[Required(), Length(max=64)])
    submit = SubmitField("保存")

    department: Department | None = None

    def validate_name(self, field) -> None:
        other = db.session().scalar(select(Department).where(Department.name == field.data,
                                                             Department.id != self.department.id))
        if other is not None:
            raise ValidationError(f"已有部门（代码 {other.code}）使用“{field.data}”这个名称，部门名称不能重复。")


class UserSearchForm(ZhForm):
    """The filters of the user list (GET, no CSRF: it only reads)."""

    class Meta:
        csrf = False

    q = StrippedStringField("用户名或姓名", validators=[Length(max=64)])
    department = ZhSelectField("部门", required=False, placeholder="全部部门")
    role = ZhSelectField("角色", choices=list(ROLES), required=False, placeholder="全部角色")
    active = ZhSelectField("状态", choices=ACTIVE_CHOICES, required=False, placeholder="全部状态")
