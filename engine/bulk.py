"""Starting many process instances at once (a whole ledger), each exactly as ``Engine.start`` starts one.

Starting one case runs SpiffWorkflow, scans the tasks, computes the open-task rows, the timers and the
audit events, and writes them in a few statements: about 5 ms a case, 9 minutes for 100,000 wells. Most
of that is repeated work: cases whose start data differ only in a value the start merely copies (the
well number in the data, the town, well number and party name in the context) take the same path
through the diagrams and leave the same rows, up to those values and the task ids.

So the cases are grouped by the rest of their start data (a *shape*). For each shape one exemplar is
started by ``Engine.start`` itself, inside a savepoint, with marker strings in place of the copied
values; its instance row, open-task rows, timer rows and audit events are read back and the savepoint
is rolled back (its events with it). Each case of the shape is then the exemplar's rows with fresh task
ids and its own values in place of the markers, and is sent set-based with the others: instances (ids
returned in order), open tasks, timers; the events go on the audit chains like any others (buffered,
chained at the commit, ``audit.flush``), so ``verify`` holds.

The exemplar is started twice, with markers of different lengths: if the two differ beyond the markers
and the task ids (an expression that looked at a copied value), every case of that shape is started on
its own with ``Engine.start`` instead. Values compared with constants (town, purpose…) must not be
copied values: callers name the copied data keys (``per_case``), everything else is part of the shape.
"""
from __future__ import annotations

import json
import os
import re
import secrets
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Callable, Sequence

from sqlalchemy import insert, select, text
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from . import audit, persist
from .overrides import names_read_by_diagrams
from .tables import Instance, OpenTask, Timer, utcnow

if TYPE_CHECKING:
    from .runtime import Actor, Engine

_instance = Instance.__table__
_open_task = OpenTask.__table__
_timer = Timer.__table__
_INSTANT = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?([+-]\d\d:\d\d|Z)?")
_GUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
# The exemplar's case id: never a real case's (ids start at 1); the rows carrying it are rolled back.
_EXEMPLAR_CASE = -1
# An exemplar costs two starts: fewer cases of a shape are started one by one.
_WORTH_AN_EXEMPLAR = 3


@dataclass(frozen=True)
class NewInstance:
    """One instance to start: its case, the context the engine copies into the inbox, the start data."""

    case_id: int
    context: dict
    data: dict


def start_many(engine: "Engine", session: Session, process_id: str, starts: Sequence[NewInstance],
               actor: "Actor", per_case: tuple[str, ...] = (), exemplars: dict | None = None) -> list[int]:
    """Start every instance in the caller's transaction; returns their ids in the order given.

    ``per_case``: the data keys whose (text) values the start only copies, never reads (the well
    number); every other data value, and every non-text context value, makes a shape of its own.
    ``exemplars``: a dict the caller keeps across calls of one load (batches in transactions of their
    own), so each shape's exemplar is made once; a due time counted from now is then the first batch's."""
    if not starts:
        return []
    if len({start.case_id for start in starts}) != len(starts):
        raise ValueError("start_many: one instance per case")
    engine._remember_version(session)  # outside the savepoints: the version row must stay
    read = names_read_by_diagrams(engine.current)
    per_case = tuple(key for key in per_case if key not in read)  # a value an expression reads is no copy
    groups: dict[str, list[NewInstance]] = {}
    for start in starts:
        groups.setdefault(_shape_key(start, per_case), []).append(start)
    # Every exemplar before any case: a savepoint's rollback walks the events buffered so far.
    made = {} if exemplars is None else exemplars
    for shape, group in groups.items():
        key = (shape, process_id, engine.current.version, actor)
        if key not in made and len(group) >= _WORTH_AN_EXEMPLAR:
            made[key] = _Exemplar.made(engine, session, process_id, group[0], actor, per_case)
    ids: dict[int, int] = {}
    copied = []
    for exemplar, group in ((made.get((shape, process_id, engine.current.version, actor)), group)
                            for shape, group in groups.items()):
        if exemplar is None:  # a shape of one or two cases, or a start that depends on a copied value
            for start in group:
                ids[start.case_id] = engine.start(session, process_id, start.case_id, context=dict(start.context),
                                                  data=dict(start.data), actor=actor).id
        else:
            copied.append((exemplar, group))
    if copied:
        ids.update(_insert_copies(engine, session, copied))
    return [ids[start.case_id] for start in starts]


