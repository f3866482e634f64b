"""The task forms (``forms.registry``) seen from the API: their JSON Schema, generated from the WTForms
classes, and a JSON body turned into the post a browser would send, so that the very same form class —
built by its own ``for_case``, validated by its own validators — judges it. One definition of each form;
nothing here restates a rule (a length, a range, a required field) that the form does not declare.

Files (the photo fields) are not taken through the API: they are optional on every form and left out.
"""
from __future__ import annotations

from datetime import date

from werkzeug.datastructures import MultiDict
from wtforms.fields import (
    DateField,
    FieldList,
    FileField,
    FloatField,
    FormField,
    IntegerField,
    MultipleFileField,
    SelectFieldBase,
    SelectMultipleField,
    SubmitField,
)
from wtforms.fields.core import UnboundField
from wtforms.validators import Length, NumberRange

from forms.base import TaskForm, field_specs
from forms.fields import YesNoField, to_json
from forms.registry import FORMS

FORM_ERRORS = "_form"  # the key of errors that belong to the whole form, not one field
UNKNOWN_FIELD = "这一步的表单没有这一项，请对照接口说明中该表单的字段填写"


def component_name(form_key: str) -> str:
    return f"Form_{form_key}"


def _skipped(field_class, name: str, form_class) -> bool:
    return (name in getattr(form_class, "NON_DATA_FIELDS", ())
            or issubclass(field_class, (FileField, MultipleFileField, SubmitField)))


def data_specs(form_class) -> list[tuple[str, UnboundField]]:
    """The declared fields that carry task data (no plumbing, no files), in display order."""
    return [(name, spec) for name, spec in field_specs(form_class)
            if not _skipped(spec.field_class, name, form_class)]


def _row_class(spec: UnboundField):
    """The sub-form class of a ``FieldList(FormField(Row))``."""
    inner = spec.args[0] if spec.args else spec.kwargs["unbound_field"]
    return inner.args[0] if inner.args else inner.kwargs["form_class"]


# ------------------------------------------------------------------------------------------- schema


def schema_of(form) -> dict:
    """The JSON Schema (OpenAPI 3.1) of a bound form's data fields."""
    properties, required = {}, []
    for field in form:
        if _skipped(type(field), field.short_name, type(form)):
            continue
        properties[field.short_name] = _field_schema(field)
        if field.flags.required and not isinstance(field, FieldList):
            required.append(field.short_name)
    schema = {"type": "object", "properties": properties, "additionalProperties": False}
    if required:
        schema["required"] = required
    title = getattr(form, "title", "")
    if title:
        schema["title"] = title
    return schema


def _field_schema(field) -> dict:
    if isinstance(field, FieldList):
        row = field.unbound_field.bind(form=None, name="row", prefix="", _meta=field.meta)
        row.process(None)
        schema = {"type": "array", "items": schema_of(row.form)}
        if field.max_entries:
            schema["maxItems"] = field.max_entries
        return _described(schema, field)
    if isinstance(field, FormField):
        return _described(schema_of(field.form), field)
    if isinstance(field, YesNoField):
        schema = {"type": "boolean"}
    elif isinstance(field, SelectMultipleField):
        schema = {"type": "array", "items": {"type": "string", "enum": _choice_values(field)}, "uniqueItems": True}
    elif isinstance(field, SelectFieldBase) and _choice_values(field):
        schema = {"type": "string", "enum": _choice_values(field)}
    elif isinstance(field, IntegerField):
        schema = {"type": "integer"}
    elif isinstance(field, FloatField):
        schema = {"type": "number"}
    elif isinstance(field, DateField):
        schema = {"type": "string", "format": "date"}
    else:  # text boxes, hidden fields
        schema = {"type": "string"}
    for validator in field.validators:
        if isinstance(validator, Length) and schema["type"] == "string":
            if validator.max is not None and validator.max >= 0:
                schema["maxLength"] = validator.max
            if validator.min is not None and validator.min > 0:
                schema["minLength"] = validator.min
        elif isinstance(validator, NumberRange) and schema["type"] in ("integer", "number"):
            if validator.min is not None:
                schema["minimum"] = validator.min
            if validator.max is not None:
                schema["maximum"] = validator.max
        elif hasattr(validator, "low") and hasattr(validator, "high") and schema["type"] in ("integer", "number"):
            schema["minimum"], schema["maximum"] = validator.low, validator.high
    if not field.flags.required:
        schema["type"] = [schema["type"], "null"]
        if "enum" in schema:
            schema["enum"] = [*schema["enum"], None]
    return _described(schema, field)


