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

from rules.deadlines import statutory_deadline_date

from .choices import PROBLEM_KINDS, REQUIRED_ACTS, choice_label
from .fields import StrippedStringField, YesNoField, ZhIntegerField, ZhSelectField
from .i18n import ZH_TRANSLATIONS
from .validators import NumberBetween, format_date_zh, is_blank

DEFAULT_DAYS = 15
MAX_DAYS = 90
SPARE_ROWS = 2
# The act whose deadline is the permit's expiry (the non-renewal path), not a period from service.
AT_EXPIRY = "seal_at_expiry"


class PermitExpiryMissing(ValueError):
    """A row closes the well at the permit's expiry, but the case has no (future) expiry date."""


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
        description="不足10日按工作日计算，10日以上按自然日计算；“许可期满不予延续”的，期限为许可有效期届满之日，无需填写")

    def is_blank(self) -> bool:
        return all(is_blank(f.data) for f in (self.kind, self.description, self.required_act, self.rectify_days))

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if self.is_blank():
            return ok
        needed = [(self.kind, "请选择问题类型"), (self.description, "请填写问题描述"),
                  (self.required_act, "请选择整改要求")]
        if self.required_act.data != AT_EXPIRY:
            needed.append((self.rectify_days, "请填写整改期限"))
        for f, message in needed:
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


def derive(inspection: dict | None, category: str | None = None, network_arrived: bool = False) -> list[dict]:
    """The problems a case's classification and inspection imply, as notice rows to start from (the clerk
    edits them).

    * a permitted well the network has since reached (``network_arrived``): closure only; its meter and
      tax were closed out at the recheck that let it keep the well;
    * a licensed well in coverage (``covered_licensed``): the meter and tax it lacks now, and the
      non-renewal path: the permit is not renewed and the well closed at its expiry, not in 15 days
      (山东省水资源条例 Art 30; 取水许可条例 Art 20(1)(5); 行政许可法 Art 50);
    * an unlicensed well in coverage: stop and seal; elsewhere: apply for a permit; and each lacking
      meter or tax registration.
    """
    found = inspection or {}
    if network_arrived:
        return [_row("in_coverage", "stop_and_seal", "公共供水管网已覆盖，依法应当停止取用地下水并封井")]
    rows = []
    licensed_in_coverage = category == "covered_licensed" or (
        category is None and found.get("in_coverage") and found.get("has_permit"))
    if licensed_in_coverage:
        pass  # the non-renewal row comes last: the acts due now first
    elif found.get("in_coverage") and category != "urban_village":
        rows.append(_row("in_coverage", "stop_and_seal", "位于公共供水管网覆盖范围内，仍取用地下水"))
    elif not found.get("has_permit"):
        rows.append(_row("no_permit", "apply_permit", "未依法取得取水许可擅自取水"))
    if not found.get("has_meter"):
        rows.append(_row("no_meter", "install_meter", "未安装取水计量设施"))
    if not found.get("tax_registered"):
        rows.append(_row("tax_unpaid", "pay_tax", "未登记缴纳水资源税和污水处理费"))
    if licensed_in_coverage:
        rows.append(_row("permit_expiring", AT_EXPIRY, "位于公共供水管网覆盖范围内，取水许可有效期届满后不予延续",
                         days=None))
    return rows


def _row(kind: str, act: str, text: str, days: int | None = DEFAULT_DAYS) -> dict:
    return {"kind": kind, "required_act": act, "description": text, "rectify_days": days}


def notice_rows(entries, served_on: date | None, permit_expires_on: date | None = None) -> list[dict]:
    """The filled rows of a notice's FieldList as task data, numbered, each with its deadline date.

    A row closing the well at the permit's expiry takes the expiry as its deadline and the days to it as
    its period; without a permit expiry after service it raises ``PermitExpiryMissing``.
    """
    rows = []
    for entry in entries:
        row = entry.form
        if row.is_blank():
            continue
        if row.required_act.data == AT_EXPIRY:
            if served_on and (permit_expires_on is None or permit_expires_on <= served_on):
                raise PermitExpiryMissing(
                    "“许可期满不予延续”须以取水许可有效期届满之日为期限：" + (
                        "台账中未登记该井的许可有效期，请在台账中补录后再下达通知书" if permit_expires_on is None
                        else f"该井许可已于{format_date_zh(permit_expires_on)}届满，应改为“停止取水并封井”"))
            deadline = permit_expires_on.isoformat() if served_on else None
            days = (permit_expires_on - served_on).days if served_on else 0
        else:
            days = int(row.rectify_days.data)
            deadline = statutory_deadline_date(served_on, days).isoformat() if served_on else None
        rows.append({"no": len(rows) + 1, "kind": row.kind.data, "description": row.description.data,
                     "required_act": row.required_act.data, "rectify_days": days, "deadline": deadline})
    return rows


def timer_days(rows: list[dict]) -> int:
    """The period the notice's timer waits for: the longest of the acts due from service; the permit's
    expiry only when the notice orders nothing else (the non-renewal decision and the closure follow the
    user's report, and an act due now that is not done is checked when its period ends)."""
    timed = [row["rectify_days"] for row in rows if row["required_act"] != AT_EXPIRY]
    return max(timed) if timed else max(row["rectify_days"] for row in rows)


def describe_rows(rows: list[dict]) -> str:
    """Problem rows for the case timeline: one line each."""
    lines = []
    for row in rows or []:
        if "closed" in row:
            state = "已销号" if row["closed"] else "未整改到位"
            lines.append(f"{row.get('no', '')}. {row.get('description', '')}：{state}"
                         + (f"（{row['evidence']}）" if row.get("evidence") else ""))
        else:
            period = "期限至许可有效期届满" if row["required_act"] == AT_EXPIRY else f"期限{row['rectify_days']}日"
            lines.append(f"{row['no']}. {row['description']}；{choice_label(REQUIRED_ACTS, row['required_act'])}，"
                         f"{period}"
                         + (f"（至{format_date_zh(date.fromisoformat(row['deadline']))}）" if row.get("deadline") else ""))
    return "\n".join(lines)

