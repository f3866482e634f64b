"""Build the DOCX templates of the official documents (文书) from this file's text.

The committed ``templates/*.docx`` are what the app fills (docxtpl); the office may edit them in Word
or WPS without code, keeping the ``{{ … }}`` fields whole. This script only makes a fresh set, e.g.
after a field is added: ``python -m webapp.documents.build_templates``. It overwrites the files.

Layout: GB/T 9704-2012 党政机关公文格式, which enforcement documents follow for page and type (see
docs/procedure.md "Documents and their layout"): A4; 天头 37 mm, 订口 28 mm, text area 156 × 225 mm; body in
3号仿宋, 22 lines of 28 characters (a line grid and a slightly condensed pitch); titles in 2号小标宋; first-level headings in 3号黑体; page
numbers "— 1 —" in 4号 半角宋体 below the text area, odd pages right and even pages left, one character
in from the edge; the issuing authority and the date (2026年12月6日) centred over each other with the date
four characters in from the right, where the seal is pressed on both.
"""
from __future__ import annotations

from pathlib import Path

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

HERE = Path(__file__).parent / "templates"
# Font names as Chinese government PCs (and WPS) carry them; Word substitutes a similar face where one
# is missing, LibreOffice by fontconfig (Noto CJK).
BODY_FONT, TITLE_FONT, HEADING_FONT, PAGE_NO_FONT = "仿宋_GB2312", "方正小标宋简体", "黑体", "宋体"
BODY_PT, TITLE_PT, PAGE_NO_PT, TABLE_PT = 16, 22, 14, 14  # 3号, 2号, 4号; tables in 4号 to fit a label column

PAGE_WIDTH, PAGE_HEIGHT = 210, 297  # mm, A4
TOP, LEFT, TEXT_WIDTH, TEXT_HEIGHT = 37, 28, 156, 225  # mm: 天头, 订口, 版心
RIGHT, BOTTOM = PAGE_WIDTH - LEFT - TEXT_WIDTH, PAGE_HEIGHT - TOP - TEXT_HEIGHT  # 26 mm, 35 mm
LINES, CHARS = 22, 28
_PT_PER_MM = 72 / 25.4
# The grid in twentieths of a point, rounded down so that 22 lines and 28 characters always fit.
LINE_PITCH = int(TEXT_HEIGHT * _PT_PER_MM / LINES * 20)  # 579: 28.95 pt
# 28 characters in 156 mm is a pitch of 15.79 pt, a little less than the 16 pt type: the body is set 0.25 pt
# condensed (w:spacing, in twentieths of a point). A character grid (docGrid linesAndChars) would do the same
# in Word, but LibreOffice then gives each 16 pt character two grid cells and prints 14 to a line.
CHAR_PITCH = TEXT_WIDTH * _PT_PER_MM / CHARS
CONDENSE = -int((BODY_PT - CHAR_PITCH) * 20 + 1)  # -5: 15.75 pt a character, 28 to the line
# The page number's line: its top 7 mm below the text area (§7.5), measured from the page's bottom edge.
FOOTER_DISTANCE = BOTTOM - 7 - 5  # mm, the 4号 line is about 5 mm high
# The closing (署名 and 成文日期) is centred on a point four characters plus half a date in from the right.
CLOSING_INDENT = 75  # mm from the left edge of the text area

# Each template: a list of (style, text). Styles: title, number, addressee, body, item (a loop over a
# list, written as docxtpl paragraph tags), sign (right-aligned), table (label/value rows).
HEAD = [("authority", "{{ issuer }}"), ("title", "{{ kind_name }}"), ("number", "{{ number }}")]
# 落款: the issuing authority and 成文日期 in Arabic numerals (2026年12月6日), where the seal is pressed.
SIGN = [("blank", ""), ("blank", ""), ("closing", "{{ issuer }}"), ("closing", "{{ issued_on }}")]
PARTY_TABLE = ("table", [("当事人", "{{ party.name }}"), ("证件号码", "{{ party.party_id }}"),
                         ("法定代表人", "{{ party.legal_rep }}"), ("地址", "{{ party.address }}"),
                         ("联系电话", "{{ party.phone }}")])
