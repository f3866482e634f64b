"""Reading a filled ledger and checking every row, without writing anything.

Each row is fed to RegisterWellForm as form data, so every validator and message of the registration
page applies unchanged; then duplicates within the file and against the database are looked for.
A problem is (row number in the sheet, column header or None, message).
"""
from __future__ import annotations

import io
import logging
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime

from openpyxl import load_workbook
from sqlalchemy import ARRAY, Integer, String, any_, bindparam, select
from sqlalchemy.orm import Session
from werkzeug.datastructures import MultiDict

from forms.register import RegisterWellForm

from ..cases.service import party_elsewhere, well_elsewhere
from ..directory import villages
from ..models import WaterUser, Well
from . import archive
from .archive import LedgerUnreadable
from .columns import Column, choice_code, header_of, normalize_header
from .template import SHEET

log = logging.getLogger(__name__)
MAX_ROWS = 2000
MAX_COLUMNS = 100  # columns read; the ledger has 27, anything further right is ignored

__all__ = ["LedgerUnreadable", "read", "check", "check_rows"]


@dataclass(frozen=True)
class Problem:
    row: int
    header: str | None
    message: str


@dataclass
class Checked:
    problems: list[Problem] = field(default_factory=list)
    new: list[tuple[int, "Row"]] = field(default_factory=list)
    skipped: list[int] = field(default_factory=list)
    rows: int = 0
    headers: list[str] = field(default_factory=list)                  # as read: the error report is
    body: list[tuple[int, list]] = field(default_factory=list)        # written from these, never re-parsed


def cell_text(value) -> str:
    """A cell as the text a clerk would have typed in the form."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat(" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return str(value).strip()


def plain(value):
    """A cell value as JSON keeps it (for the error report): numbers and text as they are, dates as text."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return cell_text(value) if isinstance(value, (date, datetime)) else str(value)


def read(data: bytes) -> tuple[list[str], list[tuple[int, list]]]:
    """(headers, [(row number, values)]) of the sheet 台账 (or the first sheet); blank rows left out.

    The file is vetted first (archive.inspect: unpacked size, XML, rows), then streamed by openpyxl in
    read-only mode; the row limit is checked again while streaming, blank rows counted.
    """
    archive.inspect(data)
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except LedgerUnreadable:
        raise
    except Exception as exc:  # noqa: BLE001 — any other fault of a vetted file: refused, never a 500
        log.info("ledger upload unreadable: %r", exc)
        raise LedgerUnreadable("无法读取该文件，文件结构不完整或不是 Excel 工作簿。" + archive.READ_HINT) from exc
    try:
        return _rows(book)
    except LedgerUnreadable:
        raise
    except Exception as exc:  # noqa: BLE001
        log.info("ledger sheet unreadable: %r", exc)
        raise LedgerUnreadable("无法读取该文件的工作表数据，文件可能已损坏。" + archive.READ_HINT) from exc
    finally:
        book.close()


def _rows(book) -> tuple[list[str], list[tuple[int, list]]]:
    if not book.worksheets:
        raise LedgerUnreadable("该文件中没有工作表。请使用台账模板填写后导入。")
    sheet = book[SHEET] if SHEET in book.sheetnames else book.worksheets[0]
    sheet.reset_dimensions()  # some programs write a wrong <dimension>: read every row there is
    rows = sheet.iter_rows(values_only=True, max_col=MAX_COLUMNS)
    headers = [cell_text(v) for v in next(rows, ())]
    while headers and not headers[-1]:  # rows come padded to MAX_COLUMNS: only the sheet's own columns
        headers.pop()
    body = []
    for number, values in enumerate(rows, start=2):
        if number > archive.MAX_SHEET_ROWS:  # blank rows count: a million of them cost as much as data
            raise LedgerUnreadable(f"工作表的行数超过 {archive.MAX_SHEET_ROWS:,} 行（空行也计算在内），"
                                   "请删除表格末尾多余的空行，或分成几个文件导入。")
        values = values[:len(headers)]  # a cell without a header is not read by the check either
        if any(cell_text(v) for v in values):
            body.append((number, [plain(v) for v in values]))
            if len(body) > MAX_ROWS:
                raise LedgerUnreadable(f"一个文件最多导入{MAX_ROWS}行，请分成几个文件导入。")
    return headers, body


