"""Issue 5 ("Process diagram view"): diagrams drawn from their DI, a case on its diagram, the heatmap."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from lxml import etree
from sqlalchemy import select, update
from web_support import NOTICE, REGISTRATION, instance_version, refusals, submit, walk_to_notice

from engine import Actor
from engine.tables import Instance, OpenTask
from webapp.cases.service import register_case
from webapp.core import db, workflow
from webapp.diagram.model import parse
from webapp.diagram.overlays import Happening, case_overlays
from webapp.diagram.render import NoDiagram, Overlay, render_svg
from webapp.diagram.routes import lane_names
from webapp.diagram.text import wrap
from webapp.directory.departments import NAMES
from webapp.models import Department, User

ROOT = Path(__file__).resolve().parents[2]
TODAY = datetime(2026, 3, 2, 2, 0, tzinfo=timezone.utc)  # as in conftest.py
SVG = "{http://www.w3.org/2000/svg}"
BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
FLOW_NODES = ("startEvent", "endEvent", "boundaryEvent", "intermediateCatchEvent", "intermediateThrowEvent",
              "userTask", "scriptTask", "businessRuleTask", "serviceTask", "task", "manualTask", "sendTask",
              "receiveTask", "subProcess", "callActivity", "exclusiveGateway", "parallelGateway",
              "inclusiveGateway", "eventBasedGateway", "complexGateway")

# -- helpers copied from test_flow.py (test modules do not import each other) -------------------------

NOTICE_FORM = NOTICE


# -- reading the drawing --------------------------------------------------------------------------------

def svg_of(html: str, element: str = "commitment"):
    """The drawing that shows ``element``: list pages draw every diagram file, the spine's is the one wanted."""
    drawings = re.findall(r"<svg\b.*?</svg>", html, re.S)
    assert drawings, "no SVG in the page"
    match = next((d for d in drawings if f'data-element="{element}"' in d), drawings[0])
    return etree.fromstring(match.encode())


def states(svg) -> dict[str, str]:
    return {g.get("data-element"): g.get("data-state") for g in svg.iter(f"{SVG}g") if g.get("data-element")}


def group(svg, element_id: str):
    found = [g for g in svg.iter(f"{SVG}g") if g.get("data-element") == element_id]
    assert len(found) == 1, element_id
    return found[0]


def shown_text(g) -> str:
    """The text drawn in a shape's group (its tooltip excluded), lines joined."""
    return "".join("".join(t.itertext()) for t in g.iter(f"{SVG}text"))


# -- every diagram ------------------------------------------------------------------------------------

@pytest.mark.parametrize("path", sorted((ROOT / "bpmn").glob("*.bpmn")), ids=lambda p: p.name)
def test_every_diagram_renders_with_every_element_and_chinese_names(path):
    text = path.read_text(encoding="utf-8")
    svg = etree.fromstring(render_svg(text, lane_names=lane_names()).encode())  # well-formed
    assert svg.tag == f"{SVG}svg" and svg.get("width") == "100%" and len(svg.get("viewBox").split()) == 4
    model = etree.fromstring(text.encode())
    nodes = [e for tag in FLOW_NODES for e in model.iter(f"{{{BPMN}}}{tag}")]
    flows = list(model.iter(f"{{{BPMN}}}sequenceFlow"))
    assert nodes and flows
    drawn = states(svg)
    for element in nodes + flows:
        assert element.get("id") in drawn, element.get("id")
        if element.get("name"):
            assert shown_text(group(svg, element.get("id"))) == element.get("name")
    for lane in model.iter(f"{{{BPMN}}}lane"):
        label = "所属镇区" if lane.get("name") == "town" else NAMES[lane.get("name")]
        assert "".join(shown_text(group(svg, lane.get("id"))).split()) == label
    # Sequence flows end in an arrowhead; user, script and business-rule tasks carry their icons.
    for flow in flows:
        assert group(svg, flow.get("id")).find(f"{SVG}polyline").get("marker-end") == "url(#bpmn-arrow)"
    for kind in ("userTask", "scriptTask", "businessRuleTask"):
        for task in model.iter(f"{{{BPMN}}}{kind}"):
            assert group(svg, task.get("id")).find(f".//{SVG}g[@class='bpmn-icon bpmn-icon-{kind}']") is not None


def test_a_diagram_without_layout_is_refused_in_chinese():
    with pytest.raises(NoDiagram, match="没有流程图布局信息"):
        render_svg((ROOT / "tests/engine/data/message_wait.bpmn").read_text(encoding="utf-8"))


