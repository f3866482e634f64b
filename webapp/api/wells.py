"""Wells and water users, scoped to the account's towns as a town clerk's pages are: a water user is
visible when registered in, or with a well in, one of them (``cases_service.visible_to_town``)."""
from __future__ import annotations

from sqlalchemy import or_, select

from ..core import db
from ..models import Case, WaterUser, Well
from . import present, schemas
from .base import account, blueprint, decode_cursor, encode_cursor, refusals
from .cases import visible_towns
from .lookup import require_scope, well_by_number

blp = blueprint("api_wells", "机井和用水户（按账号的镇（街道）范围）。须 wells:read。")


@blp.route("/wells")
@blp.arguments(schemas.CaseQuery, location="query", as_kwargs=True)
@blp.response(200, schemas.WellPage)
@refusals(blp, 403, 422)
def well_list(cursor, limit, town, q):
    """机井列表（新登记的在前）"""
    require_scope("wells:read")
    session = db.session()
    query = select(Well, WaterUser, Case).join(WaterUser, Well.owner_id == WaterUser.id).outerjoin(
        Case, Case.well_id == Well.id)
    towns = visible_towns(town)
    if towns is not None:
        query = query.where(Well.town.in_(towns))
    if q and q.strip():
        like = f"%{q.strip()}%"
        query = query.where(or_(Well.well_no.like(like), WaterUser.name.like(like)))
    after = decode_cursor(cursor)
    if after is not None:
        query = query.where(Well.id < after)
    rows = session.execute(query.order_by(Well.id.desc()).limit(limit + 1)).all()
    more, rows = len(rows) > limit, rows[:limit]
    items = []
    for well, owner, case in rows:
        item = present.well(well, case.number if case else None)
        item["party"] = present.party_brief(owner, [well.well_no])
        items.append(item)
    return {"items": items, "next_cursor": encode_cursor(rows[-1][0].id) if more else None}


@blp.route("/wells/<string:well_no>")
@blp.response(200, schemas.WellDetail)
@refusals(blp, 403, 404)
def well_detail(well_no):
    """一口机井及其用水户"""
    require_scope("wells:read")
    session = db.session()
    well = well_by_number(session, well_no)
    case = session.scalar(select(Case).where(Case.well_id == well.id))
    data = present.well(well, case.number if case else None)
    data["party"] = present.party(well.owner)
    return data


@blp.route("/parties")
@blp.arguments(schemas.PartyQuery, location="query", as_kwargs=True)
@blp.response(200, schemas.PartyPage)
@refusals(blp, 403, 422)
def party_list(cursor, limit, q):
    """用水户列表（证件号码遮盖中间位；新登记的在前）"""
    require_scope("wells:read")
    session = db.session()
    towns = account().towns
    query = select(WaterUser)
    if towns is not None:
        query = query.where(or_(WaterUser.town.in_(towns), WaterUser.id.in_(
            select(Well.owner_id).where(Well.town.in_(towns)))))
    if q and q.strip():
        query = query.where(WaterUser.name.like(f"%{q.strip()}%"))
    after = decode_cursor(cursor)
    if after is not None:
        query = query.where(WaterUser.id < after)
    owners = list(session.scalars(query.order_by(WaterUser.id.desc()).limit(limit + 1)))
    more, owners = len(owners) > limit, owners[:limit]
    wells: dict[int, list[str]] = {}
    if owners:
        found = select(Well.owner_id, Well.well_no).where(Well.owner_id.in_([o.id for o in owners]))
        if towns is not None:
            found = found.where(Well.town.in_(towns))
        for owner_id, well_no in session.execute(found.order_by(Well.id)):
            wells.setdefault(owner_id, []).append(well_no)
    return {"items": [present.party_brief(o, wells.get(o.id, [])) for o in owners],
            "next_cursor": encode_cursor(owners[-1].id) if more else None}
