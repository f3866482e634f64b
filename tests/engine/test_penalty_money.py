"""Money as the penalty decision says (bpmn/penalty.bpmn, the real diagram): a payment is "paid" only when
it covers the fine and the 加处罚款 due on the payment date (行政处罚法 Art 72); a short one leads to the
late-payment step, where the office reminds (催告) and applies to the court, or records the rest."""
from __future__ import annotations

from datetime import datetime, timezone

from test_penalty import Penalty, fixed_clock  # noqa: F401 (the clock of those tests, autouse)

from engine.timers import run_once


def open_task_data(case) -> dict:
    """The data the open step was reached with (what its form and the credit check read)."""
    (task,) = case.open_tasks()
    with case.factory() as s:
        from engine.tables import Instance
        workflow = case.wf.load(s, s.get(Instance, case.instance_id))
        return next(t for t in workflow.get_tasks() if str(t.id) == task.task_guid).data


def test_a_full_payment_on_time_is_paid(wf, session_factory):
    case = Penalty(wf, session_factory)
    case.to_payment(fine=50_000)
    case.complete("pen_payment", {"paid_on": "2026-03-10", "paid_amount": 50_000.0, "receipt_no": "FS-1"})
    assert case.steps() == ["pen_seal_check"]
    case.complete("pen_seal_check", {"well_sealed": True})
    data = case.data()
    assert (data["fine_paid"], data["amount_owed"], data["amount_outstanding"], data["penalty_outcome"]) == (
        True, 50_000, 0, "paid")


def test_a_short_payment_on_time_is_not_paid_and_goes_to_enforcement(wf, session_factory):
    case = Penalty(wf, session_factory)
    case.to_payment(fine=50_000)
    case.complete("pen_payment", {"paid_on": "2026-03-10", "paid_amount": 30_000.0, "receipt_no": "FS-1"})
    assert case.steps() == ["pen_late_payment"]  # not the seal check: the fine is not paid
    # Nothing more paid: reminded, then the court.
    case.complete("pen_late_payment", {"fine_paid": False, "court_applied_on": "2026-03-28"})
    case.complete("pen_seal_check", {"well_sealed": True})
    data = case.data()
    assert (data["fine_paid"], data["amount_outstanding"], data["penalty_outcome"]) == (False, 20_000, "enforced")


def test_a_late_payment_short_of_the_surcharge_is_not_paid_until_the_rest_comes(wf, session_factory, fixed_clock):
    case = Penalty(wf, session_factory)
    case.to_payment(fine=50_000, served="2026-03-02")  # due Tuesday 17 March
    fixed_clock.move_to(datetime(2026, 3, 18, 2, tzinfo=timezone.utc))
    assert run_once(wf, session_factory) == 1
    # Paid the fine alone three days late: 4,500 yuan of surcharge are missing.
    case.complete("pen_late_payment", {"fine_paid": True, "paid_on": "2026-03-20", "paid_amount": 50_000.0})
    assert case.steps() == ["pen_late_payment"]
    assert open_task_data(case)["amount_outstanding"] == 4_500 and open_task_data(case)["amount_owed"] == 54_500
    # The rest on 20 March: the total paid covers fine and surcharge.
    case.complete("pen_late_payment", {"fine_paid": True, "paid_on": "2026-03-20", "paid_amount": 54_500.0})
    case.complete("pen_seal_check", {"well_sealed": True})
    data = case.data()
    assert (data["fine_paid"], data["late_fee"], data["penalty_outcome"]) == (True, 4_500, "paid")


def test_the_surcharge_stops_at_the_fine(wf, session_factory, fixed_clock):
    case = Penalty(wf, session_factory)
    case.to_payment(fine=20_000, served="2026-03-02")
    fixed_clock.move_to(datetime(2026, 3, 18, 2, tzinfo=timezone.utc))
    run_once(wf, session_factory)
    fixed_clock.move_to(datetime(2026, 6, 1, 2, tzinfo=timezone.utc))
    case.complete("pen_late_payment", {"fine_paid": True, "paid_on": "2026-06-01", "paid_amount": 40_000.0})
    case.complete("pen_seal_check", {"well_sealed": True})
    data = case.data()
    assert (data["late_fee"], data["amount_owed"], data["fine_paid"]) == (20_000, 40_000, True)
