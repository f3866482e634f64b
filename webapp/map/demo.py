"""``flask demo wells``: demonstration wells with coordinates in every town, at several stages, so that the demo's
map (and its lists and dashboard) show something. For a demo database only (WELLS_DEMO=1, `make demo`).

Each town's wells lie around a point near the town's seat (approximate, for illustration: not surveyed); the
cases are registered with the registration service and moved on by the engine with the data the step forms give,
so every stage shown is the diagrams' own: 待检查, 整改中, 已封井（巡查中）, 已办证（待并网）, 暂不列入封停, 处罚中
and 已撤销. The documents those steps would issue are not generated: the demonstration is of where cases stand.
A few wells have no coordinates, as a real ledger has: the map says how many and lists them.
"""
from __future__ import annotations

import random

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import func, select

from engine import overrides as engine_overrides
from engine.tables import OpenTask
from forms.identifiers import credit_code_check_char
from rules.timezone import today_in_china

from ..cases.service import RegistrationRefused, register_case
from ..core import workflow
from ..directory import villages
from ..models import Case, User

demo_cli = AppGroup("demo", help="演示数据")

#: town -> (latitude, longitude) near the town's seat, approximate (for the demonstration only).
TOWN_POINTS = {
    "chengqu": (36.918, 121.536), "xiacun": (36.945, 121.565), "kaifaqu": (36.887, 121.578),
    "binhai": (36.800, 121.668), "baishatan": (36.836, 121.610), "rushankou": (36.823, 121.478),
    "haiyangsuo": (36.866, 121.768), "dagushan": (36.905, 121.700), "nanhuang": (36.862, 121.305),
    "xujia": (36.930, 121.405), "rushanzhai": (36.995, 121.318), "fengjia": (37.030, 121.425),
    "xiachu": (37.032, 121.548), "yuli": (36.985, 121.625), "zhuwang": (36.992, 121.722),
    "wuji": (37.080, 121.622), "yazi": (37.100, 121.470),
}

# Illustrative villages for a town without a 村居名单; a town with one (an administrator's) gets its names, since
# the registration checks a well's village against it.
VILLAGES = ("东村", "西村", "南村", "北村", "河东社区")
INSPECT = {"inspectors": "执法证 3701001、3701002", "has_meter": False, "tax_registered": False, "obstructed": False,
           "hidden_well": False, "findings": "现场检查记录（演示）。"}
COVERED = {"in_coverage": True, "has_permit": False, "purpose": "industrial", "urban_village": False}
UNCOVERED = {"in_coverage": False, "has_permit": False, "purpose": "commercial", "urban_village": False}
URBAN_VILLAGE = {"in_coverage": True, "has_permit": False, "purpose": "agricultural", "urban_village": True}
# spec -> (account, data): "{town}" is the case's town, "{day}" today.
STEPS = {
    "commitment": ("{town}.clerk", {"signed_on": "{day}", "signatory": "用水户本人"}),
    "exemption_apply": ("{town}.clerk", {"applied_on": "{day}", "village_name": "城中村",
                                         "application_reasons": "列入城中村改造计划。", "applicant_contact": "街道经办人"}),
    "exemption_review": ("leading_office.clerk", {"exemption_approved": True, "review_opinion": "同意暂缓封停。",
                                                  "next_review_on": "2027-09-01"}),
    "notice": ("water.clerk", {"notice_served_on": "{day}", "rectify_days": 30, "service_method": "direct",
                               "required_acts": ["stop_and_seal"], "notice_problems": "未经许可取用地下水",
                               "legal_basis": "《中华人民共和国水法》第六十九条"}),
    "rectify_report": ("water.clerk", {"reported_on": "{day}", "report_summary": "已按通知整改。"}),
    "supply_connection": ("water_group.clerk", {"supply_agreement_no": "GS-001", "connected_on": "{day}"}),
    "seal_well": ("enforcement.clerk", {"sealed_on": "{day}", "disposal_type": "backfill", "seal_no": "FJ-001",
                                        "latitude": None, "longitude": None, "sealing_notes": ""}),
    "seal_acceptance": ("water.clerk", {"accepted_on": "{day}", "seal_accepted": True, "signatories": ["water"],
                                        "acceptance_opinion": "合格"}),
    "permit_approval": ("approval.clerk", {"permit_approved": True, "permit_no": "取水（鲁威乳）字[2026]第001号",
                                           "permit_valid_from": "{day}", "permit_valid_to": "2031-01-01",
                                           "approval_opinion": "经验收合格，准予取水许可。"}),
    "meter_verification": ("market.clerk", {"verified_on": "{day}", "meter_serial": "SB-001", "certificate_no": "JD-1",
                                             "meter_passed": True}),
    "tax_registration": ("tax.clerk", {"registered_on": "{day}", "taxpayer_no": "91371083MA3C00001X"}),
    "recheck": ("water.clerk", {"rechecked_on": "{day}", "recheck_passed": True, "recheck_findings": "已整改到位。"}),
}
SEALED = ["notice", "rectify_report", "supply_connection", "seal_well", "seal_acceptance", "recheck"]
# What the n-th well of a town goes through (cycled): (inspection answers or None, the steps after it).
PATHS = [
    (None, []),                                     # 待检查: the commitment letter is due
    (COVERED, ["notice"]),                          # 整改中
    (COVERED, SEALED),                              # 已封井（巡查中）
    (None, []),
    (UNCOVERED, ["notice", "rectify_report", "permit_approval", "meter_verification", "tax_registration",
                 "recheck"]),                       # 已办证（待并网）
    (COVERED, ["notice", "rectify_report"]),        # 整改中
    (URBAN_VILLAGE, ["exemption_apply", "exemption_review"]),   # 暂不列入封停
    (COVERED, SEALED[:-1] + ["recheck:failed"]),    # 处罚中: the recheck failed
    ("cancel", []),                                 # 已撤销
]


