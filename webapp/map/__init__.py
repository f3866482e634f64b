"""The map of the wells (issue 10): the cases of a search, or all the cases a user may see, as points on a map,
one colour and one shape per stage, each opening its case.

``/cases/map?<the case list's query>`` is the map page (the same search form and filters as the list); the
dashboard shows the map of every case. The page gets its points from ``/map/points.json`` (the same query
plus the visible box and zoom): the cases themselves up to a cap, above it counts per grid cell; a popup
reads one case from ``/map/cases/<id>.json``. Without a tile service the base is drawn from the data
(``/map/outlines.json``: each town's wells' extent and name); with WELLS_MAP_TILE_URL it is that service's.

Modules: ``symbols`` (each stage's colour and shape: the legend and the points), ``hull`` (a town's outline),
``queries`` (the reads), ``routes`` (the page and the JSON), ``demo`` (`flask demo wells`: demonstration
wells with coordinates per town). Leaflet 1.9.4 is vendored under static/vendor (docs/architecture.md).
"""
from __future__ import annotations

from flask import Blueprint, Flask

bp = Blueprint("map", __name__)


def init_app(app: Flask) -> None:
    from .demo import demo_cli

    app.cli.add_command(demo_cli)
