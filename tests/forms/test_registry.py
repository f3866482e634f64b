"""The form registry (form key -> class) and the case timeline's description of stored task data."""

from __future__ import annotations

import pytest
from form_samples import GOOD

from forms import FORMS, TaskForm, describe, form_for
from forms.penalty import PENALTY_FORMS
from forms.registry import UnknownFormKey

# ============================================================== registry / describe


def test_registry_keys_match_classes():
    assert len(FORMS) == len(GOOD) + len(PENALTY_FORMS)
    for key, cls in FORMS.items():
        assert issubclass(cls, TaskForm)
        assert cls.form_key == key
        assert cls.title and not cls.title.isascii()
        assert form_for(key) is cls
    with pytest.raises(UnknownFormKey):
        form_for("no_such_step")
    with pytest.raises(KeyError):
        form_for("no_such_step")


def test_describe_renders_labels_and_values():
    rows = describe("inspection", dict(GOOD["inspection"][1], legacy_note="旧版字段"))
    assert rows[0] == ("检查日期", "2022年8月12日")
    assert ("是否在公共供水管网覆盖范围内", "是") in rows
    assert ("是否办理取水许可", "否") in rows
    assert ("取水用途", "工业") in rows
    assert rows[-1] == ("legacy_note", "旧版字段")

    rows = describe("rectification_notice", GOOD["rectification_notice"][1])
    # The list itself, one line per problem; its flat copies are not repeated.
    assert rows[0] == ("问题清单", "1. 未安装计量设施；安装计量设施，期限15日（至2022年8月16日）\n"
                                   "2. 未办理取水许可；办理取水许可，期限5日（至2022年8月8日）")
    rows = dict(rows)
    assert rows["送达方式"] == "直接送达" and rows["最长整改期限（日）"] == "15"
    assert "required_acts" not in rows and "notice_problems" not in rows

    rows = dict(describe("sealing_record", GOOD["sealing_record"][1]))
    assert rows["处置方式"] == "机井封填"
    assert rows["备注"] == "未填写"

    rows = dict(describe("permit_approval", {"permit_approved": False, "permit_no": None}))
    assert rows == {"是否批准取水许可": "否", "取水许可证号": "未填写"}

    assert describe("retired_step", {"a": True, "b": "x"}) == [("a", "是"), ("b", "x")]
    assert describe("recheck", None) == []
