"""The law the penalty forms apply: the bases a fine may rest on with their ranges, the guidance shown
on the forms, and the validators that refuse a fine outside its range or a date too close to another.

The ranges are the statutes' (DOMAIN.md, "Sanction"), kept in ``rules.articles`` with the problems they
punish: 水法 Art 69 2万–10万 (unlicensed abstraction; item 2: outside the permit's terms), 地下水管理条例
Art 56 10万–50万 (no meter), Art 58 10万–50万 (well not sealed when required). A fine
below the minimum (减轻处罚, 行政处罚法 Art 32) is not offered: it needs reasons this system does not
record, and is refused like any other out-of-range amount.
"""
from __future__ import annotations

from typing import ClassVar

from wtforms.validators import ValidationError

from rules.articles import PENALTIES
from rules.calendar import CalendarDataMissing
from rules.deadlines import add_working_days
from rules.fines import HEARING_THRESHOLDS

from .validators import field_message, format_date_zh, is_blank, short_label


def wan(amount: float) -> str:
    """20000 -> "2万元", 12500 -> "12500元": how ranges are written in statutes and notices."""
    if amount and amount % 10_000 == 0:
        return f"{int(amount) // 10_000}万元"
    return f"{amount:g}元"


class Basis:
    """One legal basis of a fine: its code (stored in task data), citation, the act it punishes, range."""

    def __init__(self, code: str, citation: str, act: str, minimum: int, maximum: int, heavier_end: int = 0):
        self.code, self.citation, self.act = code, citation, act
        self.minimum, self.maximum, self.heavier_end = minimum, maximum, heavier_end

    @property
    def label(self) -> str:
        return f"{self.citation}（{self.act}）：{wan(self.minimum)}以上{wan(self.maximum)}以下罚款"


# The table is rules.articles (shared with the notice and the documents); the forms read it through here.
BASES: dict[str, Basis] = {p.code: Basis(p.code, p.citation, p.act, p.minimum, p.maximum, p.heavier_end)
                           for p in PENALTIES.values()}

BASIS_CHOICES = tuple((b.code, b.label) for b in BASES.values())


FINE_GUIDANCE = (
    "罚款幅度：" + "；".join(f"{b.citation} {wan(b.minimum)}至{wan(b.maximum)}" for b in BASES.values())
    + f"。拟罚款达到个人{wan(HEARING_THRESHOLDS['individual'])}、单位{wan(HEARING_THRESHOLDS['enterprise'])}"
    "以上的，当事人有权要求听证（水行政处罚实施办法）。金额须在所选依据的幅度内，以元为单位。"
)

# Service entered later than this is refused: the statement window and the payment period run from it.
MAX_SERVICE_AGE_DAYS = 30

OFFICERS_HINT = "执法人员姓名及执法证号，不少于2人（行政处罚法第四十二条），如：张某（执法证号××××）"


class FineInRange:
    """The fine (yuan) is not negative and lies within the range of the basis chosen in ``basis_field``."""

    def __init__(self, basis_field: str):
        self.basis_field = basis_field

    def __call__(self, form, field):
        if field.data is None:
            return
        if field.data < 0:
            raise ValidationError(field_message(field, "{label}不能为负数"))
        basis = BASES.get(form[self.basis_field].data or "")
        if basis is None:
            return  # the basis field says that it is missing
        if not basis.minimum <= field.data <= basis.maximum:
            raise ValidationError(field_message(
                field, "依据{citation}，{label}应在{low}至{high}之间（{low_n}至{high_n}元）",
                citation=basis.citation, low=wan(basis.minimum), high=wan(basis.maximum),
                low_n=basis.minimum, high_n=basis.maximum))


class WorkingDaysAfter:
    """The date is at least ``days`` working days after the date in ``other`` (行政处罚法 Art 85:
    periods under ten days count working days), e.g. a hearing at least 7 days after its notice."""

    def __init__(self, other: str, days: int, message: str):
        self.other, self.days, self.message = other, days, message

    def __call__(self, form, field):
        start = form[self.other].data
        if not field.data or not start:
            return
        try:
            earliest = add_working_days(start, self.days)
        except CalendarDataMissing as exc:
            raise ValidationError(str(exc)) from None
        if field.data < earliest:
            raise ValidationError(field_message(
                field, self.message, other=short_label(form[self.other]), days=self.days,
                earliest=format_date_zh(earliest)))


class ConditionalFields:
    """Mixin for task forms with answers that apply only after another answer: ``conditional`` maps a
    field to ``(other field, value, message)``. The field is then required (a drop-down too, which
    ``RequiredWhen`` cannot do: an empty optional select stops validation first), and otherwise stored
    as ``None``, so a value typed before the clerk changed the answer never reaches the case record.
    """

    conditional: ClassVar[dict[str, tuple[str, str, str]]] = {}

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        for name, (other, value, message) in self.conditional.items():
            field = self[name]
            if self[other].data == value and is_blank(field.data) and not field.errors:
                field.errors.append(field_message(field, message))
                ok = False
        return ok

    def clean_task_data(self, data: dict) -> dict:
        data = super().clean_task_data(data)
        for name, (other, value, _message) in self.conditional.items():
            if self[other].data != value:
                data[name] = None
        return data