WELL_TABLE = ("table", [("案件编号", "{{ case_number }}"), ("机井编号", "{{ well.well_no }}"),
                        ("机井位置", "{{ well.location }}"), ("坐标", "{{ well.coordinates }}"),
                        ("取水用途", "{{ well.purpose }}")])

TEMPLATES = {
    # The party writes the letter: no issuing authority above it, the bureau it is addressed to below.
    "commitment": HEAD[1:] + [
        ("addressee", "{{ water_authority }}："),
        ("body", "本人（单位）{{ party.name }}（证件号码 {{ party.party_id }}）使用位于{{ well.location }}的自备井"
                 "（编号 {{ well.well_no }}），已知悉《中华人民共和国水法》《地下水管理条例》《山东省水资源条例》"
                 "及乳山市自备井专项整治工作的要求，郑重承诺："),
        ("body", "一、如实申报自备井的数量、位置、用途和取水量，不隐瞒、不漏报；"),
        ("body", "二、配合现场检查，不拒绝、不阻挠执法人员依法履行职责；"),
        ("body", "三、在公共供水管网覆盖范围内的，按要求停止取用地下水并配合封井；未覆盖的，依法办理取水许可、"
                 "安装计量设施并缴纳水资源税；"),
        ("body", "四、违反上述承诺的，自愿承担相应法律责任，并同意将失信行为记入诚信档案。"),
        ("blank", ""),
        ("sign", "承诺人（签字或盖章）：{{ data.signatory }}"),
        ("sign", "签订日期：{{ data.signed_on }}"),
        ("sign", "见证单位：{{ data.witness_department }}"),
    ],
    "inspection_record": HEAD + [
        ("table", [("检查时间", "{{ data.inspected_on }}"), ("检查地点", "{{ well.location }}"),
                   ("检查人员", "{{ data.inspectors }}")]),
        PARTY_TABLE, WELL_TABLE,
        ("heading", "检查事项"),
        ("table", [("是否在公共供水管网覆盖范围内", "{{ data.in_coverage }}"), ("是否办理取水许可", "{{ data.has_permit }}"),
                   ("取水用途", "{{ data.purpose }}"), ("是否属于城中村", "{{ data.urban_village }}"),
                   ("是否安装计量设施", "{{ data.has_meter }}"),
                   ("是否已登记缴纳水资源税和污水处理费", "{{ data.tax_registered }}"),
                   ("是否拒绝或阻挠检查", "{{ data.obstructed }}")]),
        ("heading", "检查情况"),
        ("item", "{{ line }}", "findings"),
        ("body", "以上笔录经当事人核对无误。当事人对检查结果有异议的，可在笔录上注明。"),
        ("blank", ""),
        ("sign", "检查人员（签名）：______________"),
        ("sign", "当事人（签名）：______________"),
    ] + SIGN,
    "rectification_notice": HEAD + [
        ("addressee", "{{ party.name }}："),
        ("body", "经查，你（单位）位于{{ well.location }}的自备井（编号 {{ well.well_no }}）存在下列问题："),
        ("item", "{{ loop.index }}. {{ line }}", "problems"),
        # The basis is the union of the problems' articles when the context has it (basis_articles).
        ("body", "上述行为违反了{% if basis_articles is defined and basis_articles %}{{ basis_articles|join('、') }}"
                 "{% else %}{{ legal_basis_inline }}{% endif %}的规定。依据上述规定，现责令你（单位）按下列要求限期整改："),
        ("item", "{{ loop.index }}. {{ line }}", "orders"),
        ("body", "各项整改期限自本通知书送达之日（{{ data.notice_served_on }}）起计算（{{ deadline_rule }}），"
                 "全部问题应于{{ deadline }}前（含当日）整改完毕。整改完成后，请及时向{{ water_authority }}书面报告，"
                 "并提供相关证明材料，逐项销号。"),
        ("body", "逾期不整改或整改不到位的，本机关将依法予以行政处罚，依法实施封井，并将你（单位）的失信行为"
                 "记入诚信档案、实施信用惩戒。"),
        ("body", "{{ remedies }}"),
    ] + SIGN,
    # 民事诉讼法 Arts 87–91: the receipt is signed and dated by the recipient (or an adult family member, an
    # agent, a designated receiver); a refusal is noted with its reason and date by the server and a
    # witness (留置送达). Each has room to write by hand.
    "service_receipt": HEAD + [
        ("table", [("送达文书", "{{ served.kind_name }}（{{ served.number }}）"),
                   ("受送达人", "{{ party.name }}"), ("送达地点", "{{ party.address }}"),
                   ("送达方式", "{{ data.service_method }}"), ("送达日期", "{{ data.notice_served_on }}"),
                   ("受送达人签名或者盖章", "", 30, "dated"),
                   ("代收人签名及与受送达人的关系、代收理由", "", 26, "dated"),
                   ("拒收事由和日期", "", 18),
                   ("见证人签名或者盖章", "", 18, "dated"),
                   ("送达人签名", "", 18, "dated"),
                   ("送达人记明事项", "{{ service_note }}", 22)]),
    ] + SIGN,
    "sealing_record": HEAD + [
        PARTY_TABLE, WELL_TABLE,
        ("heading", "封井情况"),
        ("table", [("封井日期", "{{ data.sealed_on }}"), ("处置方式", "{{ data.disposal_type }}"),
                   ("封井编号（封条号）", "{{ data.seal_no }}"),
                   ("封井位置坐标", "北纬 {{ data.latitude }}，东经 {{ data.longitude }}"),
                   ("技术依据", "DB37/T 4634-2023《机井封停与启用技术规范》"),
                   ("备注", "{{ data.sealing_notes }}")]),
        ("body", "封井后由{{ water_authority }}组织验收，验收情况另见封井验收单。"),
        ("table", [("执法人员签名", "", 20, "dated"), ("当事人或者见证人签名", "", 20, "dated")]),
    ] + SIGN,
    # Issued at the acceptance, with its own date, opinion and the units that took part.
    "seal_acceptance": HEAD + [
        PARTY_TABLE, WELL_TABLE,
        ("heading", "一、验收的封井"),
        ("table", [("封井方式", "{{ sealing.how }}"), ("封井记录编号", "{{ sealing.record }}"),
                   ("封井日期", "{{ sealing.sealed_on }}"), ("处置方式", "{{ sealing.disposal_type }}"),
                   ("封井编号（封条号）", "{{ sealing.seal_no }}"), ("封井位置坐标", "{{ sealing.position }}"),
                   ("技术依据", "DB37/T 4634-2023《机井封停与启用技术规范》")]),
        ("heading", "二、验收情况"),
        ("table", [("验收日期", "{{ data.accepted_on }}"), ("验收结论", "{{ acceptance_result }}"),
                   ("验收意见", "{{ data.acceptance_opinion }}")]),
        ("heading", "三、参加验收单位签字"),
        ("signing", ("参加验收单位", "签名", "日期"), "unit", "signatories"),
    ] + SIGN,
    "non_renewal": HEAD + [
        ("addressee", "{{ party.name }}："),
        ("body", "你（单位）持有的取水许可证（{{ data.permit_no }}）有效期至{{ data.permit_expires_on }}，"
                 "取水地点为{{ well.location }}（机井编号 {{ well.well_no }}）。"),
        ("body", "{{ data.non_renewal_grounds }}"),
        ("body", "依据《中华人民共和国行政许可法》第五十条，本机关决定：对上述取水许可不予延续。许可有效期届满后，"
                 "你（单位）应停止取用地下水，配合接通公共供水，并依法封停自备井。"),
        ("body", "{{ remedies }}"),
    ] + SIGN,
    "patrol_record": HEAD + [
        PARTY_TABLE, WELL_TABLE,
        ("table", [("巡查日期", "{{ data.patrolled_on }}"), ("巡查人员", "{{ data.patrollers }}"),
                   ("封存设施是否完好", "{{ data.seal_intact }}"), ("是否恢复取水或私自启封", "{{ data.abstraction_resumed }}"),
                   ("是否继续定期巡查", "{{ data.continue_patrol }}")]),
        ("heading", "巡查情况"),
        ("item", "{{ line }}", "patrol_findings"),
        ("body", "发现封存设施被破坏或恢复取水的，属于新的违法行为，由执法部门依法从重处罚并重新封井。"),
        ("blank", ""),
        ("sign", "巡查人员（签名）：______________"),
    ] + SIGN,
}


