"""The official documents (文书) the app issues: name, number series, issuing department, the step.

A kind is issued when its step's form is submitted (``form_key``), in the same transaction as the step.
Kinds whose steps the diagrams do not have yet (不予延续决定书) are added here with their steps.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

TEMPLATES = Path(__file__).parent / "templates"


@dataclass(frozen=True)
class Kind:
    code: str
    name: str
    prefix: str  # the series' 机关代字 + 类别: 乳水责改〔2026〕12号
    issuer: str  # department code of the issuing authority ("town": the case's town)
    form_key: str  # the step whose submission issues it
    skip_if: str | None = None  # a step answer that means nothing was done to record (e.g. sealing obstructed)

    @property
    def template(self) -> Path:
        return TEMPLATES / f"{self.code}.docx"

    def number(self, year: int, serial: int) -> str:
        """发文字号 as GB/T 9704-2012 §7.2.4 writes it: the year in full in 〔〕, the serial without 第 and
        without leading zeros (不编虚位): 乳水责改〔2026〕1号. The serial itself stays an integer in its series."""
        return f"{self.prefix}〔{year}〕{serial}号"


# In issuing order within a step: the 送达回证 names the notice it serves, so the notice comes first.
KINDS: dict[str, Kind] = {k.code: k for k in (
    Kind("commitment", "承诺书", "乳水承诺", "water", "commitment_letter", skip_if="reuse_letter"),
    Kind("inspection_record", "现场检查笔录", "乳水检录", "task_force", "inspection"),
    Kind("rectification_notice", "责令限期整改通知书", "乳水责改", "water", "rectification_notice"),
    Kind("service_receipt", "送达回证", "乳水送达", "water", "rectification_notice"),
    # The sealing and its acceptance are two acts by two units on two days: each has its own paper.
    Kind("sealing_record", "封井记录", "乳水封记", "enforcement", "sealing_record", skip_if="seal_obstructed"),
    Kind("seal_acceptance", "封井验收单", "乳水验收", "water", "seal_acceptance"),
    Kind("patrol_record", "巡查记录", "乳水巡查", "town", "patrol_record"),
    Kind("non_renewal", "不予延续取水许可决定书", "乳审不延", "approval", "non_renewal"),
    # The administrative penalty (bpmn/penalty.bpmn); what they say: penalty_content.py. A decision not to
    # punish (it gives its grounds) issues no 处罚决定书; an owner who sealed after the reminder, no 代履行决定书.
    Kind("penalty_prior_notice", "行政处罚事先告知书", "乳水罚告", "water", "penalty_prior_notice"),
    Kind("hearing_notice", "听证告知书", "乳水听告", "water", "penalty_hearing_notice"),
    Kind("penalty_decision", "行政处罚决定书", "乳水罚决", "water", "penalty_decision", skip_if="no_penalty_grounds"),
    Kind("enforcement_reminder", "催告书", "乳水催告", "water", "penalty_reminder"),
    Kind("substitute_decision", "代履行决定书", "乳水代履", "water", "penalty_substitute_decision",
         skip_if="party_performed"),
    # 行政强制法 Art 51(3): the execution's record, signed on site; the deciding organ's paper (the enforcement
    # bureau executes it). After a broken seal it is also the re-sealing.
    Kind("substitute_sealing_record", "代履行封井记录", "乳水代封", "water", "penalty_substitute_sealing"),
)}


def issued_by(form_key: str, data: dict | None = None) -> list[Kind]:
    """The kinds a step issues with these answers."""
    return [kind for kind in KINDS.values()
            if kind.form_key == form_key and not (kind.skip_if and (data or {}).get(kind.skip_if))]
