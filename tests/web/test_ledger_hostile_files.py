"""Ledger uploads built to hurt (issue 12): zip bombs, a directory that lies, a million blank rows, broken
XML, entities and "billion laughs". Each is refused with a Chinese message naming what is wrong, quickly
and in bounded memory; the error report is written from the rows already read, never by re-parsing."""
from __future__ import annotations

import io
import struct
import time
import tracemalloc
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import func, select
from test_ledger import credit_code, ledger, row, upload

from webapp.core import db
from webapp.ledger import archive, checks, report
from webapp.models import Well

SHEET = "xl/worksheets/sheet1.xml"
STRINGS = "xl/sharedStrings.xml"
HEAD = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">')


def with_part(data: bytes, name: str, content: bytes | None = None, writer=None) -> bytes:
    """The workbook ``data`` with part ``name`` replaced by ``content`` (or written by ``writer(stream)``)."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            if info.filename != name:
                target.writestr(info, source.read(info.filename))
        if writer is None:
            target.writestr(name, content)
        else:
            info = zipfile.ZipInfo(name)
            info.compress_type = zipfile.ZIP_DEFLATED
            with target.open(info, "w", force_zip64=True) as stream:
                writer(stream)
    return out.getvalue()


def good() -> bytes:
    return ledger([row(1), row(2)])


def refused(data: bytes) -> str:
    with pytest.raises(checks.LedgerUnreadable) as caught:
        checks.read(data)
    return str(caught.value)


def measured(data: bytes) -> tuple[str, float, int]:
    """(refusal message, seconds, peak bytes allocated while reading)."""
    tracemalloc.start()
    started = time.perf_counter()
    try:
        message = refused(data)
    finally:
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    return message, time.perf_counter() - started, peak


def zip_bomb(unpacked_mb: int) -> bytes:
    """A valid sheet padded with spaces: ``unpacked_mb`` MB of XML that packs to a few hundred KB."""
    def write(stream):
        stream.write(HEAD.encode() + b"<sheetData>")
        block = b" " * (1024 * 1024)
        for _ in range(unpacked_mb):
            stream.write(block)
        stream.write(b"</sheetData></worksheet>")
    return with_part(good(), SHEET, writer=write)


def test_a_zip_bomb_is_refused_from_the_zip_directory_before_anything_is_unpacked():
    bomb = zip_bomb(200)
    assert len(bomb) < 1024 * 1024
    message, seconds, peak = measured(bomb)
    assert "解压后有 200 MB" in message and "上限 20 MB" in message
    assert seconds < 0.5 and peak < 5 * 1024 * 1024  # nothing inflated (main: 12 s and 1.2 GB for 1 GB)


def test_an_unusual_compression_ratio_is_refused():
    def write(stream):
        stream.write(HEAD.encode() + b"<sheetData>" + b" " * (5 * 1024 * 1024) + b"</sheetData></worksheet>")
    message = refused(with_part(good(), SHEET, writer=write))
    assert "压缩比异常" in message


def test_a_directory_that_understates_a_part_cannot_make_it_inflate_further():
    """zipfile stops at the declared size (then fails the checksum): the directory's sizes bind."""
    padded = with_part(good(), SHEET, HEAD.encode() + b"<sheetData>" + b" " * (30 * 1024 * 1024)
                       + b"</sheetData></worksheet>")
    entry = padded.rindex(b"PK\x01\x02")  # the last directory entry: with_part writes the sheet last
    assert padded[entry + 46:entry + 46 + len(SHEET)] == SHEET.encode()
    lying = bytearray(padded)
    lying[entry + 24:entry + 28] = struct.pack("<I", 4096)  # "uncompressed size: 4 KB"
    message, seconds, peak = measured(bytes(lying))
    assert "已损坏" in message and seconds < 0.5 and peak < 5 * 1024 * 1024


def test_a_hundred_thousand_blank_rows_are_refused_while_streaming():
    rows = "".join(f'<row r="{n}"/>' for n in range(2, 100_002))
    data = with_part(good(), SHEET, (HEAD + '<sheetData><row r="1"><c t="inlineStr"><is><t>机井编号</t></is></c></row>'
                                     + rows + "</sheetData></worksheet>").encode())
    message, seconds, peak = measured(data)
    assert "行数超过 10,000 行（空行也计算在内）" in message
    assert seconds < 1.5 and peak < 5 * 1024 * 1024


def test_a_row_numbered_a_million_is_refused_without_walking_the_gap():
    data = with_part(good(), SHEET, (HEAD + '<sheetData><row r="1000000"><c r="A1000000" t="inlineStr"><is><t>x</t>'
                                     '</is></c></row></sheetData></worksheet>').encode())
    message, seconds, _ = measured(data)
    assert "行数超过" in message and seconds < 0.5


