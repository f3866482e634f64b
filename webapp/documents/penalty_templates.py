"""The blocks of the penalty's document templates, built with the others by ``build_templates``.

Same styles as ``build_templates.TEMPLATES``; the fields come from ``content.build`` and, under
``penalty``, from ``penalty_content``.
"""
from __future__ import annotations

from .build_templates import HEAD, PARTY_TABLE, SIGN, WELL_TABLE

ADDRESSEE = ("addressee", "{{ party.name }}：")
WELL_LINE = "你（单位）位于{{ well.location }}的自备井（编号 {{ well.well_no }}）"


def when(condition: str, *blocks) -> list:
    """Blocks printed only when ``condition`` holds (docxtpl paragraph tags: the {%p %} paragraphs vanish)."""
    return [("body", f"{{%p if {condition} %}}"), *blocks, ("body", "{%p endif %}")]


# 行政处罚法 Art 44 (the prior notice states the facts, the reasons and the basis) and Art 59 (the decision
# states the facts, the provisions violated, the penalty and its basis): the provision the facts violate is
# named apart from the one the fine rests on. Then the reasoning (说理) before the penalty it leads to: the
# aggravating facts (a broken seal, 行政处罚法 Art 34 keeps 从重 inside the range) and the office's reason for a
# basis the problems do not call for or a lighter fine (forms.penalty.FollowsProblems), when there are any.
VIOLATED = ("body", "你（单位）的上述行为违反了{{ penalty.violated }}的规定。")
REASONING = when("penalty.aggravating", ("body", "本案具有下列从重处罚情节："),
                 ("item", "{{ line }}", "penalty.aggravating")) + when(
    "penalty.basis_reason", ("body", "本机关适用处罚依据和确定罚款数额的理由：{{ penalty.basis_reason }}"))

PENALTY_TEMPLATES = {
    "penalty_prior_notice": HEAD + [
        ADDRESSEE,
        ("body", "经查，" + WELL_LINE + "存在下列违法事实："),
        ("item", "{{ line }}", "penalty.facts"),
        VIOLATED, *REASONING,
        ("body", "依据{{ penalty.basis }}的规定（{{ penalty.range }}），"
                 "本机关拟对你（单位）作出如下行政处罚：罚款{{ penalty.fine }}（{{ penalty.fine_words }}）。"),
        ("item", "{{ line }}", "penalty.rights"),
        ("body", "联系地址：{{ water_authority }}。"),
    ] + SIGN,
    "hearing_notice": HEAD + [
        ADDRESSEE,
        ("body", "你（单位）要求听证的申请，本机关已依法受理。根据《中华人民共和国行政处罚法》第六十四条的规定，本机关定于"
                 "{{ penalty.date }}{{ penalty.time }}在{{ penalty.place }}举行听证，由{{ penalty.host }}担任主持人。"
                 "请你（单位）或者委托代理人携带身份证明、授权委托书及有关证据材料按时出席。"),
        ("heading", "听证权利"),
        ("item", "{{ loop.index }}. {{ line }}", "penalty.rights"),
        WELL_TABLE,
    ] + SIGN,
    "penalty_decision": HEAD + [
        PARTY_TABLE,
        ("body", "经查，" + WELL_LINE + "存在下列违法事实："),
        ("item", "{{ line }}", "penalty.facts"),
        ("body", "陈述、申辩和听证情况：{{ penalty.statement_handling }}"),
        VIOLATED, *REASONING,
        ("body", "依据{{ penalty.basis }}的规定（{{ penalty.range }}），"
                 "本机关决定对你（单位）处以罚款{{ penalty.fine }}（{{ penalty.fine_words }}），并责令：{{ penalty.rectify_order }}"),
        ("body", "{{ penalty.payment }}"),
        ("body", "{{ penalty.surcharge }}"),
        ("body", "{{ penalty.enforcement }}"),
        ("body", "{{ penalty.remedies }}"),
    ] + SIGN,
    "enforcement_reminder": HEAD + [
        ADDRESSEE,
        ("body", WELL_LINE + "依法应当封停，经核查至今仍未封停。根据《中华人民共和国行政强制法》第三十五条的规定，"
                 "现催告你（单位）履行下列义务："),
        ("item", "{{ line }}", "penalty.obligation"),
        ("body", "履行期限为{{ penalty.days }}日（{{ penalty.rule }}），自本催告书送达之日（{{ penalty.served_on }}）起计算，"
                 "请于{{ penalty.deadline }}前（含当日）履行完毕，并书面报告本机关。"),
        ("body", "{{ penalty.consequence }}"),
        ("body", "{{ penalty.rights }}"),
    ] + SIGN,
    "substitute_decision": HEAD + [
        PARTY_TABLE, WELL_TABLE,
        ("body", "本机关依法催告你（单位）封闭上述自备井，你（单位）在催告期限内仍未履行，继续取用地下水将破坏地下水资源。"
                 "根据{{ penalty.basis }}的规定，本机关决定代履行："),
        ("table", [("代履行方式", "{{ penalty.method }}"), ("代履行时间", "{{ penalty.date }}"),
                   ("代履行人", "{{ penalty.executor }}"),
                   ("费用预算", "{{ penalty.cost }}（{{ penalty.cost_words }}）")]),
        ("body", "本机关将于代履行三日前再次催告你（单位）履行；你（单位）在代履行前自行封井并经验收合格的，停止代履行。"
                 "代履行的费用按照成本合理确定，由你（单位）承担。代履行时本机关派员到场监督，代履行完毕后由监督人员、"
                 "代履行人和你（单位）或者见证人在执行文书上签名或者盖章。"),
        ("body", "{{ penalty.remedies }}"),
    ] + SIGN,
    # 行政强制法 Art 51(3): signed on site by the supervising officer, the executor and the party or a witness.
    "substitute_sealing_record": HEAD + [
        PARTY_TABLE, WELL_TABLE,
        ("body", "依据《中华人民共和国行政强制法》第五十条、第五十一条和本机关作出的代履行决定，对上述自备井实施代履行封井，"
                 "现场情况记录如下："),
        ("table", [("封井日期", "{{ data.substitute_sealed_on }}"), ("处置方式", "{{ data.substitute_disposal_type }}"),
                   ("封井编号（封条号）", "{{ data.substitute_seal_no }}"),
                   ("到场监督的执法人员", "{{ data.supervising_officer }}"),
                   ("当事人或者见证人", "{{ data.substitute_witness }}"),
                   ("实际代履行费用（元）", "{{ data.substitute_cost }}"),
                   ("现场情况", "{{ data.substitute_notes }}"),
                   ("技术依据", "DB37/T 4634-2023《机井封停与启用技术规范》")]),
        ("body", "代履行的费用按照成本合理确定，由当事人承担。封井后由{{ water_authority }}组织验收。"),
        ("table", [("到场监督的执法人员签名", "", 20, "dated"), ("代履行人签名或者盖章", "", 20, "dated"),
                   ("当事人或者见证人签名或者盖章", "", 20, "dated")]),
    ] + SIGN,
}
