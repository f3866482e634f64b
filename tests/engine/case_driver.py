"""A case driven through the engine one transaction per step, as the web layer does, for the engine tests
of the procedure's branches (imported by name: pytest puts tests/engine on the path)."""
from __future__ import annotations

from sqlalchemy import select

from engine import Actor
from engine.store import Instance, OpenTask, Timer

# What registration starts a case with (webapp.cases_service.register_case).
START = {"obstructed": False, "seal_obstructed": False, "seal_accepted": False, "patrol_days": 30,
         "hidden_well": False, "permit_valid_to": None}
INSPECTION = {"in_coverage": True, "has_permit": False, "purpose": "industrial", "urban_village": False,
              "obstructed": False, "hidden_well": False}
WATER = Actor("water.clerk", "water")


class CaseDriver:
    def __init__(self, wf, factory, **start):
        self.wf, self.factory = wf, factory
        with factory() as s, s.begin():
            self.id = wf.start(s, "well_case", 1, {"town": "xiacun"}, data={**START, **start}).id

    def tasks(self) -> dict:
        with self.factory() as s:
            return {t.task_spec: t for t in s.scalars(select(OpenTask).where(OpenTask.instance_id == self.id))}

    def complete(self, spec, data=None, actor=WATER):
        with self.factory() as s, s.begin():
            self.wf.complete(s, self.tasks()[spec].task_guid, data or {}, actor)

    def instance(self):
        with self.factory() as s:
            return s.get(Instance, self.id)

    def timers(self) -> list[tuple]:
        with self.factory() as s:
            return [(t.task_spec, t.due_at) for t in s.scalars(select(Timer).where(Timer.instance_id == self.id))]
