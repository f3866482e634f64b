"""The form of the 工作日历 page: a year and its arrangement, typed, pasted or uploaded as a text file."""
from __future__ import annotations

from wtforms.fields import FileField, SubmitField
from wtforms.validators import Length, NumberRange, Optional

from forms.base import ZhForm
from forms.fields import StrippedTextAreaField, ZhIntegerField

from .parse import CalendarParseError, ParsedYear, parse

MAX_FILE = 200_000  # bytes: a notice is a few kilobytes


def read_upload(storage) -> str | None:
    """The text of an uploaded file (UTF-8, with or without BOM, or GB18030 as Windows saves it)."""
    if storage is None or not getattr(storage, "filename", ""):
        return None
    raw = storage.read(MAX_FILE + 1)
    if len(raw) > MAX_FILE:
        raise CalendarParseError("上传的文件过大，请只上传节假日安排的文字（纯文本 .txt 文件）。")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise CalendarParseError("无法读取上传的文件，请另存为纯文本（.txt）后再上传，或直接粘贴文字。")


class CalendarYearForm(ZhForm):
    year = ZhIntegerField("年份", [Optional(), NumberRange(min=2000, max=2099, message="年份应在 2000 至 2099 之间")],
                          description="不填则按通知标题或所填日期确定")
    text = StrippedTextAreaField("节假日安排", [Length(max=20000)], description=(
        "每行一个日期：“2027-01-01 休 元旦”为放假，“2027-02-20 班 春节”为调休上班，连续放假可写"
        "“2027-02-05 至 2027-02-11 休 春节”；也可以直接粘贴国务院办公厅通知的标题和“一、元旦：……”各项。"))
    upload = FileField("或上传文本文件（.txt）")
    preview = SubmitField("预览变化")
    save = SubmitField("确认保存")

    parsed: ParsedYear | None = None

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        try:
            uploaded = read_upload(self.upload.data)
            if uploaded is not None:
                self.text.data = uploaded.strip()
            if not self.text.data:
                self.text.errors = [*self.text.errors, "请填写或上传节假日安排。"]
                return False
            if ok:
                self.parsed = parse(self.text.data, self.year.data)
        except CalendarParseError as exc:
            self.text.errors = [*self.text.errors, str(exc)]
            return False
        return ok