def map_columns(headers: list[str], cols: list[Column]) -> dict[str, int]:
    """Field name → 0-based position in the sheet; refuses a sheet without a required column."""
    positions = {normalize_header(h): i for i, h in reversed(list(enumerate(headers))) if h}
    found = {c.name: positions[normalize_header(c.header)] for c in cols
             if normalize_header(c.header) in positions}
    missing = [c.header for c in cols if c.need == "required" and c.name not in found]
    if missing:
        raise LedgerUnreadable("表头缺少必填的列：" + "、".join(missing) + "。请使用台账模板，不要修改表头文字。")
    return found


def town_code(text: str, towns: list[tuple[str, str]]) -> str | None:
    key = unicodedata.normalize("NFKC", text).strip()
    for code, name in towns:
        if key in (code, unicodedata.normalize("NFKC", name)):
            return code
    return None


@dataclass
class Row:
    """One ledger row as the registration form read it: what the file and database checks and the
    registration need, kept as plain values (the form itself is reused for the next row; rows may be
    checked in other processes, ``bulk.py``)."""

    number: int
    ok: bool                        # no problem in the row itself
    well_no: str | None
    well_no_ok: bool                # the well number passed the form's checks
    party_id: str | None
    name: str | None
    party_ok: bool                  # the party id and the name passed the form's checks
    user_data: dict | None = None   # for the registration, when ``ok``
    well_data: dict | None = None


class RowChecker:
    """Feeds rows to one RegisterWellForm, as the registration page would post them: every validator and
    message of the page applies. One form for all rows (``process`` resets every field), because
    building a form costs more than checking a row with it."""

    def __init__(self, found: dict[str, int], header: dict[str, str], towns: list[tuple[str, str]],
                 own_town: str | None, known: dict[str, list[str]]):
        self.found, self.header, self.towns, self.own_town, self.known = found, header, towns, own_town, known
        self.town_names = dict(towns)
        choices = [(c, n) for c, n in towns if own_town in (None, c)]
        self.form = RegisterWellForm(formdata=None, meta={"csrf": False}, town_choices=choices)

    def __call__(self, number: int, values: list) -> tuple[list[Problem], Row]:
        problems: list[Problem] = []
        header = self.header
        formdata = MultiDict()
        for name, position in self.found.items():
            text = cell_text(values[position]) if position < len(values) else ""
            if name == "town" and text:
                code = town_code(text, self.towns)
                if code is None:
                    problems.append(Problem(number, header[name], f"镇（街道）“{text}”不在本市镇（街道）名单中，请从下拉列表中选择"))
                elif self.own_town and code != self.own_town:
                    problems.append(Problem(number, header[name], f"只能导入本镇（街道）的机井，本行属于{text}"))
                text = code or text
            elif text:
                text = choice_code(name, text)
            formdata.add(name, text)
        form = self.form
        form.process(formdata)
        form.validate()
        town_reported = bool(problems)
        for name, messages in form.errors.items():
            if name == "town" and town_reported:
                continue
            problems.extend(Problem(number, header.get(name, header_of(form[name].label.text)), m) for m in messages)
        if not problems and (refused := villages.refusal(self.known, form.town.data, form.village.data or "",
                                                          self.town_names.get(form.town.data, ""))):
            problems.append(Problem(number, header["village"], refused))
        ok = not problems
        return problems, Row(number, ok, form.well_no.data, not form.well_no.errors, form.party_id.data,
                             form.user_name.data, not (form.party_id.errors or form.user_name.errors),
                             form.user_data() if ok else None, form.well_data() if ok else None)


def in_order(checker: RowChecker, body: list[tuple[int, list]]):
    return (checker(number, values) for number, values in body)


def check(data: bytes, cols: list[Column], towns: list[tuple[str, str]], own_town: str | None,
          session: Session) -> Checked:
    headers, body = read(data)
    return check_rows(headers, body, cols, towns, own_town, session)


def check_rows(headers: list[str], body: list[tuple[int, list]], cols: list[Column], towns: list[tuple[str, str]],
               own_town: str | None, session: Session, each=in_order) -> Checked:
    """Every row through the registration form, then duplicates within the file and against the database.

    ``each(checker, body)`` yields the checker's answer for every row in order (the bulk loader checks
    the rows in several processes)."""
    found = map_columns(headers, cols)
    if not body:
        raise LedgerUnreadable("文件中没有数据行：请从第2行起每行填写一口机井。")
    header = {c.name: c.header for c in cols}
    checker = RowChecker(found, header, towns, own_town, villages.lists(session))  # village lists read once
    result, checked = Checked(rows=len(body), headers=headers, body=body), []
    for problems, row in each(checker, body):
        result.problems.extend(problems)
        checked.append(row)
    valid = _duplicates_in_file(checked, header, result)
    _against_database(session, valid, header, result, own_town)
    order = {c.header: i for i, c in enumerate(cols)}
    result.problems.sort(key=lambda p: (p.row, order.get(p.header, len(order))))
    return result