def _set_fonts(rpr, name: str) -> None:
    fonts = rpr.get_or_add_rFonts()
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attr), name)
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(attr), None)


def _font(run, name: str, size: float, bold: bool = False) -> None:
    run.font.name = name
    run.font.size = Pt(size)
    run.font.bold = bold
    _set_fonts(run._element.get_or_add_rPr(), name)


def _exact(p, points: float) -> None:
    p.paragraph_format.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    p.paragraph_format.line_spacing = Pt(points)


_AFTER_SNAP_TO_GRID = ("w:spacing", "w:ind", "w:contextualSpacing", "w:mirrorIndents", "w:suppressOverlap", "w:jc",
                       "w:textDirection", "w:textAlignment", "w:textboxTightWrap", "w:outlineLvl", "w:divId",
                       "w:cnfStyle", "w:rPr", "w:sectPr", "w:pPrChange")


def _no_grid(p) -> None:
    """Table cells and the footer keep their own line height instead of snapping to the body's grid."""
    snap = OxmlElement("w:snapToGrid")
    snap.set(qn("w:val"), "0")
    # In the schema's order (ECMA-376 §17.3.1.26): Word refuses a file whose pPr children are out of order.
    p._p.get_or_add_pPr().insert_element_before(snap, *_AFTER_SNAP_TO_GRID)


