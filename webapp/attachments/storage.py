"""Storing a step's photos and evidence files: the bytes under the upload folder, one ``case_attachment``
row and one ``file_uploaded`` audit event per file — inside the step's transaction.

Files and rows stand or fall together. The rows are in the transaction; the files cannot be, so:

- each file is written and synced to disk under its final name *before* the commit: a committed row
  never points at a file still being written, or lost in a power cut;
- the paths written in a transaction are noted on the session; a commit forgets them, and when the
  transaction ends any other way (the route's rollback after a refused step, a failed commit, the
  session closed after an error page) the files are deleted. A refused or failed step leaves neither
  a row nor a file;
- if the process dies between writing and committing, the file stays without a row: nothing lists or
  serves it (every page and download goes through the rows), and ``sweep`` (``flask files sweep``, run
  hourly by the timer worker) deletes it once it is an hour old — long past any step still committing.

Names on disk are random, not the clerk's name (which may hold anything) and not the SHA-256: two rows
for the same photo must not share a file, or deleting one step's rolled-back copy would take the file of
another step's committed row.
"""
from __future__ import annotations

import hashlib
import logging
import os
import re
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from sqlalchemy import event, select
from sqlalchemy.orm import Session
from werkzeug.datastructures import FileStorage

from engine import Engine, EngineError
from forms.base import field_specs, spec_label
from forms.registry import FORMS
from forms.uploads import STORED_EXTENSION, content_type, display_name
from forms.validators import shorten_label

from ..models import Attachment, Case, User

log = logging.getLogger(__name__)
PENDING = "wells_files_written"  # session.info key: paths written in the current transaction
CHUNK = 1024 * 1024
ORPHAN_AGE = 3600  # seconds: a file younger than this may belong to a step still committing
STORED_NAME = re.compile(r"cases/\d+/[0-9a-f]{32}\.[a-z0-9]{1,8}")  # only names _store_one writes


class AttachmentError(EngineError):
    """A file could not be stored (disk full, folder not writable): the step is refused with this message."""


def root() -> Path:
    return Path(current_app.config["UPLOAD_DIR"])


def store(session: Session, engine: Engine, case: Case, form_key: str, task_guid: str,
          uploads: dict[str, list[FileStorage]], user: User) -> list[Attachment]:
    """Store the files the step's form validated (``TaskForm.uploads()``); call before the one commit."""
    return [_store_one(session, engine, case, form_key, task_guid, field, storage, user)
            for field, files in uploads.items() for storage in files]


def _store_one(session: Session, engine: Engine, case: Case, form_key: str, task_guid: str, field: str,
               storage: FileStorage, user: User) -> Attachment:
    name = display_name(storage.filename)
    kind = content_type(storage)
    if kind not in STORED_EXTENSION:  # the form checked it; a caller that skipped the form is refused too
        raise AttachmentError(f"“{name}”不是可以上传的文件类型，本次提交未保存。")
    relative = f"cases/{case.id}/{secrets.token_hex(16)}.{STORED_EXTENSION[kind]}"
    try:
        size, sha256 = _write(session, storage, root() / relative)
    except OSError as exc:
        log.exception("could not store an upload of case %s", case.id)
        raise AttachmentError(f"附件“{name}”未能保存（服务器存储出错），本次提交未保存，"
                              "请稍后重试；如仍不行请联系管理员。") from exc
    row = Attachment(case_id=case.id, task_guid=task_guid, form_key=form_key, field=field, file_name=name[:255],
                     content_type=kind, size=size, sha256=sha256, stored_path=relative,
                     uploaded_by=user.username)
    session.add(row)
    session.flush()
    engine.record(session, "file_uploaded", actor=user.actor, case_id=case.id, task_guid=task_guid,
                  form_key=form_key, title=name[:128],
                  data={"attachment": row.id, "field": field, "content_type": kind, "size": size, "sha256": sha256})
    return row


