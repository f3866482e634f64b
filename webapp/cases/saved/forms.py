"""The case list's "save this search" form."""
from __future__ import annotations

from wtforms.fields import BooleanField, HiddenField, SubmitField
from wtforms.validators import Length

from forms.base import ZhForm
from forms.common import short_text

from .tables import MAX_NAME, MAX_QUERY


class SaveFilterForm(ZhForm):
    name = short_text("查询名称", max_len=MAX_NAME, description="如：夏村镇超期未整改")
    query = HiddenField("查询条件", [Length(max=MAX_QUERY, message="查询条件过长，请减少条件后再保存。")])
    # Offered to a department head only (the route removes it for others).
    shared = BooleanField("共享给本部门（部门同事都能使用）")
    submit = SubmitField("保存当前查询")

    @classmethod
    def for_user(cls, may_share: bool, **kwargs) -> "SaveFilterForm":
        form = cls(**kwargs)
        if not may_share:
            del form.shared
        return form
