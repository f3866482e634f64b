"""The audit search form (GET, no CSRF: it only reads). Bad input is explained in Chinese."""
from __future__ import annotations

import re
import unicodedata

from wtforms.validators import Length, ValidationError

from forms.base import ZhForm
from forms.fields import StrippedStringField, ZhDateField, ZhSelectField

from .. import directory
from ..core import db
from ..core.filters import EVENT_LABELS
from ..directory import people
from ..models import Case
from .search import NO_DEPARTMENT, AuditFilters

# "1", "00001" or the number shown in the UI, "乳整2026-00001" (full-width digits and dashes too).
CASE_NUMBER = re.compile(r"(?:乳整(?P<year>\d{4})[-—–])?(?P<id>\d{1,10})")
MAX_ID = 2**31 - 1  # the column is a 32-bit integer on PostgreSQL


class AuditDateField(ZhDateField):
    """A day; says "not a real date" for 2026-13-01 rather than "wrong format"."""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError as exc:
            text = unicodedata.normalize("NFKC", " ".join(str(v) for v in valuelist)).strip()
            if "格式" in str(exc) and re.fullmatch(r"\d{4}[-/.]\d{1,2}[-/.]\d{1,2}", text):
                raise ValueError(f"{self.label.text}“{text}”不是有效的日期，请核对月份和日。") from None
            raise

    def pre_validate(self, form):
        if self.data is not None and self.data.year > 2099:
            raise ValidationError(f"{self.label.text}的年份有误，请核对。")


class AuditSearchForm(ZhForm):
    class Meta:
        csrf = False

    # A name typed or picked from the list ("姓名（部门）"), or a log-in name (old links, the habit of some).
    person = StrippedStringField("人员", validators=[Length(max=64)], render_kw={"list": "people"})
    department = ZhSelectField("部门", required=False, placeholder="全部部门")  # choices: __init__
    case = StrippedStringField("案件", validators=[Length(max=32)])
    kind = ZhSelectField("事件", choices=list(EVENT_LABELS.items()), required=False, placeholder="全部事件")
    date_from = AuditDateField("开始日期")
    date_to = AuditDateField("结束日期")

    case_id: int | None = None
    # The accounts the person field names (None: the field is a log-in's beginning, or empty).
    actors: list[str] | None = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.department.choices = directory.choices() + [(NO_DEPARTMENT, "无（系统、未知用户名）")]

    def validate_person(self, field) -> None:
        """A name (or part of one) or a choice of the list names the accounts whose events are shown; a
        log-in name is matched by its beginning, as the field always did. A name nobody has is refused."""
        self.actors = None
        if not field.data or people.looks_like_login(field.data):
            return
        found = people.find(field.data)
        if not found:
            raise ValidationError(f"没有找到姓名含“{field.data}”的人员。请从下拉列表中选择，或填写姓名中的字、用户名。")
        self.actors = found

    @property
    def people_named(self) -> list[str]:
        """The accounts the person field stands for, by name (shown above the results)."""
        return [people.name(login) for login in self.actors or []]

    def validate_case(self, field) -> None:
        self.case_id = None
        if not field.data:
            return
        text = unicodedata.normalize("NFKC", field.data).replace(" ", "")
        match = CASE_NUMBER.fullmatch(text)
        if not match or not 0 < int(match["id"]) <= MAX_ID:
            raise ValidationError(f"案件“{field.data}”无法识别：请填写案件编号（如 乳整2026-00001）或案件序号（如 1）。")
        case_id = int(match["id"])
        if match["year"]:
            # A full number names one case: the year must be that case's year too.
            case = db.session().get(Case, case_id)
            if case is None or case.number != f"乳整{match['year']}-{case_id:05d}":
                raise ValidationError(f"没有编号为 乳整{match['year']}-{case_id:05d} 的案件。")
        self.case_id = case_id

    def validate_date_to(self, field) -> None:
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError("结束日期不能早于开始日期。")

    def filters(self, tz: str) -> AuditFilters:
        """The validated input as query filters (call after ``validate()``)."""
        login_prefix = self.person.data if self.person.data and self.actors is None else None
        return AuditFilters(actor=login_prefix, actors=tuple(self.actors) if self.actors is not None else None,
                            department=self.department.data or None,
                            case_id=self.case_id, kind=self.kind.data or None,
                            date_from=self.date_from.data, date_to=self.date_to.data, tz=tz)

    def query_args(self) -> dict[str, str]:
        """The filters as URL arguments, for the pager and the export links."""
        values = {"person": self.person.data, "department": self.department.data, "case": self.case.data,
                  "kind": self.kind.data,
                  "date_from": self.date_from.data.isoformat() if self.date_from.data else None,
                  "date_to": self.date_to.data.isoformat() if self.date_to.data else None}
        return {k: v for k, v in values.items() if v}


class DayRangeForm(ZhForm):
    """A from/to pair of China days (the overrides list): the audit search's date fields and rules."""

    class Meta:
        csrf = False

    date_from = AuditDateField("开始日期")
    date_to = AuditDateField("截止日期")

    def validate_date_to(self, field) -> None:
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError("截止日期不能早于开始日期。")