def _paragraph(doc, text: str, *, size=BODY_PT, font=BODY_FONT, bold=False, align=None, indent=True):
    p = doc.add_paragraph()
    if align is not None:
        p.alignment = align
    if indent and align is None:
        p.paragraph_format.first_line_indent = Pt(size * 2)  # 首行缩进二字
    _font(p.add_run(text), font, size, bold)
    return p


def _page_setup(doc) -> None:
    """A4, the standard's margins, the 22 × 28 grid, and the body's type as the Normal style."""
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(PAGE_WIDTH), Mm(PAGE_HEIGHT)
    section.top_margin, section.bottom_margin = Mm(TOP), Mm(BOTTOM)
    section.left_margin, section.right_margin = Mm(LEFT), Mm(RIGHT)
    section.header_distance, section.footer_distance = Mm(15), Mm(FOOTER_DISTANCE)
    grid = section._sectPr.find(qn("w:docGrid"))
    if grid is None:
        grid = OxmlElement("w:docGrid")
        section._sectPr.append(grid)
    grid.set(qn("w:type"), "lines")
    grid.set(qn("w:linePitch"), str(LINE_PITCH))
    normal = doc.styles["Normal"]
    normal.font.name, normal.font.size = BODY_FONT, Pt(BODY_PT)
    rpr = normal.element.get_or_add_rPr()
    _set_fonts(rpr, BODY_FONT)
    spacing = OxmlElement("w:spacing")
    spacing.set(qn("w:val"), str(CONDENSE))
    rpr.insert_element_before(spacing, "w:w", "w:kern", "w:position", "w:sz", "w:szCs", "w:highlight", "w:u",
                              "w:effect", "w:bdr", "w:shd", "w:fitText", "w:vertAlign", "w:rtl", "w:cs", "w:em",
                              "w:lang", "w:eastAsianLayout", "w:specVanish", "w:oMath")
    fmt = normal.paragraph_format
    fmt.space_before = fmt.space_after = Pt(0)
    fmt.line_spacing_rule, fmt.line_spacing = WD_LINE_SPACING.EXACTLY, Pt(LINE_PITCH / 20)
    fmt.widow_control = False  # the grid: every page has its 22 lines
    # No extra space between Chinese and figures: 乳水责改〔2026〕1号, 2026年12月6日 as the standard prints them.
    ppr = normal.element.get_or_add_pPr()
    for name in ("w:autoSpaceDE", "w:autoSpaceDN"):
        off = OxmlElement(name)
        off.set(qn("w:val"), "0")
        ppr.insert_element_before(off, "w:bidi", "w:adjustRightInd", "w:snapToGrid", "w:spacing", "w:ind",
                                  "w:contextualSpacing", "w:mirrorIndents", "w:suppressOverlap", "w:jc",
                                  "w:textDirection", "w:textAlignment", "w:textboxTightWrap", "w:outlineLvl",
                                  "w:divId", "w:cnfStyle", "w:rPr", "w:sectPr", "w:pPrChange")


