"""What a page needs to show the map (the map page and the dashboard): the addresses map.js reads its data from,
the first view, the tile service or the offline base, and each stage's symbol; rendered by map/_map.html."""
from __future__ import annotations

from flask import current_app, url_for
from sqlalchemy.orm import Session

from forms.identifiers import RUSHAN_BOUNDS

from . import queries, symbols

#: A number no case has: the templates' addresses are made with it, and map.js puts the case's id in its place.
_ID = 987654321


def settings(session: Session, conditions: list, keep: dict, known: dict | None = None) -> dict:
    """The map of the cases meeting ``conditions`` (the case list's, for the current user), searched by ``keep``
    (the search's own parameters, sent again with every request for points); ``known``: ``counts()`` of these
    cases taken earlier (the dashboard's snapshot), instead of reading them now."""
    tiles = current_app.config["MAP_TILES"]
    box = known["extent"] if known is not None else queries.extent(session, conditions)
    bounds = box or [RUSHAN_BOUNDS.lat_min, RUSHAN_BOUNDS.lon_min, RUSHAN_BOUNDS.lat_max, RUSHAN_BOUNDS.lon_max]
    return {
        "points": url_for("map.points", **keep),
        "outlines": None if tiles else url_for("map.outlines"),
        "popup": url_for("map.popup", case_id=_ID).replace(str(_ID), "{id}"),
        "case": url_for("cases.show", case_id=_ID).replace(str(_ID), "{id}"),
        "extent": bounds,
        "tiles": tiles,
        "maxZoom": current_app.config["MAP_MAX_ZOOM"],
        "symbols": symbols.for_script(),
    }


def unlocated(session: Session, conditions: list) -> int:
    return queries.unlocated(session, conditions)


def counts(session: Session, conditions: list) -> dict:
    """What the map's page reads over all the cases it shows: their box and how many have no coordinates
    (two scans of the cases: what the dashboard keeps in its snapshot, JSON-ready)."""
    return {"extent": queries.extent(session, conditions), "unlocated": queries.unlocated(session, conditions)}


def list_url(keep: dict, **more) -> str:
    """The case list with the same search (a bare list would show the list's own remembered search instead)."""
    query = {**keep, **more}
    return url_for("cases.index", **query) if query else url_for("cases.index", clear=1)
