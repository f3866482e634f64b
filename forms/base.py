"""Base classes: :class:`ZhForm` (Chinese messages, visible errors for hidden fields)
and :class:`TaskForm` (one form per BPMN user task).
"""

from __future__ import annotations

import sys
from typing import ClassVar

from flask_wtf import FlaskForm
from wtforms.fields import FileField, MultipleFileField, SubmitField
from wtforms.fields.core import UnboundField
from wtforms.validators import NumberRange
from wtforms.widgets import HiddenInput

from .fields import ZhIntegerField, from_json, to_json
from .i18n import ZH_TRANSLATIONS, translate
from .validators import Required, RequiredWhen


class ZhForm(FlaskForm):
    """A ``FlaskForm`` whose built-in messages are Chinese whatever the app's i18n setup.

    Errors on fields the clerk cannot see (the CSRF token, hidden fields) are also put
    in ``form.form_errors`` so templates show them at the top of the form: otherwise
    the page would come back unchanged with no visible reason.
    """

    class Meta(FlaskForm.Meta):
        def get_translations(self, form):
            return ZH_TRANSLATIONS

    def validate(self, extra_validators=None) -> bool:
        self.form_errors = []
        ok = super().validate(extra_validators)
        for field in self:
            if not field.errors:
                continue
            if not isinstance(field.errors, list) or not all(isinstance(m, str) for m in field.errors):
                continue  # a list of rows: each row's sub-form has its own (Chinese) messages
            # Flask-WTF raises its CSRF messages untranslated.
            field.errors = [translate(message) for message in field.errors]
            if isinstance(field.widget, HiddenInput):
                self.form_errors.extend(m for m in field.errors if m not in self.form_errors)
        return ok and not self.form_errors


def field_specs(form_class) -> list[tuple[str, UnboundField]]:
    """The declared fields of a form class in display order, without instantiating it
    (no request or app context needed, e.g. for rendering a case timeline)."""
    specs = []
    for name in dir(form_class):
        if name.startswith("_"):
            continue
        value = getattr(form_class, name, None)
        if isinstance(value, UnboundField):
            specs.append((name, value))
    specs.sort(key=lambda item: (item[1].creation_counter, item[0]))
    return specs


def spec_label(spec: UnboundField, name: str) -> str:
    """The label text an unbound field was declared with."""
    label = spec.args[0] if spec.args else spec.kwargs.get("label")
    return str(label) if label else name


def _is_file(field) -> bool:
    return isinstance(field, (FileField, MultipleFileField))


class TaskForm(ZhForm):
    """Base of the forms that complete a user task.

    Subclasses set ``form_key`` (the BPMN ``formKey``, a contract with the diagrams) and
    ``title`` (the Chinese step name) and declare only business fields. The route renders
    the form with ``instance_version`` set to the workflow instance's version; the engine
    refuses the completion if the instance moved on meanwhile.
    """

    form_key: ClassVar[str] = ""
    title: ClassVar[str] = ""
    # Shorter labels for the case timeline where the form label carries a long hint.
    timeline_labels: ClassVar[dict[str, str]] = {}
    # Self-hosted scripts (webapp/static) the task page loads for this form: enhancements only, the form
    # works without them (the CSP allows scripts from the app itself only).
    scripts: ClassVar[tuple[str, ...]] = ()
    # Task-data keys the form derives (not fields) that the case timeline leaves out.
    hidden_in_timeline: ClassVar[frozenset[str]] = frozenset()
    # Fields that are plumbing, not business data.
    NON_DATA_FIELDS: ClassVar[frozenset[str]] = frozenset(
        {"csrf_token", "instance_version", "submit", "compute"})

    instance_version = ZhIntegerField(
        "版本", widget=HiddenInput(),
        validators=[Required("页面信息不完整，请从待办事项重新打开此任务"), NumberRange(min=0)])
    submit = SubmitField("提交")
    # Fields render in declaration order and base-class fields are declared first;
    # push the button to the end so generic renderers (render_form) put it last.
    submit.creation_counter = sys.maxsize

    @classmethod
    def describe_value(cls, name: str, value) -> str | None:
        """How the timeline shows a structured value (a list of rows); None: the usual way."""
        return None

    def wants_preview(self) -> bool:
        """Whether the post only asks the server to compute what the form shows (e.g. the money owed on a
        payment date): the page comes back with the values kept and nothing is submitted."""
        return False

    def notes(self) -> list[str]:
        """Lines the step page shows above the form (computed from the case and the values entered)."""
        return []

    @classmethod
    def for_case(cls, case_info) -> "TaskForm":
        """The form for a step of a particular case. ``case_info`` (webapp: ``steps.CaseInfo``) gives
        what a form may start from, e.g. the inspection's answers or the case's open problems; most
        forms need nothing of it."""
        return cls()

    @classmethod
    def prefilled(cls, values) -> "TaskForm":
        """The form; a fresh one starts from ``values()`` (a dict, or None for nothing). A posted one is
        read from the post alone, so a field missing from it is missing, not silently taken from the
        suggestion, and ``values`` (which may query) is not called."""
        form = cls()
        if not form.is_submitted() and (data := values()):
            form.process(data=data)
        return form

    def show_known(self, facts: dict[str, str]) -> None:
        """Put what the register already holds beside the questions (``{field name: "登记：是"}``): the
        page shows it under the field, so the clerk sees what is confirmed and what differs."""
        for name, text in facts.items():
            if text and name in self._fields:
                self._fields[name].known = text

    def business_fields(self) -> list:
        """The bound fields that hold task data, in display order (for templates)."""
        return [f for f in self if f.name not in self.NON_DATA_FIELDS and not _is_file(f)]

    def uploads(self) -> dict[str, list]:
        """The files selected in the form's file fields: ``{field name: [FileStorage, …]}``, fields
        without files left out. Files are kept by the web app with the step, never in the task data:
        the workflow engine stores JSON."""
        found = {f.name: f.uploads() for f in self if _is_file(f) and hasattr(f, "uploads")}
        return {name: files for name, files in found.items() if files}

    def task_data(self) -> dict:
        """The business values as JSON-serialisable data for the workflow.

        Dates become ``"YYYY-MM-DD"``, yes/no answers ``True``/``False``, integers ``int``,
        decimals ``float``, text is stripped, multi-choices are lists of codes. Every key
        is present (``None`` when not filled in) so gateway expressions never meet a
        missing name; a field that does not apply (see ``RequiredWhen``) is ``None``.
        Call after a successful ``validate()``.
        """
        data = {}
        for field in self.business_fields():
            applies = all(v.applies(self) for v in field.validators
                          if isinstance(v, RequiredWhen))
            data[field.name] = to_json(field) if applies else None
        return self.clean_task_data(data)

    def clean_task_data(self, data: dict) -> dict:
        """Hook for a subclass to adjust the data before it leaves the form."""
        return data

    @classmethod
    def prefill(cls, task_data: dict | None) -> dict:
        """Stored task data -> ``data=`` for the constructor (dates, "yes"/"no"),
        e.g. to reopen a step that a supervisor reset: ``cls(data=cls.prefill(old))``."""
        task_data = task_data or {}
        return {name: from_json(spec.field_class, task_data[name])
                for name, spec in field_specs(cls)
                if name in task_data and name not in cls.NON_DATA_FIELDS}
