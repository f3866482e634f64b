"""The case list exported as a workbook, with the list's filters and the town's limits."""
from __future__ import annotations

import io

from openpyxl import load_workbook
from sqlalchemy import select
from web_support import REGISTRATION

from engine.tables import Event
from webapp.core import db


def sheet_rows(response, title):
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert response.headers["Content-Disposition"] == "attachment; filename=cases-20260302.xlsx"
    book = load_workbook(io.BytesIO(response.data), read_only=True)
    return [list(r) for r in book[title].iter_rows(values_only=True)]


def test_export_follows_the_filters_and_the_town(app, login):
    water = login("water.clerk")
    for n, town in ((1, "xiacun"), (2, "xiacun"), (3, "nanhuang")):
        assert water.post("/cases/new", data={**REGISTRATION, "well_no": f"W-00{n}", "town": town}).status_code == 302
    assert 'data-testid="export-cases"' in water.get("/cases/").get_data(as_text=True)
    cases = sheet_rows(water.get("/cases/export.xlsx?town=xiacun"), "案件")
    assert cases[0][:7] == ["案件编号", "井编号", "用水户", "镇区", "村（社区）", "阶段", "当前环节"]
    assert [(r[1], r[3], r[5], r[6], r[7]) for r in cases[1:]] == [
        ("W-001", "夏村镇", "待检查", "签订承诺书", "夏村镇"), ("W-002", "夏村镇", "待检查", "签订承诺书", "夏村镇")]
    wells = sheet_rows(water.get("/cases/export.xlsx?q=W-003"), "自备井")
    assert len(wells) == 2 and wells[1][0] == "W-003" and wells[1][2] == "91350100M000100Y43"
    # A town exports only its own cases, whatever the query string says.
    town_rows = sheet_rows(login("nanhuang.clerk").get("/cases/export.xlsx?town=xiacun"), "案件")
    assert [r[1] for r in town_rows[1:]] == ["W-003"]
    with app.app_context():
        exports = db.session().scalars(select(Event).where(Event.kind == "cases_exported")
                                       .order_by(Event.id)).all()
    assert [(e.actor, e.data["rows"], e.data["town"]) for e in exports] == [
        ("water.clerk", 2, "xiacun"), ("water.clerk", 1, None), ("nanhuang.clerk", 1, "nanhuang")]


def test_formula_like_names_are_stored_as_text(app, login):
    water = login("water.clerk")
    assert water.post("/cases/new", data={**REGISTRATION, "user_name": "=HYPERLINK(\"x\")"}).status_code == 302
    book = load_workbook(io.BytesIO(water.get("/cases/export.xlsx").data))
    cell = book["案件"]["C2"]
    assert cell.value == "=HYPERLINK(\"x\")" and cell.data_type == "s"


def test_export_is_for_the_ledger_keepers_and_masks_personal_ids(app, login):
    water = login("water.clerk")
    person = {**REGISTRATION, "user_kind": "individual", "user_name": "村民甲", "party_id": "11010519491231002X",
              "legal_rep": "", "well_no": "P-001"}
    assert water.post("/cases/new", data=person).status_code == 302
    assert login("housing.clerk").get("/cases/export.xlsx").status_code == 403
    wells = sheet_rows(water.get("/cases/export.xlsx"), "自备井")
    assert wells[1][2] == "1101**********002X"