def _page_number(footer, odd: bool) -> None:
    """"— 1 —" with a PAGE field, 4号 宋体, one character in from the outer edge (§7.5)."""
    p = footer.paragraphs[0]
    p.alignment = WD_ALIGN_PARAGRAPH.RIGHT if odd else WD_ALIGN_PARAGRAPH.LEFT
    if odd:
        p.paragraph_format.right_indent = Pt(PAGE_NO_PT)
    else:
        p.paragraph_format.left_indent = Pt(PAGE_NO_PT)
    p.paragraph_format.first_line_indent = Pt(0)
    _exact(p, PAGE_NO_PT * 1.5)
    _no_grid(p)

    def run(text: str | None = None, field: str | None = None, char: str | None = None):
        r = p.add_run(text or "")
        _font(r, PAGE_NO_FONT, PAGE_NO_PT)
        if char:
            element = OxmlElement("w:fldChar")
            element.set(qn("w:fldCharType"), char)
            r._r.append(element)
        if field:
            element = OxmlElement("w:instrText")
            element.set(qn("xml:space"), "preserve")
            element.text = field
            r._r.append(element)

    run("— ")
    run(char="begin")
    run(field=" PAGE ")
    run(char="separate")
    run("1")
    run(char="end")
    run(" —")


def _footers(doc) -> None:
    doc.settings.odd_and_even_pages_header_footer = True
    section = doc.sections[0]
    _page_number(section.footer, odd=True)
    _page_number(section.even_page_footer, odd=False)


DATE_LINE = "年　　月　　日"  # written by hand next to a signature


def _cell_text(cell, width, text: str, bold: bool = False, align=None) -> None:
    cell.width = width
    p = cell.paragraphs[0] if not cell.paragraphs[0].runs else cell.add_paragraph()
    _no_grid(p)
    _exact(p, TABLE_PT * 1.5)
    if align is not None:
        p.alignment = align
        p.paragraph_format.right_indent = Pt(TABLE_PT * 2)
    _font(p.add_run(text), BODY_FONT, TABLE_PT, bold)


def _widths(table, widths) -> None:
    """Column widths in the table's grid as well as in its cells (LibreOffice reads the grid); and no row
    split across two pages (a signature's space and its date stay on one page)."""
    for column, width in zip(table.columns, widths):
        column.width = width
    for row in table.rows:
        row._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))