def _credit_code(n: int) -> str:
    first17 = f"91371083MD{n:07d}"
    return first17 + credit_code_check_char(first17)


@demo_cli.command("wells")
@click.option("--per-town", type=click.IntRange(1, 60), default=12, show_default=True, help="每个镇街登记的演示自备井数")
def wells(per_town: int):
    """Register demonstration wells with coordinates in every town and move them to several stages."""
    if not current_app.config["DEMO"]:
        raise click.ClickException("演示数据只能写入演示数据库（WELLS_DEMO=1）。")
    factory = current_app.extensions["sa_sessionmaker"]
    engine = workflow.engine()
    rng = random.Random(2026)  # the same wells on every demo database
    day = today_in_china().isoformat()
    with factory() as session:
        if session.scalar(select(func.count()).select_from(Case)):
            raise click.ClickException("数据库里已经有案件，没有写入演示自备井（只写入没有案件的演示数据库）。")
        users = {u.username: u for u in session.scalars(select(User))}
        if "water.clerk" not in users:
            raise click.ClickException("请先运行 flask seed --demo 创建演示账号。")
        n, known = 0, villages.lists(session)
        for town, (lat0, lon0) in TOWN_POINTS.items():
            for i in range(per_town):
                n += 1
                located = n % 11 != 0  # now and then a well registered without coordinates
                user = {"kind": "enterprise", "name": f"乳山演示{n:03d}有限公司", "party_id": _credit_code(n),
                        "legal_rep": "法定代表人", "address": "演示地址", "phone": "0631-6650000", "industry": "食品",
                        "town": town}
                names = known.get(town) or VILLAGES
                well = {"well_no": f"YS-{n:04d}", "town": town, "village": names[i % len(names)], "address": None,
                        "latitude": round(lat0 + rng.uniform(-0.035, 0.035), 6) if located else None,
                        "longitude": round(lon0 + rng.uniform(-0.045, 0.045), 6) if located else None,
                        "depth_m": 60.0, "year_drilled": 2010, "purpose": "industrial", "annual_volume_m3": 5000.0,
                        "in_coverage": True, "coverage_source": None, "in_restricted_zone": False, "permit_no": None,
                        "permit_issuer": None, "permit_valid_from": None, "permit_valid_to": None,
                        "has_meter": False, "meter_serial": None, "hidden_well": False}
                try:
                    case = register_case(session, engine, user, well, users[f"{town}.clerk"])
                except RegistrationRefused as refusal:
                    raise click.ClickException(f"演示自备井 {well['well_no']} 未能登记：{refusal.message}") from None
                answers, steps = PATHS[(n - 1) % len(PATHS)]
                if answers == "cancel":
                    engine_overrides.cancel(engine, session, case.instance_id, users["leading_office.supervisor"].actor,
                                            "演示：重复登记")
                elif answers is not None:
                    _complete(session, engine, users, case, "commitment", day)
                    _complete(session, engine, users, case, "inspect", day,
                              {"inspected_on": day, **INSPECT, **answers})
                    for step in steps:
                        spec, _, outcome = step.partition(":")
                        _complete(session, engine, users, case, spec, day,
                                  {"recheck_passed": False} if outcome == "failed" else None)
                session.commit()
        click.echo(f"已登记演示自备井 {n} 口（{len(TOWN_POINTS)} 个镇街），分布在各阶段；位置为示意。")


def _complete(session, engine, users, case: Case, spec: str, day: str, data: dict | None = None) -> None:
    who, defaults = STEPS.get(spec, ("task_force.clerk", {}))
    values = {k: (v.format(day=day) if isinstance(v, str) else v) for k, v in defaults.items()}
    if spec == "seal_well":
        values.update(latitude=case.well.latitude, longitude=case.well.longitude)
    values.update(data or {})
    guid = session.scalar(select(OpenTask.task_guid).where(OpenTask.case_id == case.id, OpenTask.task_spec == spec))
    if guid is None:
        raise click.ClickException(f"演示案件 {case.number} 没有待办的“{spec}”环节。")
    engine.complete(session, guid, values, users[who.format(town=case.town)].actor)