def test_names_are_escaped_and_wrapped_by_character():
    name = '<script>alert("x")</script> & 接通公共供水并签订供水协议'
    text = f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="{BPMN}" xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI"
  xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" id="d">
  <bpmn:process id="p" isExecutable="true"><bpmn:userTask id="t" name="{name.replace('&', '&amp;').replace('<', '&lt;').replace('"', '&quot;')}" /></bpmn:process>
  <bpmndi:BPMNDiagram id="dia"><bpmndi:BPMNPlane id="pl" bpmnElement="p">
    <bpmndi:BPMNShape id="t_di" bpmnElement="t"><dc:Bounds x="0" y="0" width="100" height="80" /></bpmndi:BPMNShape>
  </bpmndi:BPMNPlane></bpmndi:BPMNDiagram></bpmn:definitions>"""
    out = render_svg(text, {"t": Overlay("current")})
    assert "<script>" not in out and "&lt;script&gt;" in out
    svg = etree.fromstring(out.encode())
    assert group(svg, "t").get("data-state") == "current"
    lines = ["".join(t.itertext()) for t in group(svg, "t").iter(f"{SVG}tspan")]
    assert len(lines) == 4 and lines[-1].endswith("…")  # four lines fit in 80 px; the rest is cut
    assert wrap("接通公共供水并签订供水协议", 88, 12) == ["接通公共供水并", "签订供水协议"]
    assert wrap("复查，回头看", 24, 12) == ["复查，", "回头", "看"]  # no line starts with "，"


def test_the_diagram_list_shows_each_process(app, login):
    page = login("xiacun.clerk").get("/diagrams/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'href="#d0"' in html and "自备井整治案件" in html and "well_case.bpmn" in html
    assert "classify_well.dmn" in html  # listed, not drawn
    svg = svg_of(html)
    assert {"commitment", "notice", "flow_merge_notice"} <= set(states(svg))
    assert "所属镇区" in shown_text(svg) and "市水利局" in shown_text(svg)
    assert "diagram.css" in html and "style=" not in html
    assert "heatmap-link" not in html  # the heatmap is for the leading group office
    assert 'data-testid="heatmap-link"' in login("leading_office.clerk").get("/diagrams/").get_data(as_text=True)
    with app.app_context():  # a department renamed by the administrator: its lane follows
        db.session().execute(update(Department).where(Department.code == "water").values(name="市水务局"))
        db.commit()
    svg = svg_of(login("xiacun.clerk").get("/diagrams/").get_data(as_text=True))
    assert "".join(shown_text(group(svg, "Lane_water")).split()) == "市水务局"


# -- a case -------------------------------------------------------------------------------------------

def test_case_at_notice_shows_current_step_done_steps_and_the_path(app, login):
    water, _ = walk_to_notice(app, login)
    page = water.get("/cases/1/diagram")
    assert page.status_code == 200
    assert 'data-testid="diagram-link"' in water.get("/cases/1").get_data(as_text=True)
    svg = svg_of(page.get_data(as_text=True))
    state = states(svg)
    assert state["notice"] == "current"
    assert "is-current" in group(svg, "notice").get("class").split()
    assert state["commitment"] == state["inspect"] == state["start"] == "done"
    for flow in ("flow_start_commitment", "flow_commitment_inspect"):
        assert state[flow] == "path"
        assert group(svg, flow).find(f"{SVG}polyline").get("marker-end") == "url(#case-arrow-path)"
    # The automatic steps between the inspection and the notice were passed; which of the two flows
    # from 处置方式 to the merge was taken, the record cannot tell.
    assert state["obstruct_gw"] == state["classify"] == state["route_gw"] == "done"
    for flow in ("flow_inspect_obstruct", "flow_obstruct_classify", "flow_classify_route"):
        assert state[flow] == "path", flow
    # The notice is reached through the merge or after a hidden well's penalty: the record cannot tell.
    assert state["merge_notice"] == state["flow_merge_notice"] == state["hidden_penalty"] == "maybe"
    assert state["police_inspect"] == state["flow_obstruct_police"] == "none"  # nobody obstructed
    assert state["flow_route_seal"] == state["flow_route_permit"] == state["flow_route_hidden"] == "maybe"
    for untouched in ("rectify_report", "exemption_review", "flow_route_exempt", "flow_notice_rectify",
                      "end_done", "deadline_timer"):
        assert state[untouched] == "none", untouched


def test_case_at_rectify_report_shows_the_deadline_then_the_overdue_path(app, login, fixed_clock):
    water, guid = walk_to_notice(app, login)
    assert submit(water, guid, NOTICE_FORM, instance_version(app)).status_code == 302
    svg = svg_of(water.get("/cases/1/diagram").get_data(as_text=True))
    state = states(svg)
    assert state["rectify_report"] == "current" and state["notice"] == "done"
    assert state["flow_notice_rectify"] == "path"
    assert state["deadline_timer"] == "waiting"
    # Served Monday 2 March 2026, 5 working days: due Monday 9 March at 24:00 China time.
    assert "期限 2026-03-09 23:59" in shown_text(group(svg, "deadline_timer"))

    fixed_clock.move_to(datetime(2026, 3, 10, 1, 0, tzinfo=timezone.utc))
    assert "触发计时器 1 个" in app.test_cli_runner().invoke(args=["timers", "run", "--once"]).output
    svg = svg_of(login("water.clerk").get("/cases/1/diagram").get_data(as_text=True))
    state = states(svg)
    assert state["deadline_timer"] == state["mark_overdue"] == state["merge_recheck"] == "done"
    assert state["recheck"] == "current" and state["rectify_report"] == "none"
    for flow in ("flow_notice_rectify", "flow_timer_overdue", "flow_overdue_recheck", "flow_merge_recheck"):
        assert state[flow] == "path", flow
    assert state["flow_rectify_dispose"] == state["flow_sealed_recheck"] == "none"
    assert "期限 2026" not in shown_text(group(svg, "deadline_timer"))  # fired: no longer waiting


def test_town_clerk_of_another_town_may_not_see_the_case_diagram(app, login):
    assert login("xiacun.clerk").post("/cases/new", data=REGISTRATION).status_code == 302
    assert login("dagushan.clerk").get("/cases/1/diagram").status_code == 403
    [denied] = refusals(app)
    assert (denied.actor, denied.case_id, denied.path) == ("dagushan.clerk", 1, "/cases/1/diagram")
    assert login("xiacun.clerk").get("/cases/1/diagram").status_code == 200
    assert login("housing.clerk").get("/cases/1/diagram").status_code == 200
    assert login("housing.clerk").get("/cases/99/diagram").status_code == 404


# -- the heatmap --------------------------------------------------------------------------------------

def _register(session, number: int):
    clerk = session.scalar(select(User).where(User.username == "xiacun.clerk"))
    return register_case(session, workflow.engine(), {
        "kind": "individual", "name": "用水户乙", "party_id": "11010519491231002X", "legal_rep": None,
        "address": "夏村镇", "phone": "13800000000", "industry": None, "town": "xiacun"},
        {"well_no": f"XC-{number:03d}", "town": "xiacun", "village": "东村", "address": None, "latitude": 36.9,
         "longitude": 121.6, "depth_m": None, "year_drilled": None, "purpose": "commercial",
         "annual_volume_m3": None, "in_coverage": True, "coverage_source": None, "in_restricted_zone": False,
         "permit_no": None, "permit_issuer": None, "permit_valid_from": None, "permit_valid_to": None,
         "has_meter": False, "meter_serial": None, "hidden_well": False}, clerk)


def _complete(app, case_id: int, spec: str, data: dict) -> None:
    with app.app_context():
        session = db.session()
        guid = session.scalar(select(OpenTask.task_guid).where(OpenTask.case_id == case_id, OpenTask.task_spec == spec))
        workflow.engine().complete(session, guid, data, Actor("someone", "water"))
        db.commit()


def test_heatmap_counts_open_tasks_and_averages_time_per_step(app, login, fixed_clock):
    with app.app_context():
        for n in (1, 2, 3, 4):
            _register(db.session(), n)
        db.commit()
    inspection = {"in_coverage": True, "has_permit": False, "purpose": "commercial", "urban_village": False}
    fixed_clock.move_to(TODAY + timedelta(days=2))
    _complete(app, 1, "commitment", {"signed_on": "2026-03-02"})          # 2 days at the commitment
    fixed_clock.move_to(TODAY + timedelta(days=3))
    _complete(app, 2, "commitment", {"signed_on": "2026-03-02"})          # 3 days
    fixed_clock.move_to(TODAY + timedelta(days=3, hours=12))
    _complete(app, 1, "inspect", inspection)                              # 1.5 days at the inspection
    with app.app_context():  # case 4 runs an older diagram version: its open task is not counted
        db.session().execute(update(Instance).where(Instance.case_id == 4).values(spec_version="0" * 64))
        db.commit()

    assert login("water.clerk").get("/diagrams/heatmap").status_code == 403
    page = login("leading_office.clerk").get("/diagrams/heatmap")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    cell = lambda name: re.search(r'data-testid="%s">([^<]*)<' % name, html).group(1).strip()  # noqa: E731
    assert (cell("count-commitment"), cell("count-inspect"), cell("count-notice")) == ("1", "1", "1")
    assert cell("count-recheck") == "0"
    assert cell("average-commitment") == "2.5 天" and cell("average-inspect") == "1.5 天"
    assert cell("average-notice") == "—"
    assert '<strong data-testid="other-versions">1</strong>' in html
    svg = svg_of(html)
    commitment = group(svg, "commitment")
    assert "heat-5" in commitment.get("class").split()  # 1 of at most 1: the darkest shade
    assert "1" in shown_text(commitment) and "平均 2.5 天" in shown_text(commitment)
    assert "heat-0" in group(svg, "recheck").get("class").split()
    assert group(svg, "recheck").find(f".//{SVG}g[@class='bpmn-heat-count']") is None  # no badge when empty
    assert "平均 1.5 天" in shown_text(group(svg, "inspect"))
    assert "0 件" in html and 'class="legend-swatch heat-5"' in html
    # The table follows the diagrams, the main one first, each left to right.
    steps = re.findall(r'data-step="([^"]+)"', html)
    assert steps[:2] == ["commitment", "inspect"] and steps.index("notice") < steps.index("recheck")
    assert steps.index("reseal_well") < steps.index("pen_filing")


def _history(*steps):
    """Happenings in chain order from (kind, task_spec[, data]) tuples."""
    return [Happening(order=n, kind=s[0], task_spec=s[1], data=s[2] if len(s) > 2 else None)
            for n, s in enumerate(steps, start=1)]


def test_path_through_the_exemption_review_and_after_a_reset():
    definitions = parse((ROOT / "bpmn/well_case.bpmn").read_text(encoding="utf-8"))
    exempted = _history(("started", None), ("task_created", "commitment"), ("task_completed", "commitment"),
                        ("task_created", "inspect"), ("task_completed", "inspect"),
                        ("task_created", "exemption_apply"), ("task_completed", "exemption_apply"),
                        ("task_created", "exemption_review"), ("task_completed", "exemption_review"),
                        ("task_created", "notice"))
    state = {k: o.state for k, o in case_overlays(definitions, "well_case", exempted, {"notice"}, {}).items()}
    # The notice was reached from the refused exemption, not straight from 处置方式.
    assert state["flow_route_exempt"] == state["flow_exemption_apply_review"] == state["flow_exemption_review_gw"] == "path"
    assert state["exemption_apply"] == "done"
    assert state["flow_exemption_rejected"] == state["flow_merge_notice"] == "path"
    assert state["exemption_gw"] == state["route_gw"] == "done" and state["notice"] == "current"
    assert "flow_route_seal" not in state and "flow_route_permit" not in state
    # A supervisor sends the case back to the inspection: what came after it is no longer done.
    reset = exempted + [Happening(order=len(exempted) + 1, kind="override", task_spec="inspect", data={"type": "reset"})]
    state = {k: o.state for k, o in case_overlays(definitions, "well_case", reset, {"inspect"}, {}).items()}
    assert state["inspect"] == "current" and state["commitment"] == "done"
    assert state["flow_commitment_inspect"] == "path"
    for gone in ("exemption_apply", "exemption_review", "notice", "flow_route_exempt", "flow_inspect_classify"):
        assert gone not in state, gone


def test_heat_levels_and_durations():
    from webapp.diagram.queries import describe_duration, heat_levels
    assert heat_levels({"a": 0, "b": 1, "c": 5, "d": 10}) == {"a": 0, "b": 1, "c": 3, "d": 5}
    assert heat_levels({"a": 0}) == {"a": 0}
    assert describe_duration(2.3 * 86400) == "2.3 天"
    assert describe_duration(5400) == "1.5 小时" and describe_duration(600) == "10 分钟"
    assert describe_duration(0) == "不足 1 分钟"
    assert describe_duration(None) == ""


def test_a_case_in_its_penalty_shows_the_called_process_with_the_current_step(app, login):
    from test_problem_list import to_recheck
    from web_support import close_out

    water, guid = to_recheck(app, login)
    assert submit(water, guid, {"rechecked_on": "2026-03-02", "recheck_findings": "x", **close_out(False, True)},
                  instance_version(app)).status_code == 302
    page = login("water.clerk").get("/cases/1/diagram").get_data(as_text=True)
    assert 'data-testid="called-diagram"' in page and "调用的子流程：行政处罚" in page
    called = svg_of(page, "pen_filing")
    assert states(called)["pen_filing"] == "current"
    assert states(svg_of(page))["penalty"] == "current"  # the call activity on the main drawing
