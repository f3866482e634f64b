"""The town ledger (台账): the template, and importing a filled ledger all or nothing."""
from __future__ import annotations

import io
from datetime import datetime

from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from engine.tables import Event, OpenTask
from forms.identifiers import credit_code_check_char
from webapp.core import db
from webapp.models import Case, Well

HEADERS = ["用水户类型", "用水户名称", "统一社会信用代码/身份证号", "法定代表人", "用水户地址", "联系电话", "所属行业",
           "机井编号", "所属镇（街道）", "村（社区）", "机井具体位置", "纬度", "经度", "井深（米）", "成井年份", "取水用途",
           "年取水量（立方米）", "是否在公共供水管网覆盖范围内", "管网供水单位或水源", "是否在地下水超采区或禁采区",
           "取水许可证号", "发证机关", "许可有效期起始日期", "许可有效期截止日期", "是否安装计量设施", "计量设施编号",
           "是否为隐瞒不报的机井"]


def credit_code(n: int) -> str:
    first17 = f"91371083MA3C{n:05d}"
    return first17 + credit_code_check_char(first17)


def row(n: int, **changes) -> dict:
    values = {"用水户类型": "单位", "用水户名称": f"乳山某某公司{n}", "统一社会信用代码/身份证号": credit_code(n),
              "法定代表人": "张三", "用水户地址": "夏村镇工业园1号", "联系电话": "0631-6651234", "机井编号": f"L-{n:03d}",
              "所属镇（街道）": "夏村镇", "村（社区）": "东村", "纬度": 36.92, "经度": 121.52, "井深（米）": 80,
              "成井年份": 2008, "取水用途": "工业", "年取水量（立方米）": 12000, "是否在公共供水管网覆盖范围内": "是",
              "是否在地下水超采区或禁采区": "否", "是否安装计量设施": "否", "是否为隐瞒不报的机井": "否"}
    values.update(changes)
    return values


def ledger(rows: list[dict], headers: list[str] = HEADERS) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = "台账"
    sheet.append(headers)
    for values in rows:
        sheet.append([values.get(h) for h in headers])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def upload(client, data: bytes, name: str = "台账.xlsx"):
    return client.post("/ledger/import", data={"file": (io.BytesIO(data), name)}, content_type="multipart/form-data",
                       follow_redirects=True)


def count(app, model) -> int:
    with app.app_context():
        return db.session().scalar(select(func.count()).select_from(model))


def test_template_has_the_form_columns_and_drop_down_lists(login):
    response = login("water.clerk").get("/ledger/template.xlsx")
    assert response.status_code == 200 and response.mimetype.endswith("spreadsheetml.sheet")
    book = load_workbook(io.BytesIO(response.data))
    assert book.sheetnames[:2] == ["台账", "说明"]
    sheet = book["台账"]
    assert [c.value for c in sheet[1]] == HEADERS
    assert sheet["A1"].comment.text.startswith("必填") and sheet["G1"].comment.text.startswith("选填")
    assert sheet["D1"].comment.text.startswith("视情况必填")
    lists = {str(v.sqref).split(":")[0]: v.formula1 for v in sheet.data_validations.dataValidation}
    assert lists["A2"] == '"单位,个人"' and lists["P2"] == '"工业,商业/服务业,农业灌溉,农村生活"'
    assert lists["R2"] == lists["T2"] == lists["Y2"] == lists["AA2"] == '"是,否"'
    assert "夏村镇" in lists["I2"] and "南黄镇" in lists["I2"]
    assert "填写说明" in book["说明"]["A1"].value
    # A town's template offers only its own town.
    town_sheet = load_workbook(io.BytesIO(login("xiacun.clerk").get("/ledger/template.xlsx").data))["台账"]
    town_lists = {str(v.sqref).split(":")[0]: v.formula1 for v in town_sheet.data_validations.dataValidation}
    assert town_lists["I2"] == '"夏村镇"'


def test_clean_ledger_registers_every_well_once(app, login):
    water = login("water.clerk")
    rows = [row(1), row(2, **{"所属镇（街道）": "南黄镇", "用水户类型": "个人", "用水户名称": "村民甲",
                              "统一社会信用代码/身份证号": "11010519491231002X", "法定代表人": None}),
            row(3, **{"取水许可证号": "取水(鲁乳)字[2020]第001号", "许可有效期起始日期": datetime(2020, 1, 1),
                      "许可有效期截止日期": "2025/12/31", "取水用途": "农业灌溉"})]
    shuffled = list(reversed(HEADERS))  # the column order does not matter
    page = upload(water, ledger(rows, shuffled)).get_data(as_text=True)
    assert "新登记自备井 3 口" in page and "跳过 0 口" in page, page
    assert count(app, Well) == 3 and count(app, Case) == 3
    with app.app_context():
        s = db.session()
        inbox = s.execute(select(OpenTask.well_no, OpenTask.department).order_by(OpenTask.well_no)).all()
        well = s.scalar(select(Well).where(Well.well_no == "L-003"))
        assert (well.purpose, well.permit_valid_from.isoformat(), well.permit_valid_to.isoformat()) == (
            "agricultural", "2020-01-01", "2025-12-31")
        events = s.scalars(select(Event).where(Event.kind == "ledger_imported")).all()
    assert [tuple(r) for r in inbox] == [("L-001", "xiacun"), ("L-002", "nanhuang"), ("L-003", "xiacun")]
    assert [(e.actor, e.data["registered"], e.data["skipped"], e.data["file"]) for e in events] == [
        ("water.clerk", 3, 0, "台账.xlsx")]
    # The same file again: nothing new, three skipped as already imported.
    page = upload(water, ledger(rows)).get_data(as_text=True)
    assert "新登记自备井 0 口" in page and "跳过 3 口" in page
    assert count(app, Well) == 3 and count(app, Case) == 3


