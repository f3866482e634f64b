"""Good data for every task form: what a clerk posts, and what reaches the workflow (imported by name:
pytest puts tests/forms on the path). "Today" in the form tests is 2022-08-15."""

from __future__ import annotations

# form key -> (posted fields, task data)
GOOD = {
    "commitment_letter": (
        {"signed_on": "2022-08-10", "signatory": "  王某 ", "witness_department": "夏村镇人民政府",
         "commitment_notes": ""},
        {"signed_on": "2022-08-10", "signatory": "王某", "witness_department": "夏村镇人民政府",
         "commitment_notes": ""},
    ),
    "inspection": (
        {"inspected_on": "2022-08-12", "inspectors": "张某（执法证号0001）、李某（执法证号0002）",
         "in_coverage": "yes", "has_permit": "no", "purpose": "industrial",
         "urban_village": "no", "has_meter": "no", "tax_registered": "no",
         "obstructed": "no", "hidden_well": "no", "findings": "厂区内自备井一眼，未安装计量设施。"},
        {"inspected_on": "2022-08-12", "inspectors": "张某（执法证号0001）、李某（执法证号0002）",
         "in_coverage": True, "has_permit": False, "purpose": "industrial",
         "urban_village": False, "has_meter": False, "tax_registered": False,
         "hidden_well": False, "obstructed": False, "findings": "厂区内自备井一眼，未安装计量设施。"},
    ),
    "exemption_application": (
        {"applied_on": "2022-08-13", "village_name": "东村", "application_reasons": "列入城中村改造计划，居民生活用水暂无替代水源。",
         "renovation_plan": "", "applicant_contact": "街道经办人 0631-6651234"},
        {"applied_on": "2022-08-13", "village_name": "东村", "application_reasons": "列入城中村改造计划，居民生活用水暂无替代水源。",
         "renovation_plan": "", "applicant_contact": "街道经办人 0631-6651234"},
    ),
    "exemption_review": (
        {"exemption_approved": "yes", "review_opinion": "同意暂缓封停，半年后复核。",
         "next_review_on": "2023-02-15"},
        {"exemption_approved": True, "review_opinion": "同意暂缓封停，半年后复核。",
         "next_review_on": "2023-02-15"},
    ),
    "rectification_notice": (
        {"problems-0-kind": "no_meter", "problems-0-description": " 未安装计量设施 ",
         "problems-0-required_act": "install_meter", "problems-0-rectify_days": "15",
         "problems-1-kind": "", "problems-1-description": "", "problems-1-required_act": "",
         "problems-1-rectify_days": "",
         "problems-2-kind": "no_permit", "problems-2-description": "未办理取水许可",
         "problems-2-required_act": "apply_permit", "problems-2-rectify_days": "5",
         "notice_served_on": "2022-08-01", "service_method": "direct",
         "legal_basis": "《中华人民共和国水法》第六十九条"},
        {"problems": [
            {"no": 1, "kind": "no_meter", "description": "未安装计量设施", "required_act": "install_meter",
             "rectify_days": 15, "deadline": "2022-08-16"},
            {"no": 2, "kind": "no_permit", "description": "未办理取水许可", "required_act": "apply_permit",
             "rectify_days": 5, "deadline": "2022-08-08"}],
         "rectify_days": 15, "required_acts": ["install_meter", "apply_permit"],
         "notice_problems": "未安装计量设施\n未办理取水许可",
         "basis_articles": ["《地下水管理条例》第二十二条", "《地下水管理条例》第五十六条",
                            "《中华人民共和国水法》第四十八条", "《取水许可和水资源费征收管理条例》第二条",
                            "《取水许可和水资源费征收管理条例》第四十八条",
                            "《中华人民共和国水法》第六十九条第（一）项"],  # the clerk's line is covered by item (一)
         "notice_served_on": "2022-08-01", "service_method": "direct",
         "legal_basis": "《中华人民共和国水法》第六十九条"},
    ),
    "rectification_report": (
        {"reported_on": "2022-08-14", "report_summary": "已安装水表并申请取水许可。"},
        {"reported_on": "2022-08-14", "report_summary": "已安装水表并申请取水许可。"},
    ),
    "supply_connection": (
        {"supply_agreement_no": "RSSW-2022-0123", "connected_on": "2022-08-15"},
        {"supply_agreement_no": "RSSW-2022-0123", "connected_on": "2022-08-15"},
    ),
    "sealing_record": (
        {"seal_obstructed": "no", "obstruction_details": "", "sealed_on": "2022-08-15", "disposal_type": "backfill",
         "seal_no": "FJ-0042", "latitude": "36.9125", "longitude": "121.5372", "sealing_notes": ""},
        {"seal_obstructed": False, "obstruction_details": None, "sealed_on": "2022-08-15",
         "disposal_type": "backfill", "seal_no": "FJ-0042", "latitude": 36.9125, "longitude": 121.5372,
         "sealing_notes": ""},
    ),
    "non_renewal": (
        {"permit_no": "取水（鲁威乳）字[2021]第009号", "permit_expires_on": "2022-10-31", "decided_on": "2022-08-15",
         "non_renewal_grounds": "位于公共供水管网覆盖范围内。"},
        {"permit_no": "取水（鲁威乳）字[2021]第009号", "permit_expires_on": "2022-10-31", "decided_on": "2022-08-15",
         "non_renewal_grounds": "位于公共供水管网覆盖范围内。"},
    ),
    "credit_objection": (
        {"objection_received": "yes", "objection_received_on": "2022-08-12", "objection_content": "记录有误。"},
        {"objection_received": True, "objection_received_on": "2022-08-12", "objection_content": "记录有误。"},
    ),
    "credit_objection_decision": (
        {"verified_on": "2022-08-12", "objection_upheld": "no", "decided_on": "2022-08-15",
         "decision_reason": "经核查，记录属实。"},
        {"verified_on": "2022-08-12", "objection_upheld": False, "decided_on": "2022-08-15",
         "decision_reason": "经核查，记录属实。"},
    ),
    "credit_repair": (
        {"applied_on": "2022-08-12", "commitment_signed_on": "2022-08-12",
         "repair_approved": "yes", "review_opinion": "已整改到位，准予修复。"},
        {"applied_on": "2022-08-12", "commitment_signed_on": "2022-08-12",
         "repair_approved": True, "review_opinion": "已整改到位，准予修复。",
         "repair_checks": [], "corrected": True, "fine_paid": True},
    ),
    "reconsideration_handling": (
        {"review_decided_on": "2022-08-12", "review_decision_no": "乳政复决〔2022〕5号", "review_outcome": "upheld",
         "review_reasoning": "维持原决定。"},
        {"review_decided_on": "2022-08-12", "review_decision_no": "乳政复决〔2022〕5号", "review_outcome": "upheld",
         "review_reasoning": "维持原决定。"},
    ),
    "reconsideration_follow_up": (
        {"handled_on": "2022-08-12", "follow_up_measures": "已重置案件。"},
        {"handled_on": "2022-08-12", "follow_up_measures": "已重置案件。"},
    ),
    "meter_verification": (
        {"verified_on": "2022-08-12", "meter_serial": "SB-001", "certificate_no": "JD-2022-01", "meter_passed": "yes",
         "verification_notes": ""},
        {"verified_on": "2022-08-12", "meter_serial": "SB-001", "certificate_no": "JD-2022-01", "meter_passed": True,
         "verification_notes": ""},
    ),
    "tax_registration": (
        {"registered_on": "2022-08-12", "taxpayer_no": "91371083MA3C00001X", "tax_notes": ""},
        {"registered_on": "2022-08-12", "taxpayer_no": "91371083MA3C00001X", "tax_notes": ""},
    ),
    "seal_acceptance": (
        {"accepted_on": "2022-08-12", "seal_accepted": "yes", "signatories": ["water", "town", "party"],
         "acceptance_opinion": "井口封闭严密。"},
        {"accepted_on": "2022-08-12", "seal_accepted": True, "signatories": ["water", "town", "party"],
         "acceptance_opinion": "井口封闭严密。"},
    ),
    "police_record": (
        {"handled_on": "2022-08-15", "police_unit": "乳山市公安局城区派出所", "police_case_no": "JQ-2022-0815",
         "police_outcome": "order_restored", "police_measures": "民警到场制止，现场秩序恢复。"},
        {"handled_on": "2022-08-15", "police_unit": "乳山市公安局城区派出所", "police_case_no": "JQ-2022-0815",
         "police_outcome": "order_restored", "police_measures": "民警到场制止，现场秩序恢复。"},
    ),
    "patrol_record": (
        {"patrolled_on": "2022-08-15", "patrollers": "镇水管员二人", "patrol_obstructed": "no", "seal_intact": "yes",
         "abstraction_resumed": "no", "continue_patrol": "yes", "patrol_findings": "封条完好。"},
        {"patrolled_on": "2022-08-15", "patrollers": "镇水管员二人", "patrol_obstructed": False, "seal_intact": True,
         "abstraction_resumed": False, "continue_patrol": True, "patrol_findings": "封条完好。"},
    ),
    "permit_approval": (
        {"permit_approved": "yes", "permit_no": "取水（鲁威乳）字[2022]第001号",
         "permit_valid_from": "2022-08-15", "permit_valid_to": "2027-08-14",
         "works_accepted_on": "2022-08-12", "works_acceptance_passed": "yes", "works_accepted_by": "市水利局 验收组甲、乙",
         "approval_opinion": "经验收合格，准予取水许可。"},
        {"permit_approved": True, "permit_no": "取水（鲁威乳）字[2022]第001号",
         "permit_valid_from": "2022-08-15", "permit_valid_to": "2027-08-14",
         "works_accepted_on": "2022-08-12", "works_acceptance_passed": True, "works_accepted_by": "市水利局 验收组甲、乙",
         "approval_opinion": "经验收合格，准予取水许可。"},
    ),
    "recheck": (
        {"rechecked_on": "2022-08-15", "recheck_passed": "no", "recheck_findings": "水表未安装。"},
        {"rechecked_on": "2022-08-15", "recheck_passed": False, "recheck_findings": "水表未安装。"},
    ),
    "credit_record": (
        {"credit_fact": "逾期未封井。", "recorded_on": "2022-08-10", "notified_on": "2022-08-11"},
        {"credit_fact": "逾期未封井。", "recorded_on": "2022-08-10", "notified_on": "2022-08-11"},
    ),
    "credit_review": (
        {"credit_confirmed": "yes", "review_opinion": "事实清楚，同意报送。", "sanction_until": "2025-08-14"},
        {"credit_confirmed": True, "review_opinion": "事实清楚，同意报送。", "sanction_until": "2025-08-14"},
    ),
}
