"""Keyset paging over orderings an index serves, and counts that stop at ``CAP``.

A list of 100,000 rows must cost what a list of 1,000 costs (issue 14). So a page is never found by
sorting every row (an ORDER BY over a CASE expression) or skipping rows (OFFSET): an ordering is a few
*segments*, each a set of rows (``where``) in an order of plain columns that an index of the table
serves, ending with a unique column; a page is the rows after (or before) the previous page's last
(first) row, walking the segments in turn, and the cursor names the segment and that row's values.
"Overdue first, newest first" is two segments: the overdue rows newest first, then the others.

Counts are capped: ``capped(query)`` counts at most ``CAP`` rows (an index range of at most that many
entries); a page shows a capped count as "999+".
"""
from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import datetime
from types import SimpleNamespace
from typing import Callable

from sqlalchemy import and_, func, literal, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.types import TypeDecorator

CAP = 1000
#: How many order keys a page may read and sort here when its conditions reach into other tables (``fetch``).
COLLECT = 3 * CAP


def count_label(count: int) -> str:
    """A capped count as a page shows it."""
    return f"{CAP - 1}+" if count >= CAP else str(count)


def capped(*conditions, table, outer=()) -> object:
    """A scalar subquery: how many rows of ``table`` meet the conditions, counting at most ``CAP``
    (``outer``: tables of the enclosing query the conditions refer to)."""
    inner = select(literal(1)).select_from(table).where(*conditions).limit(CAP)
    if outer:
        inner = inner.correlate(*outer)
    return select(func.count()).select_from(inner.subquery()).scalar_subquery()


@dataclass(frozen=True)
class Segment:
    where: tuple                # conditions selecting the segment's rows
    order: tuple                # (column, descending) …, the last one unique
    holds: Callable | None = None  # the same conditions on a loaded row (for ``page_of_loaded``)


@dataclass
class Window:
    rows: list
    after: str | None = None    # the next page's cursor (None: this is the last page)
    before: str | None = None   # the previous page's cursor (None: this is the first page)
    total: int | None = None    # how many rows the list has, when the page found out (one segment, all
                                # of its order keys read): a caller may count more cheaply over so few


