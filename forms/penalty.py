"""Forms of the administrative penalty (bpmn/penalty.bpmn), from filing (立案) to the decision, and the
leading office's record when the 90-day limit passes. The execution steps (service, payment, 代履行)
are in ``penalty_execution.py``; the law behind the amounts and dates in ``penalty_rules.py``.

Field names are unique across the penalty's forms and carry their step in them (``prior_notice_…``):
a called process returns all its data to the case, where a bare ``served_on`` would overwrite another.
"""
from __future__ import annotations

from typing import ClassVar

from wtforms.validators import Length, Optional

from rules.articles import AGGRAVATING_FACTS, default_penalty, facts_text, penalty_codes, violated_articles

from .base import TaskForm
from .choices import SERVICE_METHODS
from .common import long_text, past_date, short_text
from .fields import StrippedStringField, YesNoField, ZhDateField, ZhIntegerField, ZhSelectField
from .penalty_execution import (
    PenaltyLatePaymentForm,
    PenaltyPaymentForm,
    PenaltyReminderForm,
    PenaltySealCheckForm,
    PenaltyServiceForm,
    PenaltySubstituteDecisionForm,
    PenaltySubstituteSealingForm,
)
from .penalty_rules import (
    BASES,
    BASIS_CHOICES,
    FINE_GUIDANCE,
    MAX_SERVICE_AGE_DAYS,
    OFFICERS_HINT,
    ConditionalFields,
    FineInRange,
    WorkingDaysAfter,
    wan,
)
from .uploads import evidence_field
from .validators import InFuture, NotOlderThan, Required, RequiredWhen, field_message, is_blank

CASE_SOURCES = (("inspection", "现场检查发现"), ("recheck", "复查（回头看）发现"), ("patrol", "巡查发现"),
                ("report", "群众举报"), ("referral", "其他部门移送"))
CONCLUSIONS = (("penalty", "违法事实清楚，拟给予行政处罚"),
               ("no_penalty", "违法事实不能成立或依法不予行政处罚"))
DECISION_KINDS = (("penalty", "给予行政处罚"), ("no_penalty", "不予行政处罚"))
OVERDUE_MEASURES = (("extended", "经本机关负责人批准延长办案期限"), ("urged", "督促承办机构限期作出决定"))


class FollowsProblems:
    """Mixin for the penalty forms whose facts and basis follow the case's problems (rules.articles): the
    form starts from them, and a basis the problems do not call for, or (for a broken seal, a new act
    punished more heavily) a fine below the range's heavier end, needs a reason on the record.

    ``for_case`` sets ``problems`` ((kind, description) pairs: ``steps.CaseInfo.penalty_problems``).
    Subclasses name their fields: ``basis_field``, ``fine_field``, ``reason_field``, ``aggravating_field``,
    and ``violated_key`` (the task-data key that keeps the violated provisions for the document).
    """

    basis_field: ClassVar[str] = ""
    fine_field: ClassVar[str] = ""
    reason_field: ClassVar[str] = ""
    aggravating_field: ClassVar[str] = ""
    violated_key: ClassVar[str] = ""
    fresh_problems: ClassVar[bool] = False  # the filing reads the case; later steps read the filing
    problems: tuple = ()

    @classmethod
    def for_case(cls, case_info):
        problems = tuple(case_info.penalty_problems(fresh=cls.fresh_problems)) if case_info else ()
        form = cls.prefilled(lambda: cls.start_from(case_info, problems))
        form.problems = problems
        return form

    @classmethod
    def start_from(cls, case_info, problems) -> dict:
        return {}

    @property
    def kinds(self) -> list[str]:
        return [kind for kind, _description in self.problems]

    @property
    def aggravated(self) -> bool:
        return "seal_broken" in self.kinds

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if not self.basis_field or self[self.basis_field].data in (None, ""):
            return ok
        basis = BASES.get(self[self.basis_field].data)
        expected = penalty_codes(self.kinds)
        needs = []
        if basis and expected and basis.code not in expected:
            needs.append("所选处罚依据与案件问题对应的处罚条款（" + "、".join(BASES[c].citation for c in expected)
                         + "）不一致")
        fine = self[self.fine_field].data if self.fine_field else None
        if basis and self.aggravated and fine is not None and fine < basis.heavier_end:
            needs.append(f"擅自启封、恢复取水属从重情节，罚款低于从重起点{wan(basis.heavier_end)}")
        reason = self[self.reason_field] if self.reason_field else None
        if needs and reason is not None and is_blank(reason.data) and not reason.errors:
            reason.errors.append("；".join(needs) + field_message(reason, "，须填写{label}"))
            ok = False
        if self.aggravated and self.aggravating_field and is_blank(self[self.aggravating_field].data):
            field = self[self.aggravating_field]
            field.errors.append(field_message(field, "擅自启封、恢复取水从重处罚的，须写明{label}"))
            ok = False
        return ok

    def clean_task_data(self, data: dict) -> dict:
        data = super().clean_task_data(data)
        if self.violated_key:
            data[self.violated_key] = violated_articles(self.kinds)
        return data


