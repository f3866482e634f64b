"""The case page's note form (办理意见/备注)."""
from __future__ import annotations

from wtforms.fields import SubmitField

from forms.base import ZhForm
from forms.common import long_text
from forms.fields import MultiCheckboxField

from .tables import MAX_NOTE


class CaseNoteForm(ZhForm):
    body = long_text("办理意见/备注", max_len=MAX_NOTE,
                     description="对本案的意见、情况说明或提醒，记入办理记录，不能修改或删除")
    # Offered to a department head only (the route removes it for others): colleagues of the own department.
    mentions = MultiCheckboxField("提醒同事（@）", choices=[], validate_choice=True,
                                  description="选中的同事会收到提醒")
    submit = SubmitField("添加意见")

    @classmethod
    def for_user(cls, colleagues: list[tuple[str, str]] | None, **kwargs) -> "CaseNoteForm":
        """The form; ``colleagues`` ((user name, name) pairs) for a head, None for anyone else."""
        form = cls(**kwargs)
        if colleagues:
            form.mentions.choices = colleagues
        else:
            del form.mentions
        return form
