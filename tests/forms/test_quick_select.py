"""``QuickSelect`` writes the same ``<select>`` as WTForms' own widget, option by option."""
from __future__ import annotations

import pytest
from wtforms import Form, widgets
from wtforms.fields import SelectField
from wtforms.fields.choices import SelectChoice

from forms.fields import QuickSelect, ZhSelectField

CHOICES = [SelectChoice(v, label) for v, label in [("x", "甲"), ('y"<&', "乙&<"), (True, "是"), ("", "空"), (3, "三")]]


class Plain(Form):
    field = SelectField(choices=CHOICES)
    grouped = SelectField(choices=[SelectChoice("a", "夏村镇", optgroup="镇"), SelectChoice("b", "水利局", optgroup="局")])
    marked = SelectField(choices=[SelectChoice("m", "有属性", render_kw={"disabled": True})])


@pytest.mark.parametrize("data", ["x", 'y"<&', "True", "", "3", "nothing"])
def test_the_same_html_as_wtforms_select(data):
    form = Plain(data={"field": data, "grouped": "b", "marked": "m"})
    for field in (form.field, form.grouped, form.marked):
        assert QuickSelect()(field) == widgets.Select()(field)
        assert QuickSelect()(field, class_="form-select") == widgets.Select()(field, class_="form-select")


def test_every_zh_select_uses_it():
    assert isinstance(ZhSelectField.widget, QuickSelect)
