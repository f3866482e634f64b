"""The map's reads: the cases of a search inside the visible box (each case up to a cap, above it counts per grid
cell), their extent, how many have no coordinates, the towns' outlines and one case's popup.

Every read takes the case list's conditions (``cases.queries.case_conditions``), so the map shows exactly the
cases the list shows for the same search and the same user (a town's user: the town's cases only).
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Integer, cast, func, or_, select
from sqlalchemy.orm import Session

from engine.tables import Instance, OpenTask

from .. import directory
from ..core.filters import case_stage
from ..models import Case, WaterUser, Well
from . import symbols
from .hull import cells_outline

#: Individual points are served up to this many cases in the visible box; above it, counts per grid cell.
#: A phone draws 2,000 canvas points smoothly; 100,000 would not load, let alone draw.
POINT_CAP = 2000
#: A grid cell is about this many screen pixels wide at the zoom it is asked for.
CELL_PIXELS = 64
#: From this zoom on (a village's streets) points are served even above the cap, the first POINT_CAP of them:
#: cells would no longer split what they hold.
POINTS_FROM_ZOOM = 17
#: The outlines' grid: 0.01° is about 1.1 km north–south and 0.9 km east–west in Rushan.
OUTLINE_CELL = 0.01


@dataclass(frozen=True)
class Box:
    south: float
    west: float
    north: float
    east: float

    def conditions(self) -> list:
        return [Well.latitude >= self.south, Well.latitude <= self.north,
                Well.longitude >= self.west, Well.longitude <= self.east]


def cell_size(zoom: int) -> float:
    """Degrees of one grid cell at ``zoom`` (a 256-pixel tile spans 360 / 2^zoom degrees of longitude)."""
    return 360.0 / (2 ** zoom) * CELL_PIXELS / 256


def _located() -> list:
    return [Well.latitude.is_not(None), Well.longitude.is_not(None)]


def _stage():
    return func.coalesce(Instance.stage, symbols.UNKNOWN)


def _cell(session: Session, column, offset: float, size: float):
    """The grid column (or row) of a coordinate: floor((value + offset) / size). The offset makes the value
    positive, so SQLite's CAST (which truncates) floors it too; PostgreSQL's CAST would round, so floor()."""
    scaled = (column + offset) / size
    if session.get_bind().dialect.name == "postgresql":
        return cast(func.floor(scaled), Integer)
    return cast(scaled, Integer)


def _cases_in(conditions: list, box: Box | None):
    return (select().select_from(Case).join(Well, Well.id == Case.well_id)
            .outerjoin(Instance, Instance.id == Case.instance_id)
            .where(*conditions, *_located(), *(box.conditions() if box else ())))


def view(session: Session, conditions: list, box: Box, zoom: int, cap: int | None = None) -> dict:
    """What the map draws in ``box`` at ``zoom``: {"mode": "points" | "cells", "total", "stages" (stage → count
    in the box), "points": [[case id, lat, lon, stage, number], …] or "cells": [{lat, lon (the cases' mean),
    count, stages, bounds [south, west, north, east]}, …], "truncated"}.

    One GROUP BY over the box's cases by grid cell and stage counts everything; only when there are at most
    ``cap`` cases (or the map is zoomed in to the streets) are the cases themselves read."""
    cap = POINT_CAP if cap is None else cap
    size = cell_size(zoom)
    inner = _cases_in(conditions, box).add_columns(
        _cell(session, Well.longitude, 180.0, size).label("cx"), _cell(session, Well.latitude, 90.0, size).label("cy"),
        _stage().label("stage"), Well.latitude.label("lat"), Well.longitude.label("lon")).subquery()
    grouped = session.execute(select(inner.c.cx, inner.c.cy, inner.c.stage, func.count(), func.avg(inner.c.lat),
                                     func.avg(inner.c.lon)).group_by(inner.c.cx, inner.c.cy, inner.c.stage)).all()
    cells: dict[tuple[int, int], dict] = {}
    stages: dict[str, int] = {}
    for cx, cy, stage, count, lat, lon in grouped:
        cell = cells.setdefault((cx, cy), {"count": 0, "lat": 0.0, "lon": 0.0, "stages": {}})
        cell["count"] += count
        cell["lat"] += float(lat) * count
        cell["lon"] += float(lon) * count
        cell["stages"][stage] = count
        stages[stage] = stages.get(stage, 0) + count
    total = sum(stages.values())
    result = {"total": total, "stages": stages, "truncated": False}
    if total <= cap or zoom >= POINTS_FROM_ZOOM:
        rows = session.execute(_cases_in(conditions, box).add_columns(
            Case.id, Case.created_at, Well.latitude, Well.longitude, _stage()).order_by(Case.id).limit(cap)).all()
        result.update(mode="points", truncated=total > cap, points=[
            [case_id, round(lat, 6), round(lon, 6), stage, _number(case_id, created)]
            for case_id, created, lat, lon, stage in rows])
        return result
    result.update(mode="cells", cells=[
        {"lat": round(c["lat"] / c["count"], 6), "lon": round(c["lon"] / c["count"], 6), "count": c["count"],
         "stages": c["stages"],
         "bounds": [round(cy * size - 90, 6), round(cx * size - 180, 6), round((cy + 1) * size - 90, 6),
                    round((cx + 1) * size - 180, 6)]}
        for (cx, cy), c in sorted(cells.items())])
    return result


def _number(case_id: int, created) -> str:
    """The case number (乳整<year in China>-<id>) by ``Case.number`` itself, from two columns (a transient
    object, never added to the session), rather than loading each case with its well."""
    return Case(id=case_id, created_at=created).number


def extent(session: Session, conditions: list) -> list[float] | None:
    """[south, west, north, east] of the cases with coordinates (None: no such case): the map's first view."""
    row = session.execute(_cases_in(conditions, None).add_columns(
        func.min(Well.latitude), func.min(Well.longitude), func.max(Well.latitude), func.max(Well.longitude))).one()
    return None if row[0] is None else [float(v) for v in row]


def unlocated(session: Session, conditions: list) -> int:
    """How many of the search's cases have no coordinates (not on the map)."""
    return session.scalar(select(func.count()).select_from(Case).join(Well, Well.id == Case.well_id).where(
        *conditions, or_(Well.latitude.is_(None), Well.longitude.is_(None))))


def outlines(session: Session, town: str | None) -> list[dict]:
    """Each town's outline and label for the offline map, from the wells a user may see (``town``: only that
    town's, for a town's user): [{town, name, count, label [lat, lon] (the mean of its wells), outline
    [[lat, lon], …] (the hull of its wells' grid cells)}], by the towns' order in the directory."""
    inner = (select(Case.town.label("town"), _cell(session, Well.longitude, 180.0, OUTLINE_CELL).label("cx"),
                    _cell(session, Well.latitude, 90.0, OUTLINE_CELL).label("cy"), Well.latitude.label("lat"),
                    Well.longitude.label("lon"))
             .select_from(Case).join(Well, Well.id == Case.well_id)
             .where(*_located(), *((Case.town == town,) if town else ()))).subquery()
    rows = session.execute(select(inner.c.town, inner.c.cx, inner.c.cy, func.count(), func.avg(inner.c.lat),
                                  func.avg(inner.c.lon)).group_by(inner.c.town, inner.c.cx, inner.c.cy)).all()
    towns: dict[str, dict] = {}
    for code, cx, cy, count, lat, lon in rows:
        t = towns.setdefault(code, {"count": 0, "lat": 0.0, "lon": 0.0, "cells": []})
        t["count"] += count
        t["lat"] += float(lat) * count
        t["lon"] += float(lon) * count
        t["cells"].append((cx, cy))
    order = {code: i for i, (code, _) in enumerate(directory.choices())}
    return [{"town": code, "name": directory.name(code), "count": t["count"],
             "label": [round(t["lat"] / t["count"], 6), round(t["lon"] / t["count"], 6)],
             "outline": cells_outline(t["cells"], OUTLINE_CELL, -180.0, -90.0)}
            for code, t in sorted(towns.items(), key=lambda item: order.get(item[0], len(order)))]


def popup(session: Session, case: Case) -> dict:
    """One case as its popup shows it: number, well, party, place, stage, current steps (department)."""
    instance = session.execute(select(Instance.stage, Instance.status, Instance.outcome)
                               .where(Instance.id == case.instance_id)).one_or_none() if case.instance_id else None
    owner = session.get(WaterUser, case.well.owner_id)
    steps = session.execute(select(OpenTask.title, OpenTask.department).where(OpenTask.case_id == case.id)
                            .order_by(OpenTask.id)).all()
    return {"id": case.id, "number": case.number, "well_no": case.well.well_no, "party": owner.name if owner else "",
            "town": directory.name(case.town), "village": case.well.village or "",
            "stage": (instance.stage if instance else None) or symbols.UNKNOWN,
            "stage_label": case_stage(instance),
            "steps": [f"{title}（{directory.name(department)}）" for title, department in steps]}
