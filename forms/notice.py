"""Forms of the notice stage: serving the 责令限期整改通知书 and the user's report on
what was rectified."""

from __future__ import annotations

from .base import TaskForm
from .choices import REQUIRED_ACTS, SERVICE_METHODS
from .common import long_text, past_date
from .fields import MultiCheckboxField, ZhIntegerField, ZhSelectField
from .validators import AtLeastOne, NotOlderThan, NumberBetween, Required

# The usual basis of a notice: unlicensed abstraction (水法 Art 69) and abstraction
# without metering (地下水管理条例 Art 56). The clerk edits it per case (e.g. 地下水管理条例
# Art 58 for a well not sealed when required); legal review checks it before service.
DEFAULT_LEGAL_BASIS = "《中华人民共和国水法》第六十九条\n《地下水管理条例》第五十六条"

# Service recorded later than this is refused: the deadline runs from service, and a
# late entry usually means a wrong date.
MAX_SERVICE_AGE_DAYS = 30


class RectificationNoticeForm(TaskForm):
    """下达责令限期整改通知书: facts, required acts, deadline, service, legal basis."""

    form_key = "rectification_notice"
    title = "下达责令限期整改通知书"

    notice_problems = long_text("问题清单", description="每行写一个问题，如：未安装取水计量设施")
    required_acts = MultiCheckboxField("责令整改事项", choices=REQUIRED_ACTS,
                                       validators=[AtLeastOne("请至少勾选一项{label}")])
    rectify_days = ZhIntegerField(
        "整改期限（日）：不足10日按工作日计算，10日以上按自然日计算，期满日为节假日的顺延",
        [Required(), NumberBetween(1, 90, message="{label}应为1至90之间的整数")],
        default=15)
    notice_served_on = past_date("送达日期", NotOlderThan(MAX_SERVICE_AGE_DAYS))
    service_method = ZhSelectField(
        "送达方式", choices=SERVICE_METHODS,
        description="留置送达须有见证人或拍照录像；公告送达自发出公告之日起经过30日视为送达")
    legal_basis = long_text("法律依据", max_len=1000, default=DEFAULT_LEGAL_BASIS)

    def clean_task_data(self, data: dict) -> dict:
        # One problem per line, without blank lines or Windows line ends, so the
        # problem list can be split into 问题 rows reliably.
        lines = (line.strip() for line in (data["notice_problems"] or "").splitlines())
        data["notice_problems"] = "\n".join(line for line in lines if line)
        return data


class RectificationReportForm(TaskForm):
    """整改情况报告: what the user reports having done by the deadline."""

    form_key = "rectification_report"
    title = "整改情况报告"

    reported_on = past_date("报告日期")
    report_summary = long_text("整改情况", description="用水户报告的整改措施、完成情况及证明材料")
