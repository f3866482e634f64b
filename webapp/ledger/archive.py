"""Checking an uploaded .xlsx before openpyxl reads it, so no file can cost more than a ledger should.

An .xlsx is a zip of XML parts. Before anything is unpacked for real:

1. the zip's directory: how many parts, how large they are unpacked (the sum of the declared sizes),
   and the ratio to the packed size. ``zipfile`` never inflates a part beyond its declared size (it stops
   there and then fails the CRC check), so the declared sizes bound what any later step can unpack:
   a 2 MB file that would inflate to 1 GB is refused here, in microseconds;
2. every XML part, streamed through expat with counting callbacks and no tree (constant memory): a DTD
   (entities, "billion laughs", external files) is refused, as is XML that is not well formed, a sheet
   with more rows (blank ones counted, and row numbers beyond the limit) or a row with more cells than
   a ledger can have, too many shared strings, or too many elements in all.

Only then does openpyxl open it (read-only, streaming; defusedxml installed as a second guard), and it
can no longer meet anything large or hostile. Each refusal says in Chinese what is wrong with the file.
"""
from __future__ import annotations

import io
import zipfile
from xml.parsers import expat

MB = 1024 * 1024
MAX_UNPACKED = 20 * MB        # a 2,000-row ledger unpacks to about 3 MB
MAX_RATIO = 100               # packed → unpacked; a real sheet is 5–30 times smaller packed
RATIO_FROM = 1 * MB           # below this, any ratio is harmless
MAX_PARTS = 200
MAX_SHEET_ROWS = 10_000       # rows of one sheet, blank rows included (the template alone has 1,001)
MAX_CELLS_PER_ROW = 1_000
MAX_SHARED_STRINGS = 200_000
MAX_ELEMENTS = 1_500_000      # all XML elements of the file together
CHUNK = 64 * 1024

READ_HINT = "请用 Excel 或 WPS 打开后另存为 .xlsx 格式，再重新导入（可先下载台账模板）。"


class LedgerUnreadable(Exception):
    """The file as a whole cannot be checked (not a workbook, unsafe, required columns missing, too many
    rows); the message says why, in words a clerk can act on."""


class _Refused(Exception):
    pass


def inspect(data: bytes) -> None:
    """Refuse a file whose unpacking or parsing would cost more than a ledger's (LedgerUnreadable)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError) as exc:
        raise LedgerUnreadable("无法读取该文件：它不是有效的 .xlsx 文件（无法解压），如设置了打开密码请先取消。" + READ_HINT) from exc
    with archive:
        parts = archive.infolist()
        check_directory(parts)
        budget = [MAX_ELEMENTS]
        for part in parts:
            if part.filename.endswith((".xml", ".rels")) and not part.is_dir():
                _check_xml(archive, part, budget)


def check_directory(parts: list[zipfile.ZipInfo], max_unpacked: int = MAX_UNPACKED) -> None:
    """The zip directory alone: parts, encryption, declared unpacked size (``max_unpacked``) and ratio."""
    if len(parts) > MAX_PARTS:
        raise LedgerUnreadable(f"该文件包含 {len(parts)} 个内部部件，不像是一份台账（最多 {MAX_PARTS} 个）。"
                               "请只保留台账工作表，另存为新文件后再导入。")
    if any(part.flag_bits & 0x1 for part in parts):
        raise LedgerUnreadable("该文件的内容已加密，无法读取。请在 Excel 或 WPS 中取消密码保护，另存后再导入。")
    unpacked = sum(part.file_size for part in parts)
    packed = sum(part.compress_size for part in parts)
    if unpacked > max_unpacked:
        raise LedgerUnreadable(f"该文件解压后有 {unpacked / MB:,.0f} MB，超过了台账文件的上限 {max_unpacked // MB} MB"
                               f"（2000 行的台账解压后约 3 MB）。请删除多余的工作表、图片和空行，或分成几个文件导入。")
    if unpacked > RATIO_FROM and unpacked > MAX_RATIO * max(packed, 1):
        raise LedgerUnreadable(f"该文件的压缩比异常（解压后是压缩时的 {unpacked // max(packed, 1)} 倍），"
                               "不像是正常保存的台账，已拒绝读取。" + READ_HINT)


def _check_xml(archive: zipfile.ZipFile, part: zipfile.ZipInfo, budget: list[int]) -> None:
    name = part.filename
    counter = _Counter(name, budget)
    parser = expat.ParserCreate()
    parser.StartDoctypeDeclHandler = counter.doctype
    parser.EntityDeclHandler = counter.entity
    parser.StartElementHandler = counter.start
    try:
        with archive.open(part) as stream:
            while chunk := stream.read(CHUNK):
                parser.Parse(chunk, False)
            parser.Parse(b"", True)
    except _Refused as exc:
        raise LedgerUnreadable(str(exc)) from None
    except expat.ExpatError as exc:
        raise LedgerUnreadable(f"该文件的内部数据已损坏（{_part_label(name)}第 {exc.lineno} 行 XML 格式错误），"
                               "无法读取。" + READ_HINT) from exc
    except (zipfile.BadZipFile, EOFError, OSError, RuntimeError, NotImplementedError) as exc:
        # a CRC mismatch (a part larger than declared, or damaged), an unsupported compression, a password
        raise LedgerUnreadable(f"该文件已损坏（{_part_label(name)}无法解压或校验失败），无法读取。" + READ_HINT) from exc


def _part_label(name: str) -> str:
    if "worksheets/" in name:
        return "工作表数据"
    if name.endswith("sharedStrings.xml"):
        return "共享文字表"
    return f"部件 {name} "


class _Counter:
    """expat callbacks: counts, never keeps anything. Raises _Refused with the message for the clerk."""

    def __init__(self, name: str, budget: list[int]):
        self.name, self.budget = name, budget
        self.rows = self.cells = self.strings = 0

    def doctype(self, *_args):
        raise _Refused(f"该文件（{_part_label(self.name)}）含有 DTD/实体定义，正常的 Excel 或 WPS 文件不会有，"
                       "可能是被恶意构造的文件，已拒绝读取。" + READ_HINT)

    def entity(self, *_args):
        self.doctype()

    def start(self, tag: str, attributes: dict) -> None:
        self.budget[0] -= 1
        if self.budget[0] < 0:
            raise _Refused(f"该文件的内容过多（超过 {MAX_ELEMENTS:,} 个数据元素），不像是一份台账。"
                           "请删除多余的工作表和空行，或分成几个文件导入。")
        local = tag.rsplit(":", 1)[-1]
        if local == "row":
            self.rows, self.cells = self.rows + 1, 0
            number = attributes.get("r", "")
            if self.rows > MAX_SHEET_ROWS or (number.isdigit() and int(number) > MAX_SHEET_ROWS):
                raise _Refused(f"工作表的行数超过 {MAX_SHEET_ROWS:,} 行（空行也计算在内）。一个文件最多导入 2000 行，"
                               "请删除表格末尾多余的空行（选中后“删除行”，而不是清除内容），或分成几个文件导入。")
        elif local == "c":
            self.cells += 1
            if self.cells > MAX_CELLS_PER_ROW:
                raise _Refused(f"工作表第 {self.rows} 行有超过 {MAX_CELLS_PER_ROW:,} 个单元格，不像是一份台账。"
                               "请删除多余的列后再导入。")
        elif local == "si":
            self.strings += 1
            if self.strings > MAX_SHARED_STRINGS:
                raise _Refused(f"该文件的文字内容过多（超过 {MAX_SHARED_STRINGS:,} 段），不像是一份台账。"
                               "请删除多余的工作表后再导入。")
