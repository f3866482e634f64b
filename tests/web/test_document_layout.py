"""Every document template, and a document issued from one, laid out as GB/T 9704-2012 prints official
documents: A4, 天头 37 mm, 订口 28 mm, text area 156 × 225 mm holding 22 lines of 28 characters of 3号仿宋,
the title in 2号小标宋, "— 1 —" page numbers in 4号宋体 (odd pages right, even left), the 文号 without
padding and the 落款 with the date in Arabic numerals. (A rendered page was also looked at: see
docs/procedure.md "Documents and their layout"; the suite does not need LibreOffice.)"""
from __future__ import annotations

import io
from datetime import date

import pytest
from docx import Document as Docx
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Length, Pt

from webapp.core import db
from webapp.documents import catalogue, content, service
from webapp.models import Case, WaterUser, Well

KINDS = sorted(catalogue.KINDS)
TWIPS_PER_MM = 1440 / 25.4


def mm(length: Length) -> float:
    return round(length.mm, 1)


def _east_asian_font(rpr) -> str | None:
    fonts = rpr.find(qn("w:rFonts")) if rpr is not None else None
    return fonts.get(qn("w:eastAsia")) if fonts is not None else None


def check_layout(doc) -> None:
    (section,) = doc.sections
    assert (mm(section.page_width), mm(section.page_height)) == (210.0, 297.0)
    assert (mm(section.top_margin), mm(section.left_margin)) == (37.0, 28.0)  # 天头, 订口
    width = section.page_width.mm - section.left_margin.mm - section.right_margin.mm
    height = section.page_height.mm - section.top_margin.mm - section.bottom_margin.mm
    assert (round(width), round(height)) == (156, 225)  # 版心

    # Body: 3号 (16 pt) 仿宋 on 22 lines of 28 characters.
    normal = doc.styles["Normal"]
    assert normal.font.size == Pt(16) and _east_asian_font(normal.element.rPr) == "仿宋_GB2312"
    pitch = int(normal.element.find(qn("w:pPr")).find(qn("w:spacing")).get(qn("w:line"))) / 20  # pt
    grid = section._sectPr.find(qn("w:docGrid"))
    assert int(grid.get(qn("w:linePitch"))) / 20 == pitch
    height_pt = height * 72 / 25.4
    assert 22 * pitch <= height_pt < 23 * pitch
    condensed = int(normal.element.rPr.find(qn("w:spacing")).get(qn("w:val"))) / 20
    width_pt = width * 72 / 25.4
    assert 28 * (16 + condensed) <= width_pt < 29 * (16 + condensed)

    # Page numbers: different odd and even footers, each a PAGE field between dashes in 4号宋体.
    assert doc.settings.odd_and_even_pages_header_footer
    for footer, align in ((section.footer, WD_ALIGN_PARAGRAPH.RIGHT),
                          (section.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT)):
        (p,) = footer.paragraphs
        assert p.alignment == align
        assert [t.text.strip() for t in p._p.iter(qn("w:instrText"))] == ["PAGE"]
        assert p.text.startswith("— ") and p.text.endswith(" —")
        assert {(r.font.size, _east_asian_font(r._r.rPr)) for r in p.runs} == {(Pt(14), "宋体")}
    # Below the text area: the footer starts inside the bottom margin.
    assert section.footer_distance < section.bottom_margin


@pytest.mark.parametrize("code", KINDS)
def test_every_template_is_laid_out_as_the_standard_says(code):
    kind = catalogue.KINDS[code]
    doc = Docx(kind.template)
    check_layout(doc)
    title = next(p for p in doc.paragraphs if "{{ kind_name }}" in p.text)
    assert title.alignment == WD_ALIGN_PARAGRAPH.CENTER
    assert {(r.font.size, _east_asian_font(r._r.rPr)) for r in title.runs} == {(Pt(22), "方正小标宋简体")}
    # No table row is split across two pages (a signature's space and its date stay together).
    assert all(row._tr.trPr is not None and row._tr.trPr.find(qn("w:cantSplit")) is not None
               for table in doc.tables for row in table.rows)
    if code != "commitment":  # the party's letter: signed by the party, not by an authority
        closing = [p for p in doc.paragraphs if p.text.strip()][-2:]
        assert [p.text for p in closing] == ["{{ issuer }}", "{{ issued_on }}"]
        assert all(p.alignment == WD_ALIGN_PARAGRAPH.CENTER for p in closing)


def test_numbers_are_not_padded_and_keep_their_year():
    kind = catalogue.KINDS["rectification_notice"]
    assert kind.number(2026, 1) == "乳水责改〔2026〕1号"
    assert kind.number(2026, 12) == "乳水责改〔2026〕12号" and kind.number(2027, 105) == "乳水责改〔2027〕105号"


def test_an_issued_document_keeps_the_layout_and_prints_number_and_date_as_the_standard(app):
    with app.app_context():
        session = db.session()
        owner = WaterUser(kind="enterprise", name="乳山某某食品有限公司", party_id="91350100M000100Y43",
                          address="夏村镇工业园1号", town="xiacun")
        case = Case(well=Well(owner=owner, well_no="XC-001", town="xiacun", purpose="industrial"), town="xiacun",
                    registered_by="xiacun.clerk")
        session.add(case)
        session.flush()
        kind = catalogue.KINDS["service_receipt"]
        context = content.build(kind, case, kind.number(2026, 3), date(2026, 12, 6), {
            "notice_served_on": "2026-12-06", "service_method": "direct"},
            served={"kind_name": "责令限期整改通知书", "number": "乳水责改〔2026〕3号"})
        doc = Docx(io.BytesIO(service.render(kind, context)))
        session.rollback()
    check_layout(doc)
    texts = [p.text for p in doc.paragraphs if p.text.strip()]
    assert "乳水送达〔2026〕3号" in texts and texts[-2:] == ["乳山市水利局", "2026年12月6日"]
    # Room to sign (民事诉讼法 Arts 87–91): the recipient's, the witness's and the server's rows have height
    # and a date line; the server's notes have their own row.
    rows = {row.cells[0].text: row for row in doc.tables[0].rows}
    for label in ("受送达人签名或者盖章", "见证人签名或者盖章", "送达人签名"):
        assert rows[label].height is not None and round(rows[label].height.mm) >= 18
        assert rows[label].cells[1].paragraphs[-1].text == "年　　月　　日"
    assert "拒收事由和日期" in rows and "代收人签名及与受送达人的关系、代收理由" in rows and "送达人记明事项" in rows
