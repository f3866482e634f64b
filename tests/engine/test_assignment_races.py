"""A claim, release or assignment (one or many) and a clerk's submission of the same task at the same
moment: exactly one wins, and the other is told in Chinese what the winner did (claimed by X at T,
assigned by H to X at T, handled by X at T); nothing of the loser is written. Two threads on the real
diagram, on SQLite and on PostgreSQL alike (the pattern of ``test_override_races``)."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select
from test_override_races import SUPERVISOR, WATER, at_report, clock, race  # noqa: F401 - clock: autouse

from engine import Actor, StaleForm, TaskAlreadyHandled, TaskTaken, assignment, overrides
from engine.tables import Event, Instance, OpenTask

COLLEAGUE = Actor("water.clerk2", "water")
HEAD = Actor("water.head", "water")
AT = "2026-06-15 10:00"


@pytest.fixture
def cases(wf, session_factory):
    return at_report(wf, session_factory, 1), at_report(wf, session_factory, 2)


def submit(wf, case, actor=WATER):
    return lambda s: wf.complete(s, case["report"], {}, actor, expected_version=case["version"],
                                 departments=("water",))


def count(session_factory, kind, **where) -> int:
    with session_factory() as s:
        query = select(func.count()).select_from(Event).where(Event.kind == kind)
        for name, value in where.items():
            query = query.where(getattr(Event, name) == value)
        return s.scalar(query)


def open_row(session_factory, guid):
    with session_factory() as s:
        return s.scalar(select(OpenTask).where(OpenTask.task_guid == guid))


def handed(wf, guid, actor, assignee):
    """Done beforehand: the task is ``assignee``'s."""
    return lambda s: assignment.assign(wf, s, guid, assignee, actor)


# kind -> (the assignment racing WATER's submission, its audit kind, what WATER is told when it is first,
#          what the assigner is told when WATER is first)
TAKES = {
    "claim": (lambda wf, c, _o: lambda s: assignment.claim(wf, s, c["report"], COLLEAGUE), "task_claimed",
              f"已由 water.clerk2 于 {AT} 认领，请与其联系", f"已由 water.clerk 于 {AT} 办理，无需再认领"),
    "assign": (lambda wf, c, _o: lambda s: assignment.assign(wf, s, c["report"], COLLEAGUE.username, HEAD,
                                                              department="water"), "task_assigned",
               f"已由 water.head 于 {AT} 指派给 water.clerk2", f"已由 water.clerk 于 {AT} 办理，无需再指派"),
    "assign_many": (lambda wf, c, o: lambda s: assignment.assign_many(wf, s, [o["report"], c["report"]],
                                                                       COLLEAGUE.username, HEAD, priority=1,
                                                                       department="water"), "task_assigned",
                    f"已由 water.head 于 {AT} 指派给 water.clerk2", f"已由 water.clerk 于 {AT} 办理，无需再指派"),
}


@pytest.mark.parametrize("kind", list(TAKES))
def test_taken_first_the_clerk_is_told_who_has_the_task(wf, session_factory, cases, kind):
    case, other = cases
    make, _audit, message, _ = TAKES[kind]
    won, lost = race(session_factory, make(wf, case, other), submit(wf, case))
    assert won == "ok"
    assert isinstance(lost, TaskTaken) and message in str(lost), str(lost)
    assert lost.assignee == COLLEAGUE.username
    assert open_row(session_factory, case["report"]).assignee == COLLEAGUE.username
    assert count(session_factory, "task_completed", task_spec="rectify_report") == 0


@pytest.mark.parametrize("kind", list(TAKES))
def test_submission_first_the_assigner_is_told_it_was_handled(wf, session_factory, cases, kind):
    case, other = cases
    make, audit_kind, _, message = TAKES[kind]
    won, lost = race(session_factory, submit(wf, case), make(wf, case, other))
    assert won == "ok"
    assert isinstance(lost, TaskAlreadyHandled) and message in str(lost), str(lost)
    assert open_row(session_factory, case["report"]) is None
    assert count(session_factory, audit_kind) == 0
    # A bulk assignment is all or nothing: the other case's task, still open, was not assigned either.
    assert open_row(session_factory, other["report"]).assignee is None


