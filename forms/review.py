"""Forms of the closing stage: the recheck (回头看) and the credit steps (记入诚信档案,
信用惩戒审核). The city records acts in the water users' integrity file
(地下水管理条例 Art 53); it cannot create a blacklist of its own."""

from __future__ import annotations

from wtforms.validators import Optional

from .base import TaskForm
from .common import long_text, past_date
from .fields import YesNoField, ZhDateField
from .validators import NotBefore, NotInFuture


class RecheckForm(TaskForm):
    """复查（回头看）: whether every problem was closed (销号) with evidence."""

    form_key = "recheck"
    title = "复查（回头看）"

    rechecked_on = past_date("复查日期")
    recheck_passed = YesNoField("问题是否全部整改到位")
    recheck_findings = long_text("复查情况", description="逐项说明问题整改情况；未整改到位的写明原因")


class CreditRecordForm(TaskForm):
    """记入诚信档案: the act recorded in the integrity file and the party notified."""

    form_key = "credit_record"
    title = "记入诚信档案"

    credit_fact = long_text("失信行为事实")
    recorded_on = past_date("记录日期")
    notified_on = ZhDateField(
        "告知当事人日期（选填）", [Optional(), NotInFuture(), NotBefore("recorded_on")],
        description="书面告知当事人之日；当事人可在告知后提出异议")


class CreditReviewForm(TaskForm):
    """信用惩戒审核: confirmation before the record is reported to the provincial platform."""

    form_key = "credit_review"
    title = "信用惩戒审核"

    credit_confirmed = YesNoField("是否确认实施信用惩戒")
    review_opinion = long_text("审核意见")