def _table(doc, rows: list) -> None:
    """Label and value rows across the text area. A row may add its height in mm (room to sign by hand)
    and ``"dated"``: a date line at the bottom right of the value cell."""
    table = doc.add_table(rows=len(rows), cols=2)
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    widths = (Mm(44), Mm(TEXT_WIDTH - 44))
    _widths(table, widths)
    for row, spec in zip(table.rows, rows):
        label, value, *extra = spec
        if extra:
            row.height = Mm(extra[0])
        _cell_text(row.cells[0], widths[0], label, bold=True)
        _cell_text(row.cells[1], widths[1], value)
        if "dated" in extra:
            # The date sits at the bottom of the signing space: blank lines for the signature above it.
            for _ in range(2):
                _cell_text(row.cells[1], widths[1], "")
            _cell_text(row.cells[1], widths[1], DATE_LINE, align=WD_ALIGN_PARAGRAPH.RIGHT)


def _signing_table(doc, header: tuple[str, str, str], item: str, source: str) -> None:
    """One row per item of ``source`` (docxtpl row tags), with room for a signature and a date."""
    table = doc.add_table(rows=4, cols=3)
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    widths = (Mm(56), Mm(58), Mm(TEXT_WIDTH - 114))
    _widths(table, widths)
    cells = [header, (f"{{%tr for {item} in {source} %}}", "", ""), (f"{{{{ {item} }}}}", "", DATE_LINE),
             ("{%tr endfor %}", "", "")]
    for n, (row, texts) in enumerate(zip(table.rows, cells)):
        if n == 2:
            row.height = Mm(16)
        for cell, width, text in zip(row.cells, widths, texts):
            _cell_text(cell, width, text, bold=n == 0)


def build(kind: str, blocks: list) -> Document:
    doc = Document()
    _page_setup(doc)
    _footers(doc)
    doc.paragraphs and doc.paragraphs[0]._p.getparent().remove(doc.paragraphs[0]._p)
    for block in blocks:
        style = block[0]
        if style in ("authority", "title"):
            p = _paragraph(doc, block[1], size=TITLE_PT, font=TITLE_FONT, align=WD_ALIGN_PARAGRAPH.CENTER)
            p.paragraph_format.line_spacing_rule = WD_LINE_SPACING.AT_LEAST  # 2号 needs more than one grid line
        elif style == "number":
            _paragraph(doc, block[1], align=WD_ALIGN_PARAGRAPH.CENTER)
        elif style == "heading":
            _paragraph(doc, block[1], font=HEADING_FONT, indent=False, align=WD_ALIGN_PARAGRAPH.LEFT)
        elif style == "addressee":
            _paragraph(doc, block[1], indent=False, align=WD_ALIGN_PARAGRAPH.LEFT)
        elif style == "sign":
            p = _paragraph(doc, block[1], align=WD_ALIGN_PARAGRAPH.RIGHT)
            p.paragraph_format.right_indent = Pt(BODY_PT * 2)
        elif style == "closing":
            p = _paragraph(doc, block[1], align=WD_ALIGN_PARAGRAPH.CENTER)
            p.paragraph_format.left_indent = Mm(CLOSING_INDENT)
        elif style == "blank":
            doc.add_paragraph()
        elif style == "item":
            # docxtpl paragraph tags: the {%p %} paragraphs vanish, the middle one repeats per item.
            _, text, source = block
            _paragraph(doc, f"{{%p for line in {source} %}}")
            _paragraph(doc, text)
            _paragraph(doc, "{%p endfor %}")
        elif style == "table":
            _table(doc, block[1])
        elif style == "signing":
            _, header, item, source = block
            _signing_table(doc, header, item, source)
        else:
            _paragraph(doc, block[1])
    return doc


def main() -> None:
    # Imported here: penalty_templates builds on this module's HEAD, SIGN and tables.
    from .penalty_templates import PENALTY_TEMPLATES
    HERE.mkdir(exist_ok=True)
    for kind, blocks in {**TEMPLATES, **PENALTY_TEMPLATES}.items():
        build(kind, blocks).save(HERE / f"{kind}.docx")
        print(f"wrote {HERE / f'{kind}.docx'}")


if __name__ == "__main__":
    main()
