"""The bulk loader (``flask ledger load``, webapp/ledger/bulk.py): the import's checks, set-based writes, and
cases that are the cases the registration page makes — completed like them, on a trail that verifies."""
from __future__ import annotations

import json
import re

from sqlalchemy import func, select
from test_ledger import HEADERS, credit_code, ledger, row
from web_support import REGISTRATION, instance_version, submit

from engine.tables import Event, Instance, OpenTask, Timer
from webapp.core import db
from webapp.directory.departments import DEPARTMENTS
from webapp.ledger import bulk, checks
from webapp.ledger.columns import columns
from webapp.models import Case, WaterUser, Well

GUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
# REGISTRATION (the page's test well) as a ledger row.
AS_ROW = {"用水户类型": "单位", "用水户名称": REGISTRATION["user_name"], "统一社会信用代码/身份证号": REGISTRATION["party_id"],
          "法定代表人": REGISTRATION["legal_rep"], "用水户地址": REGISTRATION["user_address"], "联系电话": REGISTRATION["phone"],
          "所属行业": REGISTRATION["industry"], "所属镇（街道）": "夏村镇", "村（社区）": "东村", "机井具体位置": "厂区北侧",
          "纬度": 36.92, "经度": 121.52, "井深（米）": 80, "成井年份": 2008, "取水用途": "工业", "年取水量（立方米）": 12000,
          "是否在公共供水管网覆盖范围内": "是", "管网供水单位或水源": "水务集团名录", "是否在地下水超采区或禁采区": "否",
          "是否安装计量设施": "否", "是否为隐瞒不报的机井": "否"}


def load(app, tmp_path, rows, *args, user="water.clerk", name="台账.xlsx"):
    path = tmp_path / name
    path.write_bytes(ledger(rows))
    return app.test_cli_runner().invoke(args=["ledger", "load", str(path), "--as", user, *args])


def count(app, model, *where) -> int:
    with app.app_context():
        return db.session().scalar(select(func.count()).select_from(model).where(*where))


def verify(app) -> tuple[int, str]:
    runner = app.test_cli_runner()
    assert runner.invoke(args=["audit", "checkpoint"]).exit_code == 0
    result = runner.invoke(args=["audit", "verify"])
    return result.exit_code, result.output


def test_loads_every_well_in_batches_and_a_second_run_skips_them(app, tmp_path):
    rows = [row(n, **{"所属镇（街道）": ("夏村镇", "南黄镇")[n % 2]}) for n in range(1, 8)]
    rows.append(row(8, **{"用水户名称": "乳山某某公司1", "统一社会信用代码/身份证号": credit_code(1)}))  # party of row 1
    result = load(app, tmp_path, rows, "--batch", "3")
    assert result.exit_code == 0, result.output
    assert "新登记自备井 8 口并启动案件" in result.output and "已登记 8 / 8 口" in result.output
    assert (count(app, Well), count(app, Case), count(app, WaterUser), count(app, Instance)) == (8, 8, 7, 8)
    with app.app_context():
        s = db.session()
        inbox = s.execute(select(OpenTask.well_no, OpenTask.department, OpenTask.task_spec, OpenTask.party_name)
                          .order_by(OpenTask.well_no)).all()
        assert [tuple(r) for r in inbox][:2] == [("L-001", "nanhuang", "commitment", "乳山某某公司1"),
                                               ("L-002", "xiacun", "commitment", "乳山某某公司2")]
        cases = s.scalars(select(Case).order_by(Case.id)).all()
        assert all(c.instance_id == s.scalar(select(Instance.id).where(Instance.case_id == c.id)) for c in cases)
        assert {c.registered_by for c in cases} == {"water.clerk"}
        well_8 = s.scalar(select(Well).where(Well.well_no == "L-008"))
        assert well_8.owner.party_id == credit_code(1) and len(well_8.owner.wells) == 2
        batches = s.scalars(select(Event).where(Event.kind == "ledger_imported").order_by(Event.id)).all()
        assert [(e.actor, e.data["registered"], e.data["batch"], e.data["batches"]) for e in batches] == [
            ("water.clerk", 3, 1, 3), ("water.clerk", 3, 2, 3), ("water.clerk", 2, 3, 3)]
    again = load(app, tmp_path, rows)
    assert again.exit_code == 0 and "新登记自备井 0 口" in again.output and "跳过 8 口" in again.output
    assert count(app, Case) == 8
    code, output = verify(app)
    assert code == 0, output


def test_a_loaded_case_is_the_case_the_registration_page_makes(app, login, tmp_path):
    page = login("water.clerk").post("/cases/new", data=REGISTRATION)
    assert page.status_code == 302
    rows = [{**AS_ROW, "机井编号": f"XC-00{n}"} for n in (2, 3, 4, 5)]  # the same party: the page's water user
    assert load(app, tmp_path, rows).exit_code == 0
    with app.app_context():
        s = db.session()
        assert s.scalar(select(func.count()).select_from(WaterUser)) == 1
        registered, loaded = (s.scalar(select(Case).join(Case.well).where(Well.well_no == n)) for n in ("XC-001", "XC-003"))
        well_columns = [c.name for c in Well.__table__.c if c.name not in ("id", "well_no", "created_at")]
        assert [getattr(loaded.well, c) for c in well_columns] == [getattr(registered.well, c) for c in well_columns]
        assert (loaded.town, loaded.registered_by, loaded.notes) == (registered.town, registered.registered_by,
                                                                     registered.notes)
        assert picture(s, loaded.instance_id, "XC-003") == picture(s, registered.instance_id, "XC-001")


