"""The error report: the uploaded workbook with each wrong cell filled red and commented, and an
错误 column per row. The upload is kept on disk (config ``UPLOAD_DIR``/ledger, random name) for the
download, never in the session cookie; files older than a day are removed."""
from __future__ import annotations

import io
import json
import re
import secrets
import time
from collections import defaultdict
from pathlib import Path

from openpyxl import load_workbook
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill

from .checks import Problem
from .columns import normalize_header
from .template import SHEET

ERROR_HEADER = "错误"
ERROR_FILL = PatternFill("solid", fgColor="FFC7CE")
KEEP_SECONDS = 24 * 3600
TOKEN = re.compile(r"[A-Za-z0-9_-]{20,64}")


def _folder(upload_dir: str) -> Path:
    folder = Path(upload_dir) / "ledger"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def save(upload_dir: str, data: bytes, problems: list[Problem], username: str, filename: str) -> str:
    folder = _folder(upload_dir)
    cutoff = time.time() - KEEP_SECONDS
    for old in folder.iterdir():
        if old.stat().st_mtime < cutoff:
            old.unlink(missing_ok=True)
    token = secrets.token_urlsafe(24)
    (folder / f"{token}.xlsx").write_bytes(data)
    (folder / f"{token}.json").write_text(json.dumps({
        "user": username, "file": filename,
        "problems": [[p.row, p.header, p.message] for p in problems]}, ensure_ascii=False), encoding="utf-8")
    return token


def load(upload_dir: str, token: str | None, username: str) -> tuple[bytes, str, list[Problem]] | None:
    """The kept upload, its name and its problems; None if gone or someone else's."""
    if not token or not TOKEN.fullmatch(token):
        return None
    folder = _folder(upload_dir)
    try:
        meta = json.loads((folder / f"{token}.json").read_text(encoding="utf-8"))
        data = (folder / f"{token}.xlsx").read_bytes()
    except (OSError, ValueError):
        return None
    if meta.get("user") != username:
        return None
    return data, meta.get("file") or "台账.xlsx", [Problem(*p) for p in meta["problems"]]


def marked_workbook(data: bytes, problems: list[Problem]) -> bytes:
    book = load_workbook(io.BytesIO(data))
    sheet = book[SHEET] if SHEET in book.sheetnames else book.worksheets[0]
    columns = {}
    for cell in sheet[1]:
        if cell.value is not None:
            columns.setdefault(normalize_header(cell.value), cell.column)
    error_column = columns.get(ERROR_HEADER) or sheet.max_column + 1
    header = sheet.cell(row=1, column=error_column, value=ERROR_HEADER)
    header.font = Font(bold=True, color="9C0006")
    by_cell, by_row = defaultdict(list), defaultdict(list)
    for p in problems:
        by_row[p.row].append(f"{p.header}：{p.message}" if p.header else p.message)
        column = columns.get(normalize_header(p.header)) if p.header else None
        if column:
            by_cell[(p.row, column)].append(p.message)
    for (row, column), messages in by_cell.items():
        cell = sheet.cell(row=row, column=column)
        cell.fill = ERROR_FILL
        cell.comment = Comment("\n".join(messages), "导入检查", width=260, height=80)
    for row in range(2, sheet.max_row + 1):
        cell = sheet.cell(row=row, column=error_column, value="；".join(by_row.get(row, [])) or None)
        cell.data_type = "s" if cell.value else cell.data_type
        if cell.value:
            cell.font = Font(color="9C0006")
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