def _write(session: Session, storage: FileStorage, path: Path) -> tuple[int, str]:
    path.parent.mkdir(parents=True, exist_ok=True)
    # Noted before the first byte, so a file that fails half-way is deleted with the rest.
    session.info.setdefault(PENDING, []).append(path)
    digest, size = hashlib.sha256(), 0
    storage.stream.seek(0)
    with open(path, "xb") as out:  # "x": a random name that already exists is an error, never an overwrite
        while chunk := storage.stream.read(CHUNK):
            digest.update(chunk)
            out.write(chunk)
            size += len(chunk)
        out.flush()
        os.fsync(out.fileno())
    _sync_folder(path.parent)
    return size, digest.hexdigest()


def _sync_folder(folder: Path) -> None:
    """Make the new directory entry durable too (a synced file in an unsynced folder can vanish)."""
    if not hasattr(os, "O_DIRECTORY"):
        return
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@event.listens_for(Session, "after_commit")
def _keep_written(session: Session) -> None:
    session.info.pop(PENDING, None)


@event.listens_for(Session, "after_transaction_end")
def _delete_uncommitted(session: Session, transaction) -> None:
    if transaction.parent is not None:  # a savepoint: the outer transaction decides
        return
    for path in session.info.pop(PENDING, ()):
        try:
            path.unlink(missing_ok=True)
        except OSError:  # never mask the error that rolled the step back
            log.exception("could not delete %s of a rolled-back step", path)


def path_of(row: Attachment) -> Path | None:
    """The file of a row, or None if it is missing or (a tampered row) outside the upload folder."""
    base = root().resolve()
    path = (base / row.stored_path).resolve()
    if base not in path.parents or not path.is_file():
        return None
    return path


def field_label(form_key: str, field: str) -> str:
    cls = FORMS.get(form_key)
    specs = dict(field_specs(cls)) if cls else {}
    return shorten_label(spec_label(specs[field], field)) if field in specs else field


def for_case(session: Session, case_id: int) -> list[tuple[str, list[Attachment]]]:
    """The case's attachments by step and field, oldest first: ``[(title, rows), …]``."""
    groups: dict[tuple[str, str], list[Attachment]] = {}
    for row in session.scalars(select(Attachment).where(Attachment.case_id == case_id).order_by(Attachment.id)):
        groups.setdefault((row.task_guid, row.field), []).append(row)
    titled = []
    for (_guid, field), rows in groups.items():
        cls = FORMS.get(rows[0].form_key)
        step = cls.title if cls else rows[0].form_key
        titled.append((f"{step} · {field_label(rows[0].form_key, field)}", rows))
    return titled


def counts_by_step(groups: list[tuple[str, list[Attachment]]]) -> dict[str, int]:
    """Files per step (task id), for the case timeline."""
    counts: dict[str, int] = {}
    for _title, rows in groups:
        for row in rows:
            counts[row.task_guid] = counts.get(row.task_guid, 0) + 1
    return counts


@dataclass(frozen=True)
class Swept:
    orphans: int
    reports: int


def sweep(session: Session, upload_dir: Path, now: float | None = None) -> Swept:
    """Delete attachment files no row points at (a worker killed between writing and committing) once
    they are ORPHAN_AGE old, and the ledger's kept error reports past their day. Only names this module
    writes are considered: nothing else under the upload folder is touched."""
    from ..ledger import report

    now = now or time.time()
    cases = upload_dir / "cases"
    orphans = 0
    if cases.is_dir():
        known = set(session.scalars(select(Attachment.stored_path)))
        for path in cases.rglob("*"):
            relative = path.relative_to(upload_dir).as_posix()
            if (not path.is_file() or not STORED_NAME.fullmatch(relative) or relative in known
                    or path.stat().st_mtime > now - ORPHAN_AGE):
                continue
            path.unlink(missing_ok=True)
            orphans += 1
            log.info("removed orphan upload %s (no case_attachment row)", relative)
    expired = report.expired(str(upload_dir), now)
    for path in expired:
        path.unlink(missing_ok=True)
    return Swept(orphans, len(expired))
