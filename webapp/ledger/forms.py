"""The ledger import page's form (also used by the API's ledger import: one definition of the upload)."""
from __future__ import annotations

from flask_wtf.file import FileAllowed, FileField, FileRequired, FileSize
from wtforms.fields import SubmitField

from forms.base import ZhForm

MAX_UPLOAD = 5 * 1024 * 1024


class ImportForm(ZhForm):
    file = FileField("台账文件（.xlsx）", [
        FileRequired("请选择要导入的台账文件"),
        FileAllowed(["xlsx"], "只能导入 .xlsx 格式的 Excel 文件，请先下载台账模板填写"),
        FileSize(MAX_UPLOAD, message="文件不能超过 5 MB，请分成几个文件导入")])
    submit = SubmitField("检查并导入")
