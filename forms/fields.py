"""Field classes that read what clerks actually type and complain once, in Chinese.

WTForms' stock fields turn an empty number or date box into a format error *and* a
"required" error, parse only ISO dates, and answer a missing choice with "Not a valid
choice". The subclasses here treat a blank box as "not filled in" (``None``), accept
full-width digits and common date spellings, and let one validator say what is missing.
"""

from __future__ import annotations

import unicodedata
from datetime import date, datetime

from markupsafe import Markup, escape
from wtforms import widgets
from wtforms.fields import (
    DateField,
    FloatField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import Choice
from wtforms.validators import StopValidation

from .choices import YES_NO, select_choices
from .validators import field_message, is_blank


def strip(value):
    """Filter: drop leading/trailing blanks (a name pasted with a trailing space must
    not become a different name)."""
    return value.strip() if isinstance(value, str) else value


def _nfkc(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip()


class StrippedStringField(StringField):
    """A one-line text box whose value is stripped."""

    def __init__(self, label=None, validators=None, filters=(), **kwargs):
        super().__init__(label, validators, filters=(strip, *filters), **kwargs)


class StrippedTextAreaField(TextAreaField):
    """A multi-line text box whose value is stripped."""

    def __init__(self, label=None, validators=None, filters=(), **kwargs):
        super().__init__(label, validators, filters=(strip, *filters), **kwargs)


class _BlankIsNone:
    """Mixin for number fields: a blank box is ``None`` (no format error), full-width
    digits and thousands separators are accepted."""

    def process_formdata(self, valuelist):
        if valuelist:
            text = _nfkc(str(valuelist[0])).replace(",", "")
            if not text:
                self.data = None
                return
            valuelist = [text]
        super().process_formdata(valuelist)


class ZhIntegerField(_BlankIsNone, IntegerField):
    """Integer box; blank means not filled in."""


class ZhFloatField(_BlankIsNone, FloatField):
    """Decimal-number box (coordinates, depth, volume); blank means not filled in."""


class ZhDateField(DateField):
    """A date box (``<input type="date">``) that also reads dates typed by hand.

    Browsers send ``2022-07-21``; a clerk typing in a plain box may write 2022/7/21,
    2022.7.21 or 2022年7月21日. A year before 1900 is a typo, not a date in our records.
    """

    FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日")

    def __init__(self, label=None, validators=None, **kwargs):
        kwargs.setdefault("format", list(self.FORMATS))
        super().__init__(label, validators, **kwargs)

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        text = _nfkc(" ".join(str(v) for v in valuelist))
        self.data = None
        if not text:
            return
        for fmt in self.FORMATS:
            try:
                parsed = datetime.strptime(text, fmt).date()
            except ValueError:
                continue
            if parsed.year < 1900:
                raise ValueError(field_message(self, "{label}的年份有误，请核对"))
            self.data = parsed
            return
        raise ValueError(field_message(self, "{label}格式不对，请按“年-月-日”填写，如 2022-07-21"))


class QuickSelect(widgets.Select):
    """WTForms' ``<select>``, an option without extra attributes written directly instead of through
    ``html_params`` (the same HTML: attributes in its sorted order, the value escaped as it escapes it). The
    case list's search form has about ninety options: through the generic path they were a tenth of the
    page's time (issue 14)."""

    @classmethod
    def render_option(cls, choice, **kwargs):
        if kwargs or choice.render_kw:
            return super().render_option(choice, **kwargs)
        value = str(choice.value) if isinstance(choice.value, bool) else choice.value
        value = escape(value).replace(Markup('"'), Markup("&quot;"))
        label = escape(choice.label or choice.value)
        return Markup(f'<option {"selected " if choice.selected else ""}value="{value}">{label}</option>')


class ZhSelectField(SelectField):
    """A drop-down with a "请选择" first option, so nothing is chosen by accident.

    Choices may be given as ``(code, label)`` pairs. Values are compared as strings, so
    a caller may pass integer ids (e.g. department ids) as choice values;
    :meth:`choice_value` returns the original value of the chosen option.
    """

    widget = QuickSelect()

    def __init__(self, label=None, validators=None, choices=None, *, required=True,
                 placeholder: str | None = "请选择", required_message="请选择{label}", **kwargs):
        if choices is not None and not callable(choices):
            choices = select_choices(choices)
        super().__init__(label, validators, choices=choices, **kwargs)
        self.required, self.placeholder = required, placeholder
        self.required_message = required_message
        if required:
            self.flags.required = True

    def iter_choices(self):
        choices = super().iter_choices()
        if self.placeholder is None:
            return choices
        blank = Choice(value="", label=self.placeholder,
                       selected=is_blank(self.data), render_kw={})
        return [blank, *choices]

    def pre_validate(self, form):
        if self.process_errors:
            return
        if is_blank(self.data):
            # One message for "nothing chosen" instead of "not a valid choice" + "required".
            if self.required:
                raise StopValidation(field_message(self, self.required_message))
            raise StopValidation()
        super().pre_validate(form)

    def choice_value(self):
        """The chosen option's value as the caller gave it (e.g. an int id), or None."""
        for choice in self._choices_from_input(self.choices) or []:
            if str(choice.value) == str(self.data):
                return choice.value
        return None


class ZhRadioField(ZhSelectField):
    """Radio buttons with the same empty handling as :class:`ZhSelectField`."""

    widget = RadioField.widget
    option_widget = RadioField.option_widget

    def __init__(self, label=None, validators=None, choices=None, **kwargs):
        kwargs.setdefault("placeholder", None)  # no "please choose" radio button
        super().__init__(label, validators, choices, **kwargs)
        self.label.field_id = False


class YesNoField(ZhRadioField):
    """是 / 否 radio buttons, stored as ``True`` / ``False``.

    A checkbox cannot tell "no" from "not answered"; an inspection record needs an
    explicit answer to every question, so the clerk has to pick one.
    """

    def __init__(self, label=None, validators=None, **kwargs):
        kwargs.setdefault("required_message", "{label}：请选择“是”或“否”")
        super().__init__(label, validators, choices=YES_NO, **kwargs)

    def process_data(self, value):
        # Prefilling from stored task data gives booleans.
        if isinstance(value, bool):
            value = "yes" if value else "no"
        super().process_data(value)

    @property
    def as_bool(self) -> bool | None:
        return {"yes": True, "no": False}.get(self.data)


class MultiCheckboxField(SelectMultipleField):
    """A group of checkboxes; ``data`` is the list of ticked codes."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()

    def __init__(self, label=None, validators=None, choices=None, **kwargs):
        if choices is not None and not callable(choices):
            choices = select_choices(choices)
        super().__init__(label, validators, choices=choices, **kwargs)


# ------------------------------------------------------- task data <-> field values


def to_json(field):
    """The JSON-serialisable value of a bound field for task data."""
    data = field.data
    if isinstance(field, YesNoField):
        return field.as_bool
    if isinstance(data, datetime):
        return data.date().isoformat()
    if isinstance(data, date):
        return data.isoformat()
    if isinstance(field, SelectMultipleField):
        return [str(v) for v in (data or [])]
    if isinstance(field, IntegerField):
        return None if data is None else int(data)
    if isinstance(data, (int, float)) and not isinstance(data, bool):
        return float(data)
    if data is None:
        return None
    if isinstance(data, str):
        return data.strip()
    if isinstance(data, bool):
        return data
    try:  # Decimal and other numbers
        return float(data)
    except (TypeError, ValueError):
        return str(data)


def from_json(field_class, value):
    """Turn a stored task-data value back into what ``field_class`` expects as data."""
    if value is None:
        return None
    if issubclass(field_class, DateField) and isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            return None
    if issubclass(field_class, YesNoField) and isinstance(value, bool):
        return "yes" if value else "no"
    return value
