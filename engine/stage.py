"""Where a case stands (案件阶段), derived from the diagrams at every save and kept on ``wf_instance.stage``.

The diagrams are the truth of where a case is: the stage is read from the elements the instance is at
now — its ready or waiting user tasks, its waiting timer and message events, its running call
activities (the called processes' elements included: penalty, permit, credit, non_renewal) — or, once
it has finished, from the end event it reached. ``ELEMENT_STAGES`` declares each element's stage; when
several elements are active (a penalty's non-interrupting deadline beside its proceedings, a call
activity and the step inside it) the stage of highest ``PRIORITY`` wins. A case cancelled by the office
is 已撤销 whatever it was at; a suspended case keeps the stage it was at (its status says it is paused).

Every user task, catch event, end event and call activity of every diagram must have a stage here
(``missing`` lists those that do not; tests/engine/test_stage.py fails on any). An element found at run
time without one (a diagram deployed without its line here) leaves the stage as it was rather than
failing the step.
"""
from __future__ import annotations

from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState

# code -> label, in the order a case usually passes through them (lists and counts show this order).
STAGES = {
    "inspection": "待检查",
    "rectifying": "整改中",
    "sealed": "已封井（巡查中）",
    "permitted": "已办证（待并网）",
    "exempt": "暂不列入封停",
    "penalty": "处罚中",
    "credit": "信用惩戒",
    "closed": "已办结",
    "cancelled": "已撤销",
}

# When several elements are active, the first of these among their stages is the case's: a sanction
# under way says more than the patrol or the rectification it runs beside.
PRIORITY = ("penalty", "credit", "rectifying", "sealed", "permitted", "exempt", "inspection", "closed")

_INSPECTION = ("commitment", "inspect", "police_inspect")
_EXEMPT = (
    # the street office applies, the office reviews, then the exemption runs until its review date
    "exemption_apply", "exemption_review", "exemption_timer",
)
_RECTIFYING = (
    "notice", "rectify_report", "deadline_timer", "supply_connection", "seal_well", "police_seal",
    "seal_acceptance", "recheck", "permit_call",
    # a sanctioned well sealed again: not sealed until the re-sealing is accepted
    "reseal_well", "police_reseal", "reseal_acceptance",
    # permit.bpmn: applying for the permit is the rectification of the permit path
    "permit_approval", "meter_verification", "tax_registration", "pm_end_refused", "pm_end_permitted",
    # non_renewal.bpmn: a licence in the covered area runs out, then the well is sealed
    "non_renewal_call", "nr_due_timer", "nr_decision", "nr_expiry_timer", "nr_end",
)
_SEALED = ("patrol_timer", "patrol", "police_patrol")
_PERMITTED = ("wait_network",)
_PENALTY = (
    "penalty", "patrol_penalty", "hidden_penalty", "penalty_seal_acceptance",
    # penalty.bpmn (both its processes)
    "pen_filing", "pen_proceedings", "pen_decision_timer", "pen_overdue_review", "pen_end_overdue",
    "pen_end_no_penalty", "pen_service", "pen_service_timer", "pen_end_service_late", "pen_payment",
    "pen_payment_timer", "pen_late_payment", "pen_seal_check", "pen_reminder", "pen_reminder_timer",
    "pen_substitute_decision", "pen_end_done", "pen_substitute_sealing", "pen_end_enforced",
    "pen_investigation", "pen_p_end_no_penalty", "pen_legal_review", "pen_prior_notice", "pen_statement",
    "pen_statement_timer", "pen_hearing_notice", "pen_hearing", "pen_decision", "pen_p_end_decided",
    # reconsideration.bpmn runs as an instance of its own beside a case: it is about a penalty decision
    "rc_handle", "rc_handle_timer", "rc_late", "rc_follow_up",
)
_CREDIT = (
    "credit_call", "credit_record", "cr_window", "cr_window_timer", "cr_objection_handling",
    "cr_handling_timer", "cr_handling_late", "cr_end_withdrawn", "credit_review", "cr_end_not_reported",
    "cr_wait_repair", "cr_repair", "cr_end_repaired",
)
_CLOSED = (
    # well_case's ends: the case is finished (sealed and patrolled, permitted and connected, sanctioned)
    "end_done", "end_sanctioned", "end_patrol",
    "rc_end_upheld", "rc_end_followed",
)

