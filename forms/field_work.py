"""Forms of the work in the field after the procedure's main steps: the police's handling of an
obstructed inspection or sealing (plan §四(三)), and the periodic patrol of sealed wells (plan §五)."""

from __future__ import annotations

from .base import TaskForm
from .choices import POLICE_OUTCOMES
from .common import long_text, past_date, short_text
from .fields import YesNoField, ZhSelectField
from .uploads import evidence_field
from .validators import is_blank


class PoliceRecordForm(TaskForm):
    """公安机关处置: what the police did about obstruction or violence; the on-site step is then done
    again (the case waits on this task until the police have acted)."""

    form_key = "police_record"
    title = "公安机关处置"

    handled_on = past_date("处置日期")
    police_unit = short_text("出警单位", description="如：乳山市公安局××派出所")
    police_case_no = short_text("警情或案件编号")
    police_outcome = ZhSelectField("处置结果", choices=POLICE_OUTCOMES)
    police_measures = long_text("处置情况", description="到场时间、采取的措施、对阻挠人员的处理")
    police_files = evidence_field("处置材料（选填）", description="现场照片、出警记录或处理决定")


class PatrolRecordForm(TaskForm):
    """封井巡查: the town checks a sealed well on schedule; a broken seal or renewed abstraction is a
    new act: the well is sealed again (and the penalty follows, with aggravation)."""

    form_key = "patrol_record"
    title = "封井巡查"

    patrolled_on = past_date("巡查日期")
    patrollers = short_text("巡查人员", max_len=200)
    patrol_obstructed = YesNoField("巡查时是否遭遇阻挠或暴力抗法", default="no",
                                   description="选“是”将立即转公安机关处置，处置后重新巡查")
    # Not answerable when the patrol was stopped: asked only when it was not (see validate).
    seal_intact = YesNoField("封存设施（封条、井盖、封填）是否完好", required=False)
    abstraction_resumed = YesNoField("是否发现恢复取水或私自启封", required=False)
    continue_patrol = YesNoField(
        "是否继续定期巡查", default="yes", required=False,
        description="封存完好且已永久封填（机井封填）的，可选“否”结束巡查；其余应继续巡查")
    patrol_findings = long_text("巡查情况", description="现场情况、照片编号；发现问题的写明经过")
    patrol_photos = evidence_field("巡查照片（选填）", description="封条、井口和周边情况")

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if self.patrol_obstructed.data == "no":
            for f in (self.seal_intact, self.abstraction_resumed, self.continue_patrol):
                if is_blank(f.data) and not f.errors:
                    f.errors = [f"请选择“{f.label.text}”"]
                    ok = False
        return ok

    def clean_task_data(self, data: dict) -> dict:
        if data["patrol_obstructed"]:  # stopped on the way: nothing was checked
            data.update(seal_intact=None, abstraction_resumed=None, continue_patrol=None)
        return data