@pytest.mark.parametrize("kind", ["claim", "assign"])
def test_taken_by_the_submitter_the_open_form_stays_valid(wf, session_factory, cases, kind):
    """Claiming the task in another tab, or the head giving it to this very clerk: the form stays valid."""
    case, _ = cases
    mine = {"claim": lambda s: assignment.claim(wf, s, case["report"], WATER),
            "assign": lambda s: assignment.assign(wf, s, case["report"], WATER.username, HEAD)}[kind]
    assert race(session_factory, mine, submit(wf, case)) == ("ok", "ok")
    assert count(session_factory, "task_completed", task_spec="rectify_report", actor="water.clerk") == 1


def test_release_first_the_task_is_back_in_the_pool_and_the_clerk_completes_it(wf, session_factory, cases):
    """A colleague's claim released by the head while the clerk submits: released, then completed, in
    that order (before the release the clerk would have been refused)."""
    case, _ = cases
    with session_factory() as s, s.begin():
        handed(wf, case["report"], HEAD, COLLEAGUE.username)(s)
    won, then = race(session_factory, lambda s: assignment.release(wf, s, case["report"], HEAD), submit(wf, case))
    assert (won, then) == ("ok", "ok")
    with session_factory() as s:
        kinds = [e.kind for e in s.scalars(select(Event).where(Event.task_guid == case["report"]).order_by(Event.id))]
    assert kinds[-2:] == ["task_released", "task_completed"]


def test_submission_first_the_release_is_told_it_was_handled(wf, session_factory, cases):
    case, _ = cases
    with session_factory() as s, s.begin():
        assignment.claim(wf, s, case["report"], WATER)
    won, lost = race(session_factory, submit(wf, case), lambda s: assignment.release(wf, s, case["report"], HEAD))
    assert won == "ok"
    assert isinstance(lost, TaskAlreadyHandled) and f"已由 water.clerk 于 {AT} 办理，无需再退回" in str(lost), str(lost)
    assert count(session_factory, "task_released") == 0


def test_a_clerk_releasing_a_task_given_to_a_colleague_meanwhile_is_told_so(wf, session_factory, cases):
    case, _ = cases
    with session_factory() as s, s.begin():
        assignment.claim(wf, s, case["report"], WATER)
    won, lost = race(session_factory, handed(wf, case["report"], HEAD, COLLEAGUE.username),
                     lambda s: assignment.release(wf, s, case["report"], WATER, assignee=WATER.username))
    assert won == "ok"
    assert isinstance(lost, TaskTaken) and f"已由 water.head 于 {AT} 指派给 water.clerk2" in str(lost), str(lost)
    assert open_row(session_factory, case["report"]).assignee == COLLEAGUE.username


def test_assignments_keep_a_form_current_until_the_case_itself_changes(wf, session_factory, cases):
    """Claims and assignments bump the version but leave the page's form valid; the next change of the
    case (here a deadline) makes every form of before it stale, assignments or not."""
    case, _ = cases
    for operation in (lambda s: assignment.claim(wf, s, case["report"], COLLEAGUE),
                      lambda s: assignment.release(wf, s, case["report"], COLLEAGUE),
                      handed(wf, case["report"], HEAD, WATER.username)):
        with session_factory() as s, s.begin():
            operation(s)
    with session_factory() as s:
        after_assignments = s.get(Instance, case["id"]).version
    assert after_assignments == case["version"] + 3
    with session_factory() as s, s.begin():
        overrides.set_deadline(wf, s, case["report"], None, SUPERVISOR, "延期", working_days=2,
                               expected_version=case["version"])  # the supervisor's page: still current
    for page in (case["version"], after_assignments):
        with session_factory() as s, s.begin(), pytest.raises(StaleForm):
            submit(wf, {**case, "version": page})(s)
    assert count(session_factory, "task_completed", task_spec="rectify_report") == 0