def _aggravating(problems) -> str | None:
    return "\n".join(AGGRAVATING_FACTS) if any(kind == "seal_broken" for kind, _ in problems) else None


class PenaltyFilingForm(FollowsProblems, TaskForm):
    """立案: the bureau opens a penalty case (行政处罚法 Art 54); the 90-day limit runs from this date. The
    facts start from the case's open problems (or the patrol's broken seal); the problems are kept with the
    filing, and the later steps' facts and basis follow them."""

    form_key = "penalty_filing"
    title = "立案"
    fresh_problems = True
    hidden_in_timeline = frozenset({"violation_problems"})

    filed_on = past_date("立案日期", description="自立案之日起九十日内作出行政处罚决定（行政处罚法第六十条）")
    case_source = ZhSelectField("案件来源", choices=CASE_SOURCES)
    violation_summary = long_text("涉嫌违法事实", max_len=1000)
    handling_officers = short_text("承办人员", max_len=200, description=OFFICERS_HINT)
    filing_opinion = long_text("负责人审批意见", max_len=500, default="同意立案调查。")

    @classmethod
    def start_from(cls, case_info, problems) -> dict:
        kinds = [kind for kind, _ in problems]
        source = "patrol" if "seal_broken" in kinds else "recheck" if case_info.open_problems else "inspection"
        return {"violation_summary": facts_text(problems), "case_source": source}

    def clean_task_data(self, data: dict) -> dict:
        data = super().clean_task_data(data)
        data["violation_problems"] = [list(pair) for pair in self.problems]
        return data


class PenaltyInvestigationForm(FollowsProblems, ConditionalFields, TaskForm):
    """调查取证: the investigation report (调查终结报告) with facts, evidence and the proposed basis."""

    form_key = "penalty_investigation"
    title = "调查取证"
    conditional = {
        "investigation_basis": ("investigation_conclusion", "penalty", "拟给予行政处罚的，请选择{label}"),
        "no_penalty_reason": ("investigation_conclusion", "no_penalty", "不予行政处罚的，须填写{label}"),
    }

    investigated_on = past_date("调查终结日期")
    investigators = short_text("调查人员", max_len=200, description=OFFICERS_HINT)
    facts = long_text("违法事实", description="时间、地点、取水设施、取水量、违法情节等")
    evidence = long_text("证据", description="每行一项：现场检查笔录、询问笔录、照片、许可和计量查询记录等")
    investigation_conclusion = ZhSelectField("调查结论", choices=CONCLUSIONS)
    investigation_basis = ZhSelectField("拟适用的处罚依据", choices=BASIS_CHOICES, required=False,
                                        description="拟给予行政处罚时选择。" + FINE_GUIDANCE)
    no_penalty_reason = long_text("不予处罚的理由", required=False, max_len=1000,
                                  description="调查结论为不予行政处罚时填写，如违法事实不能成立")
    investigation_files = evidence_field("证据材料（选填）", description="现场照片、询问笔录等的照片或扫描件")

    @classmethod
    def start_from(cls, case_info, problems) -> dict:
        return {"facts": case_info.latest("penalty_filing").get("violation_summary") or facts_text(problems),
                "investigation_basis": default_penalty(kind for kind, _ in problems)}


class PenaltyLegalReviewForm(TaskForm):
    """法制审核 (行政处罚法 Art 58): legality review before the prior notice; failing it returns the case
    to the investigators."""

    form_key = "penalty_legal_review"
    title = "法制审核"

    reviewed_on = past_date("审核日期")
    reviewer = short_text("审核人员", description="从事法制审核的人员，初次从事的应取得法律职业资格")
    review_passed = YesNoField("审核是否通过", description="选“否”的，案件退回承办人员补充调查")
    review_opinion = long_text("审核意见",
                               description="执法主体、管辖、事实、证据、适用依据、程序、裁量基准逐项审核")