def _insert_copies(engine: "Engine", session: Session, copied: list) -> dict[int, int]:
    """Every shape's cases as copies of its exemplar: instances, then open tasks, timers and events."""
    conn, now = session.connection(), utcnow()
    cases = []  # (exemplar, start, the case's replacements)
    instances = []
    for exemplar, group in copied:
        for start in group:
            names = exemplar.names(start)
            cases.append((exemplar, start, names))
            instances.append(exemplar.instance_row(start, names, now))
    ids = {case_id: instance_id for instance_id, case_id in
           insert_many(conn, _instance, instances, returning=("id", "case_id"))}
    tasks, timers, events = [], [], []
    for exemplar, start, names in cases:
        instance_id = ids[start.case_id]
        names["instance_id"], names["case_id"] = instance_id, start.case_id
        tasks.extend(build(names) for build in exemplar.tasks)
        timers.extend(build(names) for build in exemplar.timers)
        for build in exemplar.events:
            event = build(names)
            if event["kind"] == "started":
                event["data"] = dict(start.data)  # the start data itself, as a single start records it
            events.append(event)
    insert_many(conn, _open_task, tasks)
    insert_many(conn, _timer, timers)
    audit.append(session, engine.audit_key, events)  # chained and written when the transaction commits
    return ids


def _shape_key(start: NewInstance, per_case: tuple[str, ...]) -> str:
    data = {k: (None if k in per_case and isinstance(v, str) else v) for k, v in start.data.items()}
    context = {k: (None if isinstance(v, str) else v) for k, v in start.context.items()}
    copied = sorted(k for k in per_case if isinstance(start.data.get(k), str))
    return json.dumps([data, context, copied], sort_keys=True, default=str)


def _markers(start: NewInstance, per_case: tuple[str, ...], variant: str) -> tuple[dict, dict, dict]:
    """(marker → ("data"|"context", key)); the start's context and data with markers for the copied values.

    Markers are random, so they cannot occur elsewhere in a state; the two variants differ in length.
    Short: a copied value may land in a narrow column (a town code in ``wf_open_task.department``)."""
    tag, pad = secrets.token_hex(4), "x" * (1 if variant == "a" else 9)
    found, data, context = {}, dict(start.data), dict(start.context)
    for where, values, keys in (("data", data, [k for k in per_case if isinstance(data.get(k), str)]),
                                ("context", context, [k for k, v in context.items() if isinstance(v, str)])):
        for key in keys:
            marker = f"zb{tag}{where[0]}{len(found)}{pad}"
            found[marker] = (where, key)
            values[key] = marker
    return found, context, data


# -- the exemplar ------------------------------------------------------------------------------------

# The columns an exemplar's rows take from each case as they are (besides task ids and markers, which are
# replaced wherever they occur): its ids and its instant.
_PER_CASE = ("instance_id", "case_id", "created_at")