def picture(session, instance_id: int, well_no: str) -> dict:
    """What the engine wrote for an instance, task ids numbered by first appearance, its well number as <no>."""
    numbers: dict[str, str] = {}

    def plain(value):
        if isinstance(value, str):
            return GUID.sub(lambda m: numbers.setdefault(m.group(0), f"<task{len(numbers)}>"), value).replace(
                well_no, "<no>")
        if isinstance(value, dict):
            return {plain(k): plain(v) for k, v in value.items() if k != "last_state_change"}
        if isinstance(value, list):
            return [plain(v) for v in value]
        return value

    instance = session.get(Instance, instance_id)
    skip = {"id", "instance_id", "case_id", "chain", "chain_no", "prev_hash", "hash"}
    return plain({
        "state": json.loads(instance.state),
        "instance": {c.name: getattr(instance, c.name) for c in Instance.__table__.c
                     if c.name not in ("id", "case_id", "state", "updated_at")},
        "rows": [[{c.name: getattr(r, c.name) for c in model.__table__.c if c.name not in skip}
                  for r in session.scalars(select(model).where(model.instance_id == instance_id).order_by(model.id))]
                 for model in (OpenTask, Timer, Event)]})


def test_the_first_step_of_a_loaded_case_is_completed_on_its_page(app, login, tmp_path):
    assert load(app, tmp_path, [row(n) for n in range(1, 5)]).exit_code == 0
    town = login("xiacun.clerk")
    with app.app_context():
        case_id, guid = db.session().execute(select(OpenTask.case_id, OpenTask.task_guid)
                                             .where(OpenTask.well_no == "L-003")).one()
    assert town.get(f"/tasks/{guid}").status_code == 200
    response = submit(town, guid, {"signed_on": "2026-03-02", "signatory": "法定代表人甲"}, instance_version(app, case_id))
    assert response.status_code == 302, response.get_data(as_text=True)
    with app.app_context():
        s = db.session()
        assert s.scalars(select(OpenTask.task_spec).where(OpenTask.case_id == case_id)).all() == ["inspect"]
        assert s.scalar(select(func.count()).select_from(OpenTask).where(OpenTask.task_spec == "commitment")) == 3
    code, output = verify(app)
    assert code == 0, output


def test_a_ledger_with_errors_registers_nothing_and_writes_the_report(app, tmp_path):
    rows = [row(1), row(2, **{"纬度": 40.5}), row(3, **{"机井编号": "l-001 "}), row(4)]
    result = load(app, tmp_path, rows)
    assert result.exit_code == 1
    assert "台账有 2 行存在 2 处错误，没有登记任何机井" in result.output
    assert "第3行“纬度”" in result.output and "第4行“机井编号”：机井编号 L-001 与第2行重复" in result.output
    assert (tmp_path / "台账-错误报告.xlsx").exists()
    assert (count(app, Well), count(app, Case), count(app, Instance), count(app, Event)) == (0, 0, 0, 0)


def test_a_town_loads_only_its_own_wells_and_a_stranger_nothing(app, tmp_path):
    result = load(app, tmp_path, [row(1), row(2, **{"所属镇（街道）": "南黄镇"})], user="xiacun.clerk")
    assert result.exit_code == 1 and "第3行“所属镇（街道）”：只能导入本镇（街道）的机井，本行属于南黄镇" in result.output
    assert count(app, Well) == 0
    refused = load(app, tmp_path, [row(1)], user="police.clerk")
    assert refused.exit_code != 0 and "没有登记自备井的权限" in refused.output
    unknown = load(app, tmp_path, [row(1)], user="nobody")
    assert unknown.exit_code != 0 and "账号 nobody 不存在或已停用" in unknown.output
    assert count(app, Well) == 0


def test_rows_checked_in_several_processes_give_what_one_process_gives(app, tmp_path):
    """The same problems and the same rows whether the form runs here or in forked processes."""
    rows = [row(n) for n in range(1, 9)] + [row(9, **{"联系电话": "12"}), row(10, **{"机井编号": "L-002"})]
    path = tmp_path / "台账.xlsx"
    path.write_bytes(ledger(rows))
    headers, body = bulk.read(path)
    assert (headers, body) == checks.read(path.read_bytes())  # calamine reads what openpyxl reads
    with app.app_context():
        towns = [(code, name) for code, name, kind in DEPARTMENTS if kind == "town"]
        answers = []
        for workers, chunk in ((1, bulk.CHUNK), (2, 3)):
            with db.new_session() as s:
                checked = bulk.check(s, headers, body, columns(), towns, None, workers=workers, chunk=chunk)
            answers.append((checked.problems, [(n, vars(r)) for n, r in checked.new]))
    assert answers[0] == answers[1]
    assert [p.row for p in answers[0][0]] == [10, 11] and len(answers[0][1]) == 8


def test_the_sheet_is_read_as_the_import_page_reads_it(tmp_path):
    """Headers in any order, blank rows skipped, dates and numbers as the clerk typed them."""
    from datetime import datetime
    rows = [row(1, **{"取水许可证号": "取水(鲁乳)字[2020]第001号", "许可有效期起始日期": datetime(2020, 1, 1),
                      "许可有效期截止日期": "2025/12/31"}), {}, row(2)]
    path = tmp_path / "台账.xlsx"
    path.write_bytes(ledger(rows, list(reversed(HEADERS))))
    assert bulk.read(path) == checks.read(path.read_bytes())