ELEMENT_STAGES: dict[str, str] = {
    element: stage
    for stage, elements in (("inspection", _INSPECTION), ("exempt", _EXEMPT), ("rectifying", _RECTIFYING),
                            ("sealed", _SEALED), ("permitted", _PERMITTED), ("penalty", _PENALTY),
                            ("credit", _CREDIT), ("closed", _CLOSED))
    for element in elements
}
# Ended cases of older diagram versions (OUTCOMES in the web layer) keep a stage too.
_OLD_ENDS = {"end_exempt": "exempt"}

_ACTIVE = TaskState.READY | TaskState.WAITING | TaskState.STARTED
# The element types that hold a case (a gateway or script task never rests between two saves).
_HOLDING = ("UserTask", "CallActivity", "IntermediateCatchEvent", "BoundaryEvent", "EndEvent",
            "ReceiveTask", "ManualTask")


def label(code: str | None) -> str:
    """The Chinese name of a stage code ("" for none)."""
    return STAGES.get(code, "") if code else ""


def derive(workflow: BpmnWorkflow, status: str, outcome: str | None, previous: str | None) -> str | None:
    """The stage of an instance with this workflow, status and outcome (the end event it reached)."""
    if status == "cancelled":
        return "cancelled"
    if status == "completed":
        return ELEMENT_STAGES.get(outcome or "") or _OLD_ENDS.get(outcome or "") or "closed"
    found = {ELEMENT_STAGES.get(task.task_spec.name) for task in workflow.get_tasks(state=_ACTIVE)}
    for code in PRIORITY:
        if code in found:
            return code
    return previous


def holding_elements(loaded) -> dict[str, tuple[str, str]]:
    """Every element of a loaded diagram version a case can be at: id -> (process id, name)."""
    found = {}
    for process_id, (spec, subprocess_specs) in loaded.processes.items():
        for proc_id, proc in [(process_id, spec), *subprocess_specs.items()]:
            for task_spec in proc.task_specs.values():
                if type(task_spec).__name__ in _HOLDING:
                    found[task_spec.name] = (proc_id, task_spec.bpmn_name or task_spec.name)
    return found


def missing(loaded) -> dict[str, tuple[str, str]]:
    """The elements of a diagram version that have no stage here (must be none)."""
    return {name: where for name, where in holding_elements(loaded).items() if name not in ELEMENT_STAGES}


def backfill(connection, batch: int = 500) -> int:
    """Set the stage of every instance that has none (instances saved before the column existed):
    each workflow restored against its own stored diagram version. Run by the migration that adds the
    column; returns how many instances it set."""
    from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
    from sqlalchemy import select, update

    from . import specs, state
    from .tables import Instance, SpecVersion

    instances, versions = Instance.__table__, SpecVersion.__table__
    script_engine = PythonScriptEngine()
    loaded: dict[str, object] = {}
    done, last_id = 0, 0
    while True:
        rows = connection.execute(
            select(instances.c.id, instances.c.process_id, instances.c.spec_version, instances.c.status,
                   instances.c.outcome, instances.c.state)
            .where(instances.c.stage.is_(None), instances.c.id > last_id)
            .order_by(instances.c.id).limit(batch)).all()
        if not rows:
            return done
        for row in rows:
            last_id = row.id
            if row.spec_version not in loaded:
                files = connection.execute(select(versions.c.files)
                                           .where(versions.c.version == row.spec_version)).scalar()
                loaded[row.spec_version] = specs.load(files) if files else None
            found = None
            if row.status in ("completed", "cancelled"):
                found = derive(None, row.status, row.outcome, None)
            elif loaded[row.spec_version] is not None and row.state:
                spec, subprocess_specs = loaded[row.spec_version].process(row.process_id)
                workflow = state.loads(row.state, spec, subprocess_specs, script_engine)
                found = derive(workflow, row.status, row.outcome, None)
            if found is not None:
                connection.execute(update(instances).where(instances.c.id == row.id).values(stage=found))
                done += 1
