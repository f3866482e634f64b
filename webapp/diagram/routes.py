"""Routes of the diagram pages (thin: queries in queries.py, state in overlays.py, drawing in render.py)."""
from __future__ import annotations

from dataclasses import dataclass

from flask import abort, render_template
from flask_login import current_user, login_required
from markupsafe import Markup

from engine import EngineError

from .. import directory
from ..cases.queries import case_instance
from ..core import db, workflow
from ..core.filters import local_dt
from ..core.workflow import PROCESS_ID
from ..directory.departments import NAMES
from ..models import Case
from ..permissions import can_view_case, require
from ..supervise import can_supervise
from . import bp
from .export import TOWN_LANE_LABEL  # noqa: E402  (one label for the page and the exported files)
from .model import parse, process_file
from .overlays import case_overlays
from .queries import case_history, case_open_tasks, case_timers, describe_duration, heat_levels, step_heat
from .render import NoDiagram, Overlay, render_svg


@dataclass
class Drawing:
    key: str                          # unique on the page: prefixes the SVG's ids
    file: str
    processes: list[tuple[str, str]]  # (id, name)
    svg: Markup | None
    error: str = ""


def lane_names() -> dict[str, str]:
    """Lane name (a department code, or ``town``) -> the department's name as the administrator set it."""
    return {**NAMES, **directory.names(), "town": TOWN_LANE_LABEL}


def _drawings(files: dict[str, str], overlays: dict[str, Overlay] | None = None) -> list[Drawing]:
    drawings = []
    for number, name in enumerate(_bpmn_files(files)):
        text, key = files[name], f"d{number}"
        processes = parse(text).processes
        title = "、".join(p_name or p_id for p_id, p_name in processes) or name
        try:
            svg = Markup(render_svg(text, overlays, lane_names(), prefix=key, title=title))
        except NoDiagram as exc:
            drawings.append(Drawing(key, name, processes, None, str(exc)))
            continue
        drawings.append(Drawing(key, name, processes, svg))
    return drawings


@bp.get("/diagrams/")
@login_required
def index():
    loaded = workflow.engine().current
    decisions = sorted(n for n in loaded.files if n.endswith(".dmn"))
    return render_template("diagram/index.html", drawings=_drawings(loaded.files), decisions=decisions,
                           version=loaded.version, can_heat=can_supervise(current_user))


@bp.get("/cases/<int:case_id>/diagram")
@login_required
def case(case_id: int):
    session = db.session()
    case = session.get(Case, case_id) or abort(404)
    require(can_view_case(current_user, case), case_id=case.id)
    instance = case_instance(session, case)
    page = {"case": case, "instance": instance, "svg": None, "error": "", "tasks": [], "timers": [], "called": []}
    if instance is None:
        page["error"] = "这个案件的流程尚未启动，没有可显示的流程图。"
        return render_template("diagram/case.html", **page)
    try:
        loaded = workflow.engine().specs_for(session, instance.spec_version)
    except EngineError as exc:
        page["error"] = str(exc)
        return render_template("diagram/case.html", **page)
    name = process_file(loaded.files, instance.process_id)
    if name is None:
        page["error"] = f"流程图版本 {instance.spec_version[:12]} 中没有流程 “{instance.process_id}”。"
        return render_template("diagram/case.html", **page)
    tasks, timers = case_open_tasks(session, instance.id), case_timers(session, instance.id)
    current = {t.task_spec for t in tasks}
    overlays = case_overlays(parse(loaded.files[name]), instance.process_id, case_history(session, instance.id),
                             current | _calls_in_progress(loaded.files, name, current | {t.task_spec for t in timers}),
                             {t.task_spec: f"期限 {local_dt(t.due_at)}" for t in timers})
    try:
        page["svg"] = Markup(render_svg(loaded.files[name], overlays, lane_names(), prefix="case",
                                        title=f"案件 {case.number} 流程图"))
    except NoDiagram as exc:
        page["error"] = str(exc)
    history = case_history(session, instance.id)
    page["called"] = _called_drawings(loaded.files, name, history, {t.task_spec for t in tasks},
                                      {t.task_spec: f"期限 {local_dt(t.due_at)}" for t in timers})
    timer_names = {e.id: e.name for n in loaded.files if n.endswith(".bpmn")
                   for e in parse(loaded.files[n]).elements.values()}
    page.update(tasks=tasks, timers=[(timer_names.get(t.task_spec) or t.task_spec, t) for t in timers],
                file=name, version=instance.spec_version,
                outdated=instance.spec_version != workflow.engine().current.version)
    return render_template("diagram/case.html", **page)


