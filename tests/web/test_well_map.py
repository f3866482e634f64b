"""The map of the wells (webapp/map): the same cases as the case list for the same search and user, the visible box,
counts per grid cell above the cap, the cases without coordinates, one case's popup, the towns' outlines, and the
tile setting (checked at start-up; its hosts alone join the CSP's img-src)."""
from __future__ import annotations

import json
import re

import pytest
from lxml import html as lxml_html
from web_support import REGISTRATION, complete_steps

from webapp.core.config import ConfigError, from_environment
from webapp.core.security import CSP
from webapp.map import queries

OTHER_PARTY = {"user_name": "乳山另一家饮料有限公司", "party_id": "91371083MA3C7K2N74"}
WHOLE_CITY = "bbox=121.0,36.6,122.0,37.3&zoom=10"
TIANDITU = ("https://t{s}.tianditu.gov.cn/vec_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0&LAYER=vec"
            "&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk=KEY")
TIANDITU_LABELS = TIANDITU.replace("vec_w", "cva_w").replace("LAYER=vec", "LAYER=cva")
TILES = {"MAP_TILE_URL": TIANDITU, "MAP_LABEL_URL": TIANDITU_LABELS, "MAP_TILE_SUBDOMAINS": "01234567",
         "MAP_TILE_ATTRIBUTION": "©天地图 审图号：GS(2024)0568号"}


@pytest.fixture
def wells(app, login):
    """Five cases: 乳整2026-00001 夏村镇 (36.90, 121.50) at the notice (整改中); -00002 夏村镇 (36.95, 121.60);
    -00003 南黄镇 (36.86, 121.30), another party; -00004 夏村镇 and -00005 南黄镇 without coordinates. Those after
    the first wait for their commitment letter (待检查)."""
    water = login("water.clerk")
    for n, town, lat, lon, party in ((1, "xiacun", "36.90", "121.50", {}), (2, "xiacun", "36.95", "121.60", {}),
                                     (3, "nanhuang", "36.86", "121.30", OTHER_PARTY), (4, "xiacun", "", "", {}),
                                     (5, "nanhuang", "", "", OTHER_PARTY)):
        response = water.post("/cases/new", data={**REGISTRATION, **party, "well_no": f"W-{n}", "town": town,
                                                  "latitude": lat, "longitude": lon})
        assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    complete_steps(app, [
        ("commitment", "xiacun.clerk", {"signed_on": "2026-03-02", "signatory": "甲"}),
        ("inspect", "task_force.clerk", {"in_coverage": True, "has_permit": False, "purpose": "industrial",
                                         "urban_village": False, "obstructed": False, "hidden_well": False})],
                   case_id=1)
    return water


def _points(client, query: str = "", box: str = WHOLE_CITY) -> dict:
    response = client.get(f"/map/points.json?{query}&{box}" if query else f"/map/points.json?{box}")
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def _numbers_on_map(client, query: str = "") -> list[str]:
    data = _points(client, query)
    assert data["mode"] == "points"
    return sorted(p[4] for p in data["points"])


def _numbers_in_list(client, query: str) -> list[str]:
    response = client.get(f"/cases/?{query or 'clear=1'}", follow_redirects=True)
    assert response.status_code == 200
    return sorted(re.findall(r"<strong>(乳整\d{4}-\d{5}) · ", response.get_data(as_text=True)))


def _map_settings(page: str) -> dict:
    return json.loads(lxml_html.fromstring(page).get_element_by_id("wells-map").get("data-map"))


@pytest.mark.parametrize("query", ["", "town=nanhuang", "town=xiacun", "stage=rectifying", "stage=inspection",
                                   "step=commitment", "q=W-2", "party=另一家", "department=water",
                                   "category=covered_unlicensed", "town=xiacun&stage=inspection"])