@dataclass
class _Exemplar:
    """One shape's start as ``Engine.start`` made it, compiled to be copied for each case of the shape."""

    markers: dict                      # marker → ("data"|"context", key)
    instance: persist.InstanceRow
    guids: list[str]
    raw_tasks: list[dict]
    raw_timers: list[dict]
    raw_events: list[dict]
    state: Callable = None             # names → the state text
    tasks: list[Callable] = field(default_factory=list)    # names → a row
    timers: list[Callable] = field(default_factory=list)
    events: list[Callable] = field(default_factory=list)

    @classmethod
    def made(cls, engine, session, process_id, start, actor, per_case) -> "_Exemplar | None":
        first = cls._run(engine, session, process_id, start, actor, per_case, "a")
        second = cls._run(engine, session, process_id, start, actor, per_case, "b")
        if first.comparable() != second.comparable():
            return None
        first.compile()
        return first

    @classmethod
    def _run(cls, engine, session, process_id, start, actor, per_case, variant) -> "_Exemplar":
        markers, context, data = _markers(start, per_case, variant)
        already = len(audit.pending(session))
        savepoint = session.begin_nested()
        try:
            instance = engine.start(session, process_id, _EXEMPLAR_CASE, context=context, data=data, actor=actor)
            conn = session.connection()
            tasks = [dict(r) for r in conn.execute(select(_open_task).where(
                _open_task.c.instance_id == instance.id).order_by(_open_task.c.id)).mappings()]
            timers = [dict(r) for r in conn.execute(select(_timer).where(
                _timer.c.instance_id == instance.id).order_by(_timer.c.id)).mappings()]
            events = [dict(e) for e in audit.pending(session)[already:]]
        finally:
            savepoint.rollback()  # the rows and the buffered events go with it
        guids = list(dict.fromkeys(_GUID.findall(instance.state)))
        for row in (*tasks, *timers, *events):  # ids the database gives, set again for each copy
            row.pop("id", None)
            row["instance_id"], row["case_id"] = "instance_id", "case_id"
        for row in timers:
            row.pop("case_id")
        for row in (*tasks, *events):
            row["created_at"] = "created_at"
        return cls(markers, instance, guids, tasks, timers, events)

    def comparable(self):
        """What must not depend on the copied values: everything but markers, task ids and instants."""
        names = {m: f"<{where}.{key}>" for m, (where, key) in self.markers.items()}
        names.update({g: f"<task{i}>" for i, g in enumerate(self.guids)})

        def plain(value):
            if isinstance(value, str):
                for old, new in names.items():
                    value = value.replace(old, new)
                return _INSTANT.sub("<instant>", value)  # a due time counted from now differs by milliseconds
            if isinstance(value, datetime):
                return "<instant>"
            if isinstance(value, dict):
                return {plain(k): plain(v) for k, v in value.items() if k != "last_state_change"}
            if isinstance(value, list):
                return [plain(v) for v in value]
            return value

        fields = (self.instance.status, self.instance.category, self.instance.waiting_for, self.instance.outcome)
        return plain(json.loads(self.instance.state)), plain([self.raw_tasks, self.raw_timers, self.raw_events]), fields

    def compile(self) -> None:
        tokens = [*self.guids, *self.markers]
        self.state = _compile_text(self.instance.state, tokens, escape=set(self.markers))
        per_case = {name: name for name in _PER_CASE}
        self.tasks = [_compile(row, tokens, per_case) for row in self.raw_tasks]
        self.timers = [_compile(row, tokens, per_case) for row in self.raw_timers]
        self.events = [_compile(row, tokens, per_case) for row in self.raw_events]

    def names(self, start: NewInstance) -> dict:
        """The case's replacements: a fresh task id for each of the exemplar's, its values for the markers."""
        names = {g: _uuid4() for g in self.guids}
        for marker, (where, key) in self.markers.items():
            names[marker] = (start.data if where == "data" else start.context)[key]
        names["created_at"] = utcnow()
        return names

    def instance_row(self, start: NewInstance, names: dict, now) -> dict:
        template = self.instance
        return {"case_id": start.case_id, "process_id": template.process_id, "spec_version": template.spec_version,
                "status": template.status, "version": template.version, "context": dict(start.context),
                "state": self.state(names), "created_at": now, "updated_at": now,
                "completed_at": now if template.completed_at else None, "outcome": template.outcome,
                "category": template.category, "waiting_for": template.waiting_for}