class PenaltyPriorNoticeForm(FollowsProblems, TaskForm):
    """行政处罚事先告知 (行政处罚法 Art 44): facts, basis, proposed fine and rights, served on the party;
    the five working days for statement and a hearing request run from service."""

    form_key = "penalty_prior_notice"
    title = "行政处罚事先告知"
    basis_field, fine_field, reason_field = "prior_legal_basis", "proposed_fine", "prior_basis_reason"
    aggravating_field, violated_key = "prior_aggravating_facts", "prior_violated_articles"
    hidden_in_timeline = frozenset({"prior_violated_articles"})

    prior_facts = long_text("违法事实", description="按案件问题清单列出，可据调查结果修改")
    prior_legal_basis = ZhSelectField("处罚依据", choices=BASIS_CHOICES,
                                      description="按案件问题对应的处罚条款预选。" + FINE_GUIDANCE)
    proposed_fine = ZhIntegerField("拟罚款金额（元）", [Required(), FineInRange("prior_legal_basis")],
                                   description=FINE_GUIDANCE)
    prior_aggravating_facts = long_text(
        "从重情节", required=False, max_len=1000,
        description="擅自启封、恢复取水等从重处罚的情节，每行一项；从重的，罚款自幅度的上半段起")
    prior_basis_reason = long_text(
        "依据或幅度调整的理由", required=False, max_len=1000,
        description="所选处罚依据与案件问题对应的条款不一致，或从重情节下罚款低于从重起点的，须写明理由，"
                    "记入案卷并在告知书中载明")
    prior_notice_served_on = past_date(
        "告知书送达日期", NotOlderThan(MAX_SERVICE_AGE_DAYS),
        description="当事人自收到告知书之日起五个工作日内可以陈述、申辩或要求听证")
    prior_notice_service_method = ZhSelectField("送达方式", choices=SERVICE_METHODS)

    @classmethod
    def start_from(cls, case_info, problems) -> dict:
        investigation = case_info.latest("penalty_investigation")
        basis = investigation.get("investigation_basis") or default_penalty(kind for kind, _ in problems)
        aggravating = _aggravating(problems)
        start = {"prior_facts": investigation.get("facts") or facts_text(problems), "prior_legal_basis": basis,
                 "prior_aggravating_facts": aggravating}
        if aggravating and basis in BASES:  # a broken seal: the heavier end of the range
            start["proposed_fine"] = BASES[basis].heavier_end
        return start


class PenaltyStatementForm(ConditionalFields, TaskForm):
    """陈述申辩与听证申请: what the party said within the window (行政处罚法 Art 45, 64(1)), and the
    bureau's review of it. If the window ends with nothing recorded, the diagram treats it as waived."""

    form_key = "penalty_statement"
    title = "陈述申辩与听证申请"
    conditional = {
        "statement_summary": ("statement_made", "yes", "当事人陈述、申辩的，须填写{label}"),
        "statement_review": ("statement_made", "yes", "当事人陈述、申辩的，须填写{label}"),
    }

    statement_received_on = past_date("收到日期", description="当事人提出陈述、申辩或听证要求的日期")
    statement_made = YesNoField("当事人是否陈述、申辩")
    statement_summary = long_text(
        "陈述申辩意见", required=False, max_len=2000,
        description="当事人陈述、申辩的事实、理由和证据（当事人陈述申辩时必填）")
    statement_review = long_text(
        "复核意见", required=False, max_len=2000,
        description="对当事人提出的事实、理由和证据逐项复核；成立的应当采纳，不得因陈述申辩加重处罚")
    hearing_requested = YesNoField(
        "是否要求听证", description="拟罚款未达到听证标准（个人1万元、单位8万元）的，听证申请不予受理")


class PenaltyHearingNoticeForm(TaskForm):
    """听证告知: the hearing's time and place, served at least seven (working) days before it
    (行政处罚法 Art 64(2), Art 85)."""

    form_key = "penalty_hearing_notice"
    title = "听证告知"

    hearing_notified_on = past_date("听证告知书送达日期", NotOlderThan(MAX_SERVICE_AGE_DAYS))
    hearing_date = ZhDateField(
        "听证日期",
        [Required(), InFuture(),
         WorkingDaysAfter("hearing_notified_on", 7,
                          "{label}应在{other}七个工作日之后，不得早于{earliest}（行政处罚法第六十四条）")],
        description="应当在举行听证的七日前通知当事人，七日按工作日计算")
    hearing_time = short_text("听证时间", description="如：上午9时00分")
    hearing_place = short_text("听证地点", max_len=200)
    hearing_host = short_text("听证主持人", description="由非本案调查人员担任（行政处罚法第六十四条第四项）")
    hearing_notice_service_method = ZhSelectField("送达方式", choices=SERVICE_METHODS)


class PenaltyHearingForm(TaskForm):
    """举行听证: the hearing and its record (听证笔录, 行政处罚法 Art 64(8), 65)."""

    form_key = "penalty_hearing"
    title = "举行听证"

    hearing_held_on = past_date("听证举行日期")
    party_attended = YesNoField(
        "当事人是否出席", description="无正当理由拒不出席或者未经许可中途退出的，视为放弃听证权利")
    hearing_record = long_text("听证笔录要点", description="调查人员提出的事实、证据和处罚建议；当事人的申辩和质证")
    hearing_opinion = long_text("听证主持人意见")