def test_the_map_shows_what_the_list_shows_for_the_same_search(wells, query):
    located = {"乳整2026-00001", "乳整2026-00002", "乳整2026-00003"}
    listed = _numbers_in_list(wells, query)
    assert _numbers_on_map(wells, query) == [n for n in listed if n in located]


def test_each_point_carries_its_case_position_and_stage(wells):
    data = _points(wells)
    assert data["points"] == [[1, 36.9, 121.5, "rectifying", "乳整2026-00001"],
                              [2, 36.95, 121.6, "inspection", "乳整2026-00002"],
                              [3, 36.86, 121.3, "inspection", "乳整2026-00003"]]
    assert data["stages"] == {"rectifying": 1, "inspection": 2} and data["total"] == 3
    assert data["truncated"] is False


def test_a_towns_user_sees_only_the_towns_cases_whatever_is_asked(wells, login):
    town = login("xiacun.clerk")
    assert _numbers_on_map(town) == ["乳整2026-00001", "乳整2026-00002"]
    assert _numbers_on_map(town, "town=nanhuang") == ["乳整2026-00001", "乳整2026-00002"]
    assert [t["town"] for t in town.get("/map/outlines.json").get_json()] == ["xiacun"]
    assert town.get("/map/cases/3.json").status_code == 403
    assert town.get("/map/cases/1.json").status_code == 200
    page = town.get("/cases/map?town=nanhuang").get_data(as_text=True)
    assert "另有 <strong>1</strong> 个案件没有登记坐标" in page  # W-4, its own; not 南黄镇's W-5


def test_only_the_visible_box_is_served(wells):
    east_of = "bbox=121.55,36.6,122.0,37.3&zoom=12"
    assert [p[4] for p in _points(wells, box=east_of)["points"]] == ["乳整2026-00002"]
    north_of = "bbox=121.0,36.93,122.0,37.3&zoom=12"
    assert [p[4] for p in _points(wells, box=north_of)["points"]] == ["乳整2026-00002"]
    assert _points(wells, "town=nanhuang", east_of) == {"mode": "points", "points": [], "stages": {}, "total": 0,
                                                        "truncated": False}


def test_above_the_cap_the_box_is_counted_per_grid_cell(wells, monkeypatch):
    monkeypatch.setattr(queries, "POINT_CAP", 2)
    data = _points(wells, box="bbox=121.0,36.6,122.0,37.3&zoom=9")
    assert data["mode"] == "cells" and "points" not in data
    assert data["total"] == 3 and data["stages"] == {"rectifying": 1, "inspection": 2}
    assert sum(c["count"] for c in data["cells"]) == 3
    merged: dict[str, int] = {}
    for cell in data["cells"]:
        south, west, north, east = cell["bounds"]
        assert south <= cell["lat"] <= north and west <= cell["lon"] <= east  # the cases' mean lies in their cell
        assert north - south == pytest.approx(queries.cell_size(9), abs=1e-5)  # bounds rounded to 6 places
        assert sum(cell["stages"].values()) == cell["count"]
        for stage, n in cell["stages"].items():
            merged[stage] = merged.get(stage, 0) + n
    assert merged == data["stages"]
    # A cell of 夏村镇's two wells: 0.09° at zoom 10 takes 36.90/121.50 and 36.95/121.60 apart or together,
    # but each well is counted in the cell whose bounds hold it.
    zoomed = _points(wells, box="bbox=121.0,36.6,122.0,37.3&zoom=11")
    for cell in zoomed["cells"]:
        south, west, north, east = cell["bounds"]
        holds = [(lat, lon) for lat, lon in ((36.90, 121.50), (36.95, 121.60), (36.86, 121.30))
                 if south <= lat < north and west <= lon < east]
        assert len(holds) == cell["count"]


def test_zoomed_in_to_the_streets_points_come_even_above_the_cap(wells, monkeypatch):
    monkeypatch.setattr(queries, "POINT_CAP", 2)
    data = _points(wells, box=f"bbox=121.0,36.6,122.0,37.3&zoom={queries.POINTS_FROM_ZOOM}")
    assert data["mode"] == "points" and data["truncated"] is True and data["total"] == 3
    assert [p[0] for p in data["points"]] == [1, 2]