def _duplicates_in_file(checked: list[Row], header, result: Checked) -> list[Row]:
    """Rows that repeat a well number, or a party id under another name, of an earlier row (whether or
    not that row has other errors); returns the rows without any error."""
    wells: dict[str, int] = {}
    parties: dict[str, tuple[str, int]] = {}
    valid = []
    for row in checked:
        number, well_no, party, name = row.number, row.well_no, row.party_id, row.name
        clash = []
        if well_no and row.well_no_ok:
            if well_no in wells:
                clash.append(Problem(number, header["well_no"], f"机井编号 {well_no} 与第{wells[well_no]}行重复（一井一码）"))
            wells.setdefault(well_no, number)
        if party and name and row.party_ok:
            if party in parties and parties[party][0] != name:
                first_name, first_row = parties[party]
                clash.append(Problem(number, header["party_id"],
                                     f"该证件号码在第{first_row}行登记为用水户“{first_name}”，与本行名称不一致，请核对"))
            parties.setdefault(party, (name, number))
        result.problems.extend(clash)
        if row.ok and not clash:
            valid.append(row)
    return valid


def _among(session: Session, column, values: list, kind=String):
    """Conditions ``column`` is one of ``values``, one per query: on PostgreSQL all values as one array
    parameter (a bulk load checks 100,000 numbers in one statement, not 200 lists of 500); on SQLite in
    lists of 500 (its limit on parameters)."""
    if session.get_bind().dialect.name == "postgresql":
        if values:
            yield column == any_(bindparam("among", values, type_=ARRAY(kind)))
        return
    for start in range(0, len(values), 500):
        yield column.in_(values[start:start + 500])


def _against_database(session: Session, valid, header, result: Checked, own_town: str | None) -> None:
    """Rows against what is registered. A town sees another town's water users and wells only as
    "registered elsewhere, ask that town" (cases_service): 2,000 rows must not probe 2,000 names."""
    wells, owners = {}, {}
    for among in _among(session, Well.well_no, sorted({row.well_no for row in valid})):
        for well_no, town, party_id in session.execute(select(Well.well_no, Well.town, WaterUser.party_id)
                                                       .join(Well.owner).where(among)):
            wells[well_no] = (town, party_id)
    for among in _among(session, WaterUser.party_id, sorted({row.party_id for row in valid})):
        owners.update((party_id, (owner_id, name, town)) for owner_id, party_id, name, town in session.execute(
            select(WaterUser.id, WaterUser.party_id, WaterUser.name, WaterUser.town).where(among)))
    visible = _owners_with_wells_in(session, own_town, [o[0] for o in owners.values() if o[2] != own_town])
    for row in valid:
        number, well_no, party, name = row.number, row.well_no, row.party_id, row.name
        if well_no in wells:
            well_town, owner_party = wells[well_no]
            if own_town is not None and well_town != own_town:
                result.problems.append(Problem(number, header["well_no"], well_elsewhere(well_no, well_town)))
            elif owner_party == party:
                result.skipped.append(number)  # imported before: re-importing the file changes nothing
            else:
                result.problems.append(Problem(number, header["well_no"],
                                               f"机井编号 {well_no} 已登记为其他用水户的机井，请核对"))
        elif party in owners and owners[party][1] != name:
            owner_id, owner_name, owner_town = owners[party]
            if own_town is None or owner_town == own_town or owner_id in visible:
                message = f"该证件号码已登记为用水户“{owner_name}”，与填写的名称不一致，请核对"
            else:
                message = party_elsewhere(owner_town)
            result.problems.append(Problem(number, header["party_id"], message))
        else:
            result.new.append((number, row))


def _owners_with_wells_in(session: Session, town: str | None, owner_ids: list[int]) -> set[int]:
    if town is None:
        return set()
    found: set[int] = set()
    for among in _among(session, Well.owner_id, sorted(owner_ids), Integer):
        found.update(session.scalars(select(Well.owner_id).where(among, Well.town == town)))
    return found
