"""The case page's form to regenerate a document (a new version under the same number)."""
from __future__ import annotations

from wtforms.fields import SubmitField

from forms.base import ZhForm
from forms.common import long_text


class RegenerateForm(ZhForm):
    reason = long_text("重新生成的原因", max_len=500, description="如：更正了当事人名称，需重新出具")
    submit = SubmitField("重新生成")
