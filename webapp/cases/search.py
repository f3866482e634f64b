"""The case list's search (issue 10): every filter a GET parameter, read and checked by one form, so a bad
value gives a Chinese message and the list stays as it was; the list, its counts and its export all read
the same :class:`CaseFilters`."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from urllib.parse import urlencode

from werkzeug.datastructures import MultiDict
from wtforms.fields import BooleanField
from wtforms.validators import Length, ValidationError

from engine.stage import STAGES
from forms.base import ZhForm
from forms.fields import StrippedStringField, ZhDateField, ZhSelectField
from rules.timezone import CHINA

from .. import directory
from ..dashboard.figures import CATEGORIES
from ..directory.departments import TOWN

#: The parameters the search reads (the remembered view and the saved filters keep only these).
PARAMS = ("town", "stage", "step", "category", "department", "overdue", "village", "party", "well_no",
          "document", "q", "registered_from", "registered_to", "due_from", "due_to", "unlocated")


class CaseSearchForm(ZhForm):
    class Meta:
        csrf = False  # a GET search changes nothing

    town = ZhSelectField("镇区", required=False, placeholder="全部镇区")  # choices: the route
    stage = ZhSelectField("阶段", choices=list(STAGES.items()), required=False, placeholder="全部阶段")
    step = ZhSelectField("当前环节", required=False, placeholder="全部环节")  # choices: the diagram's user tasks
    category = ZhSelectField("分类", choices=[(k, v) for k, v in CATEGORIES.items() if k], required=False,
                             placeholder="全部分类")
    department = ZhSelectField("办理部门", required=False, placeholder="全部部门",
                               description="有待办环节在该部门的案件")  # choices: the route
    overdue = BooleanField("仅看已超期")
    village = StrippedStringField("村（社区）", [Length(max=64)])
    party = StrippedStringField("用水户", [Length(max=128)], description="名称的一部分，或完整的统一社会信用代码/身份证号")
    well_no = StrippedStringField("井编号", [Length(max=32)])
    document = StrippedStringField("文书编号", [Length(max=64)])
    q = StrippedStringField("关键词", [Length(max=128)], description="井编号或用水户名称")
    registered_from = ZhDateField("登记日期自", validators=[])
    registered_to = ZhDateField("登记日期至", validators=[])
    due_from = ZhDateField("办理期限自", validators=[])
    due_to = ZhDateField("办理期限至", validators=[])
    # The wells the map cannot show (no coordinates registered): the map links here with its filters.
    unlocated = BooleanField("仅看未填坐标的井")

    def validate_registered_to(self, field) -> None:
        _ordered(self.registered_from.data, field.data, "登记日期")

    def validate_due_to(self, field) -> None:
        _ordered(self.due_from.data, field.data, "办理期限")

    def filters(self, own_town: str | None) -> "CaseFilters":
        """The filters of a validated form (a town's user: the own town whatever was asked)."""
        return CaseFilters(
            town=own_town or self.town.data or None, stage=self.stage.data or None, step=self.step.data or None,
            category=self.category.data or None, department=self.department.data or None,
            overdue=bool(self.overdue.data), village=self.village.data or None, party=self.party.data or None,
            well_no=self.well_no.data or None, document=self.document.data or None, q=self.q.data or None,
            registered=_range(self.registered_from.data, self.registered_to.data),
            due=_range(self.due_from.data, self.due_to.data), unlocated=bool(self.unlocated.data))


def _ordered(start: date | None, end: date | None, what: str) -> None:
    if start and end and start > end:
        raise ValidationError(f"{what}的起始日期晚于截止日期，请核对。")


def _range(start: date | None, end: date | None) -> tuple[datetime | None, datetime | None] | None:
    """Whole days in China as a half-open range of moments [start 00:00, the day after end 00:00)."""
    if not start and not end:
        return None
    return (datetime.combine(start, time(), CHINA) if start else None,
            datetime.combine(end + timedelta(days=1), time(), CHINA) if end else None)


@dataclass(frozen=True)
class CaseFilters:
    town: str | None = None
    stage: str | None = None
    step: str | None = None
    category: str | None = None
    department: str | None = None
    overdue: bool = False
    village: str | None = None
    party: str | None = None
    well_no: str | None = None
    document: str | None = None
    q: str | None = None
    registered: tuple | None = None
    due: tuple | None = None
    unlocated: bool = False

    @property
    def on_open_tasks(self) -> bool:
        return bool(self.step or self.department or self.overdue or self.due)


def search_form(args: MultiDict, step_titles: dict[str, str]) -> CaseSearchForm:
    """The form over a query string's arguments, its choices filled."""
    form = CaseSearchForm(args)
    form.town.choices = directory.choices(TOWN)
    form.department.choices = directory.choices()
    form.step.choices = sorted(step_titles.items(), key=lambda item: item[1])
    return form


def query_string(args: MultiDict) -> str:
    """The search's own parameters, blanks left out (what is remembered and saved)."""
    return urlencode([(k, v) for k in PARAMS for v in args.getlist(k) if v])


def step_titles(engine) -> dict[str, str]:
    """The steps one can search by: the current diagram's user tasks (task spec → title)."""
    return {spec: info.title for spec, info in engine.current.user_tasks.items()}
