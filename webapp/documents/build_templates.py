"""Build the DOCX templates of the official documents (文书) from this file's text.

The committed ``templates/*.docx`` are what the app fills (docxtpl); the office may edit them in Word
or WPS without code, keeping the ``{{ … }}`` fields whole. This script only makes a fresh set, e.g.
after a field is added: ``python -m webapp.documents.build_templates``. It overwrites the files.

Layout follows 党政机关公文格式 in spirit: issuing authority and title centred, number under the title,
body in 仿宋 with the party as addressee, seal and date bottom right, rights and remedies last.
"""
from __future__ import annotations

from pathlib import Path

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Pt

HERE = Path(__file__).parent / "templates"
BODY_FONT, TITLE_FONT = "仿宋", "宋体"

# Each template: a list of (style, text). Styles: title, number, addressee, body, item (a loop over a
# list, written as docxtpl paragraph tags), sign (right-aligned), table (label/value rows).
HEAD = [("authority", "{{ issuer }}"), ("title", "{{ kind_name }}"), ("number", "{{ number }}")]
SIGN = [("blank", ""), ("sign", "{{ issuer }}（印章）"), ("sign", "{{ issued_on }}")]
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
        ("sign", "{{ issued_on }}"),
    ],
    "rectification_notice": HEAD + [
        ("addressee", "{{ party.name }}："),
        ("body", "经查，你（单位）位于{{ well.location }}的自备井（编号 {{ well.well_no }}）存在下列问题："),
        ("item", "{{ loop.index }}. {{ line }}", "problems"),
        ("body", "上述行为违反了{{ legal_basis_inline }}的规定。依据上述规定，现责令你（单位）按下列要求限期整改："),
        ("item", "{{ loop.index }}. {{ line }}", "orders"),
        ("body", "各项整改期限自本通知书送达之日（{{ data.notice_served_on }}）起计算（{{ deadline_rule }}），"
                 "全部问题应于{{ deadline }}前整改完毕。整改完成后，请及时向{{ water_authority }}书面报告，"
                 "并提供相关证明材料，逐项销号。"),
        ("body", "逾期不整改或整改不到位的，本机关将依法予以行政处罚，依法实施封井，并将你（单位）的失信行为"
                 "记入诚信档案、实施信用惩戒。"),
        ("body", "{{ remedies }}"),
    ] + SIGN,
    "service_receipt": HEAD + [
        ("table", [("送达文书", "{{ served.kind_name }}（{{ served.number }}）"),
                   ("受送达人", "{{ party.name }}"), ("送达地点", "{{ party.address }}"),
                   ("送达方式", "{{ data.service_method }}"), ("送达日期", "{{ data.notice_served_on }}"),
                   ("受送达人签收", "______________（签名）　　年　月　日"),
                   ("代收人及代收理由", ""), ("见证人", ""), ("送达人", "______________"),
                   ("备注", "{{ service_note }}")]),
    ] + SIGN,
    "sealing_record": HEAD + [
        PARTY_TABLE, WELL_TABLE,
        ("heading", "封井记录"),
        ("table", [("封井日期", "{{ data.sealed_on }}"), ("处置方式", "{{ data.disposal_type }}"),
                   ("封井编号（封条号）", "{{ data.seal_no }}"),
                   ("封井位置坐标", "北纬 {{ data.latitude }}，东经 {{ data.longitude }}"),
                   ("技术依据", "DB37/T 4634-2023《机井封停与启用技术规范》")]),
        ("heading", "验收意见"),
        ("body", "经现场查验，该井已按上述处置方式完成封停，井口封闭严密，封条完好，现场照片已存档。"),
        ("table", [("实施单位", "{{ issuer }}　　签名：______________"),
                   ("水行政主管部门", "{{ water_authority }}　　签名：______________"),
                   ("属地镇（街道）", "{{ town }}　　签名：______________"),
                   ("用水户", "{{ party.name }}　　签名：______________")]),
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
        ("sign", "{{ issued_on }}"),
    ],
}


def _font(run, name: str, size: float, bold: bool = False) -> None:
    run.font.name = name
    run.font.size = Pt(size)
    run.font.bold = bold
    run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), name)


def _paragraph(doc, text: str, *, size=16.0, font=BODY_FONT, bold=False, align=None, indent=True):
    p = doc.add_paragraph()
    if align is not None:
        p.alignment = align
    if indent and align is None:
        p.paragraph_format.first_line_indent = Pt(size * 2)
    _font(p.add_run(text), font, size, bold)
    return p


def build(kind: str, blocks: list) -> Document:
    doc = Document()
    for block in blocks:
        style = block[0]
        if style == "authority":
            _paragraph(doc, block[1], size=22, font=TITLE_FONT, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER)
        elif style == "title":
            _paragraph(doc, block[1], size=22, font=TITLE_FONT, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER)
        elif style == "number":
            _paragraph(doc, block[1], align=WD_ALIGN_PARAGRAPH.CENTER)
        elif style == "heading":
            _paragraph(doc, block[1], bold=True, indent=False, align=WD_ALIGN_PARAGRAPH.LEFT)
        elif style == "addressee":
            _paragraph(doc, block[1], indent=False, align=WD_ALIGN_PARAGRAPH.LEFT)
        elif style == "sign":
            _paragraph(doc, block[1], align=WD_ALIGN_PARAGRAPH.RIGHT)
        elif style == "blank":
            doc.add_paragraph()
        elif style == "item":
            # docxtpl paragraph tags: the {%p %} paragraphs vanish, the middle one repeats per item.
            _, text, source = block
            _paragraph(doc, f"{{%p for line in {source} %}}")
            _paragraph(doc, text)
            _paragraph(doc, "{%p endfor %}")
        elif style == "table":
            rows = block[1]
            table = doc.add_table(rows=len(rows), cols=2)
            table.style = "Table Grid"
            for row, (label, value) in zip(table.rows, rows):
                for cell, text, bold in ((row.cells[0], label, True), (row.cells[1], value, False)):
                    _font(cell.paragraphs[0].add_run(text), BODY_FONT, 12, bold)
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