def test_the_page_counts_the_cases_without_coordinates_and_links_to_them(wells):
    page = wells.get("/cases/map")
    assert page.status_code == 200
    tree = lxml_html.fromstring(page.get_data(as_text=True))
    note = tree.xpath("//*[@data-testid='map-unlocated']")[0]
    assert "另有 2 个案件没有登记坐标" in note.text_content()
    link = note.xpath(".//a")[0].get("href")
    assert "unlocated=y" in link
    assert _numbers_in_list(wells, link.split("?", 1)[1]) == ["乳整2026-00004", "乳整2026-00005"]
    # With a search: only that search's cases without coordinates, and the link keeps the search.
    page = wells.get("/cases/map?town=nanhuang").get_data(as_text=True)
    note = lxml_html.fromstring(page).xpath("//*[@data-testid='map-unlocated']")[0]
    assert "另有 1 个案件" in note.text_content()
    assert _numbers_in_list(wells, note.xpath(".//a")[0].get("href").split("?", 1)[1]) == ["乳整2026-00005"]
    # Every case located: nothing to say.
    assert "map-unlocated" not in wells.get("/cases/map?q=W-1").get_data(as_text=True)


def test_the_page_keeps_the_search_and_starts_on_its_cases(wells):
    response = wells.get("/cases/map?town=xiacun&stage=inspection")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    settings = _map_settings(page)
    assert settings["points"] == "/map/points.json?town=xiacun&stage=inspection"
    assert settings["extent"] == [36.95, 121.6, 36.95, 121.6]  # the one located case of that search
    assert settings["outlines"] == "/map/outlines.json" and settings["tiles"] is None
    assert settings["case"] == "/cases/{id}" and settings["popup"] == "/map/cases/{id}.json"
    assert set(settings["symbols"]) == {"inspection", "rectifying", "sealed", "permitted", "exempt", "penalty",
                                        "credit", "closed", "cancelled", "none"}
    tree = lxml_html.fromstring(page)
    assert tree.xpath("//*[@data-testid='to-list']")[0].get("href") == "/cases/?town=xiacun&stage=inspection"
    assert tree.get_element_by_id("wells-map").get("aria-label")
    assert [li.get("data-stage") for li in tree.xpath("//*[@data-testid='map-legend']//li")][:3] == [
        "inspection", "rectifying", "sealed"]
    # The list links to the map with its search.
    listed = wells.get("/cases/?town=xiacun&stage=inspection").get_data(as_text=True)
    assert lxml_html.fromstring(listed).xpath("//*[@data-testid='to-map']")[0].get("href") == \
        "/cases/map?town=xiacun&stage=inspection"


def test_a_wrong_search_is_refused_in_chinese(wells):
    response = wells.get(f"/map/points.json?registered_from=2026-03-05&registered_to=2026-03-01&{WHOLE_CITY}")
    assert response.status_code == 422
    assert response.get_json()["errors"] == ["登记日期的起始日期晚于截止日期，请核对。"]
    page = wells.get("/cases/map?registered_from=2026-99-01")
    assert page.status_code == 422 and "查询条件有误" in page.get_data(as_text=True)
    assert _map_settings(page.get_data(as_text=True))["points"] == "/map/points.json"  # the map without it
    for box in ("", "bbox=1,2,3&zoom=10", "bbox=121,36,122,37&zoom=x", "bbox=122,36,121,37&zoom=10",
                "bbox=121,36,122,97&zoom=10", "bbox=121,36,122,37&zoom=30", "bbox=121,nan,122,37&zoom=10"):
        response = wells.get(f"/map/points.json?{box}")
        assert response.status_code == 422, box
        assert "地图范围" in response.get_json()["message"]


