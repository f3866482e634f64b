"""Forms of the outbox pages: the list's filters (GET), the resend with a reason, an endpoint's settings."""
from __future__ import annotations

from wtforms.fields import BooleanField, PasswordField, SubmitField
from wtforms.validators import Length, Optional, ValidationError

from forms.base import ZhForm
from forms.choices import select_choices
from forms.common import long_text
from forms.fields import StrippedStringField, ZhSelectField
from forms.validators import Phone

from .endpoints import url_problem
from .tables import CHANNELS, KINDS, STATUSES


class OutboxFilterForm(ZhForm):
    class Meta:
        csrf = False

    status = ZhSelectField("状态", choices=list(STATUSES.items()), required=False, placeholder="全部状态")
    kind = ZhSelectField("类别", choices=list(KINDS.items()), required=False, placeholder="全部类别")
    destination = ZhSelectField("发往", required=False, placeholder="全部去向")  # choices: the route
    case = StrippedStringField("案件编号", validators=[Length(max=32)])

    def validate_case(self, field) -> None:
        from ..supervise.forms import CASE_NUMBER

        if field.data and not CASE_NUMBER.fullmatch(field.data):
            raise ValidationError("案件编号应写作“乳整2026-00001”或只写序号“1”。")

    @property
    def case_id(self) -> int | None:
        from ..supervise.forms import CASE_NUMBER

        match = CASE_NUMBER.fullmatch(self.case.data or "")
        return int(match["id"]) if match else None


class ResendForm(ZhForm):
    reason = long_text("重发原因", max_len=500, description="如：对方平台已恢复、已更正接收端配置；记入审计记录")
    submit = SubmitField("重新发送")


class EndpointForm(ZhForm):
    """One destination's endpoint. The address and the secret are never filled in again: blank keeps the
    stored one (``has_url`` / ``has_secret`` say whether there is one)."""

    channel = ZhSelectField("发送方式")  # choices: the destination's channels
    # No Optional(): it would stop the chain before validate_url / validate_secret see a blank box.
    url = StrippedStringField("接收地址", [Length(max=1000)],
                              description="保存后不再显示完整地址（群机器人地址含访问令牌）；修改时重新填写，不改则留空")
    secret = PasswordField("签名密钥", [Length(max=200)],
                           description="HTTPS 接口和短信网关必填（至少16个字符，与对方约定）；钉钉机器人“加签”时填写 SEC 开头的密钥。"
                                       "保存后不再显示；不改则留空")
    clear_secret = BooleanField("清除已保存的密钥（钉钉机器人改用关键词安全设置时）")
    note = StrippedStringField("备注（选填）", [Optional(), Length(max=100)], description="如：省信用平台正式环境、联系人")
    active = BooleanField("启用（停用后该去向的消息暂存待发，不会丢失）", default=True)
    submit = SubmitField("保存")

    has_url = has_secret = False
    allow_http = False

    def __init__(self, *args, channels: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.channel.choices = select_choices((code, CHANNELS[code]) for code in channels)

    def validate_url(self, field) -> None:
        if not field.data:
            if not self.has_url:
                raise ValidationError("请填写接收地址")
            return
        problem = url_problem(field.data, self.allow_http)
        if problem:
            raise ValidationError(problem)

    def validate_secret(self, field) -> None:
        if field.data and len(field.data) < 16:
            raise ValidationError("签名密钥至少16个字符")
        keeps = self.has_secret and not self.clear_secret.data
        if self.channel.data in ("webhook", "sms") and not field.data and not keeps:
            raise ValidationError("HTTPS 接口和短信网关须设置签名密钥，对方据此核验消息确由本系统发出")


class TestMessageForm(ZhForm):
    recipient = StrippedStringField("测试收件手机号（短信网关必填）", [Optional(), Phone()])
    submit = SubmitField("发送测试消息")
