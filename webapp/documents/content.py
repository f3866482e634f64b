"""What a document says: the case, the party and the step's submitted values, as the templates read them.

Everything is text already (labels for codes, 2026年3月9日 for dates, "—" for nothing), so the office
can move fields around in a template without knowing the data's types.
"""
from __future__ import annotations

from datetime import date

from sqlalchemy.orm import object_session

from forms.choices import PURPOSES, REQUIRED_ACTS
from forms.registry import EMPTY_DISPLAY, display_data
from forms.validators import format_date_zh
from rules.articles import notice_basis
from rules.deadlines import WORKING_DAY_THRESHOLD

from .. import directory
from ..models import Case
from . import party_deadlines, sealing
from .catalogue import Kind

NONE = "—"  # an official document shows a dash, not the form's "未填写"

# 行政复议法 (2023) Art 20 and 24: sixty days, to the people's government at the same level;
# 行政诉讼法 Art 46: six months; both Art 42 / Art 56: the decision is not suspended meanwhile.
REMEDIES = ("你（单位）如不服本{doc}，可以自收到之日起六十日内向乳山市人民政府申请行政复议，"
            "也可以自收到之日起六个月内依法向人民法院提起行政诉讼。复议或者诉讼期间，本{doc}不停止执行。")

SERVICE_NOTES = {
    "lodged": "受送达人拒绝签收，已邀请见证人到场说明情况，将文书留在受送达人住所并拍照录像，视为送达。",
    "public": "受送达人下落不明，已公告送达，自发出公告之日起经过三十日视为送达。",
    "electronic": "经受送达人同意采用电子送达，以送达信息到达受送达人特定系统的日期为送达日期。",
    "post": "邮寄送达，以回执上注明的收件日期为送达日期。",
}


def authority(code: str) -> str:
    """A department's name as an authority signs: 市水利局 -> 乳山市水利局."""
    name = directory.name(code)
    return f"乳山{name}" if name.startswith("市") else name


def _lines(text: str | None) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def _basis_articles(data: dict) -> dict:
    """What a notice cites: the union of its problems' articles (rules.articles) and the clerk's additions,
    as the notice step stored it; computed from the rows for a notice stored before it was kept."""
    articles = data.get("basis_articles")
    if articles is None and data.get("problems"):
        articles = notice_basis((row["kind"] for row in data["problems"]), _lines(data.get("legal_basis")))
    return {"basis_articles": articles or [], "basis_articles_inline": "、".join(articles or []) or NONE}


def _party(case: Case) -> dict:
    owner = case.well.owner
    return {"name": owner.name, "party_id": owner.party_id, "legal_rep": owner.legal_rep or NONE,
            "address": owner.address or NONE, "phone": owner.phone or NONE}


def _well(case: Case) -> dict:
    well = case.well
    place = "".join(part for part in (directory.name(well.town), well.village, well.address or "") if part)
    coordinates = (f"北纬 {well.latitude}，东经 {well.longitude}" if well.latitude is not None
                   and well.longitude is not None else NONE)
    return {"well_no": well.well_no, "location": place, "coordinates": coordinates,
            "purpose": dict(PURPOSES).get(well.purpose, well.purpose)}


def _deadline(data: dict, end: date | None) -> dict:
    """The rectification deadline: the longest problem's period from service, as the diagram's timer holds
    it (fixed at the notice's first issue, ``party_deadlines``)."""
    days = data.get("rectify_days")
    if end is None or not days:
        return {}
    rows = data.get("problems") or []
    short = any(row["rectify_days"] < WORKING_DAY_THRESHOLD for row in rows) or (
        not rows and days < WORKING_DAY_THRESHOLD)
    long = any(row["rectify_days"] >= WORKING_DAY_THRESHOLD for row in rows) or (
        not rows and days >= WORKING_DAY_THRESHOLD)
    rules = (["不足十日的期限按工作日计算，不含法定节假日"] if short else []) + (
        ["十日以上的期限按自然日计算，期满日为法定节假日的，顺延至节假日后的第一个工作日"] if long else [])
    return {"deadline": format_date_zh(end), "deadline_rule": "；".join(rules)}


def _orders(data: dict) -> list[str]:
    """Each problem's required act and its own deadline, as the notice orders them."""
    acts = dict(REQUIRED_ACTS)
    return [f"{row['description']}：{acts.get(row['required_act'], row['required_act'])}，"
            f"于{format_date_zh(date.fromisoformat(row['deadline']))}前（含当日）完成（期限{row['rectify_days']}日）"
            for row in data.get("problems") or [] if row.get("deadline")]


def _acceptance(kind: Kind, case: Case, data: dict, task_guid: str | None) -> dict:
    """The 验收单's own part: the sealing it accepts, the result and the units that sign, by name."""
    if kind.code != "seal_acceptance":
        return {}
    session = object_session(case)
    return {"sealing": sealing.accepted_sealing(session, case, task_guid),
            "acceptance_result": "合格" if data.get("seal_accepted") else "不合格，退回重新封井",
            "signatories": sealing.signatories(data.get("signatories"), case)}


def build(kind: Kind, case: Case, number: str, issued_on: date, data: dict,
          served: dict | None = None, task_guid: str | None = None, deadlines: dict[str, date] | None = None) -> dict:
    """The template context of one document. ``data`` is the issuing step's stored task data,
    ``task_guid`` its step (a 验收单 names the sealing done before it), ``deadlines`` the party's deadlines
    the document prints (``party_deadlines``; computed with today's calendar when not given)."""
    acts = dict(REQUIRED_ACTS)
    if deadlines is None:
        deadlines = party_deadlines.dates(party_deadlines.compute(kind.code, data))
    return {
        "kind_name": kind.name, "number": number, "issued_on": format_date_zh(issued_on),
        "issuer": authority(case.town if kind.issuer == "town" else kind.issuer),
        "water_authority": authority("water"),
        "case_number": case.number, "town": directory.name(case.town),
        "party": _party(case), "well": _well(case),
        "data": {key: NONE if value == EMPTY_DISPLAY else value
                 for key, value in display_data(kind.form_key, data).items()},
        "findings": _lines(data.get("findings")),
        "patrol_findings": _lines(data.get("patrol_findings")),
        "problems": [row["description"] for row in data.get("problems") or []] or _lines(data.get("notice_problems")),
        "orders": _orders(data),
        "acts": [acts.get(code, code) for code in data.get("required_acts") or []],
        "legal_basis_inline": "、".join(_lines(data.get("legal_basis"))) or NONE,
        **_basis_articles(data),
        "remedies": REMEDIES.format(doc="决定" if kind.code == "non_renewal" else "通知"),
        "served": served or {},
        "service_note": SERVICE_NOTES.get(data.get("service_method") or "", ""),
        **_deadline(data, deadlines.get("deadline") if kind.code == "rectification_notice" else None),
        **_acceptance(kind, case, data, task_guid),
        **penalty_context(kind, case, data, deadlines),
    }


def penalty_context(kind: Kind, case: Case, data: dict, deadlines: dict[str, date]) -> dict:
    """The penalty documents' own part (imported here: penalty_content reads this module's texts)."""
    from .penalty_content import context
    return context(kind, case, data, deadlines)
