"""The case list as a workbook: one sheet of cases (where each stands), one of wells and their users."""
from __future__ import annotations

from zoneinfo import ZoneInfo

from forms.choices import PURPOSES
from forms.identifiers import mask_party_id

from .. import directory
from ..core import spreadsheets
from ..core.filters import case_stage

CASE_COLUMNS = [("案件编号", 16), ("井编号", 16), ("用水户", 28), ("镇区", 16), ("村（社区）", 14), ("阶段", 16),
                ("当前环节", 30), ("办理部门", 24), ("承办人", 16), ("办理期限", 18), ("登记时间", 18)]
WELL_COLUMNS = [("井编号", 16), ("用水户", 28), ("证件号码", 22), ("法定代表人", 12), ("联系电话", 16),
                ("镇区", 16), ("村（社区）", 14), ("位置", 24), ("纬度", 11), ("经度", 11), ("井深（米）", 10),
                ("成井年份", 10), ("用途", 12), ("年取水量（立方米）", 16), ("管网覆盖", 10), ("超采区/禁采区", 12),
                ("取水许可证号", 18), ("许可有效期至", 14), ("计量设施", 10), ("隐瞒不报", 10)]


def _party_id(owner) -> str:
    # An enterprise's credit code is public; a person's ID number leaves the system masked.
    return owner.party_id if owner.kind == "enterprise" else mask_party_id(owner.party_id)


def workbook(rows, tz: str) -> bytes:
    zone = ZoneInfo(tz)

    def local(moment):
        return moment.astimezone(zone).replace(tzinfo=None) if moment else None

    def yes_no(value):
        return "是" if value else "否"

    cases = ([case.number, well.well_no, owner.name, directory.name(case.town), well.village, case_stage(instance),
              "、".join(t.title for t in tasks), "、".join(directory.name(t.department) for t in tasks),
              "、".join(t.assignee or "" for t in tasks).strip("、"),
              local(min((t.due_at for t in tasks if t.due_at), default=None)), local(case.created_at)]
             for case, well, owner, instance, tasks in rows)
    wells = ([well.well_no, owner.name, _party_id(owner), owner.legal_rep or "", owner.phone, directory.name(well.town),
              well.village, well.address or "", well.latitude, well.longitude, well.depth_m, well.year_drilled,
              dict(PURPOSES).get(well.purpose, well.purpose), well.annual_volume_m3, yes_no(well.in_coverage),
              yes_no(well.in_restricted_zone), well.permit_no or "", well.permit_valid_to, yes_no(well.has_meter),
              yes_no(well.hidden_well)]
             for _case, well, owner, _instance, _tasks in rows)
    return spreadsheets.workbook([("案件", CASE_COLUMNS, cases), ("自备井", WELL_COLUMNS, wells)])
