"""WTForms forms of the groundwater enforcement workflow.

* ``FORMS`` / ``form_for(key)``: the task form class for a BPMN user task's form key;
* ``TaskForm``: their base (``instance_version`` hidden field, ``task_data()``);
* ``describe(form_key, data)``: stored task data -> (label, value) rows for the timeline;
* ``RegisterWellForm``: registers a water user and well and starts a case;
* ``validators``: credit code / ID number / phone / coordinate checks, usable without forms.

Every message is Simplified Chinese for clerks.
"""

from . import choices, validators
from .base import TaskForm, ZhForm
from .register import RegisterWellForm
from .registry import FORMS, UnknownFormKey, describe, display_value, form_for
from .validators import (
    RUSHAN_BOUNDS,
    is_valid_credit_code,
    is_valid_id_number,
    is_valid_party_id,
    mask_party_id,
)

__all__ = [
    "FORMS",
    "RUSHAN_BOUNDS",
    "RegisterWellForm",
    "TaskForm",
    "UnknownFormKey",
    "ZhForm",
    "choices",
    "describe",
    "display_value",
    "form_for",
    "is_valid_credit_code",
    "is_valid_id_number",
    "is_valid_party_id",
    "mask_party_id",
    "validators",
]