def test_the_map_needs_a_log_in(wells, client):
    for path in (f"/map/points.json?{WHOLE_CITY}", "/map/outlines.json", "/map/cases/1.json", "/cases/map"):
        assert client.get(path).status_code == 302


def test_a_popup_says_what_the_case_is_and_where_it_stands(wells, app):
    assert wells.get("/map/cases/1.json").get_json() == {
        "id": 1, "number": "乳整2026-00001", "well_no": "W-1", "party": REGISTRATION["user_name"], "town": "夏村镇",
        "village": "东村", "stage": "rectifying", "stage_label": "整改中", "steps": ["下达责令限期整改通知书（市水利局）"]}
    assert wells.get("/map/cases/2.json").get_json()["steps"] == ["签订承诺书（夏村镇）"]
    assert wells.get("/map/cases/99.json").status_code == 404


def test_each_town_is_outlined_around_its_wells(wells, login):
    towns = login("leading_office.clerk").get("/map/outlines.json").get_json()
    assert [(t["town"], t["name"], t["count"]) for t in towns] == [("xiacun", "夏村镇", 2), ("nanhuang", "南黄镇", 1)]
    xiacun = towns[0]
    assert xiacun["label"] == [pytest.approx(36.925), pytest.approx(121.55)]
    for lat, lon in ((36.90, 121.50), (36.95, 121.60)):
        assert _inside(xiacun["outline"], lat, lon)
        # padded: half a cell around the well is inside too
        for dlat, dlon in ((0.004, 0), (-0.004, 0), (0, 0.004), (0, -0.004)):
            assert _inside(xiacun["outline"], lat + dlat, lon + dlon)
    assert not _inside(xiacun["outline"], 36.86, 121.30)  # 南黄镇's well


def _inside(polygon: list, lat: float, lon: float) -> bool:
    """Ray casting: is (lat, lon) inside the polygon of [lat, lon] corners?"""
    inside = False
    for (y1, x1), (y2, x2) in zip(polygon, polygon[1:] + polygon[:1]):
        if (y1 > lat) != (y2 > lat) and lon < x1 + (lat - y1) * (x2 - x1) / (y2 - y1):
            inside = not inside
    return inside


def test_the_dashboard_shows_every_case_on_the_map(wells, login):
    page = login("leading_office.clerk").get("/dashboard/").get_data(as_text=True)
    settings = _map_settings(page)
    assert settings["points"] == "/map/points.json"
    assert settings["extent"] == [36.86, 121.3, 36.95, 121.6]
    tree = lxml_html.fromstring(page)
    assert "另有 2 个案件没有登记坐标" in tree.xpath("//*[@data-testid='map-unlocated']")[0].text_content()
    assert tree.xpath("//*[@data-testid='to-case-map']")[0].get("href") == "/cases/map"


def test_without_a_tile_service_the_csp_is_unchanged(wells):
    assert wells.get("/cases/map").headers["Content-Security-Policy"] == CSP


def test_a_tile_service_adds_exactly_its_hosts_to_img_src(make_app, login):
    app = make_app(**TILES)
    client = login("water.clerk", on=app)
    response = client.get("/cases/map")
    policy = response.headers["Content-Security-Policy"]
    hosts = " ".join(f"https://t{n}.tianditu.gov.cn" for n in range(8))
    assert policy == CSP.replace("img-src 'self' data:;", f"img-src 'self' data: {hosts};")
    assert client.get("/inbox/").headers["Content-Security-Policy"] == policy  # one policy for every page
    settings = _map_settings(response.get_data(as_text=True))
    assert settings["tiles"] == {"url": TIANDITU, "labels": TIANDITU_LABELS, "subdomains": list("01234567"),
                                 "attribution": "©天地图 审图号：GS(2024)0568号", "maxZoom": 18}
    assert settings["outlines"] is None
    assert client.get("/map/outlines.json").status_code == 404  # the tiles are the base
    assert 'data-testid="map-outline-note"' not in response.get_data(as_text=True)