def test_a_ledger_with_errors_imports_nothing_and_names_row_and_column(app, login):
    water = login("water.clerk")
    wrong = credit_code(1)[:-1] + ("1" if credit_code(1)[-1] != "1" else "2")
    rows = [row(1, **{"统一社会信用代码/身份证号": wrong}),                   # wrong check character
            row(2, **{"纬度": 40.5}),                                     # outside Rushan
            row(3, **{"村（社区）": None}),                                  # required cell left blank
            row(4, **{"机井编号": "l-001 "}),                              # the same well as row 2's L-001
            row(5, **{"所属镇（街道）": "火星镇"}),                           # unknown town
            row(6, **{"取水许可证号": "X-1", "许可有效期起始日期": "2020-02-30", "许可有效期截止日期": "2025-01-01"}),
            row(7)]                                                          # a clean row: not imported either
    response = upload(water, ledger(rows))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "没有导入任何机井" in page
    assert count(app, Well) == 0 and count(app, Case) == 0
    problems = _problems(page)
    assert ("第2行", "统一社会信用代码/身份证号") in problems
    assert ("第3行", "纬度") in problems and "乳山市范围内" in problems[("第3行", "纬度")]
    assert problems[("第4行", "村（社区）")] == "请填写村（社区）"
    assert "与第2行重复" in problems[("第5行", "机井编号")]
    assert "火星镇" in problems[("第6行", "所属镇（街道）")]
    assert "许可有效期起始日期" in problems[("第7行", "许可有效期起始日期")]
    assert not any(r == "第8行" for r, _ in problems)
    # The report: the uploaded sheet with the wrong cells marked and an 错误 column.
    report = water.get("/ledger/import/report")
    assert report.status_code == 200
    sheet = load_workbook(io.BytesIO(report.data))["台账"]
    assert sheet.cell(row=1, column=len(HEADERS) + 1).value == "错误"
    lat = sheet.cell(row=3, column=HEADERS.index("纬度") + 1)
    assert lat.fill.fgColor.rgb.endswith("FFC7CE") and "乳山市范围内" in lat.comment.text
    assert "请填写村（社区）" in sheet.cell(row=4, column=HEADERS.index("村（社区）") + 1).comment.text
    assert "机井编号" in sheet.cell(row=5, column=len(HEADERS) + 1).value
    assert sheet.cell(row=8, column=len(HEADERS) + 1).value is None
    assert sheet.cell(row=8, column=1).comment is None
    # Another user cannot fetch this report (it is not theirs).
    assert login("leading_office.clerk").get("/ledger/import/report").status_code == 302


def _problems(page: str) -> dict:
    import re
    table = page.split('data-testid="ledger-problems"', 1)[1].split("</table>", 1)[0]
    cells = re.findall(r"<tr><td>(第\d+行)</td><td>(.*?)</td><td>(.*?)</td></tr>", table)
    return {(r, c.replace("&amp;", "&")): m for r, c, m in cells}


def test_a_town_imports_only_its_own_town(app, login):
    xiacun = login("xiacun.clerk")
    response = upload(xiacun, ledger([row(1), row(2, **{"所属镇（街道）": "南黄镇"})]))
    assert response.status_code == 422
    problems = _problems(response.get_data(as_text=True))
    assert list(problems) == [("第3行", "所属镇（街道）")] and "本镇" in problems[("第3行", "所属镇（街道）")]
    assert count(app, Well) == 0
    assert "新登记自备井 1 口" in upload(xiacun, ledger([row(1)])).get_data(as_text=True)


def test_well_of_another_party_and_renamed_party_are_errors(app, login):
    water = login("water.clerk")
    upload(water, ledger([row(1)]))
    problems = _problems(upload(water, ledger([row(2, **{"机井编号": "L-001"}),
                                               row(3, **{"统一社会信用代码/身份证号": credit_code(1)})])).get_data(as_text=True))
    assert "已登记为其他用水户" in problems[("第2行", "机井编号")]
    assert "乳山某某公司1" in problems[("第3行", "统一社会信用代码/身份证号")]


def test_refusals(app, login):
    assert login("housing.clerk").get("/ledger/import").status_code == 403
    assert login("housing.clerk").get("/ledger/template.xlsx").status_code == 403
    water = login("water.clerk")
    response = upload(water, b"name,well\n", "wells.csv")
    assert response.status_code == 422 and "只能导入 .xlsx" in response.get_data(as_text=True)
    response = upload(water, b"not a workbook", "fake.xlsx")
    assert response.status_code == 422 and "无法读取该文件" in response.get_data(as_text=True)
    response = upload(water, ledger([row(1)], [h for h in HEADERS if h != "机井编号"]))
    assert response.status_code == 422 and "表头缺少必填的列：机井编号" in response.get_data(as_text=True)
    assert count(app, Well) == 0
    assert 'data-testid="ledger-import"' in water.get("/cases/").get_data(as_text=True)