def test_a_row_with_too_many_cells_is_refused():
    cells = "<c/>" * 1001
    data = with_part(good(), SHEET, (HEAD + f'<sheetData><row r="1">{cells}</row></sheetData></worksheet>').encode())
    assert "超过 1,000 个单元格" in refused(data)


def test_malformed_sheet_xml_is_refused():
    data = with_part(good(), SHEET, (HEAD + '<sheetData><row r="1"><c r="A1"><v>1</v></row></sheetData>').encode())
    message = refused(data)
    assert "工作表数据" in message and "XML 格式错误" in message


def test_an_external_entity_is_refused():
    xxe = ('<?xml version="1.0"?><!DOCTYPE worksheet [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
           '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
           '<row r="1"><c r="A1" t="inlineStr"><is><t>&x;</t></is></c></row></sheetData></worksheet>')
    message = refused(with_part(good(), SHEET, xxe.encode()))
    assert "DTD/实体定义" in message and "root:" not in message


def test_billion_laughs_in_the_shared_strings_is_refused():
    entities = '<!ENTITY a0 "ha">' + "".join(f'<!ENTITY a{i} "{("&a%d;" % (i - 1)) * 10}">' for i in range(1, 10))
    laughs = (f'<?xml version="1.0"?><!DOCTYPE sst [{entities}]>'
              '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1">'
              '<si><t>&a9;</t></si></sst>')
    message, seconds, peak = measured(with_part(good(), STRINGS, laughs.encode()))
    assert "共享文字表" in message and "DTD/实体定义" in message
    assert seconds < 0.5 and peak < 5 * 1024 * 1024


def test_openpyxl_reads_with_defusedxml():
    """The second guard: openpyxl parses the sheet with defusedxml when it is installed (requirements.txt)."""
    from openpyxl import DEFUSEDXML
    assert DEFUSEDXML is True


def test_other_broken_files_are_refused_not_a_500(login):
    water = login("water.clerk")
    no_workbook = io.BytesIO()
    with zipfile.ZipFile(no_workbook, "w") as z:
        z.writestr("hello.txt", "not a workbook")
    truncated = good()[: len(good()) // 2]
    for data in (no_workbook.getvalue(), truncated, zip_bomb(30),
                 with_part(good(), SHEET, b"<worksheet><sheetData><row>")):
        response = upload(water, data)
        page = response.get_data(as_text=True)
        assert response.status_code == 422, page[:500]
        assert "无法读取" in page or "解压后" in page or "已损坏" in page


def test_a_legitimate_ledger_of_2000_rows_reads_in_bounded_memory():
    data = ledger([row(n, **{"统一社会信用代码/身份证号": credit_code(n)}) for n in range(1, 2001)])
    archive.inspect(data)  # passes: a real ledger is far inside every limit
    tracemalloc.start()
    headers, body = checks.read(data)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert len(body) == 2000 and headers[0] == "用水户类型"
    assert peak < 20 * 1024 * 1024, peak  # about 3.5 MB measured


# ---- the error report and the kept copies ------------------------------------------------------------

def test_the_error_report_is_written_without_parsing_the_upload_again(app, login, monkeypatch):
    water = login("water.clerk")
    response = upload(water, ledger([row(1, **{"纬度": 40.5}), row(2)]))
    assert response.status_code == 422
    kept = list((Path(app.config["UPLOAD_DIR"]) / "ledger").iterdir())
    assert [p.suffix for p in kept] == [".json"]  # the rows read, not the uploaded file
    monkeypatch.setattr(checks, "load_workbook", lambda *a, **k: pytest.fail("the upload was parsed again"))
    monkeypatch.setattr(archive, "inspect", lambda *a, **k: pytest.fail("the upload was unpacked again"))
    assert water.get("/ledger/import/report").status_code == 200


def test_each_user_keeps_at_most_five_error_reports(app, login):
    water, town = login("water.clerk"), login("xiacun.clerk")
    upload(town, ledger([row(1, **{"纬度": 40.5})]))
    for n in range(7):
        assert upload(water, ledger([row(n, **{"纬度": 40.5})])).status_code == 422
    folder = Path(app.config["UPLOAD_DIR"]) / "ledger"
    assert len(list(folder.iterdir())) == report.KEEP_PER_USER + 1  # five of the clerk's, the town's one
    assert water.get("/ledger/import/report").status_code == 200  # the newest is still there
    assert town.get("/ledger/import/report").status_code == 200
    with app.app_context():
        assert db.session().scalar(select(func.count()).select_from(Well)) == 0
