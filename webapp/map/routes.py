"""The map page (/cases/map, the case list's search), its points, the towns' outlines and one case's popup."""
from __future__ import annotations

import math
from urllib.parse import parse_qsl

from flask import abort, current_app, jsonify, render_template, request
from flask_login import current_user, login_required

from engine.tables import utcnow

from ..cases.queries import case_conditions, stage_counts
from ..cases.search import CaseFilters, query_string, search_form, step_titles
from ..core import db, workflow
from ..models import Case
from ..permissions import can_view_case, require
from . import bp, queries, symbols, view


def _own_town() -> str | None:
    return current_user.department.code if current_user.department.is_town else None


def _search():
    """The case list's search over the request's arguments: (form, filters or None when they are wrong, the
    search's own parameters to keep in links)."""
    form = search_form(request.args, step_titles(workflow.engine()))
    filters = form.filters(_own_town()) if form.validate() else None
    keep = dict(parse_qsl(query_string(request.args))) if filters is not None else {}
    if _own_town():
        keep.pop("town", None)
    return form, filters, keep


@bp.get("/cases/map")
@login_required
def page():
    """The cases of the list's search on the map; a wrong search is said on the form (422) and the map shows
    the cases as without it, as the list does."""
    session = db.session()
    form, filters, keep = _search()
    status = 200 if filters is not None else 422
    filters = filters or CaseFilters(town=_own_town())
    now = utcnow()
    conditions = case_conditions(session, filters, now)
    return render_template(
        "map/page.html", form=form, keep=keep, stage=filters.stage, own_town=_own_town(), searching=bool(keep),
        stage_counts=stage_counts(session, filters.town, filters.q, filters, now),
        map=view.settings(session, conditions, keep), unlocated=view.unlocated(session, conditions),
        list_url=view.list_url(keep), unlocated_url=view.list_url(keep, unlocated="y"),
        legend=symbols.legend()), status


def _refusal(message: str, errors: list[str] | None = None):
    return jsonify({"message": message, "errors": errors or []}), 422


def _box() -> tuple[queries.Box | None, int | None, str | None]:
    """The visible box (``bbox=west,south,east,north``, Leaflet's order) and zoom, or why they are wrong."""
    try:
        west, south, east, north = (float(v) for v in request.args.get("bbox", "").split(","))
        zoom = int(request.args.get("zoom", ""))
    except ValueError:
        return None, None, "地图范围参数有误（bbox=西,南,东,北，zoom=缩放级别），请刷新页面。"
    if not all(math.isfinite(v) for v in (west, south, east, north)) or not (
            -90 <= south < north <= 90 and -180 <= west < east <= 180) or not 0 <= zoom <= 22:
        return None, None, "地图范围超出了经纬度的取值范围，请刷新页面。"
    return queries.Box(south, west, north, east), zoom, None


@bp.get("/map/points.json")
@login_required
def points():
    """The search's cases inside the visible box: each case up to queries.POINT_CAP, above it counts per grid
    cell (see queries.view)."""
    form, filters, _keep = _search()
    if filters is None:
        return _refusal("查询条件有误，地图未更新。", [m for ms in form.errors.values() for m in ms])
    box, zoom, problem = _box()
    if problem:
        return _refusal(problem)
    session = db.session()
    conditions = case_conditions(session, filters, utcnow())
    return jsonify(queries.view(session, conditions, box, zoom, queries.POINT_CAP))


@bp.get("/map/outlines.json")
@login_required
def outlines():
    """The towns the user may see, drawn from their wells (the offline map's base)."""
    if current_app.config["MAP_TILES"]:
        abort(404)  # the tile service draws the base
    return jsonify(queries.outlines(db.session(), _own_town()))


@bp.get("/map/cases/<int:case_id>.json")
@login_required
def popup(case_id: int):
    session = db.session()
    case = session.get(Case, case_id) or abort(404)
    require(can_view_case(current_user, case), case_id=case.id)
    return jsonify(queries.popup(session, case))
