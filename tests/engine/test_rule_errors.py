"""A rule a diagram expression calls explains itself: its Chinese message reaches the page through the
engine's error mapping (engine/errors.py, ``workflow_failure``), while any other failure stays a generic
message for the administrator."""
from __future__ import annotations

import pytest
from SpiffWorkflow.exceptions import WorkflowException

from engine import WorkflowFailure
from engine.errors import workflow_failure
from engine.services import SERVICES
from rules.errors import RuleError


def _failure_of(call) -> WorkflowFailure:
    """What the engine makes of ``call`` failing inside SpiffWorkflow (which wraps it in English)."""
    try:
        try:
            call()
        except Exception as exc:
            raise WorkflowException("Error evaluating expression") from exc
    except WorkflowException as wrapped:
        return workflow_failure(wrapped, "送达整改通知")
    pytest.fail("the call did not fail")


def test_a_rule_refusing_its_input_names_the_problem_in_chinese():
    failure = _failure_of(lambda: SERVICES["party_deadline"]("下周一", 5))
    assert str(failure) == "流程执行出错（送达整改通知）：起算日期必须是 ISO 格式的日期字符串（YYYY-MM-DD），实际得到 '下周一'"


def test_a_fine_rule_refusing_its_input_names_the_problem_in_chinese():
    failure = _failure_of(lambda: SERVICES["hearing_applies"]("company", 50_000))
    assert "当事人类型应为 individual（个人）或 enterprise（单位）" in str(failure)
    assert "Error evaluating" not in str(failure)


def test_any_other_failure_stays_generic():
    failure = _failure_of(lambda: int("x"))
    assert "流程图中的条件或期限无法计算" in str(failure)
    assert "invalid literal" not in str(failure)


@pytest.mark.parametrize("call", [
    lambda: SERVICES["party_deadline"]("2026-12-07", 0),
    lambda: SERVICES["office_deadline"]("2026-12-07", -1),
    lambda: SERVICES["start_of_day"](None),
    lambda: SERVICES["late_payment_surcharge"](-1, "2026-12-07", "2026-12-08"),
])
def test_every_registered_rule_refuses_with_a_rule_error(call):
    with pytest.raises(RuleError):
        call()
