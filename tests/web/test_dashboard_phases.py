"""Issue 5, "Dashboard and briefings": the plan's campaign phases as settings, and their timeline."""
from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from dashboard_support import table
from lxml import html as lxml_html

from webapp.core.config import ConfigError
from webapp.dashboard import phases


@pytest.fixture(autouse=True)
def _no_phase_settings_in_the_environment(monkeypatch):
    for name in phases.SETTINGS:
        monkeypatch.delenv("WELLS_" + name, raising=False)


def _dates(found) -> dict[str, tuple]:
    return {p.key: (p.start, p.end) for p in found}


def test_defaults_are_the_plans_dates():
    assert _dates(phases.from_settings({}, data_year=2022)) == {
        "publicity": (date(2022, 7, 15), date(2022, 12, 31)),
        "mobilisation": (date(2022, 7, 15), date(2022, 7, 20)),
        "supervision_1": (date(2022, 7, 21), date(2022, 8, 31)),
        "supervision_2": (date(2022, 9, 1), date(2022, 12, 31)),
        "supervision_3": (date(2023, 1, 1), None),
        "rectification": (date(2022, 7, 21), date(2022, 12, 31)),
        "summary": (date(2022, 7, 15), date(2022, 12, 30)),
    }
    names = [p.name for p in phases.from_settings({}, data_year=2022)]
    assert names == ["宣传阶段", "动员阶段", "督查第一阶段", "督查第二阶段", "督查第三阶段（长期）", "整改阶段", "总结阶段"]


def test_the_environment_moves_the_campaign_and_app_config_beats_it(monkeypatch):
    monkeypatch.setenv("WELLS_CAMPAIGN_YEAR", "2026")
    monkeypatch.setenv("WELLS_PHASE_SUPERVISION_1", "2026-07-25/2026-09-10")
    monkeypatch.setenv("WELLS_PHASE_SUPERVISION_3", " 2027-03-01/ ")
    found = _dates(phases.from_settings({}))
    assert found["publicity"] == (date(2026, 7, 15), date(2026, 12, 31))
    assert found["supervision_1"] == (date(2026, 7, 25), date(2026, 9, 10))
    assert found["supervision_3"] == (date(2027, 3, 1), None)
    assert _dates(phases.from_settings({"CAMPAIGN_YEAR": "2027"}))["summary"] == (date(2027, 7, 15), date(2027, 12, 30))


@pytest.mark.parametrize("setting, value, named", [
    ("CAMPAIGN_YEAR", "22", "WELLS_CAMPAIGN_YEAR"),
    ("PHASE_MOBILISATION", "2026-07-20/2026-07-15", "WELLS_PHASE_MOBILISATION"),
    ("PHASE_SUMMARY", "2026-07-15", "WELLS_PHASE_SUMMARY"),
    ("PHASE_PUBLICITY", "7月15日/12月31日", "WELLS_PHASE_PUBLICITY"),
])
def test_a_wrong_setting_stops_the_app_naming_the_variable(make_app, setting, value, named):
    with pytest.raises(ConfigError, match=named):
        make_app(**{setting: value})


def _phase_rows(page: str) -> dict[str, str]:
    return {key: row["phase-status"] for key, row in table(page, "table-phases", "phase").items()}


def test_the_timeline_marks_today_in_the_running_phase(make_app, login):
    app = make_app(CAMPAIGN_YEAR="2025", PHASE_RECTIFICATION="2026-02-01/2026-04-30")
    page = login("leading_office.supervisor", on=app).get("/dashboard/").get_data(as_text=True)
    assert _phase_rows(page) == {"publicity": "已结束", "mobilisation": "已结束", "supervision_1": "已结束",
                                 "supervision_2": "已结束", "rectification": "进行中", "summary": "已结束",
                                 "supervision_3": "进行中"}
    assert "今天 2026-03-02" in page  # the fixed clock: Monday 2 March 2026, 10:00 China time
    svg = lxml_html.fromstring(page).xpath("//svg[@data-testid='timeline']")[0]
    today = float(svg.xpath(".//g[@data-testid='today-marker']/line")[0].get("x1"))
    bar = svg.xpath(".//g[@data-phase='rectification']/rect")[0]
    assert float(bar.get("x")) < today < float(bar.get("x")) + float(bar.get("width"))
    ended = svg.xpath(".//g[@data-phase='supervision_2']/rect")[0]
    assert float(ended.get("x")) + float(ended.get("width")) < today
    assert "tl-active" in svg.xpath(".//g[@data-phase='rectification']")[0].get("class")
    # The dashboard's default period is the whole campaign up to today.
    assert 'value="2025-07-15"' in page and 'value="2026-03-02"' in page


def test_before_the_campaign_every_phase_is_still_to_come(make_app, login):
    office = login("leading_office.clerk", on=make_app(CAMPAIGN_YEAR="2026"))
    page = office.get("/dashboard/").get_data(as_text=True)
    assert set(_phase_rows(page).values()) == {"未开始"}
    assert "（行动尚未开始）" in page and 'data-testid="period-label"' in page
    assert 'name="start" required type="date" value="2026-03-02"' in page  # the period cannot start later
    report = office.get("/dashboard/reports/preview", query_string={"kind": "weekly"}).get_data(as_text=True)
    assert "当前行动阶段：无" in report and "统计期：2026年3月2日至2026年3月2日" in report


def test_every_phase_setting_is_in_the_readmes_configuration_table():
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    for name in phases.SETTINGS:
        assert f"| `WELLS_{name}` |" in readme, name
