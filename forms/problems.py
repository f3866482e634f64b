"""The problem list (问题清单) of a rectification: one row per problem on the notice, one close-out
(销号) row per problem at the recheck.

Rows are WTForms sub-forms in a ``FieldList``. A notice row left entirely blank is ignored (the page
offers a few spare rows for problems the inspection did not name); a row filled in part is an error
that names the row. The rows a recheck shows are the case's open problems, given by the web layer.
"""
from __future__ import annotations

from datetime import date

from wtforms import Form
from wtforms.fields import HiddenField
from wtforms.validators import Length, Optional

from engine.calendar import statutory_deadline_date

from .choices import PROBLEM_KINDS, REQUIRED_ACTS, choice_label
from .fields import StrippedStringField, YesNoField, ZhIntegerField, ZhSelectField
from .i18n import ZH_TRANSLATIONS
from .validators import NumberBetween, format_date_zh, is_blank

DEFAULT_DAYS = 15
MAX_DAYS = 90
SPARE_ROWS = 2


class _Row(Form):
    class Meta:
        def get_translations(self, form):
            return ZH_TRANSLATIONS


class ProblemRow(_Row):
    """One problem as the notice states it: what is wrong, what to do, by when."""

    kind = ZhSelectField("问题类型", choices=PROBLEM_KINDS, required=False)
    description = StrippedStringField("问题描述", [Optional(), Length(max=200)])
    required_act = ZhSelectField("整改要求", choices=REQUIRED_ACTS, required=False)
    rectify_days = ZhIntegerField(
        "整改期限（日）", [Optional(), NumberBetween(1, MAX_DAYS, message="{label}应为1至90之间的整数")],
        description="不足10日按工作日计算，10日以上按自然日计算")

    def is_blank(self) -> bool:
        return all(is_blank(f.data) for f in (self.kind, self.description, self.required_act, self.rectify_days))

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if self.is_blank():
            return ok
        for f, message in ((self.kind, "请选择问题类型"), (self.description, "请填写问题描述"),
                           (self.required_act, "请选择整改要求"), (self.rectify_days, "请填写整改期限")):
            if is_blank(f.data) and not f.errors:
                f.errors = [message]
                ok = False
        return ok


class CloseOutRow(_Row):
    """One open problem at the recheck: closed out (销号) or not, with the evidence seen."""

    problem_id = HiddenField()
    closed = YesNoField("是否整改到位（销号）")
    evidence = StrippedStringField("整改证据", [Optional(), Length(max=300)],
                                   description="如：水表编号、许可证号、缴税凭证号、封井照片编号")

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if self.closed.data == "yes" and is_blank(self.evidence.data):
            self.evidence.errors = list(self.evidence.errors) + ["销号须写明整改证据"]
            ok = False
        return ok


def derive(inspection: dict | None, category: str | None = None) -> list[dict]:
    """The problems an inspection's answers imply, as notice rows to start from (the clerk edits them)."""
    found = inspection or {}
    rows = []
    if found.get("in_coverage") and category != "urban_village":
        rows.append(("in_coverage", "stop_and_seal", "位于公共供水管网覆盖范围内，仍取用地下水"))
    elif not found.get("has_permit"):
        rows.append(("no_permit", "apply_permit", "未依法取得取水许可擅自取水"))
    if not found.get("has_meter"):
        rows.append(("no_meter", "install_meter", "未安装取水计量设施"))
    if not found.get("tax_registered"):
        rows.append(("tax_unpaid", "pay_tax", "未登记缴纳水资源税和污水处理费"))
    return [{"kind": k, "required_act": act, "description": text, "rectify_days": DEFAULT_DAYS}
            for k, act, text in rows]


def notice_rows(entries, served_on: date | None) -> list[dict]:
    """The filled rows of a notice's FieldList as task data, numbered, each with its deadline date."""
    rows = []
    for entry in entries:
        row = entry.form
        if row.is_blank():
            continue
        days = int(row.rectify_days.data)
        deadline = statutory_deadline_date(served_on, days).isoformat() if served_on else None
        rows.append({"no": len(rows) + 1, "kind": row.kind.data, "description": row.description.data,
                     "required_act": row.required_act.data, "rectify_days": days, "deadline": deadline})
    return rows


def describe_rows(rows: list[dict]) -> str:
    """Problem rows for the case timeline: one line each."""
    lines = []
    for row in rows or []:
        if "closed" in row:
            state = "已销号" if row["closed"] else "未整改到位"
            lines.append(f"{row.get('no', '')}. {row.get('description', '')}：{state}"
                         + (f"（{row['evidence']}）" if row.get("evidence") else ""))
        else:
            lines.append(f"{row['no']}. {row['description']}；{choice_label(REQUIRED_ACTS, row['required_act'])}，"
                         f"期限{row['rectify_days']}日"
                         + (f"（至{format_date_zh(date.fromisoformat(row['deadline']))}）" if row.get("deadline") else ""))
    return "\n".join(lines)