def _described(schema: dict, field) -> dict:
    label = str(field.label.text)
    if any("\u4e00" <= ch <= "\u9fff" for ch in label):  # WTForms' made-up English label is no title
        schema["title"] = label
    if field.description:
        schema["description"] = str(field.description)
    return schema


def _choice_values(field) -> list[str]:
    values = []
    for choice in field.choices or []:
        value = choice[0] if isinstance(choice, (tuple, list)) else getattr(choice, "value", choice)
        values.append(str(value))
    return values


def all_schemas() -> dict[str, dict]:
    """form key -> the JSON Schema of its form (call inside a request context: Flask-WTF forms need one)."""
    return {key: schema_of(cls(formdata=None, meta={"csrf": False})) for key, cls in FORMS.items()}


# ----------------------------------------------------------------------------- JSON -> form data


def formdata(form_class: type[TaskForm], body: dict) -> tuple[MultiDict, dict[str, list[str]]]:
    """The JSON body as the form post of ``form_class`` (``problems-0-kind`` for rows, ``yes``/``no`` for
    是/否, one value per ticked box), and the keys the form does not have."""
    posted, unknown = MultiDict(), {}
    _add_fields(posted, unknown, form_class, body, prefix="", path="")
    return posted, unknown


def _add_fields(posted: MultiDict, unknown: dict, form_class, body: dict, prefix: str, path: str) -> None:
    specs = dict(data_specs(form_class))
    for key, value in body.items():
        spec = specs.get(key)
        if spec is None:
            unknown[f"{path}{key}"] = [UNKNOWN_FIELD]
            continue
        name = f"{prefix}{key}"
        if issubclass(spec.field_class, FieldList):
            if value is None:
                continue
            if not isinstance(value, list) or not all(isinstance(row, dict) for row in value):
                unknown[f"{path}{key}"] = ["应为数组，每行一个对象"]
                continue
            for i, row in enumerate(value):
                _add_fields(posted, unknown, _row_class(spec), row, prefix=f"{name}-{i}-", path=f"{path}{key}.{i}.")
        else:
            for text in _texts(spec.field_class, value):
                posted.add(name, text)


def _texts(field_class, value) -> list[str]:
    """How a browser would send ``value`` for a field of this class."""
    if value is None:
        return []
    if issubclass(field_class, SelectMultipleField):
        return [_text(v) for v in (value if isinstance(value, list) else [value])]
    if issubclass(field_class, YesNoField) and isinstance(value, bool):
        return ["yes" if value else "no"]
    return [_text(value)]


def _text(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"  # not a 是/否 field: the form says what is wrong with it
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (dict, list)):
        return "\x01"  # not a value any field reads: the form refuses it with its own message
    return str(value)


def values_of(form) -> dict:
    """What the form starts from for this case (the page's prefilled answers), as JSON values."""
    values = {}
    for field in form:
        if _skipped(type(field), field.short_name, type(form)):
            continue
        if isinstance(field, FieldList):
            values[field.short_name] = [values_of(entry.form) for entry in field.entries]
        else:
            values[field.short_name] = to_json(field)
    return values


def field_errors(form) -> dict[str, list[str]]:
    """The form's errors by field (rows as ``problems.0.kind``), the whole form's under ``_form``."""
    found: dict[str, list[str]] = {}
    for field in form:
        if field.errors:
            _collect(found, field.short_name, field.errors)
    if form.form_errors:
        found[FORM_ERRORS] = list(form.form_errors)
    return found


def _collect(found: dict, path: str, errors) -> None:
    if isinstance(errors, dict):
        for name, sub in errors.items():
            _collect(found, f"{path}.{name}", sub)
    elif isinstance(errors, list) and errors and not all(isinstance(e, str) for e in errors):
        for i, sub in enumerate(errors):
            if sub:
                _collect(found, f"{path}.{i}", sub)
    elif errors:
        found[path] = [str(e) for e in errors]
