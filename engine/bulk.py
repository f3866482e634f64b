"""Starting many process instances at once (a whole ledger), each exactly as ``Engine.start`` starts one.

Starting one case runs SpiffWorkflow, scans the tasks, computes the open-task rows, the timers and the
audit events, and writes them in a few statements: about 5 ms a case, 9 minutes for 100,000 wells. Most
of that is repeated work: the start runs the diagrams up to the first wait, and what it does there
depends on few of the start's values — those an expression on its path reads. The others (the well
number, the town; the context's town, well number and party name) are only copied into the state, the
inbox rows and the events.

So each case's text values are replaced by marker strings and the cases are grouped by what remains (a
*shape*: the other values). For each shape one exemplar is started by ``Engine.start`` itself, inside a
savepoint; its instance row, open-task rows, timer rows and audit events are read back and the savepoint
is rolled back (its events with it). Each case of the shape is then the exemplar's rows with fresh task
ids and its own values in place of the markers, and is sent set-based with the others (instances, open
tasks, timers; the events go on the audit chains like any others: buffered, chained at the commit by
``audit.flush``, so ``verify`` holds).

A marker must stand for a value nothing reads, so the exemplar's path is checked: the names read by the
code of every element the start reached (conditions of its gateways' flows, scripts, timers, the DMN of
a business rule task; the same code tags as ``overrides.names_read_by_diagrams``) must not include a
marked key. If they do (a gateway on the purpose right after the start), those keys' values become part
of the shape and the group is split by them. And the exemplar is started twice, with markers of
different lengths: if the two differ beyond the markers, the task ids and the instants, every case of
that shape is started on its own with ``Engine.start``. Shapes of one or two cases are started so too.
"""
from __future__ import annotations

import json
import os
import re
import secrets
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Callable, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from . import audit, persist
from .path_reads import reached_reads
from .set_insert import insert_many
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
               actor: "Actor", exemplars: dict | None = None) -> list[int]:
    """Start every instance in the caller's transaction; returns their ids in the order given.

    ``exemplars``: a dict the caller keeps across calls of one load (batches in transactions of their
    own), so each shape's exemplar is made once; a due time counted from now is then the first batch's."""
    if not starts:
        return []
    if len({start.case_id for start in starts}) != len(starts):
        raise ValueError("start_many: one instance per case")
    engine.remember_version(session)  # outside the savepoints: the version row must stay
    made = {} if exemplars is None else exemplars
    # Every exemplar before any case: a savepoint's rollback walks the events buffered so far.
    plan, work = [], [(frozenset(), group) for group in _groups(starts, frozenset())]
    while work:
        kept, group = work.pop()
        if len(group) < _WORTH_AN_EXEMPLAR:
            plan.append((None, group))
            continue
        key = (_shape_key(group[0], kept), kept, process_id, engine.current.version, actor)
        if key not in made:
            made[key] = _Exemplar.made(engine, session, process_id, group[0], actor, kept)
        exemplar = made[key]
        if exemplar.reads - kept:  # the start's path reads a marked value: its values make shapes too
            work += [(kept | exemplar.reads, part) for part in _groups(group, kept | exemplar.reads)]
        else:
            plan.append((exemplar if exemplar.usable else None, group))
    ids: dict[int, int] = {}
    copied = []
    for exemplar, group in plan:
        if exemplar is None:
            for start in group:
                ids[start.case_id] = engine.start(session, process_id, start.case_id, context=dict(start.context),
                                                  data=dict(start.data), actor=actor).id
        else:
            copied.append((exemplar, group))
    if copied:
        ids.update(_insert_copies(engine, session, copied))
    return [ids[start.case_id] for start in starts]


def _groups(starts, kept: frozenset) -> list[list[NewInstance]]:
    groups: dict[str, list[NewInstance]] = {}
    for start in starts:
        groups.setdefault(_shape_key(start, kept), []).append(start)
    return list(groups.values())


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


def _shape_key(start: NewInstance, kept: frozenset) -> str:
    """The start without its marked values: text values are marked unless ``kept`` (data keys read)."""
    data = {k: (None if isinstance(v, str) and k not in kept else v) for k, v in start.data.items()}
    context = {k: (None if isinstance(v, str) else v) for k, v in start.context.items()}
    marked = sorted(k for k, v in start.data.items() if isinstance(v, str) and k not in kept)
    return json.dumps([data, context, marked], sort_keys=True, default=str)


def _markers(start: NewInstance, kept: frozenset, variant: str) -> tuple[dict, dict, dict]:
    """(marker → ("data"|"context", key)); the start's context and data with markers for the text values.

    Markers are random, so they cannot occur elsewhere in a state; the two variants differ in length.
    Short: a copied value may land in a narrow column (a town code in ``wf_open_task.department``)."""
    tag, pad = secrets.token_hex(4), "x" * (1 if variant == "a" else 9)
    found, data, context = {}, dict(start.data), dict(start.context)
    for where, values, keys in (("data", data, [k for k, v in data.items() if isinstance(v, str) and k not in kept]),
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
    reads: frozenset = frozenset()     # marked data keys that code on the start's path reads
    usable: bool = False

    @classmethod
    def made(cls, engine, session, process_id, start, actor, kept) -> "_Exemplar":
        try:
            first = cls._run(engine, session, process_id, start, actor, kept, "a")
            second = cls._run(engine, session, process_id, start, actor, kept, "b")
        except Exception:  # noqa: BLE001 — code on the path choked on a marker: what any code reads is kept
            marked = {k for k, v in start.data.items() if isinstance(v, str) and k not in kept}
            from .overrides import names_read_by_diagrams

            return cls({}, None, [], [], [], [], reads=frozenset(marked & names_read_by_diagrams(engine.current)))
        marked = {key for where, key in first.markers.values() if where == "data"}
        first.reads = frozenset(marked & (reached_reads(engine.current, first.instance.state)
                                          | reached_reads(engine.current, second.instance.state)))
        first.usable = not first.reads and first.comparable() == second.comparable()
        if first.usable:
            first.compile()
        return first

    @classmethod
    def _run(cls, engine, session, process_id, start, actor, kept, variant) -> "_Exemplar":
        markers, context, data = _markers(start, kept, variant)
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
        """The case's ``wf_instance`` row: the exemplar's (every field ``persist.insert_instance`` writes),
        with its case, context, state and instants."""
        template = self.instance
        row = {name: getattr(template, name) for name in persist.InstanceRow.__dataclass_fields__ if name != "id"}
        row.update(case_id=start.case_id, context=dict(start.context), state=self.state(names),
                   created_at=now, updated_at=now, completed_at=now if template.completed_at else None)
        return row


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
