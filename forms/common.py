"""Field factories used by several task forms, so the same kind of answer is checked
the same way on every step (a "done on" date is never in the future, an opinion is
never blank, a long text has the same limit)."""

from __future__ import annotations

from wtforms.validators import Length, Optional

from .fields import StrippedStringField, StrippedTextAreaField, ZhDateField
from .validators import NotInFuture, Required

SHORT_TEXT_MAX = 100   # names, numbers, units
LONG_TEXT_MAX = 2000   # findings, opinions: about one A4 page of a record


def past_date(label: str, *extra, required: bool = True, description: str = "") -> ZhDateField:
    """A date on which something was done: required (by default) and not in the future."""
    first = Required() if required else Optional()
    return ZhDateField(label, [first, NotInFuture(), *extra], description=description)


def short_text(label: str, *, required: bool = True, max_len: int = SHORT_TEXT_MAX,
               description: str = "") -> StrippedStringField:
    first = Required() if required else Optional()
    return StrippedStringField(label, [first, Length(max=max_len)], description=description)


def long_text(label: str, *, required: bool = True, max_len: int = LONG_TEXT_MAX,
              description: str = "", default=None) -> StrippedTextAreaField:
    first = Required() if required else Optional()
    return StrippedTextAreaField(label, [first, Length(max=max_len)],
                                 description=description, default=default,
                                 render_kw={"rows": 5})
