"""A town's outline on the offline map: the convex hull of the grid cells its wells lie in.

Drawn from the wells' own coordinates, it is where the town's registered wells are (各镇街自备井分布范围), not
the town's legal boundary, and the map says so. Hulling the cells' corners rather than the wells pads the
outline by half a cell to a cell and a half, so that a well on the edge is inside it, and costs a GROUP BY instead of every
well's coordinates.
"""
from __future__ import annotations


def convex_hull(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Andrew's monotone chain: the hull's corners counter-clockwise, without repeating the first; fewer than
    three distinct points are returned as they are (sorted)."""
    pts = sorted(set(points))
    if len(pts) < 3:
        return pts

    def cross(o, a, b):
        return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])

    lower: list[tuple[float, float]] = []
    for p in pts:
        while len(lower) >= 2 and cross(lower[-2], lower[-1], p) <= 0:
            lower.pop()
        lower.append(p)
    upper: list[tuple[float, float]] = []
    for p in reversed(pts):
        while len(upper) >= 2 and cross(upper[-2], upper[-1], p) <= 0:
            upper.pop()
        upper.append(p)
    return lower[:-1] + upper[:-1]


def cells_outline(cells: list[tuple[int, int]], size: float, lon0: float, lat0: float) -> list[tuple[float, float]]:
    """The hull of grid cells (column, row of ``size`` degrees from ``lon0``, ``lat0``), each widened by half a
    cell on every side, as (lat, lon) corners: a well on a cell's edge (or put in the next cell by rounding) is
    still half a cell inside."""
    corners = [(lon0 + (x + dx) * size, lat0 + (y + dy) * size)
               for x, y in cells for dx in (-0.5, 1.5) for dy in (-0.5, 1.5)]
    return [(round(lat, 6), round(lon, 6)) for lon, lat in convex_hull(corners)]
