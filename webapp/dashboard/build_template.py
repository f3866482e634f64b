"""Build ``report_template.docx``, the DOCX of the weekly dispatch, monthly summary and briefing.

The committed .docx is what the app fills with docxtpl; the office edits it in Word or WPS without code
(wording, letterhead, who it is sent to), keeping each ``{{ … }}`` field and ``{%tr … %}`` row whole.
This script only makes a fresh one, e.g. after a figure is added:
``.venv/bin/python -m webapp.dashboard.build_template`` (it overwrites the file).

Fields (see ``reports.context``): ``report.*`` (title, kind_name, issue_label, date_label, issuer),
``period.label`` / ``period.end_label``, ``generated_at``, ``current_phases``, ``totals.*`` (the
dashboard's counts), and the rows of ``towns``, ``categories``, ``stages``, ``departments``, ``weeks``
and ``phases`` — the same names as the figures stored with a published report.
"""
from __future__ import annotations

from datetime import datetime
from pathlib import Path

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

TEMPLATE = Path(__file__).with_name("report_template.docx")
BODY, TITLE = "仿宋", "宋体"
RED = RGBColor(0xC0, 0x00, 0x00)

INTRO = [
    "统计期：{{ period.label }}。数据生成时间：{{ generated_at }}。当前行动阶段：{{ current_phases }}。",
]
OVERVIEW = [
    "截至{{ period.end_label }}，全市共登记自备井{{ totals.registered }}眼，其中本期新登记{{ totals.new }}眼；"
    "已办结{{ totals.closed }}件（本期{{ totals.closed_in_period }}件），未办结{{ totals.open }}件"
    "{% if totals.cancelled %}，撤销{{ totals.cancelled }}件{% endif %}。",
    "已封井{{ totals.sealed }}眼（本期{{ totals.sealed_in_period }}眼），已办理取水许可{{ totals.permitted }}眼"
    "（本期{{ totals.permitted_in_period }}眼），暂不列入封停{{ totals.exempt }}眼，"
    "纳入信用监管{{ totals.sanctioned }}件。",
    "截至数据生成时，整改中{{ totals.in_rectification }}件；各部门待办任务{{ totals.open_tasks }}项，"
    "其中逾期{{ totals.overdue_tasks }}项。",
]
# (heading, loop variable, list, [(column header, cell field)], total row or None)
TABLES = [
    ("二、各镇区进展", "t", "towns",
     [("镇区", "t.name"), ("登记", "t.registered"), ("本期新登记", "t.new"), ("已办结", "t.closed"),
      ("未办结", "t.open"), ("已封井", "t.sealed"), ("已办证", "t.permitted"), ("暂不封停", "t.exempt"),
      ("办结率", "t.rate")],
     ["合计", "totals.registered", "totals.new", "totals.closed", "totals.open", "totals.sealed",
      "totals.permitted", "totals.exempt", "totals.rate"]),
    ("三、分类情况", "c", "categories", [("分类", "c.name"), ("案件", "c.cases"), ("已办结", "c.closed")], None),
    ("四、当前办理环节", "s", "stages", [("环节", "s.name"), ("办理中（件）", "s.cases"), ("逾期（件）", "s.overdue")],
     None),
    ("五、各部门待办任务", "d", "departments", [("部门", "d.name"), ("待办（项）", "d.open"), ("逾期（项）", "d.overdue")],
     None),
    ("六、近期每周进展", "w", "weeks",
     [("周", "w.range"), ("新登记", "w.registered"), ("办结", "w.closed"), ("封井", "w.sealed")], None),
    ("七、行动阶段", "p", "phases", [("阶段", "p.name"), ("时间", "p.dates"), ("状态", "p.status")], None),
]


def _font(run, name: str, size: float, bold: bool = False, color=None) -> None:
    run.font.name, run.font.size, run.font.bold = name, Pt(size), bold
    if color is not None:
        run.font.color.rgb = color
    run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), name)  # Chinese glyphs use it


def _paragraph(doc, text: str, size=16.0, font=BODY, bold=False, align=None, indent=True, color=None):
    p = doc.add_paragraph()
    if align is not None:
        p.alignment = align
    elif indent:
        p.paragraph_format.first_line_indent = Pt(size * 2)
    p.paragraph_format.space_after = Pt(0)
    _font(p.add_run(text), font, size, bold, color)  # one run: docxtpl needs each tag in one piece
    return p


def _cell(cell, text: str, bold: bool = False) -> None:
    p = cell.paragraphs[0]
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _font(p.add_run(text), BODY, 10.5, bold)


def _table(doc, var: str, items: str, columns: list[tuple[str, str]], total: list[str] | None) -> None:
    table = doc.add_table(rows=0, cols=len(columns))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cell, (header, _) in zip(table.add_row().cells, columns):
        _cell(cell, header, bold=True)
    _cell(table.add_row().cells[0], f"{{%tr for {var} in {items} %}}")  # docxtpl drops this row
    for cell, (_, field) in zip(table.add_row().cells, columns):
        _cell(cell, f"{{{{ {field} }}}}")
    _cell(table.add_row().cells[0], "{%tr endfor %}")
    if total:
        for cell, field in zip(table.add_row().cells, total):
            _cell(cell, field if field == "合计" else f"{{{{ {field} }}}}", bold=True)


def build(path: Path = TEMPLATE) -> Path:
    doc = Document()
    section = doc.sections[0]
    section.page_height, section.page_width = Cm(29.7), Cm(21.0)
    section.top_margin, section.bottom_margin = Cm(3.7), Cm(3.5)
    section.left_margin, section.right_margin = Cm(2.8), Cm(2.6)
    _paragraph(doc, "{{ report.title }}", 26, TITLE, True, WD_ALIGN_PARAGRAPH.CENTER, color=RED)
    _paragraph(doc, "{{ report.issue_label }}", 16, BODY, False, WD_ALIGN_PARAGRAPH.CENTER)
    _paragraph(doc, "{{ report.issuer }}　　　　{{ report.date_label }}", 14, BODY, False, WD_ALIGN_PARAGRAPH.CENTER)
    _paragraph(doc, "━" * 24, 12, BODY, False, WD_ALIGN_PARAGRAPH.CENTER, color=RED)
    for text in INTRO:
        _paragraph(doc, text)
    _paragraph(doc, "一、总体进展", 16, "黑体", indent=True)
    for text in OVERVIEW:
        _paragraph(doc, text)
    for heading, var, items, columns, total in TABLES:
        _paragraph(doc, heading, 16, "黑体", indent=True)
        _table(doc, var, items, columns, total)
    _paragraph(doc, "")
    _paragraph(doc, "报：市政府。", 14, indent=False)
    _paragraph(doc, "送：乳山市地下水专项整治工作领导小组各成员单位。", 14, indent=False)
    # Fixed metadata: a rebuilt template differs from the committed one only where its content does.
    props = doc.core_properties
    props.author = props.last_modified_by = "乳山市地下水专项整治工作领导小组办公室"
    props.title, props.revision = "地下水专项整治行动调度与简报模板", 1
    props.created = props.modified = datetime(2026, 1, 1)
    doc.save(path)
    return path


if __name__ == "__main__":
    print(build())