def fetch(session: Session, query, segments: list[Segment], size: int, key: Callable, *, after: str | None = None,
          before: str | None = None, skip: int = 0, entity=None, narrow=None, collect: int = 0,
          counted: int | None = None) -> Window:
    """A page of ``query`` in the segments' order: after the ``after`` cursor, before the ``before`` one,
    or (neither) the first page after skipping ``skip`` rows (an old link's page number; the skipped rows
    are counted in the index, never loaded). ``key(row)`` gives the object whose attributes are the order
    columns. ``entity``: the ORM class ``query`` selects (rows are its objects), else rows are tuples.
    ``narrow``: the same rows from fewer tables (``query`` without joins that neither filter nor multiply
    its rows), for the counts and the order keys: only the page's rows are read with the joins.

    Each segment is counted first (up to ``CAP``, in whichever index its conditions fit): an empty one is
    passed over, and a small one (a few overdue tasks among 100,000, a search's matches) has its order
    keys read and sorted here, then the page's rows fetched by their unique key — rather than found by
    walking an index in the page's order past every row that does not belong to it.

    ``collect``: the caller's conditions reach into other tables (a stage, a category, a department's
    open tasks…), whose matches may lie anywhere in the page's order — often all at its far end: the cases
    at the rectification stage are the oldest, and a walk newest first passed 98,000 others to find them
    (107 ms at 100,000 cases). A segment of CAP rows or more then has up to ``collect`` order keys read in
    whatever order the database finds them cheapest (from the few matching rows of the other table);
    fewer than ``collect`` are sorted and paged here like a small segment's, and only a segment with
    ``collect`` rows or more (dense: its matches are everywhere) is walked in order.

    ``counted``: the caller's own count of the whole list up to CAP (``capped``), for a list of one
    segment: not counted again for its first pages."""
    backwards = before is not None and after is None
    start = _decode(before if backwards else after, segments)
    skipped = skip > 0 and start is None
    if start is None:
        skip = skip if not backwards else 0
        backwards = False  # an unreadable cursor: the first page
    else:
        skip = 0
    found: list[tuple[int, object]] = []
    whole = None
    indices = range(start[0], -1, -1) if backwards else range(start[0] if start else 0, len(segments))
    for index in indices:
        segment = segments[index]
        q, keyed = query.where(*segment.where), (query if narrow is None else narrow).where(*segment.where)
        if start and index == start[0]:
            beyond = _beyond(segment.order, start[1], forward=not backwards)
            q, keyed = q.where(beyond), keyed.where(beyond)
        limit = max(CAP, skip + 1)
        if counted is not None and len(segments) == 1 and start is None and limit == CAP:
            in_segment = counted
        else:
            in_segment = session.scalar(select(func.count()).select_from(
                keyed.with_only_columns(literal(1), maintain_column_froms=True).limit(limit).subquery()))
        if in_segment <= skip:
            skip -= in_segment
            continue
        order, wanted = segment.order, size + 1 - len(found)
        keys = None
        if in_segment >= limit and collect > limit:
            keys = session.execute(keyed.with_only_columns(*[c for c, _d in order], maintain_column_froms=True)
                                   .limit(collect)).all()
            if len(keys) >= collect:
                keys = None  # dense: walked in order below
        if keys is not None or in_segment < limit:
            # A small segment: its order keys read and sorted here, then the page's rows by their unique
            # last key — never an index walked past every row that is not in the segment.
            if keys is None:
                keys = session.execute(keyed.with_only_columns(*[c for c, _d in order],
                                                               maintain_column_froms=True)).all()
            _sort(keys, order, backwards)
            if len(segments) == 1 and start is None:
                whole = len(keys)
            unique = order[-1][0]
            q = q.where(unique.in_([k[-1] for k in keys[skip:skip + wanted]]))
        elif skip and narrow is not None:
            # An old link's page number far into a big segment: the skipped rows passed over in the narrow
            # query (an index), the joins made for the page's rows only.
            unique = order[-1][0]
            q = q.where(unique.in_(keyed.with_only_columns(unique, maintain_column_froms=True).order_by(
                *[(c.desc() if desc else c.asc()) for c, desc in order]).offset(skip).limit(wanted).scalar_subquery()))
        else:
            q = q.offset(skip).limit(wanted)
        q = q.order_by(*[(c.desc() if desc != backwards else c.asc()) for c, desc in order])
        skip = 0
        got = session.scalars(q).all() if entity is not None else session.execute(q).all()
        found += [(index, row) for row in got]
        if len(found) > size:
            break
    more = len(found) > size
    found = found[:size]
    if backwards:
        found.reverse()
    window = Window([row for _i, row in found], total=whole)
    if found:
        first, last = found[0], found[-1]
        if backwards or more:
            window.after = _encode(last[0], segments[last[0]], key(last[1]))
        if more if backwards else (start is not None or skipped):
            window.before = _encode(first[0], segments[first[0]], key(first[1]))
    return window


def page_of_loaded(rows: list, segments: list[Segment], size: int, *, after: str | None = None,
                   before: str | None = None, skip: int = 0) -> Window:
    """``fetch`` over rows already loaded (all of a small set, fewer than ``CAP``): the same order, pages
    and cursors, computed here instead of in the database."""
    def position(row):
        index = next(i for i, segment in enumerate(segments) if segment.holds(row))
        return index, _sort_key(segments[index].order, [getattr(row, c.key) for c, _d in segments[index].order])

    ordered = sorted(rows, key=position)
    keys = [position(row) for row in ordered]
    backwards = before is not None and after is None
    start = _decode(before if backwards else after, segments)
    if start is None:  # the first page, or an old link's page number
        begin = skip if not backwards else 0
        end = min(len(keys), begin + size)
    else:
        cursor = (start[0], _sort_key(segments[start[0]].order, start[1]))
        if backwards:
            end = next((i for i, k in enumerate(keys) if k >= cursor), len(keys))
            begin = max(0, end - size)
        else:
            begin = next((i for i, k in enumerate(keys) if k > cursor), len(keys))
            end = min(len(keys), begin + size)
    window = Window(ordered[begin:end])
    if window.rows:
        if end < len(keys):
            window.after = _encode(keys[end - 1][0], segments[keys[end - 1][0]], ordered[end - 1])
        if begin > 0:
            window.before = _encode(keys[begin][0], segments[keys[begin][0]], ordered[begin])
    return window