def _uuid4() -> str:
    """A random (version 4) UUID as text, as ``str(uuid.uuid4())`` gives it, for a fraction of its cost."""
    raw = bytearray(os.urandom(16))
    raw[6] = (raw[6] & 0x0F) | 0x40
    raw[8] = (raw[8] & 0x3F) | 0x80
    h = raw.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def _compile_text(text_: str, tokens: list[str], escape: set = frozenset()) -> Callable:
    """names → the text with every token replaced (JSON-escaped for the ``escape`` tokens: the text is JSON)."""
    present = [t for t in tokens if t in text_]
    if not present:
        return lambda names: text_
    pattern = re.compile("|".join(re.escape(t) for t in sorted(present, key=len, reverse=True)))
    parts, last, slots = [], 0, []
    for match in pattern.finditer(text_):
        parts.append(text_[last:match.start()])
        slots.append((len(parts), match.group(0)))
        parts.append(None)
        last = match.end()
    parts.append(text_[last:])

    def fill(names):
        out = list(parts)
        for position, token in slots:
            value = names[token]
            out[position] = json.dumps(value)[1:-1] if token in escape else value
        return "".join(out)

    if len(parts) == 3 and parts[0] == parts[2] == "" and not escape:
        token = slots[0][1]
        return lambda names: names[token]  # the whole value is the token (a town code, a task id)
    return fill


def _compile(value, tokens: list[str], whole: dict) -> Callable:
    """names → a copy of ``value`` with tokens replaced; a value equal to a key of ``whole`` is ``names[key]``."""
    if isinstance(value, str):
        if value in whole:
            return lambda names: names[value]
        return _compile_text(value, tokens)
    if isinstance(value, dict):
        fixed, dynamic = {}, []
        for key, item in value.items():
            if any(t in key for t in tokens):
                raise ValueError("a task id or a copied value as a key of a row")
            built = _compile(item, tokens, whole)
            if isinstance(item, str) and item not in whole and not any(t in item for t in tokens):
                fixed[key] = item
            elif not isinstance(item, (str, dict, list)):
                fixed[key] = item
            else:
                dynamic.append((key, built))
        if not dynamic:
            return lambda names: dict(fixed)
        return lambda names: {**fixed, **{key: build(names) for key, build in dynamic}}
    if isinstance(value, list):
        builds = [_compile(item, tokens, whole) for item in value]
        return lambda names: [build(names) for build in builds]
    return lambda names: value


# -- set-based inserts -------------------------------------------------------------------------------

def insert_many(conn: Connection, table, rows: list[dict], returning: tuple[str, ...] = ()) -> list:
    """Insert rows (dicts with the same keys) in one statement; with ``returning``, those columns of each
    inserted row (in no particular order: map them by a key).

    PostgreSQL: one ``INSERT … SELECT … FROM json_to_recordset(:rows)`` (one parameter, so neither the
    driver nor the server parses a statement with thousands of placeholders, as multi-row VALUES would);
    SQLite: executemany."""
    if not rows:
        return []
    names = [c for c in rows[0] if c in table.c]
    if conn.dialect.name != "postgresql":
        statement = insert(table)
        if returning:
            statement = statement.returning(*[table.c[n] for n in returning])
            return [tuple(r) for r in conn.execute(statement, [{n: row[n] for n in names} for row in rows])]
        conn.execute(statement, [{n: row[n] for n in names} for row in rows])
        return []
    columns = ", ".join(names)
    sql = (f"INSERT INTO {table.name} ({columns}) SELECT {columns} FROM json_to_recordset(CAST(:rows AS json)) "
           f"AS x({persist._record_def(table, names)})")  # the engine's own JSON statements' helpers
    if returning:
        sql += " RETURNING " + ", ".join(returning)
    result = conn.execute(text(sql), {"rows": persist._json([{n: row[n] for n in names} for row in rows])})
    return [tuple(r) for r in result] if returning else []
