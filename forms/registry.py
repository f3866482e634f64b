"""Form key -> form class, and the reverse trip for the case timeline.

The keys are the ``formKey`` values of the user tasks in ``bpmn/``; a test checks that
every key here has a class whose ``form_key`` matches, and the BPMN tests check that
every user task names a key found here.
"""

from __future__ import annotations

import re
from datetime import date

from .base import TaskForm, field_specs, spec_label
from .choices import choice_label
from .credit import CreditObjectionDecisionForm, CreditObjectionForm, CreditRepairForm
from .disposal import (
    MeterVerificationForm,
    NonRenewalForm,
    PermitApprovalForm,
    SealAcceptanceForm,
    SealingRecordForm,
    SupplyConnectionForm,
    TaxRegistrationForm,
)
from .field_work import PatrolRecordForm, PoliceRecordForm
from .inspection import CommitmentLetterForm, ExemptionApplicationForm, ExemptionReviewForm, InspectionForm
from .notice import RectificationNoticeForm, RectificationReportForm
from .penalty import PENALTY_FORMS
from .reconsideration import ReconsiderationFollowUpForm, ReconsiderationHandlingForm
from .review import CreditRecordForm, CreditReviewForm, RecheckForm
from .validators import format_date_zh, shorten_label

_ALL: tuple[type[TaskForm], ...] = (
    CommitmentLetterForm,
    InspectionForm,
    ExemptionApplicationForm,
    ExemptionReviewForm,
    RectificationNoticeForm,
    RectificationReportForm,
    SupplyConnectionForm,
    SealingRecordForm,
    SealAcceptanceForm,
    PermitApprovalForm,
    RecheckForm,
    CreditRecordForm,
    CreditReviewForm,
    PoliceRecordForm,
    PatrolRecordForm,
    NonRenewalForm,
    MeterVerificationForm,
    TaxRegistrationForm,
    CreditObjectionForm,
    CreditObjectionDecisionForm,
    CreditRepairForm,
    ReconsiderationHandlingForm,
    ReconsiderationFollowUpForm,
    *PENALTY_FORMS,
)

FORMS: dict[str, type[TaskForm]] = {cls.form_key: cls for cls in _ALL}


class UnknownFormKey(KeyError):
    """A user task names a form key that has no form class (a diagram/code mismatch)."""


def form_for(key: str) -> type[TaskForm]:
    """The form class for a BPMN form key; raises :class:`UnknownFormKey` if there is none."""
    try:
        return FORMS[key]
    except KeyError:
        raise UnknownFormKey(f"没有与表单标识“{key}”对应的表单（流程图与程序不一致）") from None


_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
EMPTY_DISPLAY = "未填写"


def display_value(value, choices=None) -> str:
    """A stored task-data value as a clerk reads it: 是/否, Chinese choice labels,
    2022年7月21日, lists joined with "、"."""
    if value is None or value == "" or value == []:
        return EMPTY_DISPLAY
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, (list, tuple)):
        return "、".join(display_value(v, choices) for v in value)
    if isinstance(value, str):
        if choices:
            return choice_label(choices, value)
        if _ISO_DATE.fullmatch(value):
            try:
                return format_date_zh(date.fromisoformat(value))
            except ValueError:
                return value
        return value
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def display_data(form_key: str, data: dict | None) -> dict[str, str]:
    """Stored task data -> ``{field name: display value}``, e.g. to fill an official document."""
    cls = FORMS.get(form_key)
    choices = {name: spec.kwargs.get("choices") for name, spec in field_specs(cls)} if cls else {}
    return {key: display_value(value, choices.get(key)) for key, value in (data or {}).items()}


def describe(form_key: str, data: dict | None) -> list[tuple[str, str]]:
    """Stored task data -> ``[(Chinese label, display value), ...]`` for the case timeline.

    Known fields come first in the form's order; keys the form does not declare (data
    written by an older diagram, or an unknown form key) follow as-is, so nothing stored
    is ever hidden from the record.
    """
    data = dict(data or {})
    cls = FORMS.get(form_key)
    rows: list[tuple[str, str]] = []
    if cls is not None:
        for name, spec in field_specs(cls):
            if name in cls.NON_DATA_FIELDS or name not in data:
                continue
            label = cls.timeline_labels.get(name) or shorten_label(spec_label(spec, name))
            value = data.pop(name)
            shown = cls.describe_value(name, value)
            rows.append((label, shown if shown is not None else display_value(value, spec.kwargs.get("choices"))))
        for name in cls.hidden_in_timeline:
            data.pop(name, None)
    labels = cls.timeline_labels if cls is not None else {}
    for key, value in data.items():
        shown = cls.describe_value(key, value) if cls is not None else None
        rows.append((labels.get(key, str(key)), shown if shown is not None else display_value(value)))
    return rows
