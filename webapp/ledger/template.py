"""The blank ledger (台账) a town fills in: sheet 台账 (one column per registration field, drop-down
lists for the choice columns) and sheet 说明 (how to fill it in). openpyxl in normal mode: data
validations cannot be written in write-only mode."""
from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation

from .columns import Column, choice_labels

SHEET = "台账"
LISTS_SHEET = "选项"
TEMPLATE_ROWS = 1000          # rows covered by the drop-down lists
INLINE_LIST_MAX = 255         # Excel's limit for a list written into the validation itself
REQUIRED_FILL = PatternFill("solid", fgColor="FFF2CC")
DATE_FIELDS = ("permit_valid_from", "permit_valid_to")
TEXT_FIELDS = ("party_id", "phone", "well_no", "permit_no", "meter_serial")


def _instructions(town_names: list[str]) -> list[str]:
    return [
        "乳山市自备井台账填写说明",
        "",
        "1. 在“台账”工作表中每行填写一口自备井及其用水户；第一行为表头，请勿修改表头文字，列的顺序可以调整。",
        "2. 表头为浅黄色的列为必填；标注“视情况必填”的列在批注中说明了何时必填（如单位用水户须填写法定代表人，"
        "填写了取水许可证号的须填写许可有效期）；其余列可不填。把鼠标移到表头上可看到每列的说明。",
        "3. 用水户类型、所属镇（街道）、取水用途和“是否……”各列请从下拉列表中选择。",
        "4. 统一社会信用代码/身份证号请按文本填写18位，不要写成科学计数法；联系电话可填手机号或固定电话。",
        "5. 纬度、经度为十进制度（如 36.9125、121.5372），须在乳山市范围内；两者要么都填，要么都不填。",
        "6. 日期按“年-月-日”填写，如 2022-07-21。",
        "7. 机井编号一井一码，同一文件内不能重复；已登记过的同一用水户的同一口井会被跳过，不会重复登记。",
        "8. 导入时逐行检查，只要有一处错误，整个文件都不会导入；可下载标注了错误的文件，改正后重新导入。",
        f"9. 所属镇（街道）可选：{'、'.join(town_names)}。镇（街道）只能导入本辖区的机井。",
    ]


def workbook(cols: list[Column], town_names: list[str]) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = SHEET
    bold = Font(bold=True)
    for index, col in enumerate(cols, start=1):
        cell = sheet.cell(row=1, column=index, value=col.header)
        cell.font = bold
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        if col.need == "required":
            cell.fill = REQUIRED_FILL
        note = f"{col.need_label}。{col.description}".rstrip("。") + "。"
        cell.comment = Comment(note, "乳山市自备井整治平台", width=240, height=90)
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = max(10, min(30, len(col.header) * 2 + 2))
        if col.name in TEXT_FIELDS or col.name in DATE_FIELDS:
            # Text cells: 18-digit codes must not become 9.1E+17; dates typed stay as typed.
            for row in range(2, TEMPLATE_ROWS + 2):
                sheet.cell(row=row, column=index).number_format = "@" if col.name in TEXT_FIELDS else "yyyy-mm-dd"
        values = town_names if col.name == "town" else choice_labels(col.name)
        if values:
            _add_list(book, sheet, col, values, f"{letter}2:{letter}{TEMPLATE_ROWS + 1}")
    sheet.freeze_panes = "A2"
    sheet.row_dimensions[1].height = 36
    notes = book.create_sheet("说明")
    notes.column_dimensions["A"].width = 110
    for row, text in enumerate(_instructions(town_names), start=1):
        notes.cell(row=row, column=1, value=text).alignment = Alignment(wrap_text=True)
    notes["A1"].font = Font(bold=True, size=14)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _add_list(book, sheet, col: Column, values: list[str], cells: str) -> None:
    inline = ",".join(values)
    if len(inline) + 2 <= INLINE_LIST_MAX and not any("," in v or '"' in v for v in values):
        formula = f'"{inline}"'
    else:  # too long (or awkward) to write inline: a hidden sheet holds the list
        lists = book[LISTS_SHEET] if LISTS_SHEET in book.sheetnames else book.create_sheet(LISTS_SHEET)
        lists.sheet_state = "hidden"
        column = lists.max_column + 1 if lists.max_row > 1 or lists["A1"].value else 1
        for row, value in enumerate(values, start=1):
            lists.cell(row=row, column=column, value=value).data_type = "s"
        letter = get_column_letter(column)
        formula = f"{quote_sheetname(LISTS_SHEET)}!${letter}$1:${letter}${len(values)}"
    validation = DataValidation(type="list", formula1=formula, allow_blank=True, showErrorMessage=True,
                                errorTitle="请从列表中选择", error=f"{col.header}：请从下拉列表中选择一项")
    validation.add(cells)
    sheet.add_data_validation(validation)
