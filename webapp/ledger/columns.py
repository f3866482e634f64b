"""The ledger's columns: one per field of RegisterWellForm, in the form's order, named by its label.

The header is the field's label without "（选填）"; whether a column must be filled in is read from
the form itself (its ``Required`` validators and required drop-downs), so the sheet and the form
cannot drift apart. Choice columns hold the Chinese labels; :func:`choice_code` turns a cell back
into the code the form expects.
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from forms.choices import PURPOSES, USER_KINDS, YES_NO
from forms.register import RegisterWellForm
from forms.validators import RequiredWhen, RequiredWithAny

OPTIONAL_MARK = "（选填）"
SKIPPED_FIELDS = ("csrf_token", "submit")

# The labels offered in the sheet's drop-downs; the form's own labels and the codes are accepted too.
SHEET_LABELS = {
    "user_kind": (("enterprise", "单位"), ("individual", "个人")),
    "purpose": PURPOSES,
    "in_coverage": YES_NO, "in_restricted_zone": YES_NO, "has_meter": YES_NO, "hidden_well": YES_NO,
}
ALIASES = {"user_kind": (("enterprise", "企业"), *USER_KINDS)}


@dataclass(frozen=True)
class Column:
    name: str          # the form field
    header: str        # the sheet's header
    need: str          # "required" | "conditional" | "optional"
    description: str

    @property
    def need_label(self) -> str:
        return {"required": "必填", "conditional": "视情况必填", "optional": "选填"}[self.need]


def header_of(label: str) -> str:
    return str(label).replace(OPTIONAL_MARK, "").strip()


def normalize_header(text) -> str:
    """Headers compared loosely: width, spaces, a trailing "*" and "（选填）" do not matter."""
    value = unicodedata.normalize("NFKC", str(text or "")).replace(" ", "").replace("*", "")
    return value.replace(unicodedata.normalize("NFKC", OPTIONAL_MARK), "")


def columns(form: RegisterWellForm | None = None) -> list[Column]:
    """The columns, read from a form instance (needs a request/app context for Flask-WTF)."""
    form = form or RegisterWellForm(formdata=None, meta={"csrf": False})
    out = []
    for field in form:
        if field.name in SKIPPED_FIELDS:
            continue
        if field.flags.required:
            need = "required"
        elif any(isinstance(v, (RequiredWhen, RequiredWithAny)) for v in field.validators):
            need = "conditional"
        else:
            need = "optional"
        out.append(Column(field.name, header_of(field.label.text), need, str(field.description or "")))
    return out


def choice_labels(name: str) -> list[str]:
    return [label for _, label in SHEET_LABELS.get(name, ())]


def choice_code(name: str, value: str) -> str:
    """The code of a choice cell ("工业" → "industrial"); unknown text is returned as it is, for
    the form to refuse with its own message."""
    text = unicodedata.normalize("NFKC", value).strip()
    for code, label in (*SHEET_LABELS.get(name, ()), *ALIASES.get(name, ())):
        if text in (code, unicodedata.normalize("NFKC", label)):
            return code
    return value
