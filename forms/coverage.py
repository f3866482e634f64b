"""The announcement that the public water network now covers an area (管网覆盖扩展): every permitted
well there moves to closure (plan §三(二)2; 水法 Art 49 / 地下水管理条例 Art 33 as restated in DOMAIN.md)."""

from __future__ import annotations

from wtforms.fields import HiddenField, SubmitField
from wtforms.validators import Length, Optional

from .base import ZhForm
from .common import long_text, past_date, short_text
from .fields import MultiCheckboxField, StrippedTextAreaField
from .validators import AtLeastOne


class CoverageForm(ZhForm):
    towns = MultiCheckboxField("覆盖的镇（街道）", validators=[AtLeastOne("请至少选择一个{label}")])
    villages = StrippedTextAreaField(
        "覆盖的村（社区）（选填）", [Optional(), Length(max=2000)],
        description="每行一个，或用顿号、逗号分隔；不填则为所选镇（街道）全部范围")
    effective_on = past_date("通水日期", description="管网已具备供水条件的日期")
    document_no = short_text("依据文件或通知编号", description="如：乳水供〔2026〕3号")
    reason = long_text("说明", max_len=500, description="覆盖范围、供水单位等")
    confirmed = HiddenField()
    preview = SubmitField("查看将转入关闭程序的自备井")
    submit = SubmitField("确认发布")

    def village_list(self) -> list[str]:
        text = (self.villages.data or "").replace("、", "\n").replace("，", "\n").replace(",", "\n")
        return [v.strip() for v in text.splitlines() if v.strip()]