def test_an_intranet_tile_server_on_its_own_port(make_app):
    config = from_environment({"TESTING": True, "MAP_TILE_URL": "http://10.1.2.3:8080/tiles/{z}/{x}/{-y}.png",
                               "MAP_TILE_ATTRIBUTION": "市测绘院"})
    assert config["MAP_TILE_ORIGINS"] == ("http://10.1.2.3:8080",)
    assert config["MAP_TILES"]["subdomains"] == []


@pytest.mark.parametrize("settings, words", [
    ({"MAP_TILE_URL": "ftp://tiles.example.cn/{z}/{x}/{y}.png"}, "https:// (or http://) URL template"),
    ({"MAP_TILE_URL": "tiles.example.cn/{z}/{x}/{y}.png"}, "https:// (or http://) URL template"),
    ({"MAP_TILE_URL": "https://tiles.example.cn/{z}/{x}.png"}, "must contain {z}, {x} and {y}"),
    ({"MAP_TILE_URL": "https://tiles.example.cn/{z}/{x}/{y}.png?key={key}"}, "no other placeholder"),
    ({"MAP_TILE_URL": "https://t{s}.example.cn/{z}/{x}/{y}.png", "MAP_TILE_SUBDOMAINS": ""}, "MAP_TILE_SUBDOMAINS"),
    ({"MAP_TILE_URL": "https://t{s}.example.cn/{z}/{x}/{y}.png", "MAP_TILE_SUBDOMAINS": "a b"}, "letters and digits"),
    ({"MAP_TILE_URL": "https://tiles.example.cn/{z}/{x}/{y}.png", "MAP_TILE_ATTRIBUTION": ""}, "ATTRIBUTION"),
    ({"MAP_TILE_URL": "https://tiles.example.cn/{z}/{x}/{y}.png", "MAP_TILE_ATTRIBUTION": "x" * 201}, "ATTRIBUTION"),
    ({"MAP_TILE_URL": "https://tiles.example.cn;script-src:*/{z}/{x}/{y}.png"}, "is not a host name"),
    ({"MAP_TILE_URL": "https://*.example.cn/{z}/{x}/{y}.png"}, "is not a host name"),
    ({"MAP_TILE_URL": "https://user:pw@tiles.example.cn/{z}/{x}/{y}.png"}, "user name or password"),
    ({"MAP_TILE_URL": "https://tiles.example.cn/{z}/{x}/{y}.png' unsafe"}, "spaces or quotes"),
    ({"MAP_LABEL_URL": "https://tiles.example.cn/{z}/{x}/{y}.png"}, "set that too"),
    ({"MAP_TILE_URL": "https://tiles.example.cn/{z}/{x}/{y}.png", "MAP_LABEL_URL": "https://x.cn/{z}/{x}.png"},
     "MAP_LABEL_URL must contain"),
    ({"MAP_MAX_ZOOM": "30"}, "at most 22"),
    ({"MAP_MAX_ZOOM": "zero"}, "MAP_MAX_ZOOM must be a whole number"),
])
def test_a_wrong_tile_setting_stops_the_app_saying_what_to_set(settings, words):
    base = {"TESTING": True, "MAP_TILE_ATTRIBUTION": "测试底图"}
    with pytest.raises(ConfigError) as refused:
        from_environment({**base, **settings})
    assert words in str(refused.value)