def page_of_keys(keys: list, segment: Segment, size: int, *, after: str | None = None, before: str | None = None,
                 skip: int = 0) -> Window:
    """``page_of_loaded`` for a list of one segment ordered by one unique column, given as that column's values
    already in the segment's order: the window's rows are the page's values. Plain values (thousands of ids)
    make no objects for the garbage collector to follow — a request that keeps thousands of rows alive
    across collections has them promoted, and a full collection of the process follows every few requests
    (about 200 ms on a busy machine)."""
    (column, desc), = segment.order
    later = (lambda key, value: key < value) if desc else (lambda key, value: key > value)
    backwards = before is not None and after is None
    start = _decode(before if backwards else after, [segment])
    if start is None:  # the first page, or an old link's page number
        begin = skip if not backwards else 0
        end = min(len(keys), begin + size)
    else:
        value = start[1][0]
        if backwards:
            end = next((i for i, key in enumerate(keys) if not later(value, key)), len(keys))
            begin = max(0, end - size)
        else:
            begin = next((i for i, key in enumerate(keys) if later(key, value)), len(keys))
            end = min(len(keys), begin + size)
    window = Window(keys[begin:end])
    if window.rows:
        if end < len(keys):
            window.after = _encode(0, segment, SimpleNamespace(**{column.key: keys[end - 1]}))
        if begin > 0:
            window.before = _encode(0, segment, SimpleNamespace(**{column.key: keys[begin]}))
    return window


class _Reversed:
    """A value that sorts the other way round (a descending column in a Python sort)."""

    __slots__ = ("value",)

    def __init__(self, value):
        self.value = value

    def __lt__(self, other):
        return other.value < self.value

    def __gt__(self, other):
        return other.value > self.value

    def __eq__(self, other):
        return self.value == other.value

    def __le__(self, other):
        return not self.__gt__(other)

    def __ge__(self, other):
        return not self.__lt__(other)


def _sort(keys: list, order, backwards: bool) -> None:
    """Order keys read from the database sorted in the segment's order (reversed: ``backwards``)."""
    directions = {desc for _column, desc in order}
    if len(directions) == 1:  # every column the same way: a plain tuple sort (thousands of keys)
        keys.sort(key=tuple, reverse=directions.pop() != backwards)
    else:
        keys.sort(key=lambda k: _sort_key(order, k), reverse=backwards)


def _sort_key(order, values) -> tuple:
    return tuple(_Reversed(v) if desc else v for (_column, desc), v in zip(order, values))


def _beyond(order, values, forward: bool):
    """Rows after (``forward``) or before the row with these values, in the segment's order."""
    alternatives = []
    for i, (column, desc) in enumerate(order):
        later = column < values[i] if desc == forward else column > values[i]
        alternatives.append(and_(*[order[k][0] == values[k] for k in range(i)], later))
    first, desc = order[0]
    # The first column's bound alone, so that the index range starts at the row (the OR does not bound it).
    bound = first <= values[0] if desc == forward else first >= values[0]
    return and_(bound, or_(*alternatives))


def _encode(index: int, segment: Segment, row) -> str:
    values = [getattr(row, column.key) for column, _desc in segment.order]
    text = json.dumps([index, [v.isoformat() if isinstance(v, datetime) else v for v in values]])
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def _decode(cursor: str | None, segments: list[Segment]):
    """(segment index, values) of a cursor; None for no cursor or one that does not fit (an edited link:
    the first page)."""
    if not cursor:
        return None
    try:
        index, values = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        order = segments[index].order
        if len(values) != len(order) or index < 0:
            return None
        typed = []
        for (column, _desc), value in zip(order, values):
            kind = column.type.impl if isinstance(column.type, TypeDecorator) else column.type
            python = kind.python_type
            if python is datetime:
                value = datetime.fromisoformat(value)
                if value.tzinfo is None:
                    return None
            elif not isinstance(value, python):
                return None
            typed.append(value)
        return index, typed
    except (ValueError, TypeError, IndexError, KeyError, binascii.Error, NotImplementedError):
        return None
