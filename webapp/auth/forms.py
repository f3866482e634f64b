"""The forms a person fills in about their own account: contact details and reminder channels, and the
change of their own password (with the current one). The fields and rules are the administration's
(``admin.forms``), so a mobile number or a password accepted on one page is accepted on the other."""
from __future__ import annotations

from wtforms.fields import BooleanField, PasswordField, SubmitField
from wtforms.validators import Length, ValidationError

from forms.base import ZhForm
from forms.validators import Required

from ..admin.forms import PASSWORD_MAX, PasswordRules, contact_fields, password_fields


class ProfileForm(ZhForm):
    mobile, email = contact_fields()
    notify_email = BooleanField("电子邮件")
    notify_sms = BooleanField("短信")
    notify_robot = BooleanField("部门工作群机器人（企业微信/钉钉群里@我）")
    submit = SubmitField("保存")

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        # A channel without its address would be silently dropped: say so at once instead.
        if self.notify_email.data and not self.email.data and not self.email.errors:
            self.email.errors = [*self.email.errors, "选择了电子邮件提醒，请填写电子邮箱，或取消勾选电子邮件。"]
            ok = False
        for channel in (self.notify_sms, self.notify_robot):
            if channel.data and not self.mobile.data and not self.mobile.errors:
                self.mobile.errors = [*self.mobile.errors,
                                      f"选择了{channel.label.text}提醒，请填写手机号码，或取消勾选。"]
                ok = False
        return ok


class ChangePasswordForm(PasswordRules, ZhForm):
    current = PasswordField("当前密码", validators=[Required(), Length(max=PASSWORD_MAX)],
                            render_kw={"autocomplete": "current-password"})
    password, confirm = password_fields("新密码")
    submit = SubmitField("修改密码")

    def validate_password(self, field) -> None:
        super().validate_password(field)
        if field.data and field.data == self.current.data:
            raise ValidationError("新密码不能与当前密码相同，请另设一个。")