def test_demo_wells_lie_in_every_town_at_several_stages(make_app, login):
    from sqlalchemy import func, select

    from engine.tables import Instance
    from forms.identifiers import within_city
    from webapp.core import db
    from webapp.directory import villages
    from webapp.map.demo import TOWN_POINTS, VILLAGES
    from webapp.models import Case, Well

    assert "WELLS_DEMO=1" in make_app().test_cli_runner().invoke(args=["demo", "wells"]).output  # not a demo: nothing
    app = make_app(DEMO="1")
    with app.app_context():  # one town has a 村居名单: its wells take their villages from it (the registration checks)
        villages.replace(db.session(), "xiacun", ["甲村", "乙村"])
        db.commit()
    result = app.test_cli_runner().invoke(args=["demo", "wells", "--per-town", "9"])
    assert "已登记演示自备井 153 口" in result.output, result.output
    with app.app_context():
        session = db.session()
        stages = dict(session.execute(select(Instance.stage, func.count()).group_by(Instance.stage)).all())
        assert stages == {"inspection": 34, "rectifying": 34, "sealed": 17, "permitted": 17, "exempt": 17,
                          "penalty": 17, "cancelled": 17}
        places = session.execute(select(Well.town, Well.village)).all()
        assert {village for town, village in places if town == "xiacun"} == {"甲村", "乙村"}
        assert {village for town, village in places if town != "xiacun"} == set(VILLAGES)  # every well has one
        wells = session.execute(select(Well.town, Well.latitude, Well.longitude)).all()
        assert {town for town, _, _ in wells} == set(TOWN_POINTS)
        located = [(lat, lon) for _, lat, lon in wells if lat is not None]
        assert len(wells) - len(located) == 13  # a well now and then without coordinates
        assert all(within_city(lat, lon) for lat, lon in located)  # what the registration form would accept
        assert session.scalar(select(func.count()).select_from(Case)) == 153
    again = app.test_cli_runner().invoke(args=["demo", "wells"])
    assert "已经有案件" in again.output  # only into a database without cases
    assert _points(login("leading_office.clerk", on=app))["total"] == 140


def test_the_vendored_leaflet_is_the_release_as_published():
    """The files under static/vendor/leaflet-1.9.4 are the npm tarball's (leaflet-1.9.4.tgz, integrity
    sha512-nxS1ynzJOmOlHp+iL3FyWqK89GtNL8U8rvlMOsQdTTssxZwCXh8N2NB3GDQOL+YR3XnWyZAxwQixURb+FA74PA==, checked when
    it was taken; docs/architecture.md): a local edit would be a fork nobody reviews as one."""
    import hashlib
    from pathlib import Path

    folder = Path(__file__).resolve().parents[2] / "webapp" / "static" / "vendor" / "leaflet-1.9.4"
    expected = {
        "LICENSE": "53e8dc25862014e4324741ca18fbe3611e11d42ef69f59f86ea8c5389647d4cb",
        "leaflet.css": "a7837102824184820dfa198d1ebcd109ff6d0ff9a2672a074b9a1b4d147d04c6",
        "leaflet.js": "db49d009c841f5ca34a888c96511ae936fd9f5533e90d8b2c4d57596f4e5641a",
        "leaflet.js.map": "600a10dc5cd110de0699510d322afcbe01c7ca90b4c5f48adc20314c70aac753",
        "images/layers-2x.png": "066daca850d8ffbef007af00b06eac0015728dee279c51f3cb6c716df7c42edf",
        "images/layers.png": "1dbbe9d028e292f36fcba8f8b3a28d5e8932754fc2215b9ac69e4cdecf5107c6",
        "images/marker-icon-2x.png": "00179c4c1ee830d3a108412ae0d294f55776cfeb085c60129a39aa6fc4ae2528",
        "images/marker-icon.png": "574c3a5cca85f4114085b6841596d62f00d7c892c7b03f28cbfa301deb1dc437",
        "images/marker-shadow.png": "264f5c640339f042dd729062cfc04c17f8ea0f29882b538e3848ed8f10edb4da",
    }
    found = {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
             for p in folder.rglob("*") if p.is_file()}
    assert found == expected


def test_every_map_setting_is_in_the_readme():
    from pathlib import Path

    from webapp.core.config import SETTINGS

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    names = [name for name in SETTINGS if name.startswith("MAP_")]
    assert len(names) == 5
    for name in names:
        assert f"| `WELLS_{name}` |" in readme, name