@dataclass
class HeatRow:
    task_spec: str
    title: str
    lane: str
    open_count: int
    level: int
    average: str      # "2.3 天"
    completed: int


@bp.get("/diagrams/heatmap")
@login_required
def heatmap():
    require(can_supervise(current_user))
    loaded = workflow.engine().current
    heat = step_heat(db.session(), loaded.version)
    counts = {spec: (heat.steps[spec].open_count if spec in heat.steps else 0) for spec in loaded.user_tasks}
    levels = heat_levels(counts)
    rows = []
    for spec, info in sorted(loaded.user_tasks.items(), key=lambda item: _position(loaded.files, item[0])):
        step = heat.steps.get(spec)
        average = describe_duration(step.average_seconds) if step else ""
        rows.append(HeatRow(spec, info.title, lane_names().get(info.lane, info.lane), counts[spec], levels[spec],
                            average, step.completed if step else 0))
    overlays = {r.task_spec: Overlay(count=r.open_count, level=r.level, average=f"平均 {r.average}" if r.average else "")
                for r in rows}
    return render_template("diagram/heatmap.html", drawings=_drawings(loaded.files, overlays), rows=rows,
                           legend=_legend(max(counts.values(), default=0)), other_versions=heat.other_versions,
                           version=loaded.version)


def _calls_in_progress(files: dict[str, str], main: str, open_specs: set[str]) -> set[str]:
    """The call activities of the main drawing whose called process holds an open step or timer now."""
    calls = set()
    for element in parse(files[main]).elements.values():
        called = element.attrs.get("calledElement")
        file = process_file(files, called) if called else None
        if file and open_specs & set(parse(files[file]).elements):
            calls.add(element.id)
    return calls


def _called_drawings(files: dict[str, str], main: str, history, current: set[str], timers: dict[str, str]) -> list:
    """The called processes (penalty, credit…) this case has entered, drawn with its state in them:
    their steps are the same workflow's, only drawn in files of their own."""
    touched = current | set(timers) | {h.task_spec for h in history if h.task_spec}
    drawings = []
    for number, file in enumerate(n for n in _bpmn_files(files) if n != main):
        definitions = parse(files[file])
        if not touched & set(definitions.elements):
            continue
        overlays: dict[str, Overlay] = {}
        for process_id, _ in definitions.processes:
            overlays.update(case_overlays(definitions, process_id, history, current, timers))
        title = "、".join(p_name or p_id for p_id, p_name in definitions.processes)
        try:
            svg = Markup(render_svg(files[file], overlays, lane_names(), prefix=f"called{number}", title=title))
        except NoDiagram:
            continue
        drawings.append((title, svg, f"called{number}"))
    return drawings


def _position(files: dict[str, str], element_id: str) -> tuple:
    """Where a step is drawn (file, left to right, top to bottom): the table follows the diagram."""
    for rank, name in enumerate(_bpmn_files(files)):
        for diagram in parse(files[name]).diagrams:
            for shape in diagram.shapes:
                if shape.element.id == element_id:
                    return rank, shape.bounds.x, shape.bounds.y
    return len(files), 0.0, 0.0


def _bpmn_files(files: dict[str, str]) -> list[str]:
    """The .bpmn files, the case's main diagram first, then the sub-processes it calls by name."""
    return sorted((n for n in files if n.endswith(".bpmn")), key=lambda n: (n != f"{PROCESS_ID}.bpmn", n))


def _legend(top: int) -> list[tuple[int, str]]:
    """(shade, “3–4 件”) for each shade in use: shade k covers counts above (k-1)/5 and up to k/5 of the top."""
    legend = [(0, "0 件")]
    for level in range(1, 6):
        low, high = (level - 1) * top // 5 + 1, level * top // 5
        if top and low <= high:
            legend.append((level, f"{low} 件" if low == high else f"{low}–{high} 件"))
    return legend