class PenaltyDecisionForm(FollowsProblems, ConditionalFields, TaskForm):
    """作出处罚决定 (行政处罚法 Art 57, 59): the decision and what the 处罚决定书 states; facts, basis and fine
    start from the prior notice, and follow the case's problems as it did."""

    form_key = "penalty_decision"
    title = "作出处罚决定"
    basis_field, fine_field, reason_field = "decision_legal_basis", "fine_amount", "decision_basis_reason"
    aggravating_field, violated_key = "decision_aggravating_facts", "decision_violated_articles"
    hidden_in_timeline = frozenset({"decision_violated_articles"})
    conditional = {
        **{name: ("decision_kind", "penalty", "给予行政处罚的，须填写{label}")
           for name in ("decision_legal_basis", "rectify_order", "payment_channel")},
        "no_penalty_grounds": ("decision_kind", "no_penalty", "不予行政处罚的，须填写{label}"),
    }

    decided_on = past_date("决定日期", description="行政处罚决定书应在七日内送达当事人")
    decision_kind = ZhSelectField("决定类型", choices=DECISION_KINDS)
    decision_facts = long_text("认定的违法事实和证据")
    decision_legal_basis = ZhSelectField("处罚依据", choices=BASIS_CHOICES, required=False)
    fine_amount = ZhIntegerField(
        "罚款金额（元）",
        [RequiredWhen("decision_kind", "penalty", "给予行政处罚的，须填写{label}"),
         FineInRange("decision_legal_basis")],
        description=FINE_GUIDANCE + "不得因当事人陈述、申辩而高于事先告知的金额。")
    rectify_order = long_text(
        "责令改正事项", required=False, max_len=1000, default="立即停止取用地下水，自行封闭自备井并报请验收。",
        description="给予行政处罚的，写明责令停止违法行为、限期封井等事项")
    statement_handling = long_text(
        "陈述申辩及听证意见的采纳情况", max_len=1000, default="当事人在规定期限内未提出陈述、申辩，未要求听证。")
    no_penalty_grounds = long_text(
        "不予处罚的理由", required=False, max_len=1000,
        description="如违法事实不能成立、违法行为轻微并及时改正（行政处罚法第三十三条、第五十七条）")
    payment_channel = StrippedStringField(
        "罚款缴纳方式", [Optional(), Length(max=200)],
        default="持本决定书到指定代收银行或通过山东省非税收入电子缴款系统缴纳")
    decision_aggravating_facts = long_text("从重情节", required=False, max_len=1000,
                                           description="擅自启封、恢复取水等从重处罚的情节，每行一项")
    decision_basis_reason = long_text(
        "依据或幅度调整的理由", required=False, max_len=1000,
        description="所选处罚依据与案件问题对应的条款不一致，或从重情节下罚款低于从重起点的，须写明理由，"
                    "记入案卷并在决定书中载明")

    @classmethod
    def start_from(cls, case_info, problems) -> dict:
        prior = case_info.latest("penalty_prior_notice")
        basis = prior.get("prior_legal_basis") or default_penalty(kind for kind, _ in problems)
        return {"decision_facts": prior.get("prior_facts") or facts_text(problems), "decision_legal_basis": basis,
                "fine_amount": prior.get("proposed_fine"),
                "decision_aggravating_facts": prior.get("prior_aggravating_facts") or _aggravating(problems),
                "decision_basis_reason": prior.get("prior_basis_reason")}

    def validate(self, extra_validators=None) -> bool:
        if self.decision_kind.data != "penalty":
            self.problems = ()  # a decision not to punish has no basis to follow
        return super().validate(extra_validators)


class PenaltyOverdueForm(TaskForm):
    """办案超期督办: the leading office records why the decision is late and what was done about it."""

    form_key = "penalty_overdue"
    title = "办案超期督办"

    overdue_reviewed_on = past_date("督办日期")
    overdue_reason = long_text("超期原因", max_len=1000)
    overdue_measure = ZhSelectField("督办措施", choices=OVERDUE_MEASURES)
    overdue_decide_by = ZhDateField("限期作出决定日期", [Required(), InFuture()],
                                    description="批准延长的期限或督促作出决定的期限，须晚于今天")


# Every form of the penalty diagram, in the order of its steps (forms.registry registers them).
PENALTY_FORMS: tuple[type[TaskForm], ...] = (
    PenaltyFilingForm, PenaltyInvestigationForm, PenaltyLegalReviewForm, PenaltyPriorNoticeForm,
    PenaltyStatementForm, PenaltyHearingNoticeForm, PenaltyHearingForm, PenaltyDecisionForm, PenaltyOverdueForm,
    PenaltyServiceForm, PenaltyPaymentForm, PenaltyLatePaymentForm, PenaltySealCheckForm, PenaltyReminderForm,
    PenaltySubstituteDecisionForm, PenaltySubstituteSealingForm,
)
